"""The workout log (SQLite, WAL): open it with `open_log()`; errors derive from `LogError`."""

from taut.store.calibration_rows import BandProfileRecord, CalibrationRecord
from taut.store.errors import (
    CorruptError,
    DiskFullError,
    FutureVersionError,
    LockedError,
    LogError,
    NotFoundError,
    ReadOnlyError,
)
from taut.store.paths import default_log_path
from taut.store.schema import SCHEMA_VERSION
from taut.store.sessions import SessionSummary, SetSummary
from taut.store.workout_log import WorkoutLog, open_log

__all__ = [
    "SCHEMA_VERSION",
    "BandProfileRecord",
    "CalibrationRecord",
    "CorruptError",
    "DiskFullError",
    "FutureVersionError",
    "LockedError",
    "LogError",
    "NotFoundError",
    "ReadOnlyError",
    "SessionSummary",
    "SetSummary",
    "WorkoutLog",
    "default_log_path",
    "open_log",
]
