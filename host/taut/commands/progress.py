"""`taut progress`: per exercise and week, sets, reps, good reps, TUT, tension, tempo adherence and
partial share; a terminal chart, an optional PNG, and personal bests."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from taut.commands import CommandError
from taut.commands._log_access import add_db_argument, open_for, parse_date
from taut.text import markup_safe, printable

if TYPE_CHECKING:
    from taut.store.progress import WeekProgress

_DAY_S = 86400.0
_WEEK_COLUMNS = ("week of", "sess", "sets", "reps", "good", "TUT s", "peak N", "mean N", "tempo%", "part%")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--exercise", help="only this exercise")
    parser.add_argument("--since", type=parse_date, metavar="YYYY-MM-DD", help="from this day on")
    parser.add_argument("--until", type=parse_date, metavar="YYYY-MM-DD", help="up to and including this day")
    parser.add_argument("--png", metavar="FILE", type=Path, help="also save the chart as a PNG")
    parser.add_argument("--no-chart", action="store_true", help="tables only, no terminal chart")
    add_db_argument(parser)


def by_exercise(weeks: list[WeekProgress]) -> dict[str | None, list[WeekProgress]]:
    out: dict[str | None, list[WeekProgress]] = {}
    for w in weeks:
        out.setdefault(w.exercise, []).append(w)
    return out


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f}"


def terminal_chart(groups: dict[str | None, list[WeekProgress]], *, width: int, colour: bool) -> str:
    """Weekly TUT (minutes) per exercise as a plotext line chart, as text."""
    import plotext as plt

    weeks = sorted({w.week_start for ws in groups.values() for w in ws})
    x_of = {w: i for i, w in enumerate(weeks)}
    plt.clear_figure()
    plt.plot_size(max(40, min(width, 120)), 18)
    for ex, ws in groups.items():
        xs = [x_of[w.week_start] for w in ws]
        plt.plot(xs, [w.tut_s / 60.0 for w in ws], label=printable(ex, "(no exercise)"), marker="braille")
    step = max(1, len(weeks) // 6)
    ticks = [i for i in range(len(weeks)) if i % step == 0]
    plt.xticks(ticks, [weeks[i] for i in ticks])
    plt.title("time under tension per week (min)")
    if not colour:
        plt.theme("clear")
    text = plt.build()
    return text if colour else plt.uncolorize(text)


def run(args: argparse.Namespace) -> int:
    from rich import box
    from rich.console import Console
    from rich.table import Column, Table

    from taut.share.targets import target_tempos
    from taut.store.progress import BEST_METRICS

    until = None if args.until is None else args.until + _DAY_S
    console = Console()
    with open_for(args, readonly=None) as db:
        targets = target_tempos()
        weeks = db.weekly_progress(targets, exercise=args.exercise, since_unix_s=args.since, until_unix_s=until)
        bests = db.personal_bests(exercise=args.exercise, since_unix_s=args.since, until_unix_s=until)
    if not weeks:
        filtered = args.exercise is not None or args.since is not None or args.until is not None
        console.print("nothing matches" if filtered else "no reps logged yet")
        return 0
    groups = by_exercise(weeks)
    for ex, ws in groups.items():
        table = Table(
            *(Column(h, no_wrap=True) for h in _WEEK_COLUMNS), padding=(0, 1), pad_edge=False, collapse_padding=True,
            title=f"{markup_safe(ex, '(no exercise)')} · target tempo "
            + (str(targets[ex]) if ex in targets else "–"),
            box=box.SIMPLE_HEAD,
        )  # fmt: skip
        for w in ws:
            table.add_row(
                w.week_start, str(w.sessions), str(w.sets), str(w.reps), str(w.good_reps), f"{w.tut_s:.0f}",
                f"{w.peak_n:.1f}", "–" if w.mean_n is None else f"{w.mean_n:.1f}", _pct(w.tempo_adherence),
                _pct(w.partial_share),
            )  # fmt: skip
        console.print(table)
    if bests:
        table = Table("exercise", "personal best", "value", "session", "set", "on", title="personal bests", box=box.SIMPLE_HEAD)
        for b in bests:
            label, unit = BEST_METRICS[b.metric]
            value = f"{b.value:.1f} {unit}".strip() if unit else f"{b.value:.0f}"
            day = dt.datetime.fromtimestamp(b.started_unix_s).strftime("%Y-%m-%d")
            table.add_row(markup_safe(b.exercise, "(no exercise)"), label, value, str(b.session_id), str(b.set_index + 1), day)
        console.print(table)
    if not args.no_chart:
        try:
            chart = terminal_chart(groups, width=console.width, colour=sys.stdout.isatty())
        except ImportError:
            console.print("(no terminal chart: plotext is not installed; pip install 'taut[chart]')")
        else:
            sys.stdout.write(chart + "\n")
    if args.png is not None:
        try:
            from taut.ui.plots_qt import render_progress_png
        except ImportError as exc:
            raise CommandError(f"--png needs the GUI extra (pip install 'taut[gui]'): {exc}") from None
        series = {
            printable(ex, "(no exercise)"): ([w.week_start for w in ws], [w.tut_s for w in ws], [w.peak_n for w in ws])
            for ex, ws in groups.items()
        }
        try:
            render_progress_png(args.png, series, title="Taut progress")
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        console.print(f"wrote {markup_safe(args.png)}")
    return 0
