"""Recovery files: every write survives the JSON round trip; imports apply in order, resume after a
refusal, and recreate the session in a log that never had it."""

from __future__ import annotations

import numpy as np
import pytest

from taut.records import Rep, RepSet
from taut.store import open_log
from taut.store import log_ops as ops
from taut.store.recovery import import_file, load, save


def make_rep(i: int, t0: float, *, partial: bool = False) -> Rep:
    return Rep(i, t0, t0 + 1.0, t0 + 3.0, t0 + 5.0, 20.0, 100.0, 70.0, 350.0, 0.6 if partial else 1.0, partial, 1.0)


def _session_ops(rng: np.random.Generator, *, noisy_n: int = 20) -> list:
    t = 1.0 + np.arange(noisy_n) / 80.0
    x = rng.normal(50.0, 30.0, noisy_n)
    x[3] = np.nan  # an overload sample
    final = RepSet(0, (make_rep(0, 2.0), make_rep(1, 8.0, partial=True)), "row")
    return [
        ops.TimeOrigin(1.0, 1_700_000_000.25),
        ops.BeginSet(0, "row"),
        ops.Samples(t, x),
        ops.AddRep(0, make_rep(0, 2.0), "row"),
        ops.AddRep(0, make_rep(5, 30.0), "row"),
        ops.WithdrawRep(0, 5),
        ops.AddRep(0, make_rep(1, 8.0), "row"),
        ops.EndSet(final),
        ops.EndSession(1_700_000_100.5),
    ]


def test_every_op_survives_the_json_round_trip():
    written = _session_ops(np.random.default_rng(0))
    back = [ops.from_json(ops.to_json(op)) for op in written]
    for a, b in zip(written, back, strict=True):
        if isinstance(a, ops.Samples):
            np.testing.assert_allclose(b.time_s, a.time_s, atol=1e-6)
            np.testing.assert_allclose(b.tension_n, a.tension_n, atol=0.005)  # the log's own resolution
            assert np.isnan(b.tension_n[3])
        else:
            assert b == a
    assert ops.rep_keys(back) == {(0, 0), (0, 1)}
    with pytest.raises(ValueError, match="unknown op"):
        ops.from_json({"op": "drop_table"})
    with pytest.raises(ValueError, match="bad samples entry"):
        ops.from_json({"op": "samples", "codec": "dz1", "n": 2, "t_first_s": 0.0, "data": "bm90IHpsaWI="})


def test_import_into_a_log_without_the_session_makes_a_new_one(tmp_path):
    written = _session_ops(np.random.default_rng(1))
    info = {"exercise": "row", "band": "red", "device": "Taut-01", "source": "ble", "created_unix_s": 1.0,
            "started_unix_s": 1_700_000_000.25, "time_origin_s": 1.0}  # fmt: skip
    path = save(tmp_path / "gone.db", 7, info, written, reason="disk full", now_unix_s=0.0)
    assert path == tmp_path / "gone.db.recovery-7-19700101T000000Z.json"
    with open_log(tmp_path / "other.db") as db:
        res = import_file(db, path)
        assert res.new_session and res.left == 0 and not path.exists()
        assert (res.reps, res.samples) == (2, 20)
        s = db.session(res.session_id)
        assert (s.exercise, s.band, s.device, s.source, s.rep_count) == ("row", "red", "Taut-01", "ble", 2)
        assert s.started_unix_s == 1_700_000_000.25 and s.ended_unix_s == 1_700_000_100.5
        [rep_set] = db.sets(res.session_id)
        assert rep_set.reps == written[-2].rep_set.reps and rep_set.complete
        assert db.sample_count(res.session_id) == 20


def test_an_import_refused_midway_keeps_the_rest_and_resumes(tmp_path):
    written = _session_ops(np.random.default_rng(2), noisy_n=4000)  # the samples need new pages
    with open_log(tmp_path / "log.db") as db:
        sid = db.start_session(exercise="row", source="ble")
        info = {"created_unix_s": db.session_time_origin(sid)[0], "exercise": "row"}
        path = save(db.path, sid, info, written, reason="locked")
        with db._lock:
            pages = db._conn.execute("PRAGMA page_count").fetchone()[0]
            db._conn.execute(f"PRAGMA max_page_count = {pages}")
        res = import_file(db, path)
        assert (res.session_id, res.new_session) == (sid, False)
        assert res.left == len(written) - 2 and "disk is full" in str(res.error)  # time origin and set row went in
        assert len(load(path).ops) == res.left and db.sample_count(sid) == 0
        with db._lock:
            db._conn.execute("PRAGMA max_page_count = 1073741823")
        res = import_file(db, path)  # same session: the file now names it
        assert (res.session_id, res.left) == (sid, 0) and not path.exists()
        [rep_set] = db.sets(sid)
        assert [r.index for r in rep_set.reps] == [0, 1] and rep_set.complete
        assert db.sample_count(sid) == 4000 and db.session(sid).ended_unix_s == 1_700_000_100.5


def test_save_falls_back_to_the_next_directory_and_names_every_failure(tmp_path):
    from taut.store.recovery import RecoveryWriteError

    written = _session_ops(np.random.default_rng(3))
    path = save(tmp_path / "log.db", 1, {}, written, reason=None, dirs=(tmp_path / "missing", tmp_path))
    assert path.parent == tmp_path and len(load(path).ops) == len(written)
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind
    with pytest.raises(RecoveryWriteError, match="missing.*other"):
        save(tmp_path / "log.db", 1, {}, written, reason=None, dirs=(tmp_path / "missing", tmp_path / "other"))


def test_a_bad_session_block_is_refused_before_anything_is_written(tmp_path):
    from taut.store.recovery import RecoveryFileError

    path = save(tmp_path / "log.db", 1, {"exercise": 5}, [], reason=None)
    with pytest.raises(RecoveryFileError, match="session exercise must be text"):
        load(path)
    path = save(tmp_path / "log.db", 2, {"started_unix_s": "yesterday"}, [], reason=None)
    with open_log(tmp_path / "log.db") as db, pytest.raises(RecoveryFileError, match="must be a number"):
        import_file(db, path)
    with open_log(tmp_path / "log.db", readonly=True) as db:
        assert db.sessions() == []
