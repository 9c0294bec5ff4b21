"""`taut history`: past sessions (or sets), newest first, filtered by exercise and date."""

from __future__ import annotations

import argparse


from taut.commands._log_access import add_db_argument, local_time, open_for, parse_date
from taut.text import markup_safe


_DAY_S = 86400.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--exercise", help="only sessions with a set of this exercise")
    parser.add_argument("--since", type=parse_date, metavar="YYYY-MM-DD", help="from this day on")
    parser.add_argument("--until", type=parse_date, metavar="YYYY-MM-DD", help="up to and including this day")
    parser.add_argument("--sets", action="store_true", help="one line per set instead of per session")
    parser.add_argument("--limit", type=int, default=50, help="at most this many lines (default 50; 0 = all)")
    add_db_argument(parser)


def run(args: argparse.Namespace) -> int:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    until = None if args.until is None else args.until + _DAY_S
    limit = args.limit or None
    console = Console()
    with open_for(args, readonly=None) as db:
        if args.sets:
            rows = db.set_summaries(exercise=args.exercise, since_unix_s=args.since, until_unix_s=until, limit=limit)
            table = Table("id", "set", "reps", "part.", "TUT s", "peak N", "mean N", box=box.SIMPLE_HEAD)
            table.add_column("started", no_wrap=True)
            table.add_column("exercise", no_wrap=True)
            for s in rows:
                table.add_row(
                    str(s.session_id), str(s.set_index + 1), str(s.rep_count), str(s.partial_count), f"{s.tut_s:.1f}",
                    "–" if s.peak_n is None else f"{s.peak_n:.1f}", "–" if s.mean_n is None else f"{s.mean_n:.1f}",
                    local_time(s.started_unix_s), markup_safe(s.exercise, "–"),
                )  # fmt: skip
        else:
            rows = db.sessions(exercise=args.exercise, since_unix_s=args.since, until_unix_s=until, limit=limit)
            table = Table("id", "sets", "reps", "part.", "TUT s", "band", "source", box=box.SIMPLE_HEAD)
            table.add_column("started", no_wrap=True)
            table.add_column("exercise", no_wrap=True)
            for s in rows:
                table.add_row(
                    str(s.id), str(s.set_count), str(s.rep_count), str(s.partial_count), f"{s.tut_s:.1f}",
                    markup_safe(s.band, "–"), markup_safe(s.source), local_time(s.started_unix_s), markup_safe(s.exercise, "–"),
                )  # fmt: skip
    if not rows:
        filtered = args.exercise is not None or args.since is not None or args.until is not None
        console.print("nothing matches" if filtered else "no sessions logged yet")
        return 0
    console.print(table)
    return 0
