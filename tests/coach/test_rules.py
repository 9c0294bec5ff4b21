"""The coach's rules on hand-made reps: per-rep cues, losing form, band verdicts, summaries, countdown."""

from __future__ import annotations

import math

import numpy as np
import pytest

from taut.coach import CueEngine, HoldIt, LosingForm, NoSqueeze, RepMark, RepWithdrawn, ShortRange, SqueezeDone, TooFast
from taut.coach import summarize, targets_for
from taut.coach.form import decline_start, losing_form
from taut.coach.heavy import band_verdict, heavy_signs
from taut.coach.hold import HoldCountdown
from taut.coach.rep_cues import rep_cue_kinds, rep_mark
from taut.coach.summary import SetSummary
from taut.records import Rep, RepSet
from taut.signal.events import RepCancelled, RepCompleted, RepStarted, SetEnded

FLY = targets_for("reverse-fly")  # 3-0-1-2, hold 2 s


def rep(i=0, con=1.2, hold=2.4, ecc=3.3, t0=None, peak=60.0, bottom=10.0, partial=False, frac=1.0) -> Rep:
    t0 = 10.0 * i if t0 is None else t0
    return Rep(i, t0, t0 + con, t0 + con + hold, t0 + con + hold + ecc, bottom, peak, 0.7 * peak, 0.0, frac, partial,
               pause_s=1.0)


def test_targets_come_from_the_profile_and_can_be_overridden():
    assert (FLY.tempo.concentric_s, FLY.tempo.eccentric_s, FLY.hold_s) == (1, 3, 2)
    assert targets_for("face-pull").hold_s == 1
    assert targets_for("reverse-fly", hold_s=3).hold_s == 3
    with pytest.raises(ValueError):
        targets_for("nope")


def test_a_good_rep_earns_no_cue_and_each_fault_its_own():
    assert rep_cue_kinds(rep(), FLY) == ()
    assert rep_mark(()) == ("good",)
    assert rep_cue_kinds(rep(con=0.5), FLY) == ("too-fast-concentric",)
    assert rep_cue_kinds(rep(ecc=1.5), FLY) == ("too-fast-eccentric",)
    assert rep_cue_kinds(rep(hold=1.2), FLY) == ("no-squeeze",)
    assert rep_cue_kinds(rep(partial=True, frac=0.6), FLY) == ("short-range",)
    assert rep_mark(rep_cue_kinds(rep(con=0.5, ecc=1.0), FLY)) == ("fast",)
    # Just above each line: no cue (0.6 x 1 s, 0.6 x 3 s, 0.75 x 2 s).
    assert rep_cue_kinds(rep(con=0.61, ecc=1.81, hold=1.51), FLY) == ()


def test_losing_form_finds_a_steady_decline_and_where_it_began():
    steady = [rep(i, hold=2.6) for i in range(12)]
    assert losing_form(steady) is None
    fading = [rep(i, hold=2.6 if i < 5 else 2.6 - 0.25 * (i - 4)) for i in range(12)]
    since, what = losing_form(fading)
    assert what == "hold" and abs(since - 5) <= 1
    assert decline_start(np.array([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5])) == 4  # a step down


def test_band_too_heavy_needs_the_signs_together():
    good = [rep(i) for i in range(12)]
    assert band_verdict(good, FLY).verdict == "ok"
    heavy = [rep(i) if i < 4 else rep(i, hold=0.6, ecc=1.0, peak=40.0 if i % 3 else 58.0, partial=bool(i % 3), frac=0.6)
             for i in range(12)]
    signs = heavy_signs(heavy)
    assert {"holds dropping", "eccentrics collapsing", "partials rising"} <= set(signs)
    assert band_verdict(heavy, FLY).verdict == "too heavy"
    rushed = [rep(i, ecc=1.0) for i in range(12)]  # fast all through: no collapse
    assert band_verdict(rushed, FLY).verdict == "ok"


def test_band_too_light_needs_a_tension_target():
    good = [rep(i, peak=30.0) for i in range(10)]
    assert band_verdict(good, FLY).verdict == "ok"
    assert band_verdict(good, targets_for("reverse-fly", tension_n=80.0)).verdict == "too light"
    assert band_verdict(good, targets_for("reverse-fly", tension_n=40.0)).verdict == "ok"


def test_summary_counts_and_advises_and_round_trips():
    reps = tuple(rep(i, ecc=1.0 if i % 2 else 3.3) for i in range(8))
    s = summarize(RepSet(0, reps, "reverse-fly"), FLY)
    assert (s.reps, s.good_reps, s.cue_counts["too-fast-eccentric"]) == (8, 4, 4)
    assert s.target_tempo == "3-0-1-2" and s.band_verdict == "ok"
    assert s.advice.startswith("Slow down")
    assert SetSummary.from_dict(s.as_dict()) == s
    assert summarize(RepSet(0, tuple(rep(i) for i in range(8)), "reverse-fly"), FLY).advice.startswith("Good set")


def _hold_curve(top_s: float, hold_s: float, fs_hz: float = 80.0):
    """Tension 10 N, a 1 s rise to 60 N at top_s, held hold_s, a 1 s fall."""
    t = np.arange(0.0, top_s + hold_s + 3.0, 1.0 / fs_hz)
    y = np.interp(t, [0, top_s - 1.0, top_s, top_s + hold_s, top_s + hold_s + 1.0, 1e9], [10, 10, 60, 60, 10, 10])
    return t, y


def test_countdown_ticks_each_second_from_the_top_then_says_done():
    t, y = _hold_curve(3.0, 2.5)
    hc = HoldCountdown(2.0)
    hc.rep_completed(0, 50.0)  # the set's typical excursion is known: enter at 10 + 0.9 x 50 N
    hc._reset_rep()  # noqa: SLF001 - bottom from the still stretch
    out: list = []
    for ti, yi in zip(t, y):
        hc.step(float(ti), float(yi), out)
    ticks = [(c.time_s, c.remaining_s) for c in out if isinstance(c, HoldIt)]
    assert [r for _, r in ticks] == [2.0, 1.0]
    assert abs(ticks[0][0] - 2.9) < 0.1  # 90 % of the rise (plus the 50 ms average's lag)
    done = [c for c in out if isinstance(c, SqueezeDone)]
    assert len(done) == 1 and abs(done[0].time_s - ticks[0][0] - 2.0) < 0.02


def test_countdown_on_a_first_rep_uses_the_plateau_and_stops_when_let_go():
    t, y = _hold_curve(3.0, 0.5)  # let go after 0.5 s of a 2 s target
    hc = HoldCountdown(2.0)
    out: list = []
    for ti, yi in zip(t, y):
        if abs(ti - 2.3) < 1e-9:
            hc.rep_started(0)
        hc.step(float(ti), float(yi), out)
    assert [c.remaining_s for c in out if isinstance(c, HoldIt)] == [2.0]
    assert not [c for c in out if isinstance(c, SqueezeDone)]


def test_engine_turns_events_into_cues_and_withdraws_them():
    eng = CueEngine(FLY)
    t = np.array([0.0, 0.0125])
    y = np.array([10.0, 10.0])
    cues = eng.feed(t, y, [RepStarted(0.0, 0), RepCompleted(rep(0, con=0.4, hold=0.5, partial=True, frac=0.5), 0)])
    kinds = [type(c) for c in cues]
    assert kinds == [TooFast, NoSqueeze, ShortRange, RepMark]
    assert cues[0].phase == "concentric" and cues[-1].marks == ("fast", "no squeeze", "partial")
    assert all(c.time_s == 0.0125 for c in cues)
    out = eng.feed(t + 1, y, [RepCancelled(1.0, 0, rep_index=0)])
    assert out == [RepWithdrawn(1.0125, 0, 0)]
    assert eng.feed(t + 2, y, [RepCancelled(2.0, 0, rep_index=0)]) == []  # nothing left to withdraw


def test_engine_says_losing_form_once_per_set():
    eng = CueEngine(FLY)
    t, y = np.array([0.0]), np.array([10.0])
    got = []
    for i in range(12):
        r = rep(i, hold=2.6 if i < 5 else 2.6 - 0.2 * (i - 4))
        got += [c for c in eng.feed(t + i, y, [RepCompleted(r, 0)]) if isinstance(c, LosingForm)]
    assert len(got) == 1 and got[0].what == "hold" and abs(got[0].since_rep - 5) <= 1
    assert math.isclose(got[0].since_start_s, 10.0 * got[0].since_rep)
    eng.feed(t + 20, y, [SetEnded(RepSet(0, ()))])


def test_a_setup_tug_earns_no_cue_and_a_real_first_rep_its_cues_late():
    eng = CueEngine(FLY)
    t, y = np.array([0.0]), np.array([10.0])
    tug = rep(0, con=0.3, hold=0.0, ecc=0.4, peak=20.0)
    assert eng.feed(t, y, [RepCompleted(tug, 0)]) == []  # waits: it may be a tug
    out = eng.feed(t + 10, y, [RepCancelled(10.0, 0, rep_index=0), RepCompleted(rep(1), 0)])
    assert [type(c) for c in out] == [RepMark] and out[0].rep_index == 1 and out[0].good
    eng = CueEngine(FLY)
    eng.feed(t, y, [RepCompleted(rep(0, con=0.3, hold=0.0, ecc=0.4), 0)])
    out = eng.feed(t + 10, y, [RepCompleted(rep(1), 0)])  # a real rep follows and the first stays
    assert [(type(c), c.rep_index) for c in out] == [(RepMark, 1), (TooFast, 0), (TooFast, 0), (NoSqueeze, 0), (RepMark, 0)]
    assert all(c.time_s == 10.0 for c in out)
