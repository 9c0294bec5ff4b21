"""Writing and reading the workout log: sessions, sets, reps, samples, history filters."""

from __future__ import annotations

import dataclasses
import sqlite3

import numpy as np
import pytest

from taut.records import RepSet
from taut.store import NotFoundError, ReadOnlyError, default_log_path, open_log
from taut.store.recorder import LiveRecorder
from taut.store.sample_codec import decode_chunk, encode_chunk


def test_sample_chunks_round_trip_at_wire_resolution():
    rng = np.random.default_rng(3)
    t = np.cumsum(rng.uniform(0.010, 0.015, 5000)) + 12345.678
    x = rng.normal(50, 30, 5000)
    x[[7, 100]] = np.nan
    t0, blob = encode_chunk(t, x)
    t2, x2 = decode_chunk(t0, blob)
    assert np.max(np.abs(t2 - t)) <= 0.5e-6 + 1e-9
    assert np.nanmax(np.abs(x2 - x)) <= 0.005 + 1e-9
    assert np.array_equal(np.isnan(x2), np.isnan(x))
    assert len(blob) < 5000 * 16 / 2  # compressed well below raw float64 pairs
    with pytest.raises(ValueError):
        encode_chunk(np.array([]), np.array([]))
    with pytest.raises(ValueError):
        decode_chunk(0.0, b"XXXX" + blob[4:])


def test_reps_and_sets_round_trip(tmp_path, rep_set):
    with open_log(tmp_path / "log.db") as db:
        sid = db.start_session(exercise="face-pull", band="red", device="Taut-1A2B", source="ble")
        for rep in rep_set.reps[:3]:
            db.add_rep(sid, 0, rep)
        partial_view = db.sets(sid)
        assert len(partial_view[0].reps) == 3 and not partial_view[0].complete
        db.end_set(sid, rep_set)
        got = db.sets(sid)
        assert got == [rep_set]
        assert got[0].complete and got[0].analysis == "live"
        s = db.session(sid)
        assert (s.band, s.device, s.set_count, s.rep_count, s.partial_count) == ("red", "Taut-1A2B", 1, 5, 1)
        assert s.tut_s == pytest.approx(rep_set.tut_s)
        summary = db.set_summaries()[0]
        assert summary.peak_n == 104.0 and summary.mean_n == pytest.approx(70.0)
        with pytest.raises(NotFoundError):
            db.session(999)


def test_history_filters_by_exercise_and_date(tmp_path, rep_set):
    with open_log(tmp_path / "log.db") as db:
        day = 86400.0
        for d, ex in enumerate(["face-pull", "row", "face-pull", "reverse-fly"]):
            sid = db.start_session(exercise=ex, started_unix_s=1_700_000_000 + d * day)
            db.end_set(sid, RepSet(0, rep_set.reps, ex))
        assert [s.exercise for s in db.sessions()] == ["reverse-fly", "face-pull", "row", "face-pull"]
        assert len(db.sessions(exercise="face-pull")) == 2
        window = db.sessions(since_unix_s=1_700_000_000 + day, until_unix_s=1_700_000_000 + 3 * day)
        assert [s.exercise for s in window] == ["face-pull", "row"]
        assert [s.exercise for s in db.set_summaries(exercise="row")] == ["row"]
        assert len(db.sessions(limit=1)) == 1


def test_replace_analysis_is_all_or_nothing(tmp_path, rep_set):
    with open_log(tmp_path / "log.db") as db:
        sid = db.start_session()
        db.end_set(sid, rep_set)
        bad = RepSet(1, (dataclasses.replace(rep_set.reps[0], start_s=None),))  # NOT NULL violated
        with pytest.raises(Exception):
            db.replace_analysis(sid, [RepSet(0, rep_set.reps[:2]), bad], analysis="v2")
        assert db.sets(sid) == [rep_set]  # untouched
        db.replace_analysis(sid, [RepSet(0, rep_set.reps[:2]), RepSet(1, rep_set.reps[2:])], analysis="v2")
        got = db.sets(sid)
        assert [len(s.reps) for s in got] == [2, 3] and {s.analysis for s in got} == {"v2"}


def test_samples_are_clipped_and_ordered(tmp_path):
    with open_log(tmp_path / "log.db") as db:
        sid = db.start_session()
        t = np.arange(0, 20, 1 / 80)
        x = np.sin(t) * 40 + 50
        for i in range(0, len(t), 37):
            db.append_samples(sid, t[i : i + 37], x[i : i + 37])
        ts, xs = db.samples(sid, start_s=5.0, end_s=6.0)
        keep = (t >= 5.0) & (t <= 6.0)
        np.testing.assert_allclose(ts, t[keep], atol=1e-6)
        np.testing.assert_allclose(xs, x[keep], atol=0.005)
        assert db.sample_count(sid) == len(t)


def test_recorder_flushes_at_least_every_flush_interval(tmp_path):
    clock = [0.0]
    with open_log(tmp_path / "log.db") as db:
        sid = db.start_session()
        rec = LiveRecorder(db, sid, flush_s=0.5, clock=lambda: clock[0])
        for k in range(20):  # 80 Hz in 4-sample batches, 50 ms apart
            t = (np.arange(4) + 4 * k) / 80.0
            rec.add_samples(t, np.full(4, 30.0))
            clock[0] += 0.05
        # Everything older than 0.5 s of wall time is on disk (once the writer thread has it).
        assert rec.wait_idle(5.0)
        assert db.sample_count(sid) >= 80 - 0.5 * 80
        clock[0] += 1.0
        rec.poll()
        assert rec.wait_idle(5.0)
        assert db.sample_count(sid) == 80
        rec.close()
        assert db.session(sid).ended_unix_s is not None


def test_default_path_env_and_platformdirs(tmp_path, monkeypatch):
    monkeypatch.setenv("TAUT_DB", str(tmp_path / "env.db"))
    assert default_log_path() == tmp_path / "env.db"
    with open_log() as db:
        assert db.path == tmp_path / "env.db"
    monkeypatch.delenv("TAUT_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_log_path() == tmp_path / "xdg" / "taut" / "taut.sqlite3"


def test_wal_mode_and_readonly_open(tmp_path, rep_set):
    p = tmp_path / "log.db"
    with open_log(p) as db:
        sid = db.start_session()
        db.end_set(sid, rep_set)
    conn = sqlite3.connect(p)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    with open_log(p, readonly=True) as db:
        assert db.sets(sid) == [rep_set]
        with pytest.raises(ReadOnlyError):
            db.start_session()
    with pytest.raises(NotFoundError):
        open_log(tmp_path / "missing.db", readonly=True)


def test_a_withdrawn_provisional_rep_leaves_the_log_at_once(tmp_path, rep_set):
    """A setup tug the live analysis takes back must not survive a crash as a logged rep."""
    with open_log(tmp_path / "log.db") as db:
        sid = db.start_session(exercise="face-pull")
        for rep in rep_set.reps[:3]:
            db.add_rep(sid, 0, rep)
        db.withdraw_rep(sid, 0, rep_set.reps[0].index)
        db.withdraw_rep(sid, 7, 0)  # no such set: nothing to do, no error
        got = db.sets(sid)[0]
        assert [r.index for r in got.reps] == [r.index for r in rep_set.reps[1:3]]
        assert db.session(sid).rep_count == 2
