"""Typed failures of the workout log: one root, one class per thing a user can fix."""

from __future__ import annotations


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
