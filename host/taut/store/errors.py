"""Typed failures of the workout log: one root, one class per thing a user can fix."""

from __future__ import annotations

import sqlite3
from pathlib import Path

RECOVERY_HINT = "`taut log check` tells what is wrong; `taut log recover -o NEW` copies what is readable into a new log"


class LogError(Exception):
    """Any failure opening, reading or writing the workout log."""


class LockedError(LogError):
    """Another process holds the database lock longer than we were willing to wait."""


class ReadOnlyError(LogError):
    """The database file (or its directory, needed for WAL files) cannot be written."""


class DiskFullError(LogError):
    """The disk (or the database's size limit) is full: the write was rolled back, older data kept."""


class CorruptError(LogError):
    """The file is not a readable SQLite database, or not a Taut log."""


class FutureVersionError(LogError):
    """The log was written by a newer Taut (schema version above ours); we never touch it."""

    def __init__(self, found: int, supported: int, path: str) -> None:
        super().__init__(
            f"{path}: log schema version {found} is newer than this Taut supports ({supported}); "
            "upgrade Taut, the file was left untouched"
        )
        self.found = found
        self.supported = supported


class NotFoundError(LogError):
    """A session (or set) asked for by id does not exist."""


def translate(exc: sqlite3.Error, path: Path) -> LogError:
    """The typed `LogError` for an SQLite failure on the log at `path` (its message kept)."""
    msg = str(exc).lower()
    if "locked" in msg or "busy" in msg:
        return LockedError(f"{path}: the log is locked by another process ({exc})")
    if "readonly" in msg or "read-only" in msg or "read only" in msg:
        return ReadOnlyError(f"{path}: the log cannot be written ({exc})")
    if "disk is full" in msg or "database or disk is full" in msg:
        return DiskFullError(f"{path}: the disk is full; this write was rolled back, everything before it is kept ({exc})")
    if "unable to open" in msg:
        return ReadOnlyError(f"{path}: cannot open the log ({exc})")
    if isinstance(exc, sqlite3.DatabaseError) and ("not a database" in msg or "malformed" in msg or "corrupt" in msg):
        return CorruptError(f"{path}: the log is damaged ({exc}); the file was left untouched. {RECOVERY_HINT}")
    return LogError(f"{path}: {exc}")
