"""A live session killed mid-set (SIGKILL) keeps every rep completed before the kill and all but ~1 s of samples."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from taut.store import open_log

CHILD = Path(__file__).with_name("kill_child.py")
SPEED = 8.0  # replay at 8x real time: 1 s of wall clock is 8 s of recording


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_log_survives_sigkill_mid_set(tmp_path):
    db_path = tmp_path / "log.db"
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(db_path), str(SPEED)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    reps_reported: list[tuple[int, float]] = []
    last_t = 0.0
    session_id = None
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            kind, *rest = line.split()
            if kind == "SESSION":
                session_id = int(rest[0])
            elif kind == "REP":
                reps_reported.append((int(rest[0]), float(rest[1])))
            elif kind == "T":
                last_t = float(rest[0])
            if len(reps_reported) >= 5 and last_t > reps_reported[-1][1] + 0.8:  # mid-rep 6
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert session_id is not None and len(reps_reported) >= 5, "the child never got going"
    with open_log(db_path) as db:
        [rep_set] = db.sets(session_id)
        stored = {r.index: r.end_s for r in rep_set.reps}
        for index, end_s in reps_reported:
            assert stored.get(index) == pytest.approx(end_s)
        assert not rep_set.complete  # the set was cut, not ended
        time_s, _ = db.samples(session_id)
        assert len(time_s) > 0
        # At most ~1 s of wall clock (SPEED s of recording) of samples is lost.
        assert time_s[-1] >= last_t - SPEED * 1.0
        assert db.session(session_id).ended_unix_s is None
