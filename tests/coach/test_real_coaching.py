"""The coaching benchmark's real-recordings part (benchmarks/coaching_real.py): the contract measured on
the truth intervals, the scorer, and floors on the grip-sensor logs (no accuracy target is gated here;
the floors say the part still runs and still finds what it found)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from taut.coach import HoldIt
from taut.coach.cues import SqueezeDone

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("coaching_real", ROOT / "benchmarks" / "coaching_real.py")
real = importlib.util.module_from_spec(_spec)
sys.modules["coaching_real"] = real  # dataclasses look their module up
_spec.loader.exec_module(real)

GRIP = [e for e in real.real_corpus.load_manifest() if real.group_of(e) == real.GROUPS[0]]
# the six grip logs the floors below were measured on the day the part was built; later recordings get
# floors of their own (a new recording is scored, not allowed to loosen the old floors)
GRIP_FIRST_IDS = (
    "ogf-grip-20250523-squeezes", "ogf-grip-20250313-squeezes", "ogf-grip-20250313-hold",
    "ogf-grip-20241126-paced", "ogf-grip-20241126-fatigued", "ogf-grip-20241024-step",
)
GRIP_FIRST = [e for e in GRIP if e.id in GRIP_FIRST_IDS]
MIDDLE_ID = "ogf-grip-20241126-middle"  # 68 paced squeezes fading from ~200 to ~100 N (added 2026-12-03)


def _squeezes(fs_hz: float = 10.0) -> tuple[np.ndarray, np.ndarray, list[tuple[float, float]]]:
    """Three trapezoid squeezes from 5 N to 105 N: 0.4 s up, held 0.5 s, 0.4 s down, 1.5 s apart."""
    t = np.arange(0.0, 6.0, 1.0 / fs_hz)
    x = np.full_like(t, 5.0)
    spans = []
    for a in (1.0, 2.5, 4.0):
        up = np.clip((t - a) / 0.4, 0.0, 1.0)
        down = np.clip((t - a - 0.9) / 0.4, 0.0, 1.0)
        x += 100.0 * (up - down)
        spans.append((a + 0.04, a + 1.26))
    return t, x, spans


def test_the_contract_on_truth_intervals_gives_the_crossings():
    t, x, spans = _squeezes(fs_hz=100.0)
    reps = [tr.rep for tr in real.contract_reps(t, x, spans)]
    assert all(r is not None for r in reps)
    for r, a in zip(reps, (1.0, 2.5, 4.0)):
        assert r.start_s == pytest.approx(a + 0.04, abs=0.02)  # 10 % of a 0.4 s ramp
        assert r.top_start_s == pytest.approx(a + 0.36, abs=0.02)
        assert r.top_end_s == pytest.approx(a + 0.94, abs=0.02)
        assert r.end_s == pytest.approx(a + 1.26, abs=0.02)
        assert r.peak_n - r.bottom_n == pytest.approx(100.0, abs=1.0)
        assert not r.partial


def test_own_pace_is_the_median_phases():
    t, x, spans = _squeezes(fs_hz=100.0)
    reps = [tr.rep for tr in real.contract_reps(t, x, spans)]
    tg = real.own_pace(reps)
    assert tg.tempo.concentric_s == pytest.approx(0.32, abs=0.03)
    assert tg.hold_s == pytest.approx(0.58, abs=0.03)
    assert tg.tempo.eccentric_s == pytest.approx(0.32, abs=0.03)
    assert tg.tension_n == pytest.approx(105.0, abs=1.0)


def test_countdown_starts():
    cues = [HoldIt(1.0, 0, 2.0), HoldIt(1.5, 0, 1.0), SqueezeDone(2.0, 0),  # one countdown
            HoldIt(3.0, 0, 1.0),  # a second, left early
            HoldIt(4.0, 0, 2.0),  # a third: counts up again
            SqueezeDone(6.0, 0), SqueezeDone(7.0, 0)]  # the last one alone: a hold shorter than a sample
    assert real.countdown_starts(cues) == [1.0, 3.0, 4.0, 7.0]


def test_the_scorer_counts_a_wrong_cue(monkeypatch):
    """A chain that cues every rep "short range" (none is partial) scores it a false positive each."""
    from taut.coach.cues import RepMark, ShortRange

    t, x, spans = _squeezes()
    entry = real.real_corpus.Entry("synthetic", Path("-"), "squeezes", tuple(spans), "protocol", "high", {})

    class Rec:
        time_s, tension_n = t, x

    def fake_live(t_, x_, targets):
        truth = real.contract_reps(t_, x_, spans)
        cues = []
        for i, tr in enumerate(truth):
            cues += [ShortRange(tr.rep.end_s, 0, i, tr.rep.start_s, 0.5), RepMark(tr.rep.end_s, 0, i, tr.rep.start_s, ("partial",))]
        return cues, {(0, i): tr.rep for i, tr in enumerate(truth)}, []

    monkeypatch.setattr(real, "read_recording", lambda path: Rec)
    monkeypatch.setattr(real, "coach_live", fake_live)
    score = real.RealScore()
    real.score_entry(entry, "defaults", score)
    assert score.matched == 3
    assert score.fp["short-range"] == 3 and score.tp["short-range"] == 0
    assert score.fn["too-fast-concentric"] == 3  # 0.32 s up against 1 s: rushed, and not told
    assert score.latency_s == {}


@pytest.fixture(scope="module")
def grip_scores():
    return {which: real.score_real(which, GRIP_FIRST) for which in real.TARGETS}


def test_every_grip_truth_rep_is_measured_and_counted(grip_scores):
    s = grip_scores["defaults"]
    assert s.recordings == len(GRIP_FIRST) == 6
    assert s.unmeasured == 0
    # the day the part was built, 62 of 63 truth reps matched (the held double push is found as its
    # second push only); the floor leaves two: the real part still runs and still finds the reps
    assert s.matched >= 60 and s.counted <= s.truth_reps + 2


def test_grip_cue_floors(grip_scores):
    d, own = grip_scores["defaults"], grip_scores["own pace"]
    for k in ("too-fast-concentric", "too-fast-eccentric", "no-squeeze"):
        # with the catalogue's default tempo every grip squeeze is rushed and unheld
        assert d.recall(k) >= 0.9 and d.precision(k) >= 0.95, (k, d.tp[k], d.fp[k], d.fn[k])
    assert own.good_reps >= 40  # own pace: most reps are good, and stay uncued
    assert len(own.good_cued) <= 2, own.good_cued
    assert own.tp["no-squeeze"] >= 3


def test_grip_countdown_and_non_rep_floors(grip_scores):
    for which, s in grip_scores.items():
        on, n = s.on_time(("hold-it",))
        assert n >= 20 and on >= 0.75 * n, (which, on, n)
        assert len(s.cues_off_rep) <= 4, (which, s.cues_off_rep)  # today: the held double push's second push
        assert len(s.countdowns_off_rep) <= 2, (which, s.countdowns_off_rep)


def test_quick_grip_squeezes_are_coached_as_a_set_not_held_as_tugs(grip_scores):
    # with neither a plan's tension nor a last set each brief, unheld squeeze could be a setup tug; a run of them
    # in rhythm shows a set (thresholds.REP_RUN): before, they waited four at a time all set long ("too fast" back
    # on time 67.2 %, 11 matched reps with no countdown; with the run 79.3 % and 6)
    d = grip_scores["defaults"]
    on, n = d.on_time(("too-fast-eccentric",))
    assert on >= 0.75 * n, (on, n)
    assert len(d.no_countdown) <= 6, d.no_countdown


def test_the_held_step_gets_no_cue():
    step = [e for e in GRIP if not e.intervals_s]
    assert step, "the corpus's no-rep control (a held step) is gone"
    s = real.score_real("defaults", step)
    assert s.counted == 0 and s.cues_off_rep == []


@pytest.fixture(scope="module")
def middle_scores():
    middle = [e for e in GRIP if e.id == MIDDLE_ID]
    assert middle, "the 68-squeeze series is gone from the corpus"
    return {which: real.score_real(which, middle) for which in real.TARGETS}


def test_the_fading_series_floors(middle_scores):
    # measured the day it came in (2026-12-03): 67 of 68 squeezes matched (the detector drops the one after an
    # incomplete release, 20.63 s), "too fast" / "no squeeze" recall 98.5 %, precision 100 %; the hold-it
    # countdown on time 60 of 65; one countdown begun off a rep (0.94 s, just after the first squeeze, which the
    # detector meets in its warm-up)
    d, own = middle_scores["defaults"], middle_scores["own pace"]
    assert d.unmeasured == 0 and d.truth_reps == 68
    assert d.matched >= 66 and d.counted <= d.truth_reps + 1
    for k in ("too-fast-concentric", "too-fast-eccentric", "no-squeeze"):
        assert d.recall(k) >= 0.95 and d.precision(k) >= 0.95, (k, d.tp[k], d.fp[k], d.fn[k])
    for which, s in middle_scores.items():
        on, n = s.on_time(("hold-it",))
        assert n >= 60 and on >= 0.85 * n, (which, on, n)
        assert s.cues_off_rep == [], (which, s.cues_off_rep)
        assert len(s.countdowns_off_rep) <= 1, (which, s.countdowns_off_rep)
    # today 5 good reps (own pace) get "short range": the coach's typical excursion is the early reps'
    # (~170 N) while the squeezes fade to ~100 N; the contract judges against the series' median
    assert len(own.good_cued) <= 5, own.good_cued
