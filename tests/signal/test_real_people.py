"""Kinds of behaviour real people showed on force sensors, one synthetic case each.

Real recordings were counted wrong in six ways; each test below builds that kind of behaviour
(not any one file) and asks for the right reps: no false one, none missed.
"""

import numpy as np
import pytest

from taut.signal import RepCancelled, RepCompleted, RepDetector, analyze

import humansynth as hs
import tautsynth


def _check(efforts, extra, duration_s, fs_hz, noise_n, seed=0, base_n=0.0):
    segs = [s for e in efforts for s in e] + extra
    t, x = hs.render(segs, duration_s, fs_hz, noise_n, seed, base_n)
    a = analyze(t, x)
    false, missed = hs.matched(a.reps, hs.truth_of(efforts))
    assert (false, missed) == (0, 0), [(round(r.start_s, 2), round(r.end_s, 2), round(r.peak_n)) for r in a.reps]
    assert tautsynth.streamed_sets(t, x, 5) == a.sets  # live and offline agree
    return a


def _repeaters(peaks, pull, load):
    """Pulls every 10 s from 2 s (`pull(t0, peak)`: its ramps), with `load(t0, peak)` in each rest
    but the last (a hand resting on the handle): (efforts, rest segments)."""
    starts = [2.0 + 10.0 * i for i in range(len(peaks))]
    return [pull(t0, p) for t0, p in zip(starts, peaks)], [s for t0, p in zip(starts[:-1], peaks) for s in load(t0, p)]


def _assert_spans(a, efforts, start_tol_s, end_tol_s):
    """Each rep found starts and ends within the tolerances of its effort's ramps."""
    for r, (s, e) in zip(a.reps, hs.truth_of(efforts)):
        assert abs(r.start_s - s) < start_tol_s and abs(r.end_s - e) < end_tol_s


@pytest.mark.parametrize("fs_hz", [10.0, 80.0])
def test_1_intensities_small_medium_high_all_count(fs_hz):
    # a grip squeezed at three intensities, three times each: the small ones lead the set
    efforts = [hs.effort(2.0 + 6.0 * i, p, 0.5, 3.0, 0.5) for i, p in enumerate([30, 30, 30, 70, 70, 70, 150, 150, 150])]
    _check(efforts, [], 60.0, fs_hz, 0.5)


@pytest.mark.parametrize("fs_hz", [10.0, 80.0])
def test_1_a_rising_load_keeps_its_first_pulls(fs_hz):
    # a cable machine with a rising load (warm-up): each pull larger than the last, then level
    efforts = [hs.effort(3.0 + 5.0 * i, p, 1.0, 1.0, 1.5) for i, p in enumerate([20, 40, 60, 80, 100, 100, 100])]
    _check(efforts, [], 45.0, fs_hz, 0.5)


@pytest.mark.parametrize("fs_hz", [10.0, 80.0])
def test_1_the_largest_pull_first_half_a_second_in(fs_hz):
    efforts = [hs.effort(0.5, 200, 0.3, 2.0, 0.4)]
    efforts += [hs.effort(5.0 + 5.0 * i, p, 0.4, 2.0, 0.5) for i, p in enumerate([150, 140, 125, 110, 100])]
    _check(efforts, [], 35.0, fs_hz, 0.5)


@pytest.mark.parametrize("fs_hz", [10.0, 80.0])
def test_2_small_bumps_and_level_steps_in_a_rest_are_no_reps(fs_hz):
    # 150 N pulls; in the rest between two sets, brief 5-10 N bumps (each far enough from the
    # others to be a "set" of its own, two close together too) and level steps up and down
    efforts = [hs.effort(2.0 + 10.0 * i, 150, 0.6, 7.0, 0.6) for i in range(4)]
    efforts += [hs.effort(120.0 + 10.0 * i, 150, 0.6, 7.0, 0.6) for i in range(4)]
    rest = hs.effort(55.0, 8, 0.3, 0.1, 0.3) + hs.effort(67.0, 10, 0.4, 0.2, 0.4) + hs.effort(80.0, 6, 0.5, 0.0, 0.5)
    rest += hs.effort(93.0, 5, 0.3, 0.0, 0.3) + hs.effort(96.0, 7, 0.3, 0.1, 0.3)
    rest += [(100.5, 100.8, 0, 6), (117.0, 117.3, 6, 0)]  # an offset held longer than any rep
    a = _check(efforts, rest, 165.0, fs_hz, 0.5)
    assert len(a.sets) == 2
    # live, each bump is shown when it ends and withdrawn when its "set" closes as rest activity
    t, x = hs.render([s for e in efforts for s in e] + rest, 165.0, fs_hz, 0.5)
    det = RepDetector()
    events = []
    for i in range(0, len(t), 16):
        events += det.feed(t[i : i + 16], x[i : i + 16])
    events += det.finish()
    shown = set()
    for e in events:
        if isinstance(e, RepCompleted):
            shown.add((e.set_index, e.rep.index))
        elif isinstance(e, RepCancelled) and e.rep_index is not None:
            shown.remove((e.set_index, e.rep_index))
    assert len(shown) == 8 and {k[0] for k in shown} == {0, 1}



@pytest.mark.parametrize("fs_hz", [10.0, 80.0])
def test_3_a_hand_resting_on_the_handle_is_no_partial_rep(fs_hz):
    # 24 x 7 s on / 3 s off repeaters fading with fatigue; in each rest the hand lies on the handle
    # for a moment: a rounded bump at a third of the pull, no hold
    efforts, rest = [], []
    for i in range(24):
        p = 150.0 - 3.5 * i
        t0 = 2.0 + 10.0 * i
        efforts.append(hs.effort(t0, p, 0.5, 6.2, 0.5))
        if i < 23:
            rest += hs.effort(t0 + 7.6, p / 3.0, 0.6, 0.2, 0.8)
    a = _check(efforts, rest, 245.0, fs_hz, 0.8)
    assert sum(r.partial for r in a.reps) <= 8  # only the faded pulls: 60-80 N of 150


@pytest.mark.parametrize("fs_hz", [10.0, 80.0])
@pytest.mark.parametrize("dip", [0.6, 0.4, 0.25])
def test_4_a_dip_inside_a_long_hold_keeps_one_rep(fs_hz, dip):
    # 7 s holds at 100 N, one with a dip to `dip` of the hold and back, one overshooting first
    efforts = [hs.effort(2.0 + 10.0 * i, 100, 0.5, 7.0, 0.5) for i in range(5)]
    efforts[2] = [(22.0, 22.5, 0, 100), (25.0, 25.3, 100, 100 * dip), (25.4, 25.7, 100 * dip, 100), (29.5, 30.0, 100, 0)]
    efforts[3] = [(32.0, 32.3, 0, 125), (32.3, 32.8, 125, 100), (35.0, 35.3, 100, 100 * dip), (35.4, 35.8, 100 * dip, 95),
                  (39.5, 40.0, 95, 0)]
    _check(efforts, [], 55.0, fs_hz, 0.5)


@pytest.mark.parametrize("fs_hz", [10.0, 80.0])
def test_4_a_hold_fading_with_fatigue_is_not_cut_early(fs_hz):
    # each hold fades (to 40 % by the last), one with a re-pull after the fade
    efforts = []
    for i in range(5):
        t0 = 2.0 + 11.0 * i
        fade = 100.0 * (1.0 - 0.15 * i)
        efforts.append([(t0, t0 + 0.5, 0, 100), (t0 + 0.5, t0 + 7.5, 100, fade), (t0 + 7.5, t0 + 8.0, fade, 0)])
    t0 = 57.0
    efforts.append([(t0, t0 + 0.5, 0, 100), (t0 + 0.5, t0 + 4.0, 100, 50), (t0 + 4.5, t0 + 5.0, 50, 90), (t0 + 7.0, t0 + 7.5, 90, 0)])
    _assert_spans(_check(efforts, [], 75.0, fs_hz, 0.5), efforts, 0.4, 0.6)


@pytest.mark.parametrize("fs_hz", [10.0, 80.0])
def test_5_a_spike_at_the_start_of_a_plateau_is_part_of_its_rep(fs_hz):
    # a pull that snaps up past its level, then holds: one rep over the whole plateau
    efforts = []
    for i in range(4):
        t0 = 2.0 + 8.0 * i
        efforts.append([(t0, t0 + 0.15, 0, 140), (t0 + 0.15, t0 + 0.3, 140, 60), (t0 + 0.35, t0 + 0.6, 60, 100),
                        (t0 + 5.0, t0 + 5.5, 100, 0)])
    a = _check(efforts, [], 40.0, fs_hz, 0.5)
    for r, (s, e) in zip(a.reps, hs.truth_of(efforts)):
        assert r.end_s - r.start_s > 4.0


@pytest.mark.parametrize("fs_hz", [10.0, 80.0])
def test_6_one_maximal_effort_gains_nothing_from_wobble_or_stepping_off(fs_hz):
    # standing on a plate (700 N), one maximal effort, wobble after it, then stepping off
    t0 = 3.0
    efforts = [[(t0, t0 + 0.6, 700, 1500), (t0 + 1.0, t0 + 1.4, 1500, 700)]]
    wobble = []
    for j, amp in enumerate([120, 80, 50, 30]):
        a = t0 + 1.4 + 0.35 * j
        wobble.append((a, a + 0.17, 700, 700 + amp * (-1) ** j))
        wobble.append((a + 0.17, a + 0.35, 700 + amp * (-1) ** j, 700))
    step_off = [(9.0, 9.3, 700, 790), (9.3, 9.8, 790, 0)]
    _check(efforts, wobble + step_off, 14.0, fs_hz, 2.0, base_n=700.0)


@pytest.mark.parametrize("fs_hz", [10.0, 80.0])
def test_3_a_resting_load_held_as_long_as_the_faded_holds_is_no_rep(fs_hz):
    # 7 s on / 3 s off pulls whose hold fades by 30 % (so their top, at 90 %, is short), and a
    # hand resting on the handle for 1.5 s at a third of the pull in each rest: told apart by
    # duration (a partial pull lasts as long as the others), not by hold
    efforts, rest = _repeaters(
        [150.0 - 4.0 * i for i in range(10)],
        lambda t0, p: [(t0, t0 + 0.5, 0, p), (t0 + 0.5, t0 + 6.5, p, 0.7 * p), (t0 + 6.5, t0 + 7.0, 0.7 * p, 0)],
        lambda t0, p: [(t0 + 7.4, t0 + 7.8, 0, p / 3.0), (t0 + 9.3, t0 + 9.6, p / 3.0, 0)],
    )
    efforts[6] = [(62.0, 62.5, 0, 70), (62.5, 68.5, 70, 55), (68.5, 69.0, 55, 0)]  # a genuine partial pull
    a = _check(efforts, rest, 120.0, fs_hz, 0.5)
    assert [r.partial for r in a.reps] == [False] * 6 + [True] + [False] * 3


@pytest.mark.parametrize("fs_hz", [10.0, 80.0])
def test_4_a_dip_in_the_first_hold_of_a_set_keeps_one_rep(fs_hz):
    # before any set exists: a band taken up to a pre-tension, then a 7 s hold that dips to 60 %
    # and comes back (the grab still re-bases the rep; the dip does not)
    efforts = [[(2.0, 2.3, 0, 25), (5.0, 5.3, 25, 250), (7.0, 7.4, 250, 160), (7.6, 8.0, 160, 240), (12.0, 12.4, 240, 25)]]
    efforts += [[(15.0 + 10.0 * i, 15.3 + 10.0 * i, 25, 250), (21.5 + 10.0 * i, 21.9 + 10.0 * i, 250, 25)] for i in range(3)]
    truth = [(5.0, 12.4)] + hs.truth_of(efforts[1:])
    segs = [s for e in efforts for s in e] + [(45.0, 45.3, 25, 0)]
    t, x = hs.render(segs, 55.0, fs_hz, 0.5)
    a = analyze(t, x)
    assert hs.matched(a.reps, truth) == (0, 0), [(round(r.start_s, 2), round(r.end_s, 2)) for r in a.reps]
    assert tautsynth.streamed_sets(t, x, 5) == a.sets


@pytest.mark.parametrize("fs_hz", [10.0, 80.0])
def test_7_an_incomplete_release_between_fatigued_squeezes_parts_two_reps(fs_hz):
    # a fatigued squeeze series: after the first squeeze, the hand lets go only to 12-18 % of each
    # squeeze (the 10 % line is never crossed), and the last squeeze is weak (a third of the first).
    # (Before a set exists the release must still cross the line: an offset step looks the same.)
    efforts, level = [], 0.0
    peaks = [110, 105, 100, 96, 92, 88, 85, 36]
    for i, p in enumerate(peaks):
        t0 = 2.0 + 1.6 * i
        low = 0.0 if i in (0, len(peaks) - 1) else (0.12 + 0.02 * (i % 4)) * p
        efforts.append([(t0, t0 + 0.3, level, p), (t0 + 0.5, t0 + 0.9, p, low)])
        level = low
    a = _check(efforts, [], 20.0, fs_hz, 0.5)
    assert len(a.sets) == 1


def test_no_regression_on_the_human_like_suite():
    # the first 100 sets of the human-like suite (every behaviour, both rates, all noise levels):
    # what the detector reaches today (100 of 100 counted right, no rep in labelled non-rep time)
    from taut.sim import human_suite

    outside = ("setup", "rest", "idle", "release", "tug", "grip", "rest-load", "fidget", "step", "wobble", "cut")
    sets = exact = false = 0
    for rec in human_suite(n_sets=100, seed=0):
        reps = analyze(rec.time_s, rec.tension_n).reps
        centres = [(r.start_s + r.end_s) / 2 for r in reps]
        false += sum(any(iv.start_s < c < iv.end_s for iv in rec.intervals(*outside)) for c in centres)
        for ts in rec.sets:
            sets += 1
            exact += sum(ts.start_s - 0.3 < c < ts.end_s + 0.3 for c in centres) == len(ts.reps)
    assert sets == 100
    assert (exact, false) == (100, 0)


@pytest.mark.parametrize("fs_hz", [10.0, 80.0])
def test_2_level_steps_and_spread_fidgets_in_a_rest_are_no_reps_but_a_lone_light_rep_is(fs_hz):
    # 100 N reps; in the rest a level step (up in 0.3 s, flat for 5 s, down in 0.3 s: stepping on
    # the band), three fidgets 3 s apart and another step; then a lone 8 N rep that moves through a
    # range (1 s up, 1.5 s held, 1.5 s down: a light band after a heavy one), then the next set
    efforts = [hs.effort(2.0 + 6.0 * i, 100, 1.0, 1.0, 1.5) for i in range(6)]
    rest = hs.effort(50.0, 6, 0.3, 5.0, 0.3) + hs.effort(69.0, 8, 0.25, 3.0, 0.25)
    for t0 in (58.0, 61.5, 65.0):
        rest += hs.effort(t0, 5, 0.2, 0.1, 0.2)
    efforts += [hs.effort(90.0, 8, 1.0, 1.5, 1.5)]
    efforts += [hs.effort(110.0 + 6.0 * i, 100, 1.0, 1.0, 1.5) for i in range(4)]
    a = _check(efforts, rest, 140.0, fs_hz, 0.3)
    assert [len(s.reps) for s in a.sets] == [6, 1, 4]


@pytest.mark.parametrize("fs_hz", [10.0, 80.0])
def test_1_a_small_first_squeeze_held_shorter_than_the_rest_counts(fs_hz):
    # three intensities cycled twice on a grip sensor, holds drawn 1.4-2.9 s: the first (30 %)
    # squeeze happens to hold least; a tug before the set has no hold and is no rep
    holds = [1.4, 2.8, 2.6, 2.9, 2.4, 2.7]
    efforts = [hs.effort(3.0 + 6.0 * i, p, 0.4, h, 0.4) for i, (p, h) in enumerate(zip([45, 90, 150] * 2, holds))]
    tug = hs.effort(1.0, 20, 0.3, 0.0, 0.3)
    _check(efforts, tug, 45.0, fs_hz, 0.5)


@pytest.mark.parametrize("fs_hz", [10.0, 80.0])
def test_4_an_overshoot_then_a_dip_in_the_first_hold_keeps_one_rep(fs_hz):
    # a session's first pull jerks to 180 N, settles on 100 N, dips to 55 N and comes back: the peak
    # is a transient, the hold below it is the effort's, and the dip below that is inside the rep
    pull = [(0.0, 0.2, 0, 180), (0.2, 0.5, 180, 100), (3.0, 3.3, 100, 55), (3.9, 4.2, 55, 95), (6.5, 7.0, 95, 0)]
    efforts = [[(t0 + a, t0 + b, f0, f1) for a, b, f0, f1 in pull] for t0 in (2.0, 12.0, 22.0, 32.0, 42.0)]
    _assert_spans(_check(efforts, [], 55.0, fs_hz, 0.5), efforts, 0.3, 0.4)


@pytest.mark.parametrize("fs_hz", [10.0, 80.0])
def test_4_a_dip_to_three_quarters_of_a_held_rep_keeps_one_rep(fs_hz):
    # 7 s holds at 60 N fading a little; one dips twice to ~43 N (0.72 of E) for a moment and comes
    # back to the hold: a dip, not a band taken up to a pre-tension at the dip's level
    efforts = [[(2.0 + 10.0 * i, 2.3 + 10.0 * i, 0, 60), (2.3 + 10.0 * i, 8.5 + 10.0 * i, 60, 54),
                (8.5 + 10.0 * i, 8.8 + 10.0 * i, 54, 0)] for i in range(5)]
    t0 = 22.0
    efforts[2] = [(t0, t0 + 0.3, 0, 60), (t0 + 0.3, t0 + 2.0, 60, 58), (t0 + 2.0, t0 + 2.3, 58, 43),
                  (t0 + 2.5, t0 + 2.8, 43, 57), (t0 + 3.2, t0 + 3.5, 57, 42), (t0 + 3.7, t0 + 4.0, 42, 56),
                  (t0 + 4.0, t0 + 6.5, 56, 53), (t0 + 6.5, t0 + 6.8, 53, 0)]
    _check(efforts, [], 55.0, fs_hz, 0.1)


@pytest.mark.parametrize("fs_hz", [10.0, 80.0])
def test_1_taking_the_band_up_to_its_pre_tension_before_a_set_is_no_rep(fs_hz):
    # from a slack band up to the set's 10 N pre-tension, held 1.5 s and let go again (a re-grip),
    # shaped like the reps; then the band taken up and 50 N reps from the pre-tension
    take_up = hs.effort(2.0, 10, 0.8, 1.5, 0.8) + [(6.0, 6.5, 0, 10)]
    efforts = [hs.effort(8.0 + 4.5 * i, 50, 1.0, 1.5, 1.2, base_n=10) for i in range(6)]
    release = [(36.0, 36.5, 10, 0)]
    _check(efforts, take_up + release, 45.0, fs_hz, 0.3)


@pytest.mark.parametrize("fs_hz", [10.0, 80.0])
def test_3_a_resting_load_over_half_a_faded_pull_is_no_rep_but_a_short_partial_pull_on_the_beat_is(fs_hz):
    # 7 s on / 3 s off pulls fading from 160 to 100 N; half a second after each, the hand rests on
    # the handle at 0.45 of that pull for 1.3 s (the first ones over half the pulls' median: size cannot
    # tell it from a partial); one pull, on the beat, is a short partial at 70 N (under half the
    # largest pull) and still counts: a rest load sits off the set's beat, a pull keeps it
    efforts, rest = _repeaters(
        [160.0 - 6.0 * i for i in range(11)],
        lambda t0, p: hs.effort(t0, p, 0.4, 6.2, 0.4),
        lambda t0, p: hs.effort(t0 + 7.5, 0.45 * p, 0.4, 1.3, 0.4),
    )
    efforts[6] = hs.effort(62.0, 70, 0.4, 1.5, 0.4)
    rest = [s for s in rest if not 62.0 <= s[0] < 72.0]  # no load after the partial (it is over early)
    a = _check(efforts, rest, 125.0, fs_hz, 0.5)
    assert [r.partial for r in a.reps[:7]] == [False] * 6 + [True]  # (the last, faded pulls are partial too)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_2_a_level_step_a_few_noise_sigmas_tall_is_no_rep_at_10_hz(seed):
    # 100 N reps; in the rest two level steps of 4 N under 0.5 N of noise (8 sigmas: up in 0.2 s,
    # flat for 5 and 8 s, down in 0.2 s) sampled at 10 Hz: noise moves their 10 % and 90 % crossings
    # by seconds, so the crossings make their ramps look like a person's; their mean does not
    efforts = [hs.effort(2.0 + 6.0 * i, 100, 1.0, 1.0, 1.5) for i in range(6)]
    rest = hs.effort(50.0, 4, 0.2, 5.0, 0.2) + hs.effort(70.0, 4, 0.2, 8.0, 0.2)
    efforts += [hs.effort(100.0 + 6.0 * i, 100, 1.0, 1.0, 1.5) for i in range(4)]
    a = _check(efforts, rest, 130.0, 10.0, 0.5, seed=seed)
    assert [len(s.reps) for s in a.sets] == [6, 4]
