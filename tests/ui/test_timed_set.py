"""A timed set ends by the plan's clock: the live session closes the detector's set when the time is up."""

from __future__ import annotations

import asyncio

import numpy as np

from taut.coach.guide import GoalReached, LiveCoach, SetDone
from taut.coach.plan import plan_from_flags
from taut.signal import RepDetector
from taut.sources import ReplaySource
from taut.ui.live_model import LiveModel
from taut.ui.live_session import LiveSession


def _reps_without_rest(fs_hz: float = 80.0, period_s: float = 5.0, seconds: float = 60.0) -> tuple[np.ndarray, np.ndarray]:
    """Row-like reps back to back for `seconds` (never a rest of 10 s: the detector alone never closes the set)."""
    t = np.arange(0.0, seconds, 1.0 / fs_hz)
    phase = (t - 2.0) % period_s
    up = np.clip(phase / 1.2, 0, 1)
    down = np.clip((phase - 2.4) / 2.0, 0, 1)
    x = 5.0 + 50.0 * (0.5 - 0.5 * np.cos(np.pi * up)) * (0.5 + 0.5 * np.cos(np.pi * down))
    x[t < 2.0] = 5.0
    return t, x + np.random.default_rng(3).normal(0, 0.1, t.size)


class _Cues(LiveModel):
    def __init__(self) -> None:
        super().__init__()
        self.cues: list = []

    def apply_cue(self, cue: object) -> None:
        self.cues.append(cue)
        super().apply_cue(cue)


def test_a_timed_set_ends_when_the_plans_time_is_up():
    t, x = _reps_without_rest()
    coach = LiveCoach(plan_from_flags("row", sets=2, seconds=20, rest_s=5))
    model = _Cues()
    session = LiveSession(ReplaySource(t, x, batch=4, speed=0), RepDetector("row"), model,
                          detector_factory=lambda: RepDetector("row"), coach=coach)
    result = asyncio.run(session.run())
    first_rep_s = result.sets[0].reps[0].start_s
    [up] = [c for c in model.cues if isinstance(c, GoalReached)][:1]
    assert up.what == "time" and 19.5 < up.time_s - first_rep_s <= 20.1  # from the first rep's trigger
    done = [c for c in model.cues if isinstance(c, SetDone)]
    assert len(done) >= 2 and len(result.sets) >= 2
    # closed when the rep under way at the time up was over, long before a 10 s rest could close it
    assert done[0].time_s - up.time_s < 5.0
    assert all(r.start_s < up.time_s for r in result.sets[0].reps)
    assert result.sets[1].reps[0].start_s > up.time_s  # the next set is a set of its own
