"""`taut show SESSION`: a per-rep table for each set, and a PNG plot of each set."""

from __future__ import annotations

import argparse
from pathlib import Path


from taut.commands import CommandError
from taut.commands._log_access import add_db_argument, local_time, open_for
from taut.ui.units import UNITS, per_newton
from taut.text import markup_safe


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", type=int, help="session id (see `taut history`)")
    parser.add_argument("--unit", choices=UNITS, default="N", help="tension unit (default N)")
    parser.add_argument("--png", metavar="DIR", type=Path, help="write set-N.png plots here (default: taut-session-ID)")
    parser.add_argument("--no-png", action="store_true", help="table only")
    add_db_argument(parser)


def run(args: argparse.Namespace) -> int:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from taut.store import NotFoundError

    console = Console()
    k = per_newton(args.unit)
    with open_for(args, readonly=None) as db:
        try:
            info = db.session(args.session)
        except NotFoundError as exc:
            raise CommandError(str(exc)) from exc
        sets = db.sets(args.session)
        samples = [db.samples(args.session, start_s=s.start_s - 2.0, end_s=s.end_s + 2.0) if s.reps else None for s in sets]
    console.print(
        f"session {info.id} · {local_time(info.started_unix_s)} · {markup_safe(info.exercise, 'exercise ?')} · band "
        f"{markup_safe(info.band)} · {info.set_count} sets · {info.rep_count} reps · TUT {info.tut_s:.1f} s"
    )
    u = args.unit
    for s in sets:
        n_partial = sum(r.partial for r in s.reps)
        table = Table(
            "rep", "start s", "tempo c/h/e s", "TUT s", f"peak {u}", f"mean {u}", "range %", "",
            title=f"set {s.index + 1} · {markup_safe(s.exercise)} · {len(s.reps)} reps ({n_partial} partial) · TUT {s.tut_s:.1f} s"
            + ("" if s.complete else " · (cut short)"),
            box=box.SIMPLE_HEAD,
        )  # fmt: skip
        t0 = s.reps[0].start_s if s.reps else 0.0
        for r in s.reps:
            table.add_row(
                str(r.index + 1), f"{r.start_s - t0:.1f}", f"{r.concentric_s:.1f}/{r.hold_s:.1f}/{r.eccentric_s:.1f}",
                f"{r.tut_s:.1f}", f"{r.peak_n * k:.1f}", f"{r.mean_n * k:.1f}", f"{100 * r.range_fraction:.0f}",
                "partial" if r.partial else "",
            )  # fmt: skip
        console.print(table)
        from taut.coach import logged_summary
        from taut.coach.text import summary_lines

        summary = logged_summary(s)
        if summary is not None:
            for line in summary_lines(summary):
                console.print("  coach: " + line, markup=False, highlight=False)
    if args.no_png or not any(s.reps for s in sets):
        return 0
    out_dir = args.png or Path(f"taut-session-{info.id}")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"cannot create {out_dir}: {exc}") from exc
    from taut.ui.plots_qt import render_set_png

    for s, got in zip(sets, samples):
        if got is None or len(got[0]) == 0:
            continue
        path = out_dir / f"set-{s.index + 1}.png"
        try:
            render_set_png(path, got[0], got[1], s, unit=u, title=f"session {info.id} · set {s.index + 1}")
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        console.print(f"wrote {path}")
    return 0
