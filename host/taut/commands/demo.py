"""`taut demo`: one set of each exercise on the virtual band, end to end, checked against its truth.

Exit status 0 when every set matches the truth, 1 when one differs, 2 on bad input.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from taut.commands import CommandError
from taut.exercises import EXERCISE_IDS

if TYPE_CHECKING:
    from rich.table import Table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fast", action="store_true", help="run on a simulated clock, faster than real time")
    parser.add_argument(
        "--exercise", action="append", choices=EXERCISE_IDS, metavar="X",
        help=f"only this exercise (repeatable; default all five: {', '.join(EXERCISE_IDS)})",
    )  # fmt: skip
    parser.add_argument("--view", choices=("auto", "qt", "term", "none"), default="auto", help="auto (default): a window if there is a display, else the terminal view, else none")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the virtual person and bands (default 0)")
    from taut.commands._band_args import add_runtime_argument

    add_runtime_argument(parser)
    parser.add_argument("--reps", type=int, default=5, metavar="N", help="reps per set (default 5)")
    from taut.commands._log_access import add_db_argument

    add_db_argument(parser, default="the demo's own, <user data dir>/taut/demo.sqlite3")


def _cells(t) -> list[str]:  # noqa: ANN001 (SetTotals)
    return [str(t.reps), str(t.partials), f"{t.tut_s:.1f}", f"{t.concentric_s:.1f}/{t.hold_s:.1f}/{t.eccentric_s:.1f}"]


def _cues_cell(counts: dict, band: str) -> str:
    from taut.coach.text import CUE_NAMES

    cues = ", ".join(f"{CUE_NAMES.get(k, k)} ×{n}" for k, n in counts.items()) or "no cues"
    return cues + ("" if band in ("", "ok") else f"; band {band}")


def coach_table(checks) -> Table:  # noqa: ANN001 (list[SetCheck])
    """Per set, the coach's cues (reps that earned each) and band verdict above the model's truth."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(title="coach: cues found vs. the person's habit in the model", box=box.SIMPLE_HEAD,
                  collapse_padding=True, pad_edge=False)
    table.add_column("set", no_wrap=True)
    table.add_column("", style="dim")
    table.add_column("cues (reps), band")
    table.add_column("check", no_wrap=True)
    for i, c in enumerate(checks):
        mark = Text("✓ match", style="bold green") if c.cues_match else Text("✗ differs", style="bold red")
        table.add_row(f"{i + 1} {c.exercise}", "found", _cues_cell(c.cues_found, c.band_found), mark)
        table.add_row(Text(f"  {c.habit or ''}", style="dim"), "truth", _cues_cell(c.cues_truth, c.band_truth), "",
                      end_section=True)
    return table


def summary_table(checks) -> Table:  # noqa: ANN001 (list[SetCheck])
    """Per set, what the live chain found above the virtual band's ground truth, with a match mark."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(title="demo: found by the live chain vs. the virtual band's ground truth", box=box.SIMPLE_HEAD,
                  collapse_padding=True, pad_edge=False)
    table.add_column("set", no_wrap=True)
    table.add_column("", style="dim")
    for col in ("reps", "partial", "TUT s", "tempo c/h/e s"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("check", no_wrap=True)
    for i, c in enumerate(checks):
        mark = Text("✓ match", style="bold green") if c.matches else Text("✗ " + ", ".join(c.mismatches), style="bold red")
        table.add_row(f"{i + 1} {c.exercise}", "found", *_cells(c.found), mark)
        table.add_row(Text(f"  band {c.band}", style="dim"), "truth", *_cells(c.truth), "", end_section=True)
    return table


def run(args: argparse.Namespace) -> int:
    import importlib.util

    from rich.console import Console

    if importlib.util.find_spec("bumble") is None:
        raise CommandError("the demo's virtual band needs Bumble: pip install 'taut[virtual]'")
    from taut import demo
    from taut.ble import BleError
    from taut.store import LogError, open_log

    from taut.commands._band_args import check_runtime, virtual_runtime

    check_runtime(args)
    runtime = virtual_runtime(args)
    if not 1 <= args.reps <= 30:
        raise CommandError("--reps must be between 1 and 30")
    from taut.ui.run_live import qt_available

    if args.view == "qt" and not qt_available():
        raise CommandError("--view qt needs pyqtgraph and PySide6: pip install 'taut[gui]'")
    exercises = tuple(dict.fromkeys(args.exercise)) if args.exercise else EXERCISE_IDS
    try:
        sets = demo.demo_sets(exercises, seed=args.seed, n_reps=args.reps)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    db_path = args.db if args.db is not None else demo.demo_log_path()
    try:
        db = open_log(db_path, readonly=False)
    except LogError as exc:
        raise CommandError(str(exc)) from exc
    console = Console()
    clock = "simulated clock" if args.fast else "real time"
    if runtime == "micropython":
        clock += " · real MicroPython (NimBLE)"

    def started(ds: demo.DemoSet, total: int) -> None:
        console.print(f"[bold]set {ds.index + 1}/{total}: {ds.exercise}[/] · band {ds.band} · {clock}")

    def done(check: demo.SetCheck) -> None:
        mark = "[green]✓[/]" if check.matches else "[red]✗[/]"
        console.print(f"  {mark} {check.found.reps} reps found, {check.truth.reps} done")

    sessions = []  # every set's live session, a stopped one too
    failures: tuple[type[BaseException], ...] = (BleError, LogError)
    if runtime == "micropython":
        from taut.mpstack.band import BandError
        from taut.mpstack.build import BuildError

        failures += (BandError, BuildError)
    try:
        result = demo.run_demo(
            sets, fast=args.fast, view=args.view, log_db=db, runtime=runtime,
            on_set_start=started, on_set_done=done, on_session=sessions.append,
        )  # fmt: skip
    except failures as exc:
        raise CommandError(str(exc)) from exc
    finally:
        db.close()
    console.print(summary_table(result.checks))
    console.print(coach_table(result.checks))
    if result.stopped_by_user:
        console.print(f"stopped after {len(result.checks)} of {len(sets)} sets")
    ids = [s.result.session_id for s in sessions if s.result.session_id is not None]
    if ids:
        console.print(f"logged to {db.path}: sessions {', '.join(map(str, ids))}", soft_wrap=True)
        console.print(f"  see them with: taut history --db {db.path}", soft_wrap=True)
    unlogged = [s.result.log.message() for s in sessions if s.result.log is not None and not s.result.log.complete]
    if unlogged:  # the log was locked or full: one line saying where the rest is
        raise CommandError(" | ".join(unlogged))
    if result.checks and not result.all_match:
        console.print("[red]some sets differ from the ground truth[/]")
        return 1
    return 0
