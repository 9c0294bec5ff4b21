"""`taut reanalyze`: run the current analysis again over the raw samples stored in the log."""

from __future__ import annotations

import argparse

from rich.console import Console

from taut import __version__
from taut.cli import CommandError
from taut.commands._log_access import add_db_argument, open_for
from taut.store import LogError, NotFoundError

NAME = "reanalyze"
HELP = "rerun the current rep analysis over logged raw samples (replaces the stored sets)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sessions", type=int, nargs="*", metavar="SESSION", help="session ids (default: all)")
    parser.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    add_db_argument(parser)


def run(args: argparse.Namespace) -> int:
    from taut.signal import UnknownExerciseError, analyze

    console = Console()
    with open_for(args, readonly=True if args.dry_run else False) as db:
        ids = args.sessions or [s.id for s in reversed(db.sessions())]
        for sid in ids:
            try:
                info = db.session(sid)
            except NotFoundError as exc:
                raise CommandError(str(exc)) from exc
            time_s, tension_n = db.samples(sid)
            if len(time_s) == 0:
                console.print(f"session {sid}: no raw samples stored, skipped")
                continue
            try:
                result = analyze(time_s, tension_n, exercise=info.exercise)
            except UnknownExerciseError:
                result = analyze(time_s, tension_n)
            sets = result.sets
            if info.exercise is not None:
                from taut.records import RepSet

                sets = [s if s.exercise else RepSet(s.index, s.reps, info.exercise, s.extra) for s in sets]
            before = (info.set_count, info.rep_count, info.partial_count)
            after = (len(sets), sum(len(s.reps) for s in sets), sum(r.partial for s in sets for r in s.reps))
            if not args.dry_run:
                try:
                    db.replace_analysis(sid, sets, analysis=f"reanalyze {__version__}")
                except LogError as exc:
                    raise CommandError(str(exc)) from exc
            verb = "would change" if args.dry_run else "now"
            console.print(
                f"session {sid}: sets/reps/partials {before[0]}/{before[1]}/{before[2]} → {verb} "
                f"{after[0]}/{after[1]}/{after[2]}"
            )
    return 0
