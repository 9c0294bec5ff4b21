"""Whole simulated sessions: reproducibility, physics, truth, rates, gaps and bad input."""

from dataclasses import replace

import numpy as np
import pytest

from taut.exercises import EXERCISE_IDS, get_exercise
from taut.sim import (
    BANDS, RepPlan, SensorModel, SessionPlan, SetPlan, SetupAction, random_plan,
    simulate_session,
)
from taut.sim.motion import CONC, ECC, Timeline


def one_set_plan(exercise="band-pull-apart", e0=0.1, reps=None, setup=(), sensor=None, **kw):
    reps = reps or tuple(RepPlan(0.6, 1.0, 1.5, 2.0, 0.5) for _ in range(4))
    sp = SetPlan(exercise, BANDS["black"], 0.5, e0, tuple(reps), grip_angle_rad=0.15, setup=tuple(setup),
                 rest_after_s=3.0, **kw)
    return SessionPlan((sp,), sensor or SensorModel(noise_n=0.0), lead_in_s=1.0, seed=5)


def test_same_seed_same_recording_other_seed_differs():
    a, b, c = simulate_session(11), simulate_session(11), simulate_session(12)
    np.testing.assert_array_equal(a.time_s, b.time_s)
    np.testing.assert_array_equal(a.tension_n, b.tension_n)
    assert a.sets == b.sets and a.labels == b.labels and a.plan == b.plan
    assert len(a.time_s) != len(c.time_s) or not np.array_equal(a.tension_n, c.tension_n)


def test_hysteresis_in_motion_loading_above_unloading():
    tl = Timeline(replace(one_set_plan(), sets=(replace(one_set_plan().sets[0], tremor_m=0.0, wobble_m=0.0),)))
    t = np.linspace(0, tl.duration_s, 200_000)
    f, _, e = tl.evaluate(t)
    seg = np.clip(np.searchsorted(tl.t0, t, side="right") - 1, 0, None)
    up, down = tl.kind[seg] == CONC, tl.kind[seg] == ECC
    for level in (0.6, 1.0, 1.5):
        f_up = np.interp(level, e[up][np.argsort(e[up])], f[up][np.argsort(e[up])])
        f_down = np.interp(level, e[down][np.argsort(e[down])], f[down][np.argsort(e[down])])
        assert f_up > f_down * 1.05


def test_slack_band_reads_zero_at_rest_and_pretensioned_does_not():
    slack = simulate_session(one_set_plan(e0=-0.1))
    taut_ = simulate_session(one_set_plan(e0=0.3))
    for rec, expect_zero in ((slack, True), (taut_, False)):
        settle = rec.intervals("setup")[0]
        tail = (rec.time_s > settle.end_s - 1.0) & (rec.time_s < settle.end_s)
        if expect_zero:
            assert np.all(rec.clean_tension_n[tail] == 0.0)
            assert all(r.bottom_n == 0.0 for r in rec.sets[0].reps)
        else:
            assert np.all(rec.clean_tension_n[tail] > 5.0)
            assert all(r.bottom_n > 5.0 for r in rec.sets[0].reps)
    # idle and rest: the band is let go
    for iv in slack.intervals("idle", "rest"):
        m = (slack.time_s >= iv.start_s) & (slack.time_s <= iv.end_s)
        assert np.all(slack.clean_tension_n[m] == 0.0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_truth_agrees_with_the_clean_curve(seed):
    rec = simulate_session(seed)
    tl = Timeline(rec.plan)
    for s in rec.sets:
        for r in s.reps:
            e = r.peak_n - r.bottom_n
            lo, hi = r.bottom_n + 0.1 * e, r.bottom_n + 0.9 * e
            f = tl.tension_n(np.array([r.start_s, r.top_start_s, r.top_end_s, r.end_s]))
            np.testing.assert_allclose(f, [lo, hi, hi, lo], atol=0.002 * e + 1e-6)
            mid = np.linspace(r.start_s, r.end_s, 500)[1:-1]
            assert np.all(tl.tension_n(mid) > lo - 1e-3 * e)
            assert r.start_s < r.top_start_s <= r.top_end_s < r.end_s
            assert r.mean_n == pytest.approx(r.impulse_ns / r.tut_s)


def test_fatigue_lengthens_concentrics():
    plan = random_plan(21, exercise="row", n_sets=1, n_reps=12, tempo="typical", fatigue=0.6, partial_reps=0)
    reps = simulate_session(plan).sets[0].reps
    first = np.mean([r.concentric_s for r in reps[:3]])
    last = np.mean([r.concentric_s for r in reps[-3:]])
    assert last > 1.25 * first
    flat = random_plan(21, exercise="row", n_sets=1, n_reps=12, tempo="typical", fatigue=0.0, partial_reps=0)
    reps0 = simulate_session(flat).sets[0].reps
    assert np.mean([r.concentric_s for r in reps0[-3:]]) < 1.15 * np.mean([r.concentric_s for r in reps0[:3]])


@pytest.mark.parametrize("exercise", EXERCISE_IDS)
def test_partial_reps_are_short_and_flagged(exercise):
    plan = random_plan(31, exercise=exercise, n_sets=1, n_reps=10, partial_reps=2)
    s = simulate_session(plan).sets[0]
    planned = s.planned.planned_partial
    assert sum(planned) == 2
    for r, p in zip(s.reps, planned):
        assert r.partial == p
        assert (r.range_fraction < 0.8) == p
        if not p:
            assert r.range_fraction > 0.85  # a clear margin around the threshold


def test_setup_tugs_are_labelled_and_not_reps():
    tugs = (SetupAction("tug", 0.2, 0.3, 0.3, 1.0), SetupAction("grip", -0.04, 0.4, 0.4, 0.5),
            SetupAction("tug", 0.15, 0.3, 0.3, 1.0))
    rec = simulate_session(one_set_plan(setup=tugs))
    assert len(rec.sets[0].reps) == 4
    setup = rec.intervals("setup")[0]
    assert all(r.start_s > setup.end_s for r in rec.sets[0].reps)
    # the tugs really pull: tension during setup rises well above the start tension
    m = (rec.time_s >= setup.start_s) & (rec.time_s <= setup.end_s)
    at_rest = rec.sets[0].reps[0].bottom_n
    assert rec.clean_tension_n[m].max() > at_rest + 0.2 * (rec.sets[0].reps[0].peak_n - at_rest)
    assert [iv.kind for iv in rec.intervals("tug", "grip")] == ["tug", "grip", "tug"]
    for iv in rec.intervals("tug"):
        m = (rec.time_s >= iv.start_s) & (rec.time_s <= iv.end_s)
        assert rec.clean_tension_n[m].max() > at_rest + 5.0
    for iv in rec.intervals("grip"):
        m = (rec.time_s >= iv.start_s) & (rec.time_s <= iv.end_s)
        assert rec.clean_tension_n[m].min() < at_rest - 1.0
    for iv in rec.intervals("setup", "release", "rest", "idle"):
        for r in rec.sets[0].reps:
            assert r.end_s <= iv.start_s or r.start_s >= iv.end_s


@pytest.mark.parametrize("fs_hz", [10.0, 80.0, 1000.0])
def test_sample_rate_as_requested(fs_hz):
    plan = one_set_plan(sensor=SensorModel(noise_n=0.1, jitter_frac=0.05))
    rec = simulate_session(plan, fs_hz=fs_hz)
    dt = np.diff(rec.time_s)
    assert np.all(dt > 0)
    assert np.median(dt) == pytest.approx(1.0 / fs_hz, rel=0.02)
    assert np.std(dt) > 0  # jittered
    assert len(rec.time_s) == int(np.ceil(rec.duration_s * fs_hz - 1e-9))
    assert rec.n_lost == 0


def test_gaps_and_dropped_bursts_lose_samples():
    sensor = SensorModel(noise_n=0.1, gaps=((5.0, 1.0), (12.0, 0.25)), burst_rate_hz=0.2, burst_samples=5)
    rec = simulate_session(one_set_plan(sensor=sensor), fs_hz=80.0)
    for start, dur in sensor.gaps:
        assert not np.any((rec.time_s >= start) & (rec.time_s < start + dur))
    assert [(g.start_s, g.end_s) for g in rec.gaps] == [(5.0, 6.0), (12.0, 12.25)]
    dt = np.diff(rec.time_s)
    assert np.sum(dt > 1.5 / 80) >= 3  # the two gaps and at least one burst
    assert rec.n_lost == int(np.ceil(rec.duration_s * 80)) - len(rec.time_s)
    assert rec.n_lost >= 80 + 20 + 5


def test_clipping_spikes_drift_and_noise():
    sensor = SensorModel(noise_n=0.5, capacity_n=40.0, spike_rate_hz=0.5, spike_n=60.0, drift_n_per_min=6.0,
                         offset_steps=((8.0, 3.0),))
    rec = simulate_session(one_set_plan(sensor=sensor), fs_hz=80.0)
    assert np.all(np.abs(rec.tension_n) <= 40.0)
    assert rec.overload.any() and np.all(np.abs(rec.tension_n[rec.overload]) == 40.0)
    err = rec.tension_n - rec.clean_tension_n
    ok = ~rec.overload
    spikes = ok & (np.abs(err - np.median(err)) > 15.0)
    assert 1 <= spikes.sum() <= 40
    idx = np.nonzero(spikes)[0]
    assert np.all(np.diff(idx) > 1)  # single-sample spikes
    quiet = ok & ~spikes & (rec.time_s < 7.9)
    resid = err[quiet] - 6.0 * rec.time_s[quiet] / 60.0
    assert np.std(resid) == pytest.approx(0.5, rel=0.15)
    after = ok & ~spikes & (rec.time_s > 8.1) & (rec.time_s < 9.0)
    assert np.median(err[after] - 6.0 * rec.time_s[after] / 60.0) == pytest.approx(3.0, abs=0.3)


def test_very_slow_fast_and_single_rep_sets():
    slow = simulate_session(random_plan(41, n_sets=1, n_reps=3, tempo="slow", partial_reps=0)).sets[0]
    fast = simulate_session(random_plan(42, n_sets=1, n_reps=8, tempo="fast", partial_reps=0)).sets[0]
    single = simulate_session(random_plan(43, n_sets=1, n_reps=1)).sets[0]
    assert all(r.tut_s > 5.0 for r in slow.reps)
    period = np.diff([r.start_s for r in slow.reps])
    assert np.all(period > 9.0)
    period = np.diff([r.start_s for r in fast.reps])
    assert np.all(period < 0.9) and np.all(period > 0.5)
    assert len(single.reps) == 1 and single.reps[0].range_fraction == 1.0 and not single.reps[0].partial


@pytest.mark.parametrize("exercise", EXERCISE_IDS)
def test_geometry_stretches_the_band_over_the_whole_range(exercise):
    ex = get_exercise(exercise)
    for th0 in np.linspace(*ex.grip_angle_rad, 3):
        x = np.linspace(0.0, min(ex.range_m[1], ex.max_travel_m(th0)), 300)
        d = ex.extension_m(x, th0)
        assert d[0] == 0.0 and np.all(np.diff(d) > 0)
        assert ex.extension_m(-0.05, th0) < 0


def test_bad_input_is_refused():
    with pytest.raises(KeyError, match="known"):
        random_plan(1, exercise="squat")
    with pytest.raises(ValueError, match="noise_n"):
        SensorModel(noise_n=-1.0)
    with pytest.raises(ValueError, match="range_m"):
        RepPlan(0.0, 1.0, 1.0, 1.0, 0.0)
    with pytest.raises(ValueError, match="fs_hz"):
        simulate_session(one_set_plan(), fs_hz=0.0)
    with pytest.raises(ValueError, match="overstretch"):
        one_set_plan(e0=1.5)
    with pytest.raises(ValueError, match="partial"):
        random_plan(1, n_reps=4, partial_reps=2)
    with pytest.raises(TypeError):
        simulate_session(one_set_plan(), n_sets=2)


@pytest.mark.parametrize("seed", [4, 5])
def test_top_level_labels_tile_the_recording_and_setup_actions_nest(seed):
    rec = simulate_session(seed)
    top = [iv for iv in rec.labels if iv.kind in ("idle", "setup", "set", "release", "rest")]
    assert top[0].start_s == 0.0 and top[-1].end_s == pytest.approx(rec.duration_s)
    assert all(a.end_s == pytest.approx(b.start_s) for a, b in zip(top, top[1:]))
    setups = rec.intervals("setup")
    for iv in rec.intervals("tug", "grip"):
        assert any(s.start_s <= iv.start_s and iv.end_s <= s.end_s for s in setups)
    assert [iv.start_s for iv in rec.labels] == sorted(iv.start_s for iv in rec.labels)
    assert len(rec.intervals("set")) == len(rec.sets)


def test_many_random_plans_give_well_formed_truth():
    from taut.sim import SessionStream

    for seed in range(300, 325):
        stream = SessionStream(random_plan(seed, rest_s=(1.0, 2.0)))
        sets = stream.truth_until(stream.duration_s)
        assert len(sets) == len(stream.plan.sets)
        for s in sets:
            ranges = s.planned.range_m
            for r, p in zip(s.reps, s.planned.planned_partial):
                assert r.start_s < r.top_start_s <= r.top_end_s < r.end_s
                assert r.peak_n > r.bottom_n >= 0.0
                assert r.partial == p and (r.range_fraction <= 0.7 + 1e-9 if p else r.range_fraction > 0.85)
            assert max(ranges) <= 1.2 and s.reps[0].range_cm == pytest.approx(100 * ranges[0])
            starts = [r.start_s for r in s.reps]
            assert starts == sorted(starts)


def test_readings_are_rounded_to_the_resolution():
    rec = simulate_session(one_set_plan(sensor=SensorModel(noise_n=0.3, resolution_n=0.01)))
    cn = rec.tension_n * 100.0
    np.testing.assert_allclose(cn, np.round(cn), atol=1e-6)
    assert np.abs(rec.tension_n - rec.clean_tension_n).max() < 3.0


def test_a_given_tempo_is_followed():
    from taut.exercises import Tempo

    plan = random_plan(51, exercise="band-pull-apart", n_sets=1, n_reps=8, tempo=Tempo(3, 1, 2, 2), fatigue=0.0,
                       partial_reps=0)
    reps = plan.sets[0].reps
    for name, want in (("eccentric_s", 3.0), ("concentric_s", 2.0), ("hold_s", 2.0)):
        assert np.median([getattr(r, name) for r in reps]) == pytest.approx(want, rel=0.1)
    measured = simulate_session(plan).sets[0].reps
    # the contract's phases: moves measured between 10 % and 90 % are shorter, holds longer
    assert np.median([r.hold_s for r in measured]) > 2.0
    assert 1.0 < np.median([r.concentric_s for r in measured]) < 2.0
