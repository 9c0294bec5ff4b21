"""`live` never drops what it showed: through a lock held by another process or a full disk, what the
screen counted equals what the log holds plus what the recovery file holds (and an import makes the
log whole)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest
from store.log_lock import LogLock

from taut.sources import ReplaySource
from taut.store import open_log
from taut.store.recorder import LiveRecorder
from taut.store.recovery import import_file
from taut.ui.live_model import LiveModel
from taut.ui.live_session import LiveSession

TIMEOUT_S = 0.2  # the log's busy timeout here (8 s or 2 s in real use)
BATCH = 400  # 5 s at 80 Hz: each noisy chunk needs new pages, so a capped file refuses it

class LockByOtherProcess:
    """Another process holds the log's write lock between `start` and `stop`."""

    name = "log busy"

    def __init__(self, db) -> None:  # noqa: ANN001
        self.path = db.path
        self.lock: LogLock | None = None

    def start(self) -> None:
        self.lock = LogLock(self.path)
        self.lock.wait_locked()

    def stop(self) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None


class FullDisk:
    """SQLite's size cap stands in for a full disk: no new page can be added."""

    name = "disk full"

    def __init__(self, db) -> None:  # noqa: ANN001
        self.db = db

    def _cap(self, pages: int | None) -> None:
        with self.db._lock:
            conn = self.db._conn
            if pages is None:
                pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")

    def start(self) -> None:
        self._cap(None)

    def stop(self) -> None:
        self._cap(1 << 30)


TROUBLES = {"lock": LockByOtherProcess, "full": FullDisk}


def _noisy(known_set) -> np.ndarray:  # noqa: ANN001
    # The scripted detector goes by time; noise makes each sample chunk incompressible (big).
    return known_set.tension_n + np.random.default_rng(1).normal(0.0, 30.0, known_set.tension_n.size)


def _run(tmp_path: Path, known_set, scripted_detector, kind: str, *, until_s: float | None, **rec_options):  # noqa: ANN001, ANN202
    """Replay the known set; the trouble starts at 5 s and ends at `until_s` (None: never)."""
    db = open_log(tmp_path / "log.db", timeout_s=TIMEOUT_S)
    sid = db.start_session(exercise="face-pull", source="test")
    trouble = TROUBLES[kind](db)
    model = LiveModel()
    options = {"flush_s": 0.0, "retry_s": 0.05, "final_wait_s": 0.5, **rec_options}
    rec = LiveRecorder(db, sid, exercise="face-pull", session_info={"source": "test"}, **options)
    notes: list[str] = []

    class Source(ReplaySource):
        async def batches(self):
            started = ended = False
            async for batch in super().batches():
                yield batch
                t = batch.time_s[-1]
                if not started and t >= 5.0:
                    started = True
                    await asyncio.to_thread(rec.wait_idle, 5.0)  # what came before is in
                    trouble.start()
                elif started and not ended and until_s is not None and t >= until_s:
                    ended = True
                    for _ in range(100):  # the status line says the log is stuck
                        if model.status.log_note:
                            break
                        await asyncio.sleep(0.05)
                    notes.append(model.status.log_note)
                    assert model.frame().status.text.endswith(notes[0])  # what both views draw
                    trouble.stop()
                    assert await asyncio.to_thread(rec.wait_idle, 10.0), "the backlog never drained"
                    await asyncio.sleep(0.3)
                    notes.append(model.status.log_note)

    session = LiveSession(Source(known_set.time_s, _noisy(known_set), batch=BATCH, speed=0), scripted_detector(known_set.reps), model, rec)
    try:
        result = asyncio.run(session.run())
    finally:
        trouble.stop()
    return db, sid, model, result, notes


def _log_keys(db, sid) -> set[tuple[int, int]]:  # noqa: ANN001
    return {(s.index, r.index) for s in db.sets(sid) for r in s.reps}


@pytest.mark.parametrize("kind", ["lock", "full"])
def test_trouble_mid_set_that_clears_loses_nothing(tmp_path, known_set, scripted_detector, kind):
    db, sid, model, result, notes = _run(tmp_path, known_set, scripted_detector, kind, until_s=20.0)
    out = result.log
    assert notes[0].startswith(TROUBLES[kind].name) and "waiting" in notes[0], notes
    assert notes[1] == ""  # caught up: the warning is gone
    assert out.complete, out.message()
    assert out.recovery_path is None and not list(tmp_path.glob("*.recovery-*"))
    shown = model.rep_keys()
    assert len(shown) == 4 and out.reps == out.reps_logged == 4
    assert _log_keys(db, sid) == shown
    assert db.sets(sid)[0].reps == known_set.reps and db.sets(sid)[0].complete
    t, _ = db.samples(sid)
    np.testing.assert_allclose(t, known_set.time_s, atol=1e-6)
    assert db.session(sid).ended_unix_s is not None
    db.close()


@pytest.mark.parametrize("kind", ["lock", "full"])
def test_trouble_to_the_end_goes_to_a_recovery_file_that_imports(tmp_path, known_set, scripted_detector, kind):
    db, sid, model, result, _ = _run(tmp_path, known_set, scripted_detector, kind, until_s=None)
    out = result.log
    shown = model.rep_keys()
    assert len(shown) == 4
    assert not out.complete and out.held_reps > 0 and out.held_samples > 0
    logged = _log_keys(db, sid)
    # What the screen counted = what the log holds + what the recovery file holds.
    assert out.reps == len(shown) == out.reps_logged + out.held_reps
    assert len(logged & shown) == out.reps_logged
    assert out.samples == len(known_set.time_s) == out.samples_logged + out.held_samples
    assert db.sample_count(sid) == out.samples_logged
    path = out.recovery_path
    assert path is not None and path.parent == tmp_path and path.name.startswith(f"log.db.recovery-{sid}-")
    doc = json.loads(path.read_text())
    assert doc["session_id"] == sid and doc["samples"] == out.held_samples
    msg = out.message()
    assert str(path) in msg and f"{out.reps_logged} of 4 reps" in msg and "\n" not in msg
    assert db.session(sid).ended_unix_s is None  # the end itself is in the file
    # Once the log takes writes again, the import makes it whole: exactly what the screen showed.
    res = import_file(db, path)
    assert (res.session_id, res.new_session, res.left) == (sid, False, 0) and not path.exists()
    assert (res.reps, res.session_reps, res.samples) == (out.held_reps, 4, out.held_samples)
    assert _log_keys(db, sid) == shown
    assert db.sets(sid)[0].reps == known_set.reps and db.sets(sid)[0].complete
    t, _ = db.samples(sid)
    np.testing.assert_allclose(t, known_set.time_s, atol=1e-6)
    assert db.session(sid).ended_unix_s is not None
    db.close()


def test_no_recovery_file_possible_is_said_plainly(tmp_path, known_set, scripted_detector):
    nowhere = tmp_path / "no-such-dir"
    db, sid, model, result, _ = _run(tmp_path, known_set, scripted_detector, "full", until_s=None, recovery_dirs=(nowhere,))
    out = result.log
    assert out.recovery_path is None and out.held_reps > 0
    assert out.reps == len(model.rep_keys()) == out.reps_logged + out.held_reps
    msg = out.message()
    assert "could not be kept anywhere" in msg and str(nowhere) in msg
    assert f"{out.held_reps} reps and {out.held_samples} samples" in msg
    db.close()


def test_past_the_memory_budget_samples_are_dropped_and_counted_reps_never(tmp_path, known_set, scripted_detector):
    budget = 2 * BATCH * 16  # two chunks of queued samples
    db, sid, model, result, _ = _run(tmp_path, known_set, scripted_detector, "full", until_s=None, max_pending_bytes=budget)
    out = result.log
    assert out.samples_dropped >= BATCH
    assert out.samples == out.samples_logged + out.held_samples + out.samples_dropped
    assert out.held_samples * 16 <= budget
    assert out.reps == len(model.rep_keys()) == out.reps_logged + out.held_reps  # reps are never dropped
    assert "dropped past the memory budget" in out.message()
    res = import_file(db, out.recovery_path)
    assert res.left == 0 and _log_keys(db, sid) == model.rep_keys()
    db.close()
