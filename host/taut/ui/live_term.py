"""Terminal live view (rich): a sparkline of the recent trace and the same counters as the window.

For machines without a display. Keys (when stdin is a terminal): space starts/ends a set,
t tares, u cycles units, q quits.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys

import numpy as np
from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from taut.ui.live_model import LiveFrame, LiveModel
from taut.ui.keys import handle_key
from taut.ui.live_session import LiveResult, LiveSession

_BARS = "▁▂▃▄▅▆▇█"


def sparkline(time_s: np.ndarray, values: np.ndarray, *, width: int, t0: float, t1: float, lo: float, hi: float) -> str:
    """One character per time bin over t0..t1: the bin's peak scaled between lo and hi; blank if empty."""
    if width < 1:
        return ""
    out = [" "] * width
    if len(time_s) == 0 or t1 <= t0:
        return "".join(out)
    bins = np.clip(((time_s - t0) / (t1 - t0) * width).astype(int), 0, width - 1)
    finite = np.isfinite(values)
    span = hi - lo if hi > lo else 1.0
    peaks = np.full(width, -np.inf)
    np.maximum.at(peaks, bins[finite], values[finite])
    for i, p in enumerate(peaks):
        if np.isfinite(p):
            out[i] = _BARS[int(np.clip((p - lo) / span * (len(_BARS) - 1) + 0.5, 0, len(_BARS) - 1))]
    overload = np.zeros(width, dtype=bool)
    overload[bins[~finite]] = True
    for i in np.flatnonzero(overload & ~np.isfinite(peaks)):
        out[i] = "!"
    return "".join(out)


def marker_line(frame: LiveFrame, width: int) -> str:
    """Rep peaks under the sparkline: '^' for a full rep, 'p' for a partial one."""
    out = [" "] * width
    t0 = frame.now_s - frame.window_s
    for m in frame.reps:
        t_peak = 0.5 * (m.rep.top_start_s + m.rep.top_end_s)
        i = int((t_peak - t0) / frame.window_s * width)
        if 0 <= i < width:
            out[i] = "p" if m.rep.partial else "^"
    return "".join(out)


def render_frame(frame: LiveFrame, *, width: int = 72) -> Group:
    """The whole terminal view for one frame."""
    c = frame.counters
    t0 = frame.now_s - frame.window_s
    finite = frame.tension[np.isfinite(frame.tension)]
    hi = float(finite.max()) if len(finite) else 1.0
    if frame.target_zone:
        hi = max(hi, frame.target_zone[1])
    spark = sparkline(frame.time_s, frame.tension, width=width, t0=t0, t1=frame.now_s, lo=0.0, hi=hi)
    current = f"{frame.tension[-1]:.1f} {frame.unit}" if len(frame.tension) and np.isfinite(frame.tension[-1]) else "–"
    trace = Text()
    trace.append(spark + "\n", style="cyan")
    trace.append(marker_line(frame, width), style="yellow")
    counters = Table.grid(padding=(0, 3))
    for _ in range(5):
        counters.add_column(justify="center")
    counters.add_row(*(Text(h, style="dim") for h in ("reps", "set TUT", "tempo c/h/e", "range", "now")))
    range_text = f"{c.last_range_pct:.0f}%" if c.last_range_pct is not None else "–"
    counters.add_row(
        Text(f"{c.reps}" + (f" ({c.partials}p)" if c.partials else ""), style="bold"),
        Text(f"{c.set_tut_s:.1f} s", style="bold"),
        Text(c.tempo_text + (" s" if c.last_concentric_s is not None else ""), style="bold"),
        Text(range_text + (" PARTIAL" if c.last_partial else ""), style="bold red" if c.last_partial else "bold"),
        Text(current, style="bold"),
    )
    zone = f" · target {frame.target_zone[0]:.0f}–{frame.target_zone[1]:.0f} {frame.unit}" if frame.target_zone else ""
    title = f"last {frame.window_s:.0f} s · peak {hi:.1f} {frame.unit}{zone}"
    parts = [Panel(trace, title=title), counters]
    if frame.coach is not None:
        parts.append(coach_text(frame.coach))
    return Group(*parts, Text(frame.status.text, style="dim"))


_MARK_CHARS = {"good": "✓", "fast": "F", "no squeeze": "S", "partial": "P"}


def rep_marks_text(marks: tuple[tuple[str, ...], ...]) -> str:
    """One character per rep: ✓ good, else F (fast), S (no squeeze), P (partial), the first that applies."""
    return "".join(_MARK_CHARS.get(m[0], "?") for m in marks)


def coach_text(st) -> Text:  # noqa: ANN001 - a taut.coach.guide.GuideState
    """The coach's lines: set and plan, target vs measured tempo, phase guide, rep marks, banner, summary."""
    out = Text()
    goal = f"{st.reps_target} reps" if st.reps_target else f"{st.seconds_target:g} s"
    out.append(f"{st.exercise} · set {st.set_number}/{st.sets_total} · {goal} · ", style="bold")
    if st.phase == "rest" and st.rest_left_s is not None:
        out.append(f"rest {st.rest_left_s:.0f} s", style="bold cyan")
    elif st.phase == "done":
        out.append("plan done", style="bold green")
    elif st.phase == "ready":
        out.append("start when ready: the set begins with its first rep", style="cyan")
    else:
        out.append(f"rep {st.reps_done}" + (f" · {st.set_elapsed_s:.0f} s" if st.set_elapsed_s is not None else ""))
    out.append(f"\ntempo target {st.target_tempo} (hold {st.target_hold_s:g} s) · last rep c/h/e {st.last_tempo or '–'}")
    if st.guide is not None:
        name, left = st.guide
        out.append(f" · now: {name.upper()}" + (f" {left:.1f} s" if left > 0 else ""), style="bold yellow")
    if st.countdown is not None:
        out.append(f" · hold it {st.countdown:g}", style="bold magenta")
    if st.marks:
        out.append(f"\nreps {rep_marks_text(st.marks)}  (✓ good, F fast, S no squeeze, P partial)")
    if st.banner is not None:
        kind, words = st.banner
        from taut.coach.guide import GOOD_KINDS

        good = kind in GOOD_KINDS
        out.append(f"\n>> {words} <<", style="bold green" if good else "bold red")
    if st.summary is not None and st.phase in ("rest", "done", "ready"):
        from taut.coach.text import summary_lines

        for line in summary_lines(st.summary):
            out.append("\nlast set: " + line, style="dim")
    return out


class TerminalView:
    """Draws the model with rich.Live while the session runs in the same event loop."""

    def __init__(self, model: LiveModel, session: LiveSession, *, fps: float = 10.0, console: Console | None = None) -> None:
        self.model = model
        self.session = session
        self.fps = fps
        self.console = console or Console()

    async def run(self) -> LiveResult:
        task = asyncio.create_task(self.session.run())
        width = max(20, min(120, self.console.width - 4))
        with contextlib.ExitStack() as stack:
            self._keys(stack)
            with Live(render_frame(self.model.frame(), width=width), console=self.console, auto_refresh=False) as live:
                while not task.done():
                    live.update(render_frame(self.model.frame(), width=width), refresh=True)
                    if self.model.take_sounds():
                        self.console.bell()  # the terminal's one sound, for any cue that makes one
                    await asyncio.wait({task}, timeout=1.0 / self.fps)
                live.update(render_frame(self.model.frame(), width=width), refresh=True)
        return task.result()

    def _keys(self, stack: contextlib.ExitStack) -> None:
        if not sys.stdin.isatty():
            return
        import termios
        import tty

        fd = sys.stdin.fileno()
        old = termios.tcgetattr(fd)
        tty.setcbreak(fd)
        stack.callback(termios.tcsetattr, fd, termios.TCSADRAIN, old)
        loop = asyncio.get_running_loop()
        loop.add_reader(fd, self._on_key, fd)
        stack.callback(loop.remove_reader, fd)

    def _on_key(self, fd: int) -> None:
        import os

        key = os.read(fd, 1).decode(errors="ignore")
        handle_key(key, self.model, self.session)

