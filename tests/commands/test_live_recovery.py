"""`taut live` with the log locked by another process mid-session: one error line, exit 2, the rest in a
recovery file that `taut log import` puts back, after which the log holds every rep the run found."""

from __future__ import annotations

import functools
import json
import logging
import re

import numpy as np
import pytest
from store.log_lock import LogLock

from taut.cli import main
from taut.recording import write_recording
from taut.store import open_log
from taut.store.recorder import LiveRecorder


def _trapezoids(n_reps: int, fs_hz: float = 80.0):
    knots_t, knots_x, t = [0.0], [20.0], 2.0
    for _ in range(n_reps):
        knots_t += [t, t + 1.0, t + 3.0, t + 5.0]
        knots_x += [20.0, 120.0, 120.0, 20.0]
        t += 6.0
    knots_t.append(t + 3.0)
    knots_x.append(20.0)
    time_s = np.arange(0, knots_t[-1], 1 / fs_hz)
    return time_s, np.interp(time_s, knots_t, knots_x)


@pytest.fixture
def quick_log(monkeypatch):
    """The log's busy timeout and the recorder's final wait made short, so the test is quick."""
    import taut.store as store
    import taut.ui.run_live as run_live

    monkeypatch.setattr(store, "open_log", functools.partial(store.open_log, timeout_s=0.2))  # read when a command runs
    monkeypatch.setattr(run_live, "LiveRecorder", functools.partial(LiveRecorder, retry_s=0.1, final_wait_s=0.5))


def test_live_with_the_log_locked_mid_session_says_what_is_where(tmp_path, capsys, caplog, quick_log):
    rec = tmp_path / "rec.csv"
    time_s, _ = _trapezoids(5)
    write_recording(rec, *_trapezoids(5))
    db = tmp_path / "log.db"
    open_log(db).close()
    holder = LogLock(db, after_session=True)  # locks once `taut live` has opened its session
    try:
        code = main(["live", "--replay", str(rec), "--speed", "20", "--view", "none", "--exercise", "row", "--db", str(db)])
        holder.wait_locked()
    finally:
        holder.release()
    out, err = capsys.readouterr()
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]  # `taut` prints those on stderr too
    [path] = tmp_path.glob("log.db.recovery-1-*.json")
    assert lines[0].startswith("taut live: error: session 1 did not fully reach the log") and "locked" in lines[0]
    assert str(path) in lines[0] and "of 5 reps" in lines[0] and f"of {len(time_s)} samples are in the log" in lines[0]
    doc = json.loads(path.read_text())
    assert doc["reps"] >= 1 and doc["log"] == str(db)
    # The lock is gone: the import (log named in the file) makes the session whole.
    held = re.search(r"the other (\d+) reps and (\d+) samples are in", lines[0]).groups()
    assert main(["log", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"imported {held[0]} reps and {held[1]} samples into session 1, which now has 5 reps" in out, out
    assert not path.exists()
    with open_log(db, readonly=True) as log:
        [rep_set] = log.sets(1)
        assert len(rep_set.reps) == 5 and rep_set.complete
        assert log.sample_count(1) == len(time_s)
        assert log.session(1).ended_unix_s is not None


def test_log_import_refuses_bad_files_and_writes_nothing(tmp_path, capsys):
    db = tmp_path / "log.db"
    bad = tmp_path / "x.json"
    for text, why in [("{", "not JSON"), ('{"format": "other"}', "not a Taut recovery file"),
                      ('{"format": "taut-recovery", "version": 9, "ops": []}', "version 9"),
                      ('{"format": "taut-recovery", "version": 1, "ops": [{"op": "add_rep", "set_index": 0}]}', "op 0")]:  # fmt: skip
        bad.write_text(text)
        assert main(["log", "import", str(bad), "--db", str(db)]) == 2
        err = capsys.readouterr().err
        assert why in err and len(err.strip().splitlines()) == 1, err
        assert bad.exists() and not db.exists()
    assert main(["log", "import", str(tmp_path / "missing.json"), "--db", str(db)]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_a_link_failure_with_the_log_locked_says_both_on_one_line(tmp_path, capsys, monkeypatch, quick_log):
    """The run ends with another error (the band's link): the line still says where the unlogged reps are."""
    import taut.commands.live as live
    from taut.ble import BleError
    from taut.sources import ReplaySource

    time_s, tension_n = _trapezoids(5)

    class Failing(ReplaySource):
        async def batches(self):
            async for batch in super().batches():
                yield batch
                if batch.time_s[-1] > 20.0:
                    raise BleError("the band went away")

    monkeypatch.setattr(live, "_source", lambda args, model: (Failing(time_s, tension_n, batch=8, speed=20), "ble"))
    db = tmp_path / "log.db"
    open_log(db).close()
    holder = LogLock(db, after_session=True)  # locks once `taut live` has opened its session
    try:
        code = main(["live", "--view", "none", "--exercise", "row", "--db", str(db)])
        holder.wait_locked()
    finally:
        holder.release()
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    [path] = tmp_path.glob("log.db.recovery-1-*.json")
    assert err.startswith("taut live: error: the band went away; session 1 did not fully reach the log") and str(path) in err


@pytest.mark.slow
def test_demo_with_the_log_locked_says_where_the_rest_is(tmp_path, capsys, monkeypatch, quick_log):
    import taut.store as store

    monkeypatch.setattr(store, "open_log", functools.partial(store.open_log, timeout_s=0.2))
    db = tmp_path / "demo.db"
    open_log(db).close()
    holder = LogLock(db, after_session=True)  # locks once `taut live` has opened its session
    try:
        code = main(["demo", "--fast", "--view", "none", "--exercise", "face-pull", "--reps", "3", "--seed", "2", "--db", str(db)])
        holder.wait_locked()
    finally:
        holder.release()
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    [path] = tmp_path.glob("demo.db.recovery-1-*.json")
    assert err.startswith("taut demo: error: session 1 did not fully reach the log") and str(path) in err
