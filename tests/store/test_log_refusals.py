"""Bad log files: locked, read-only, corrupt, foreign or newer ones give typed errors and stay untouched."""

from __future__ import annotations

import os
import sqlite3

import numpy as np
import pytest

from taut.store import CorruptError, FutureVersionError, LockedError, ReadOnlyError, SCHEMA_VERSION, open_log
from taut.store.schema import migrate


@pytest.fixture
def log_path(tmp_path, rep_set):
    p = tmp_path / "log.db"
    with open_log(p) as db:
        sid = db.start_session(exercise="row")
        db.end_set(sid, rep_set)
    return p


def test_future_version_is_refused_untouched(log_path, file_digest):
    conn = sqlite3.connect(log_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = file_digest(log_path)
    with pytest.raises(FutureVersionError, match="newer") as info:
        open_log(log_path)
    assert info.value.found == SCHEMA_VERSION + 1 and info.value.supported == SCHEMA_VERSION
    with pytest.raises(FutureVersionError):
        open_log(log_path, readonly=True)
    assert file_digest(log_path) == before


def test_garbage_file_is_refused_untouched(tmp_path, file_digest):
    p = tmp_path / "log.db"
    p.write_bytes(os.urandom(4096))
    before = file_digest(p)
    with pytest.raises(CorruptError, match="not a SQLite database"):
        open_log(p)
    assert file_digest(p) == before


def test_damaged_pages_are_refused_untouched(log_path, file_digest):
    conn = sqlite3.connect(log_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    data = bytearray(log_path.read_bytes())
    data[100:] = b"\xa5" * (len(data) - 100)  # header intact, schema page and all tables trashed
    log_path.write_bytes(bytes(data))
    before = file_digest(log_path)
    with pytest.raises(CorruptError, match="damaged"):
        open_log(log_path)
    assert file_digest(log_path) == before


def test_foreign_sqlite_database_is_refused_untouched(tmp_path, file_digest):
    p = tmp_path / "other.db"
    conn = sqlite3.connect(p)
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    before = file_digest(p)
    with pytest.raises(CorruptError, match="not a Taut workout log"):
        open_log(p)
    assert file_digest(p) == before


def test_read_only_file_is_refused_for_writing_but_readable(log_path, file_digest, rep_set):
    conn = sqlite3.connect(log_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = file_digest(log_path)
    os.chmod(log_path, 0o444)
    try:
        with pytest.raises(ReadOnlyError, match="read-only"):
            open_log(log_path)
        with open_log(log_path, readonly=None) as db:  # auto: read-only, still readable
            assert db.readonly
            assert db.sets(db.sessions()[0].id) == [rep_set]
        assert file_digest(log_path) == before
    finally:
        os.chmod(log_path, 0o644)


def test_locked_database_gives_a_typed_error_and_loses_nothing(log_path, rep_set):
    other = sqlite3.connect(log_path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        db = open_log(log_path, timeout_s=0.1)  # WAL: reading is still possible
        with pytest.raises(LockedError, match="locked"):
            db.start_session()
    finally:
        other.execute("ROLLBACK")
        other.close()
    sid = db.start_session()  # the lock is gone: writing works again
    assert [s.id for s in db.sessions()] == [sid, 1]
    assert db.sets(1) == [rep_set]
    db.close()


def test_locked_while_migrating_is_a_typed_error(tmp_path, file_digest):
    p = tmp_path / "old.db"
    conn = sqlite3.connect(p, isolation_level=None)
    migrate(conn, target=1)
    conn.execute("BEGIN EXCLUSIVE")  # rollback-journal mode: nobody else can even read
    try:
        with pytest.raises(LockedError):
            open_log(p, timeout_s=0.1)
    finally:
        conn.execute("ROLLBACK")
        conn.close()
    with open_log(p) as db:
        assert db.schema_version == SCHEMA_VERSION


def test_a_full_disk_rolls_back_the_write_and_keeps_what_came_before(tmp_path):
    """SQLite's size cap stands in for a full disk: the failing write is undone, nothing earlier lost."""
    from taut.store import DiskFullError, open_log

    path = tmp_path / "log.db"
    with open_log(path) as db:
        sid = db.start_session(exercise="row", source="test")
        t = np.arange(800) / 80.0
        db.append_samples(sid, t, np.full_like(t, 40.0))
        pages = db._conn.execute("PRAGMA page_count").fetchone()[0]
        db._conn.execute(f"PRAGMA max_page_count = {pages}")
        rng = np.random.default_rng(0)
        big_t = 10.0 + np.arange(200_000) / 1000.0
        with pytest.raises(DiskFullError, match="disk is full"):
            db.append_samples(sid, big_t, rng.normal(50, 30, big_t.size))  # incompressible noise
    with open_log(path, readonly=True) as db:
        t2, x2 = db.samples(sid)
        assert len(t2) == 800 and np.allclose(x2, 40.0)
