"""The live loop: replay → detector → model → log, with keys for set, tare, units and quit."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from taut.sources import ReplaySource
from taut.store import open_log
from taut.ui.keys import handle_key
from taut.ui.live_model import LiveModel
from taut.ui.live_session import LiveSession
from taut.ui.run_live import choose_view, run_live


def test_run_live_headless_logs_every_rep(tmp_path, known_set, scripted_detector):
    db = open_log(tmp_path / "log.db")
    source = ReplaySource(known_set.time_s, known_set.tension_n, batch=4, speed=0)
    model = LiveModel()
    result = run_live(source, scripted_detector(known_set.reps), log_db=db, view="none", model=model, exercise="face-pull")
    assert result.samples == len(known_set.time_s)
    assert [s.reps for s in result.sets] == [known_set.reps]
    assert model.counters().reps == 4
    sets = db.sets(result.session_id)
    assert len(sets) == 1 and sets[0].reps == known_set.reps and sets[0].complete
    t, x = db.samples(result.session_id)
    np.testing.assert_allclose(t, known_set.time_s, atol=1e-6)
    np.testing.assert_allclose(x, known_set.tension_n, atol=0.005)
    summary = db.session(result.session_id)
    assert summary.ended_unix_s is not None and summary.rep_count == 4 and summary.exercise == "face-pull"
    # The recording clock is tied to the wall clock at the first batch (replayed at full speed here).
    [set_summary] = db.set_summaries()
    assert set_summary.started_unix_s - summary.started_unix_s == pytest.approx(known_set.reps[0].start_s - 3 / 80.0, abs=1e-6)  # batch of 4: newest at 3/80 s
    db.close()


def test_keys_tare_toggle_set_and_quit(tmp_path, known_set, scripted_detector):
    db = open_log(tmp_path / "log.db")
    session_id = db.start_session(source="test")
    from taut.store.recorder import LiveRecorder

    model = LiveModel()
    rec = LiveRecorder(db, session_id)
    n_half = len(known_set.time_s) // 2
    offset = 15.0
    x = known_set.tension_n + offset

    class Source(ReplaySource):
        async def batches(self):
            async for batch in super().batches():
                yield batch
                if batch.time_s[-1] >= 1.0 and not getattr(self, "_tared", False):
                    self._tared = True
                    handle_key("t", model, session)  # at rest on the base: tare there
                if batch.time_s[-1] >= known_set.time_s[n_half]:
                    handle_key("q", model, session)
                    await asyncio.sleep(0.01)

    session = LiveSession(Source(known_set.time_s, x, batch=8, speed=0), scripted_detector(known_set.reps), model, rec)
    assert handle_key("u", model, session) and model.unit == "kg"
    assert not handle_key("x", model, session)
    handle_key(" ", model, session)  # a set started by hand before any rep
    result = asyncio.run(session.run())
    assert result.stopped_by_user
    assert result.samples < len(known_set.time_s)
    # The tare took away the base + offset seen at rest (base 20 N + 15 N).
    assert session.tare_offset_n == pytest.approx(known_set.tension_n[0] + offset, abs=1e-9)
    assert db.sets(session_id)[0].index == 0  # the manual set exists in the log
    done_reps = [r for r in known_set.reps if r.end_s <= known_set.time_s[n_half]]
    assert [r.index for r in db.sets(session_id)[0].reps] == [r.index for r in done_reps]
    t, _ = db.samples(session_id)
    assert len(t) == result.samples  # flushed on the way out
    db.close()


def test_choose_view_refuses_unknown_views(monkeypatch):
    with pytest.raises(ValueError, match="unknown view"):
        choose_view("hologram")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert choose_view("auto") in ("term", "none")
    assert choose_view("qt") == "qt"


def test_space_ends_a_set_early_and_the_next_set_gets_the_next_index(tmp_path, known_set):
    """With the real detector: space after rep 3 closes set 0 there; the last rep becomes set 1."""
    from taut.signal import RepDetector

    db = open_log(tmp_path / "log.db")
    session_id = db.start_session(exercise="face-pull", source="test")
    from taut.store.recorder import LiveRecorder

    model = LiveModel()
    cut_s = 0.5 * (known_set.reps[2].end_s + known_set.reps[3].start_s)  # in the pause after rep 3

    class Source(ReplaySource):
        async def batches(self):
            pressed = False
            async for batch in super().batches():
                yield batch
                if not pressed and batch.time_s[-1] >= cut_s:
                    pressed = True
                    handle_key(" ", model, session)  # starts a manual set (the open one)...
                    handle_key(" ", model, session)  # ...and ends it

    session = LiveSession(
        Source(known_set.time_s, known_set.tension_n, batch=4, speed=0),
        RepDetector("face-pull"),
        model,
        LiveRecorder(db, session_id, exercise="face-pull"),
        detector_factory=lambda: RepDetector("face-pull"),
    )
    result = asyncio.run(session.run())
    counts = [len(s.reps) for s in result.sets]
    assert counts == [3, 1], counts
    assert [s.index for s in result.sets] == [0, 1]
    logged = [s for s in db.sets(session_id) if s.reps]
    assert [(s.index, len(s.reps)) for s in logged] == [(0, 3), (1, 1)]
    assert [r.partial for r in logged[0].reps] == [False, False, True]
    assert all(s.complete for s in logged)
    # Rep times match the known shapes (the detector's own definitions, within a sample or two).
    got = [r for s in result.sets for r in s.reps]
    for r, want in zip(got, known_set.reps):
        assert r.start_s == pytest.approx(want.start_s, abs=0.05)
        assert r.end_s == pytest.approx(want.end_s, abs=0.05)
    db.close()


def test_a_stop_keeps_the_batch_the_source_hands_over_as_it_closes(tmp_path):
    """A BLE source flushes the packets it held for a verdict when it stops: the session takes them."""
    from taut.sources import SampleBatch

    class Stopping:
        def __init__(self) -> None:
            self.queue: asyncio.Queue = asyncio.Queue()
            self.queue.put_nowait(SampleBatch(np.arange(4) / 80.0, np.ones(4)))

        async def batches(self):
            while (item := await self.queue.get()) is not None:
                yield item

        async def close(self) -> None:
            if not getattr(self, "closed", False):
                self.closed = True
                self.queue.put_nowait(SampleBatch(np.arange(4, 7) / 80.0, np.ones(3)))  # flushed on stopping
                self.queue.put_nowait(None)

    class Nothing:
        def feed(self, t, x):  # noqa: ANN001, ANN202
            return ()

    db = open_log(tmp_path / "log.db")
    sid = db.start_session(source="test")
    from taut.store.recorder import LiveRecorder

    session = LiveSession(Stopping(), Nothing(), LiveModel(), LiveRecorder(db, sid, flush_s=0.0))

    async def main():
        asyncio.get_running_loop().call_later(0.05, session.request_stop)
        return await session.run()

    result = asyncio.run(main())
    assert result.stopped_by_user and result.samples == 7 and result.log.complete
    t, _ = db.samples(sid)
    np.testing.assert_allclose(t, np.arange(7) / 80.0)
    db.close()


def test_requests_are_an_enum(known_set, scripted_detector):
    from taut.ui.live_session import Request

    session = LiveSession(ReplaySource(known_set.time_s, known_set.tension_n, speed=1), scripted_detector(known_set.reps),
                          LiveModel())
    with pytest.raises(TypeError, match="Request"):
        session.request("stop")  # a string is refused, not queued
    session.request(Request.STOP)  # before the run: it stops at once
    result = asyncio.run(session.run())
    assert result.stopped_by_user and result.samples < len(known_set.time_s) // 10
