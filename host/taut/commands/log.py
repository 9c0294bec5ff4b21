"""`taut log import FILE`: put a recovery file (what `taut live` could not log) into the workout log."""

from __future__ import annotations

import argparse
from pathlib import Path

from taut.cli import CommandError
from taut.commands._log_access import open_for

NAME = "log"
HELP = "workout log upkeep: import a recovery file left by `taut live`"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="log_command", metavar="ACTION", required=True)
    imp = sub.add_parser(
        "import",
        help="apply a recovery file's sets, reps and samples to the log (the file is removed once all are in)",
        description="Apply a recovery file written by `taut live` (FILE: <log>.recovery-<session>-<time>.json) "
        "to its session in the log, or to a new session when the log does not have it.",
    )
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--db", metavar="PATH", help="workout log file (default: the log named in FILE, else $TAUT_DB or the user data directory)")


def run(args: argparse.Namespace) -> int:
    from taut.store import LogError
    from taut.store.recovery import RecoveryFileError, RecoveryWriteError, import_file, load

    try:
        rec = load(args.file)  # a bad file is refused before the log is even opened
    except RecoveryFileError as exc:
        raise CommandError(str(exc)) from exc
    if args.db is None and rec.log_path is not None and Path(rec.log_path).exists():
        args.db = rec.log_path  # the log the session was being written to
    db = open_for(args, readonly=False)
    try:
        result = import_file(db, args.file)
    except (RecoveryFileError, RecoveryWriteError, LogError) as exc:
        raise CommandError(str(exc)) from exc
    finally:
        db.close()
    where = f"a new session {result.session_id}" if result.new_session else f"session {result.session_id}"
    if result.left:
        raise CommandError(
            f"{result.reps} reps and {result.samples} samples went into {where}; {result.left} entries still could not "
            f"be written ({result.error}) and stay in {args.file}: run the import again later"
        )
    print(
        f"imported {result.reps} reps and {result.samples} samples into {where}, which now has {result.session_reps} reps "
        f"(taut show {result.session_id}); {args.file} removed"
    )
    return 0
