"""A log written at an older schema is migrated in place, keeping every row."""

from __future__ import annotations

import sqlite3

import pytest

from taut.store import SCHEMA_VERSION, open_log
from taut.store.schema import APPLICATION_ID, MIGRATIONS, migrate


def _v1_log(path):
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=1) == 1
    conn.execute("INSERT INTO bands (name) VALUES ('green')")
    conn.execute(
        "INSERT INTO sessions (started_unix_s, band_id, exercise, source) VALUES (1700000000, 1, 'row', 'ble')"
    )
    conn.execute(
        "INSERT INTO sets (session_id, set_index, exercise, rep_count, tut_s, complete) VALUES (1, 0, 'row', 1, 4.0, 1)"
    )
    conn.execute(
        "INSERT INTO reps (set_id, rep_index, start_s, top_start_s, top_end_s, end_s, bottom_n, peak_n, mean_n,"
        " impulse_ns, range_fraction, partial, pause_s, concentric_s, hold_s, eccentric_s, tut_s)"
        " VALUES (1, 0, 1.0, 2.0, 3.0, 5.0, 20.0, 90.0, 60.0, 240.0, 1.0, 0, NULL, 1.0, 1.0, 2.0, 4.0)"
    )
    conn.close()


def test_v1_log_is_migrated_and_keeps_its_data(tmp_path):
    assert SCHEMA_VERSION == len(MIGRATIONS) >= 2
    p = tmp_path / "v1.db"
    _v1_log(p)
    conn = sqlite3.connect(p)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "calibrations" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    with open_log(p) as db:
        assert db.schema_version == SCHEMA_VERSION
        s = db.sessions()[0]
        assert (s.band, s.exercise, s.rep_count) == ("green", "row", 1)
        [rep_set] = db.sets(1)
        assert rep_set.reps[0].peak_n == 90.0 and rep_set.reps[0].range_cm is None
        assert rep_set.analysis == "live"
        assert db.add_calibration(band="green", stretch_cm=50.0, tension_n=80.0) == 1  # a v2 table
    conn = sqlite3.connect(p)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    conn.close()


def test_a_failing_migration_leaves_the_old_version(tmp_path, monkeypatch):
    p = tmp_path / "v1.db"
    _v1_log(p)
    import taut.store.schema as schema

    monkeypatch.setattr(schema, "MIGRATIONS", (schema.MIGRATIONS[0], schema.MIGRATIONS[1] + ";\nCREATE TABLE bands (x)"))
    conn = sqlite3.connect(p, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError, match="already exists"):
        migrate(conn, target=2)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "calibrations" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()


def _v2_log(path):
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=2) == 2
    conn.execute("INSERT INTO bands (name) VALUES ('green')")
    conn.execute("INSERT INTO devices (name) VALUES ('taut-1')")
    conn.execute(
        "INSERT INTO calibrations (created_unix_s, device_id, offset_raw, counts_per_n, note)"
        " VALUES (1700000000, 1, 1234, 105.5, 'load cell')"
    )
    conn.execute(
        "INSERT INTO calibrations (created_unix_s, band_id, stretch_cm, tension_n, note)"
        " VALUES (1700000100, 1, 80.0, 42.0, '{\"kind\": \"band\"}')"
    )
    conn.execute("INSERT INTO sessions (started_unix_s, band_id, exercise) VALUES (1700000200, 1, 'row')")
    conn.close()


def test_v2_log_is_migrated_to_v3_keeping_its_calibrations(tmp_path):
    assert SCHEMA_VERSION >= 3
    p = tmp_path / "v2.db"
    _v2_log(p)
    with open_log(p) as db:
        assert db.schema_version == SCHEMA_VERSION
        cals = db.calibrations()
        assert [(c.created_unix_s, c.device, c.band, c.offset_raw, c.counts_per_n, c.stretch_cm, c.tension_n)
                for c in cals] == [
            (1700000100, None, "green", None, None, 80.0, 42.0),
            (1700000000, "taut-1", None, 1234, 105.5, None, None),
        ]
        assert cals[1].note == "load cell"
        assert db.sessions()[0].band == "green"
        assert db.band_profiles() == []  # a v3 table, empty


def test_a_failing_v3_migration_leaves_version_2(tmp_path, monkeypatch):
    p = tmp_path / "v2.db"
    _v2_log(p)
    import taut.store.schema as schema

    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS[:2], schema.MIGRATIONS[2] + ";\nCREATE TABLE bands (x)"))
    conn = sqlite3.connect(p, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError, match="already exists"):
        migrate(conn, target=3)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    assert "band_profiles" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert conn.execute("SELECT count(*) FROM calibrations").fetchone()[0] == 2
    conn.close()
