"""Quick reps are not setup tugs: a run of same-sized movements in rhythm makes a set of reps, coached at once."""

from __future__ import annotations

import numpy as np
import pytest

from taut.coach import CueEngine, HoldIt, RepMark, TooFast, targets_for
from taut.coach.thresholds import REP_RUN
from taut.records import Rep, RepSet
from taut.signal import RepDetector
from taut.signal.events import RepCompleted, RepStarted, SetEnded, TopReached

NO_PLAN = targets_for(None)  # 2-0-1-1, a 1 s hold, no plan tension; and no last set


def _squeezes(fs_hz: float, n: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Quick grip-like squeezes from slack (0 N): 0.3 s up to ~100 N (+-6 %), 0.2 s held, 0.35 s down, every
    1.5 s, with 0.5 N of noise; (time, tension, each squeeze's 90 % crossing)."""
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, 3.0 + 1.5 * n, 1.0 / fs_hz)
    x = rng.normal(0.0, 0.5, t.size)
    tops = []
    for k in range(n):
        a, peak = 3.0 + 1.5 * k, 100.0 * (1.0 + 0.06 * rng.standard_normal())
        x += peak * np.interp(t, [a, a + 0.3, a + 0.5, a + 0.85], [0.0, 1.0, 1.0, 0.0], left=0.0, right=0.0)
        tops.append(a + 0.27)
    return t, x, tops


@pytest.mark.parametrize("fs_hz", [12.0, 80.0])
def test_a_run_of_quick_reps_is_a_set_whose_later_reps_are_coached_at_their_top(fs_hz):
    """Brief, unheld squeezes with neither a plan's tension nor a last set could each be a setup tug; once REP_RUN
    of them in rhythm show a set of reps, each later one gets its countdown and "too fast" up at its top (before,
    they waited four at a time: the cues of the reps after the fourth came with the eighth)."""
    t, x, tops = _squeezes(fs_hz)
    det, eng = RepDetector(None, top_events=True), CueEngine(NO_PLAN)
    fast_up: dict[int, float] = {}
    ticks: list[float] = []
    marks = 0
    for i in range(t.size):
        for c in eng.feed(t[i:i + 1], x[i:i + 1], det.feed(t[i:i + 1], x[i:i + 1])):
            if isinstance(c, TooFast) and c.phase == "concentric":
                fast_up.setdefault(c.rep_index, c.time_s)
            elif isinstance(c, HoldIt):
                ticks.append(c.time_s)
            marks += isinstance(c, RepMark)
    eng.feed(t[:0], x[:0], det.finish())
    assert marks == len(tops) and sorted(fast_up) == list(range(len(tops)))  # every squeeze counted and rushed
    for k in range(REP_RUN, len(tops)):
        assert fast_up[k] - tops[k] <= 0.3, (k, fast_up[k], tops[k])  # at its top, not with a later rep
        assert any(tops[k] - 0.15 <= h <= tops[k] + 0.45 for h in ticks), k  # counted down (a 0.2 s squeeze)


def _quick(i: int, t0: float, bottom: float = 0.0, peak: float = 100.0) -> Rep:
    """A brief, unheld rep (0.3 s up, 0.2 s held, 0.35 s down): each could be a setup tug."""
    return Rep(i, t0, t0 + 0.3, t0 + 0.5, t0 + 0.85, bottom, peak, 0.6 * peak, 0.0, 1.0, False, pause_s=0.65)


def _next_top(eng: CueEngine, runs: list[Rep]) -> list:
    """Complete `runs` in `eng`, then tell the next movement's top (1.5 s after the last start): its cues' types."""
    for r in runs:
        eng.feed(np.array([r.end_s]), np.array([r.bottom_n]), [RepStarted(r.start_s, 0), RepCompleted(r, 0)])
    last = runs[-1]
    t0 = last.start_s + 1.5
    bottom, peak = last.bottom_n, last.peak_n
    top = TopReached(t0 + 0.35, 0, len(runs), t0, t0 + 0.3, bottom, peak)
    return [type(c) for c in eng.feed(np.array([t0 + 0.35]), np.array([peak]), [RepStarted(t0, 0), top])]


def test_the_run_makes_the_set_real_only_when_its_movements_are_alike_in_rhythm():
    assert _next_top(CueEngine(NO_PLAN), [_quick(i, 1.5 * i) for i in range(REP_RUN)]) == [HoldIt, TooFast]
    assert _next_top(CueEngine(NO_PLAN), [_quick(i, 1.5 * i) for i in range(REP_RUN - 1)]) == []  # too few yet
    sizes = [100.0, 45.0, 100.0]  # one not the others' size (a tug between reps, or sway)
    assert _next_top(CueEngine(NO_PLAN), [_quick(i, 1.5 * i, peak=p) for i, p in enumerate(sizes)]) == []
    starts = [0.0, 1.5, 2.2]  # no rhythm
    assert _next_top(CueEngine(NO_PLAN), [_quick(i, a) for i, a in enumerate(starts)]) == []


def test_sway_of_a_static_load_and_tugs_small_against_the_plan_make_no_set():
    # a person standing on a plate: 8 N bumps on 600 N, alike and in rhythm, are no band reps
    assert _next_top(CueEngine(NO_PLAN), [_quick(i, 1.5 * i, bottom=600.0, peak=608.0) for i in range(4)]) == []
    # with a plan's 100 N end-range tension, three alike 15 N pulls from 5 N are small: tugs still
    planned = targets_for(None, tension_n=100.0)
    assert _next_top(CueEngine(planned), [_quick(i, 1.5 * i, bottom=5.0, peak=20.0) for i in range(3)]) == []
    # ... and full-size rushed reps are a set
    assert _next_top(CueEngine(planned), [_quick(i, 1.5 * i, bottom=5.0, peak=100.0) for i in range(3)]) == [HoldIt, TooFast]


def test_a_set_shown_by_its_run_guides_the_next_sets_first_rep():
    """The run's reps are the set's typical excursion: the countdown's line, and the next set's guide (the last set)."""
    eng = CueEngine(NO_PLAN)
    reps = [_quick(i, 1.5 * i, peak=p) for i, p in enumerate((100.0, 96.0, 104.0, 98.0))]
    _next_top(eng, reps[:REP_RUN])
    eng.feed(np.array([30.0]), np.array([0.0]), [SetEnded(RepSet(0, tuple(reps)))])
    assert eng.last_excursion_n == pytest.approx(99.0)
    # the next set's first squeeze, as big, is coached at its top (no tugs' wait: it is rep-sized by the last set)
    top = TopReached(40.35, 1, 0, 40.0, 40.3, 0.0, 97.0)
    got = eng.feed(np.array([40.35]), np.array([97.0]), [RepStarted(40.0, 1), top])
    assert [type(c) for c in got] == [HoldIt, TooFast]
