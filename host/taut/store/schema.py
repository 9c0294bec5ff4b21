"""The log's schema as an ordered list of migrations; `PRAGMA user_version` says how far a file is.

Each migration runs in one transaction together with the version bump, so a file is always at
exactly one version. Never edit a released migration: append a new one (docs/log.md).
"""

from __future__ import annotations

import sqlite3

APPLICATION_ID = 0x54415554  # "TAUT": marks a file as a Taut log

_V1 = """
CREATE TABLE devices (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    address TEXT,
    model TEXT,
    firmware TEXT
);
CREATE TABLE bands (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    note TEXT
);
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    started_unix_s REAL NOT NULL,
    ended_unix_s REAL,
    device_id INTEGER REFERENCES devices(id),
    band_id INTEGER REFERENCES bands(id),
    exercise TEXT,
    source TEXT NOT NULL DEFAULT 'unknown',
    time_origin_s REAL NOT NULL DEFAULT 0,
    note TEXT
);
CREATE TABLE sets (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    set_index INTEGER NOT NULL,
    exercise TEXT,
    start_s REAL,
    end_s REAL,
    rep_count INTEGER NOT NULL DEFAULT 0,
    partial_count INTEGER NOT NULL DEFAULT 0,
    tut_s REAL NOT NULL DEFAULT 0,
    peak_n REAL,
    mean_n REAL,
    impulse_ns REAL,
    complete INTEGER NOT NULL DEFAULT 0,
    UNIQUE (session_id, set_index)
);
CREATE TABLE reps (
    id INTEGER PRIMARY KEY,
    set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
    rep_index INTEGER NOT NULL,
    start_s REAL NOT NULL,
    top_start_s REAL NOT NULL,
    top_end_s REAL NOT NULL,
    end_s REAL NOT NULL,
    bottom_n REAL NOT NULL,
    peak_n REAL NOT NULL,
    mean_n REAL NOT NULL,
    impulse_ns REAL NOT NULL,
    range_fraction REAL NOT NULL,
    partial INTEGER NOT NULL,
    pause_s REAL,
    concentric_s REAL NOT NULL,
    hold_s REAL NOT NULL,
    eccentric_s REAL NOT NULL,
    tut_s REAL NOT NULL,
    UNIQUE (set_id, rep_index)
);
CREATE TABLE sample_chunks (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t_first_s REAL NOT NULL,
    t_last_s REAL NOT NULL,
    n INTEGER NOT NULL,
    codec TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX sample_chunks_session ON sample_chunks(session_id, t_first_s);
CREATE INDEX sets_session ON sets(session_id);
CREATE INDEX reps_set ON reps(set_id);
"""

# v2: band calibrations, hand travel per rep, which analysis produced a set, date/exercise indexes.
_V2 = """
CREATE TABLE calibrations (
    id INTEGER PRIMARY KEY,
    created_unix_s REAL NOT NULL,
    device_id INTEGER REFERENCES devices(id),
    band_id INTEGER REFERENCES bands(id),
    offset_raw INTEGER,
    counts_per_n REAL,
    stretch_cm REAL,
    tension_n REAL,
    note TEXT
);
ALTER TABLE reps ADD COLUMN range_cm REAL;
ALTER TABLE sets ADD COLUMN analysis TEXT NOT NULL DEFAULT 'live';
CREATE INDEX sessions_started ON sessions(started_unix_s);
CREATE INDEX sets_exercise ON sets(exercise);
"""

# v3: band profiles (the fitted curve of a calibrated band, one per band, tied to the calibration
# row that produced it), an index to read a band's or device's calibrations back by date, and a
# small key/value table for one-off facts about the file (e.g. that bands.json was imported).
_V3 = """
CREATE TABLE band_profiles (
    id INTEGER PRIMARY KEY,
    band_id INTEGER NOT NULL UNIQUE REFERENCES bands(id) ON DELETE CASCADE,
    calibration_id INTEGER REFERENCES calibrations(id),
    created_unix_s REAL NOT NULL,
    colour TEXT NOT NULL DEFAULT '',
    rest_length_m REAL NOT NULL,
    force_100_n REAL NOT NULL,
    force_200_n REAL NOT NULL,
    profile TEXT NOT NULL
);
CREATE INDEX calibrations_band ON calibrations(band_id, created_unix_s);
CREATE INDEX calibrations_device ON calibrations(device_id, created_unix_s);
CREATE TABLE log_facts (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    set_unix_s REAL NOT NULL
)
"""

# v4: the coach's after-set summary with the targets it judged by, as JSON (NULL: none).
_V4 = """
ALTER TABLE sets ADD COLUMN coach TEXT
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4)
SCHEMA_VERSION = len(MIGRATIONS)


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring `conn` (autocommit mode) up to `target`, one transaction per step; returns the new version."""
    if not 0 <= target <= SCHEMA_VERSION:
        raise ValueError(f"no schema version {target}")
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    while version < target:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another process may have migrated meanwhile.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version >= target:
                conn.execute("COMMIT")
                break
            for stmt in _statements(MIGRATIONS[version]):
                conn.execute(stmt)
            if version == 0:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        version += 1
    return version
