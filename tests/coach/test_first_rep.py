"""A set's first movement: rep or setup tug, told by the plan's tension, the last set or its shape; its countdown."""

from __future__ import annotations

import numpy as np

from taut.coach import CueEngine, HoldIt, SqueezeDone, TooFast, targets_for
from taut.coach.guide import LiveCoach
from taut.coach.plan import plan_from_flags
from taut.records import Rep, RepSet
from taut.signal.events import RepCancelled, RepCompleted, RepStarted, SetEnded, TopReached

FLY = targets_for("reverse-fly")  # 3-0-1-2, hold 2 s
DT = 1.0 / 80


def _feed(eng: CueEngine, knots: list[tuple[float, float]], events: dict[float, list]) -> list[tuple[float, object]]:
    """Feed a piecewise-linear tension (time, newtons) at 80 Hz; `events` by the time they are told."""
    t = np.arange(knots[0][0], knots[-1][0], DT)
    y = np.interp(t, *zip(*knots))
    got = []
    for i in range(len(t)):
        evs = [e for at, es in events.items() if abs(at - t[i]) < DT / 2 for e in es]
        got += [(float(t[i]), c) for c in eng.feed(t[i:i + 1], y[i:i + 1], evs)]
    return got


def _rep(i: int, t0: float, bottom: float, peak: float) -> Rep:
    return Rep(i, t0, t0 + 1.2, t0 + 3.6, t0 + 6.9, bottom, peak, 0.7 * peak, 0.0, 1.0, False, pause_s=1.0)


def test_a_grab_held_at_its_pre_tension_leaves_the_first_rep_its_countdown():
    # the grab takes the band from slack to 10 N and holds (the detector cancels it when the rep rises
    # from there); the rep then rises to 60 N and holds 2.5 s
    knots = [(0.0, 0.0), (1.0, 0.0), (1.5, 10.0), (4.0, 10.0), (5.2, 60.0), (7.7, 60.0), (9.0, 10.0), (10.0, 10.0)]
    got = _feed(CueEngine(FLY), knots, {1.05: [RepStarted(1.05, 0)], 4.1: [RepCancelled(4.1, 0), RepStarted(4.1, 0)]})
    ticks = [(t, c.remaining_s) for t, c in got if isinstance(c, HoldIt) and t > 4.0]
    assert ticks and ticks[0][1] == 2.0 and 5.0 < ticks[0][0] < 6.0  # the rep's own countdown, from its top
    assert [t for t, c in got if isinstance(c, SqueezeDone) and t > 4.0]


def test_with_a_plan_the_grab_earns_no_countdown():
    # planned end-range tension 60 N: the grab's 10 N is a sixth of that rise, no top to count down
    knots = [(0.0, 0.0), (1.0, 0.0), (1.5, 10.0), (4.0, 10.0)]
    got = _feed(CueEngine(targets_for("reverse-fly", tension_n=60.0)), knots, {1.05: [RepStarted(1.05, 0)]})
    assert not [c for _, c in got if isinstance(c, HoldIt | SqueezeDone)]


def _first_top(eng, bottom: float, peak: float, *, rise_s: float = 0.4, set_index: int = 0, t0: float = 0.0) -> list:
    """Tell `eng` a set's first movement started at t0 and reached its top (TopReached 50 ms after the
    estimated top start, `rise_s` in); the cues it gives (their types)."""
    t = t0 + rise_s + 0.05
    top = TopReached(t, set_index, 0, t0, t0 + rise_s, bottom, peak)
    return [type(c) for c in eng.feed(np.array([t]), np.array([peak]), [RepStarted(t0, set_index), top])]


def test_with_a_plan_a_first_rep_from_slack_is_coached_at_its_top():
    planned = targets_for("reverse-fly", tension_n=60.0)
    assert _first_top(CueEngine(planned), 0.0, 50.0) == [HoldIt, TooFast]  # from slack, a 0.4 s rise (of 1 s)
    # a tug from a stretched band: five times its start tension by shape, but a fifth of the plan's rise
    assert _first_top(CueEngine(planned), 2.0, 12.0) == []
    # a band lighter than planned: 30 N of a planned 60 N, rising five times its start tension
    assert _first_top(CueEngine(planned), 6.0, 36.0) == [HoldIt, TooFast]


def test_a_later_sets_first_rep_is_judged_by_the_last_sets_reps():
    eng = CueEngine(FLY)  # no plan tension
    t, y = np.array([0.0]), np.array([0.5])
    eng.feed(t, y, [RepStarted(0.0, 0), RepCompleted(_rep(0, 0.0, 0.5, 50.5), 0)])
    eng.feed(t + 8, y, [SetEnded(RepSet(0, (_rep(0, 0.0, 0.5, 50.5),)))])
    assert eng.last_excursion_n == 50.0
    # set 1 starts from slack (no shape to go by): 0.8 of the last set's excursion is a rep
    assert _first_top(eng, 0.2, 40.2, set_index=1, t0=60.0) == [HoldIt, TooFast]
    # a tug five times its start tension, but a fifth of the last set's reps: no cue
    assert _first_top(CueEngine(FLY, last_excursion_n=50.0), 2.0, 12.0, set_index=1) == []


def test_the_guide_hands_the_last_sets_excursion_to_the_next_set_of_the_same_exercise():
    coach = LiveCoach(plan_from_flags("reverse-fly", sets=2, reps=1, rest_s=10))
    t, y = np.array([0.0]), np.array([0.5])
    coach.feed(t, y, [RepStarted(0.0, 0), RepCompleted(_rep(0, 0.0, 0.5, 50.5), 0)])
    coach.feed(t + 8, y, [SetEnded(RepSet(0, (_rep(0, 0.0, 0.5, 50.5),)))])
    assert [c for c in _first_top(coach, 0.2, 40.2, set_index=1, t0=30.0) if c in (HoldIt, TooFast)] == [HoldIt, TooFast]


def test_a_rise_as_slow_as_a_controlled_rep_is_no_tug():
    # a heavily pre-stretched band: 30 N to 70 N is under 2.5 x its start tension, and a third of the
    # plan's rise (a band lighter than planned); but it took 1.1 s, a controlled rep's pace (target 1 s)
    planned = targets_for("reverse-fly", tension_n=150.0)
    assert _first_top(CueEngine(planned), 30.0, 70.0, rise_s=1.1) == [HoldIt]
    assert _first_top(CueEngine(planned), 30.0, 70.0, rise_s=0.3) == []  # in 0.3 s: a quick pull may be a tug
    # from slack, without a plan, pace alone is no guide (the band taken up slowly)
    assert _first_top(CueEngine(FLY), 0.0, 20.0, rise_s=1.1) == []


def test_a_slow_small_unheld_movement_waits_like_a_tug_against_the_plan():
    # 2.6 s long (no brief tug by time), unheld, and a sixth of the plan's rise: its cues wait for a real rep
    eng = CueEngine(targets_for("reverse-fly", tension_n=60.0))
    small = Rep(0, 0.0, 0.4, 0.55, 2.6, 1.0, 10.0, 5.0, 0.0, 1.0, False)
    assert eng.feed(np.array([2.7]), np.array([1.0]), [RepStarted(0.0, 0), RepCompleted(small, 0)]) == []
    out = eng.feed(np.array([9.0]), np.array([1.0]), [RepCancelled(9.0, 0, rep_index=0)])
    assert out == []  # withdrawn before it was ever coached


def test_a_held_movement_a_tenth_of_the_plans_rise_is_no_guide_to_the_sets_top():
    # a re-grip held 1 s at 6 N of a planned 60 N: not counted as the set's first real rep, so its
    # cues wait and its excursion draws no countdown line for the rep that follows
    eng = CueEngine(targets_for("reverse-fly", tension_n=60.0))
    regrip = Rep(0, 0.0, 0.3, 1.3, 2.0, 0.0, 6.0, 4.0, 0.0, 1.0, False)
    assert eng.feed(np.array([2.1]), np.array([0.0]), [RepStarted(0.0, 0), RepCompleted(regrip, 0)]) == []
    assert eng._hold.excursion_n is None  # noqa: SLF001 - no line from it: the next rise is a first rep's


def test_a_first_rep_told_again_higher_is_coached_at_the_top_it_reached():
    # a pause low in the rise: told at 18 N (a tug's reach from 10 N, against the plan's 60 N), then again at
    # 60 N as the rise goes on (before, the pause's 0.3 s plateau was awaited at the top: 0.3 s late)
    planned = targets_for("reverse-fly", tension_n=60.0)
    knots = [(0.0, 10.0), (0.5, 10.0), (0.8, 18.0), (1.3, 18.0), (1.9, 60.0), (4.5, 60.0), (5.5, 10.0)]
    low = TopReached(0.9, 0, 0, 0.5, 0.75, 10.0, 18.0)
    high = TopReached(2.0, 0, 0, 1.3, 1.85, 10.0, 60.0)  # its concentric (0.55 s) too fast
    got = _feed(CueEngine(planned), knots, {0.5: [RepStarted(0.5, 0)], 0.9: [low], 2.0: [high]})
    ticks = [(round(t, 3), c.remaining_s) for t, c in got if isinstance(c, HoldIt)]
    assert ticks[0] == (2.0, 2.0) and round([t for t, c in got if isinstance(c, TooFast)][0], 3) == 2.0
    # from slack, a rise that paused on its way is the band taken up (the grab): no cue at its top
    knots = [(0.0, 0.0), (0.5, 0.0), (0.8, 10.0), (1.3, 10.0), (1.9, 60.0), (4.5, 60.0), (5.5, 0.0)]
    low, high = TopReached(0.9, 0, 0, 0.5, 0.75, 0.0, 10.0), TopReached(2.0, 0, 0, 1.3, 1.85, 0.0, 60.0)
    got = _feed(CueEngine(planned), knots, {0.5: [RepStarted(0.5, 0)], 0.9: [low], 2.0: [high]})
    assert not [c for t, c in got if t < 2.1 and isinstance(c, (HoldIt, TooFast))]


def test_too_fast_up_told_at_a_pause_is_taken_back_when_the_rise_goes_on_slowly():
    knots = [(0.0, 10.0), (0.5, 10.0), (0.9, 40.0), (1.2, 40.0), (2.2, 60.0), (4.5, 60.0), (5.5, 10.0)]
    low = TopReached(1.0, 0, 0, 0.5, 0.85, 10.0, 40.0)  # 0.35 s up: too fast, by this top
    high = TopReached(2.3, 0, 0, 0.5, 2.1, 10.0, 60.0)  # 1.6 s up
    got = _feed(CueEngine(FLY), knots, {0.5: [RepStarted(0.5, 0)], 1.0: [low], 2.3: [high]})
    assert [(round(t, 3), type(c).__name__) for t, c in got if t < 2.35 and not isinstance(c, HoldIt)] == \
        [(1.0, "TooFast"), (2.3, "CueWithdrawn")]
    assert [c.remaining_s for t, c in got if isinstance(c, HoldIt)][:2] == [2.0, 1.0]  # the countdown runs on
