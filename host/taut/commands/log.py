"""`taut log check|recover|import`: is the workout log sound, a way out when it is not, and
putting back what `taut live` could not log."""

from __future__ import annotations

import argparse
from pathlib import Path

from taut.commands import CommandError
from taut.commands._log_access import add_db_argument, open_for


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = sub.add_parser("check", help="SQLite's full integrity check of the log (read-only)")
    add_db_argument(check)
    recover = sub.add_parser("recover", help="copy every readable row into a new log (the old one is not touched)")
    recover.add_argument("-o", "--output", type=Path, required=True, metavar="NEW", help="the new log file (must not exist)")
    add_db_argument(recover)
    imp = sub.add_parser(
        "import",
        help="apply a recovery file's sets, reps and samples to the log (the file is removed once all are in)",
        description="Apply a recovery file written by `taut live` (FILE: <log>.recovery-<session>-<time>.json) "
        "to its session in the log, or to a new session when the log does not have it.",
    )
    imp.add_argument("file", type=Path, metavar="FILE")
    add_db_argument(imp, default="the log named in FILE, else $TAUT_DB or the user data directory")


def run(args: argparse.Namespace) -> int:
    if args.action == "import":
        return _import(args)
    from taut.store import LogError
    from taut.store.paths import resolve_log_path
    from taut.store.recover import check, recover

    path = resolve_log_path(args.db)
    try:
        if args.action == "check":
            problems = check(path)
            if problems:
                for line in problems[:20]:
                    print(f"  {line}")
                raise CommandError(
                    f"{path}: damaged ({len(problems)} problem{'s' * (len(problems) > 1)}); "
                    f"`taut log recover --db {path} -o NEW` copies what is readable into a new log"
                )
            print(f"{path}: ok")
            return 0
        stats = recover(path, args.output)
    except LogError as exc:
        raise CommandError(str(exc)) from None
    lost = sum(stats.unreadable.values()) + sum(stats.orphaned.values())
    detail = ", ".join(f"{n} {t}" for t, n in stats.copied.items() if n)
    print(f"recovered {stats.total_copied} rows into {args.output} ({detail})")
    if lost:
        gone = {**stats.unreadable}
        for t, n in stats.orphaned.items():
            gone[t] = gone.get(t, 0) + n
        print(f"left out {lost} rows that were unreadable or lost their parent: "
              + ", ".join(f"{n} {t}" for t, n in gone.items()))
    print(f"{path} was not changed; use the new log with --db {args.output} (or move it into place)")
    return 0


def _import(args: argparse.Namespace) -> int:
    from taut.store import LogError
    from taut.store.recovery import RecoveryFileError, RecoveryWriteError, import_file, load

    try:
        rec = load(args.file)  # a bad file is refused before the log is even opened
    except RecoveryFileError as exc:
        raise CommandError(str(exc)) from exc
    if args.db is None and rec.log_path is not None and Path(rec.log_path).exists():
        args.db = rec.log_path  # the log the session was being written to
    db = open_for(args, readonly=False, create=True)  # the data must go somewhere, even into a new log
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
