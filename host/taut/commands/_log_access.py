"""What the log commands share: the --db option and opening the log with user-facing errors."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TYPE_CHECKING

from taut.commands import CommandError

if TYPE_CHECKING:
    from taut.store import WorkoutLog


def add_db_argument(parser: argparse.ArgumentParser, *, default: str = "$TAUT_DB or the user data directory",
                    purpose: str = "workout log file") -> None:
    """The --db option of every command that reads or writes the log (`default`: what it falls back to)."""
    parser.add_argument("--db", metavar="PATH", help=f"{purpose} (default: {default})")


def open_for(args: argparse.Namespace, *, readonly: bool | None, create: bool = False) -> WorkoutLog:
    """Open the log named by --db; a LogError becomes a one-line CommandError.

    Only commands that record (create=True) may make a new log: a read at a mistyped path is an error.
    """
    from taut.store import LogError, open_log

    try:
        return open_log(getattr(args, "db", None), readonly=readonly, create=create)
    except LogError as exc:
        raise CommandError(str(exc)) from exc


def parse_date(text: str) -> float:
    """YYYY-MM-DD (local midnight) as unix seconds, for argparse."""
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d").timestamp()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def local_time(unix_s: float) -> str:
    return dt.datetime.fromtimestamp(unix_s).strftime("%Y-%m-%d %H:%M")
