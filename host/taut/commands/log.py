"""`taut log check|recover`: is the workout log sound, and a way out when it is not."""

from __future__ import annotations

import argparse
from pathlib import Path

from taut.cli import CommandError
from taut.commands._log_access import add_db_argument

NAME = "log"
HELP = "check the workout log for damage, or recover what is readable into a new log"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = sub.add_parser("check", help="SQLite's full integrity check of the log (read-only)")
    add_db_argument(check)
    recover = sub.add_parser("recover", help="copy every readable row into a new log (the old one is not touched)")
    recover.add_argument("-o", "--output", type=Path, required=True, metavar="NEW", help="the new log file (must not exist)")
    add_db_argument(recover)


def run(args: argparse.Namespace) -> int:
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
