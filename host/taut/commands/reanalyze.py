"""`taut reanalyze`: run the current analysis again over the raw samples stored in the log (and the coach's summaries)."""

from __future__ import annotations

import argparse


from taut import __version__
from taut.commands import CommandError
from taut.commands._log_access import add_db_argument, open_for


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sessions", type=int, nargs="*", metavar="SESSION", help="session ids (default: all)")
    parser.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    add_db_argument(parser)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from taut.exercises import UnknownExerciseError
    from taut.signal import analyze
    from taut.store import LogError, NotFoundError

    console = Console()
    with open_for(args, readonly=True if args.dry_run else False) as db:
        ids = args.sessions or [s.id for s in reversed(db.sessions())]
        try:
            infos = [db.session(sid) for sid in ids]  # every id checked before anything is analysed
        except NotFoundError as exc:
            raise CommandError(f"{exc}; nothing was changed") from exc
        new_sets: dict[int, list] = {}
        lines = []
        for info in infos:
            time_s, tension_n = db.samples(info.id)
            if len(time_s) == 0:
                lines.append(f"session {info.id}: no raw samples stored, skipped")
                continue
            try:
                result = analyze(time_s, tension_n, exercise=info.exercise)
            except UnknownExerciseError:
                result = analyze(time_s, tension_n)
            sets = result.sets
            if info.exercise is not None:
                import dataclasses

                sets = [s if s.exercise else dataclasses.replace(s, exercise=info.exercise) for s in sets]
            from taut.commands._coach import band_rank, resummarize

            sets = resummarize(db.sets(info.id), sets, info.exercise, band_rank(args.db, info.exercise))
            new_sets[info.id] = sets
            before = (info.set_count, info.rep_count, info.partial_count)
            after = (len(sets), sum(len(s.reps) for s in sets), sum(r.partial for s in sets for r in s.reps))
            verb = "would change" if args.dry_run else "now"
            lines.append(
                f"session {info.id}: sets/reps/partials {before[0]}/{before[1]}/{before[2]} → {verb} "
                f"{after[0]}/{after[1]}/{after[2]}"
            )
        if not args.dry_run and new_sets:
            try:
                db.replace_analyses(new_sets, analysis=f"reanalyze {__version__}")
            except LogError as exc:
                raise CommandError(f"{exc}; no session was changed") from exc
    for line in lines:
        console.print(line, markup=False, highlight=False)
    return 0
