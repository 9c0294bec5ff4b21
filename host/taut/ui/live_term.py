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
    return Group(Panel(trace, title=title), counters, Text(frame.status.text, style="dim"))


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

