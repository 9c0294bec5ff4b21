"""Human-like behaviour (what real recordings showed): each appears when asked, is deterministic, and its truth follows
the contract (reps' crossings on the noise-free curve; non-rep activity labelled, never a rep)."""

from dataclasses import replace

import numpy as np
import pytest

from taut.sim import (
    BANDS, BEHAVIOURS, RepPlan, RestAction, SensorModel, SessionPlan, SessionStream, SetPlan, behaviour_of, human_plan,
    human_suite, simulate_session,
)
from taut.sim.human import INTENSITIES, countable_sets, size_profile
from taut.sim.suite import human_suite_plans
from taut.sim.motion import Timeline

NOT_REPS = ("rest-load", "fidget", "step", "wobble", "cut")


def clean(seed, behaviour, n_sets=1, **kw):
    return simulate_session(human_plan(seed, behaviour, noise="none", n_sets=n_sets, **kw), fs_hz=80)


def assert_truth_follows_the_contract(rec):
    tl = Timeline(rec.plan)
    for s in rec.sets:
        for r in s.reps:
            e = r.peak_n - r.bottom_n
            lo, hi = r.bottom_n + 0.1 * e, r.bottom_n + 0.9 * e
            f = tl.tension_n(np.array([r.start_s, r.top_start_s, r.top_end_s, r.end_s]))
            np.testing.assert_allclose(f, [lo, hi, hi, lo], atol=0.002 * e + 1e-6)
            inside = tl.tension_n(np.linspace(r.start_s, r.end_s, 2000)[1:-1])
            assert np.all(inside > lo - 1e-3 * e), "a rep stays above its 10 % line from start to end"
            assert inside.max() <= r.peak_n + 1e-4 * e
            assert 0.0 <= r.start_s < r.top_start_s <= r.top_end_s < r.end_s <= rec.duration_s
    # no rep overlaps labelled non-rep activity
    for iv in rec.intervals(*NOT_REPS):
        for s in rec.sets:
            for r in s.reps:
                assert r.end_s <= iv.start_s + 1e-9 or r.start_s >= iv.end_s - 1e-9, (iv, r)


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_each_behaviour_is_deterministic_tagged_and_its_truth_follows_the_contract(behaviour):
    seed = 3
    a, b = clean(seed, behaviour), clean(seed, behaviour)
    assert a.plan == b.plan and a.sets == b.sets and a.labels == b.labels
    np.testing.assert_array_equal(a.tension_n, b.tension_n)
    assert human_plan(seed + 1, behaviour) != human_plan(seed, behaviour)
    assert all(f"human-{behaviour}" in sp.tags for sp in a.plan.sets)
    assert behaviour_of(a).startswith(behaviour)
    assert a.sets, "every recording keeps at least one countable set"
    assert_truth_follows_the_contract(a)


@pytest.mark.parametrize("seed", range(2))
def test_truth_holds_over_many_draws_and_both_rates(seed):
    for behaviour in BEHAVIOURS:
        plan = human_plan(100 + seed, behaviour, noise="medium", n_sets=1)
        rec = simulate_session(plan, fs_hz=10 if seed % 2 else 80)
        assert_truth_follows_the_contract(rec)


def test_size_profiles():
    rng = np.random.default_rng(0)
    warm = size_profile("warmup", 8, rng)
    assert warm[0] < warm[-1] == 1.0 and warm[0] >= 0.4
    rising = size_profile("rising", 6, rng)
    assert np.all(np.diff(rising) > 0) and rising[-1] == 1.0 and 0.5 <= rising[0] <= 0.7
    fading = size_profile("fading", 6, rng)
    assert np.all(np.diff(fading) < 0) and fading[0] == 1.0
    assert sorted(set(size_profile("intensities", 9, rng))) == list(INTENSITIES)
    with pytest.raises(ValueError, match="multiple of three"):
        size_profile("intensities", 7, rng)
    with pytest.raises(ValueError, match="size profile"):
        size_profile("sideways", 3, rng)


@pytest.mark.parametrize("behaviour", ["warmup", "rising", "intensities"])
def test_leading_reps_are_smaller_and_still_reps(behaviour):
    for seed in range(4):
        rec = clean(seed, behaviour)
        for s, sp in zip(rec.sets, rec.plan.sets):
            assert len(s.reps) == len(sp.reps)  # every effort is a rep, small ones too
            e = [r.peak_n - r.bottom_n for r in s.reps]
            assert e[0] < 0.9 * max(e)
        if behaviour == "intensities":
            for s in rec.sets:
                e = np.array([r.peak_n - r.bottom_n for r in s.reps])
                levels = e / e.max()
                assert levels.min() < 0.45 and np.any((levels > 0.45) & (levels < 0.8))


def test_fading_load_declines():
    rec = clean(2, "fading")
    for s in rec.sets:
        e = [r.peak_n - r.bottom_n for r in s.reps]
        assert e[-1] < 0.9 * e[0]


def test_repeater_holds_are_long_fade_and_carry_dips_yet_stay_one_rep():
    seen_dip = False
    for seed in range(4):
        rec = clean(seed, "repeater")
        tl = Timeline(rec.plan)
        for s, sp in zip(rec.sets, rec.plan.sets):
            assert len(s.reps) == len(sp.reps)
            for r, rp in zip(s.reps, sp.reps):
                assert r.tut_s > 4.0  # 7 s or 10 s on
                assert rp.hold_sag_m > 0
            for w, rp in zip([w for w in tl.rep_windows if w.set_index == s.index], sp.reps):
                for at_s, _, dur_s in rp.dips:
                    seen_dip = True
                    t_mid = w.top_s + at_s + dur_s / 2
                    r = s.reps[w.rep_index]
                    assert r.start_s < t_mid < r.end_s  # the dip is inside its rep
                    before = tl.tension_n(np.array([w.top_s + at_s]))[0]
                    assert tl.tension_n(np.array([t_mid]))[0] < before - 0.05 * (r.peak_n - r.bottom_n)
    assert seen_dip


def test_load_left_on_between_pulls_is_a_labelled_plateau_not_a_rep():
    rec = clean(1, "rest-load")
    loads = rec.intervals("rest-load")
    assert loads
    tl = Timeline(rec.plan)
    reps = [r for s in rec.sets for r in s.reps]
    for iv in loads:
        prev = max((r for r in reps if r.end_s <= iv.start_s), key=lambda r: r.end_s)
        level = tl.tension_n(np.linspace(iv.start_s, iv.end_s, 400)).max()
        frac = (level - prev.bottom_n) / (prev.peak_n - prev.bottom_n)
        assert 0.15 < frac < 0.45  # 20–40 % of the pull, with the band's nonlinearity
        assert any(i.kind == "set" and i.start_s <= iv.start_s and iv.end_s <= i.end_s for i in rec.labels)
    assert sum(len(s.reps) for s in rec.sets) == sum(len(sp.reps) for sp in rec.plan.sets)


def test_fidgets_and_steps_in_rests_are_small_labelled_and_lie_in_rest_time():
    kinds = set()
    for seed in range(4):
        rec = clean(seed, "rest-fidgets")
        tl = Timeline(rec.plan)
        rests = rec.intervals("rest", "idle")
        for iv in rec.intervals("fidget", "step"):
            kinds.add(iv.kind)
            assert any(r.start_s <= iv.start_s and iv.end_s <= r.end_s + 1e-9 for r in rests)
            s = rec.sets[iv.set_index] if iv.set_index < len(rec.sets) else rec.sets[-1]
            typical = np.median([r.peak_n - r.bottom_n for r in s.reps])
            bump = tl.tension_n(np.linspace(iv.start_s, iv.end_s, 400)).max()
            assert 0.0 < bump <= 0.12 * typical
    assert kinds == {"fidget", "step"}


def test_single_effort_wobble_and_step_off_stay_below_the_rep_line():
    for seed in range(4):
        rec = clean(seed, "single")
        tl = Timeline(rec.plan)
        assert all(len(s.reps) == 1 for s in rec.sets)
        for s in rec.sets:
            r = s.reps[0]
            e = r.peak_n - r.bottom_n
            after = [iv for iv in rec.intervals("wobble", "step") if iv.set_index == s.index]
            assert after[0].kind == "wobble"
            for iv in after:
                y = tl.tension_n(np.linspace(iv.start_s, iv.end_s, 400))
                assert y.max() < r.bottom_n + 0.15 * e and np.ptp(y) > 0.02 * e


def test_cut_recordings_drop_unfinished_reps_and_label_them():
    modes = set()
    for seed in range(8):
        plan = human_plan(seed, "cut", noise="none", n_sets=1)
        rec = simulate_session(plan, fs_hz=80)
        full = simulate_session(replace(plan, cut_start_s=0.0, cut_end_s=0.0), fs_hz=80)
        tags = {t for sp in plan.sets for t in sp.tags}
        n_cut, n_full = sum(len(s.reps) for s in rec.sets), sum(len(s.reps) for s in full.sets)
        if "cut-start" in tags:
            modes.add("start")
            assert plan.cut_start_s > 0 and n_cut == n_full - 1
            assert rec.intervals("cut")[0].start_s == 0.0
            assert rec.clean_tension_n[0] > full.sets[0].reps[0].bottom_n + 0.5 * (
                full.sets[0].reps[0].peak_n - full.sets[0].reps[0].bottom_n)
        elif "cut-end" in tags:
            modes.add("end")
            assert plan.cut_end_s > 0 and n_cut == n_full - 1
            assert rec.intervals("cut")[-1].end_s == pytest.approx(rec.duration_s)
        else:
            modes.add("early")
            assert "early-start" in tags and n_cut == n_full and not rec.intervals("cut")
            first = rec.sets[0].reps[0]
            assert 0.3 < first.start_s < 1.2
            assert first.peak_n - first.bottom_n >= 0.98 * max(r.peak_n - r.bottom_n for r in rec.sets[0].reps)
        # the shifted recording is the full one, later
        shift = full.time_s.searchsorted(plan.cut_start_s)
        assert rec.duration_s == pytest.approx(full.duration_s - plan.cut_start_s - plan.cut_end_s)
        t = np.array([1.0, rec.duration_s / 2])
        np.testing.assert_allclose(Timeline(plan).tension_n(t), Timeline(full.plan).tension_n(t + plan.cut_start_s),
                                   atol=1e-9)
        assert shift >= 0
        assert_truth_follows_the_contract(rec)
    assert modes == {"start", "end", "early"}


def test_overshoot_is_a_spike_at_the_start_of_one_rep():
    rec = clean(1, "overshoot")
    tl = Timeline(rec.plan)
    for s, sp in zip(rec.sets, rec.plan.sets):
        assert len(s.reps) == len(sp.reps)
        windows = [w for w in tl.rep_windows if w.set_index == s.index]
        for r, w, rp in zip(s.reps, windows, sp.reps):
            plateau = tl.tension_n(np.array([w.top_s + rp.overshoot_s + 0.2]))[0]
            assert rp.overshoot_m > 0 and r.peak_n > plateau + 0.1 * (r.peak_n - r.bottom_n)
            assert r.end_s > w.hold_end_s  # the rep spans the plateau, not only the spike


def test_a_lasting_step_between_reps_moves_the_next_reps_bottom():
    rep = RepPlan(0.6, 1.0, 1.5, 1.5, 3.0)
    step = replace(rep, pause_actions=(RestAction("step", 0.04, 0.3, 0.5, lead_s=0.5),))
    # later reps keep their planned positions: the one after the step returns to the new level
    sp = SetPlan("band-pull-apart", BANDS["black"], 0.5, 0.1, (step, replace(rep, bottom_m=0.04), rep),
                 grip_angle_rad=0.15, rest_after_s=2.0)
    rec = simulate_session(SessionPlan((sp,), SensorModel(noise_n=0.0), lead_in_s=1.0, seed=2))
    b = [r.bottom_n for r in rec.sets[0].reps]
    assert b[1] > b[0] + 1.0 and b[2] > b[0] + 1.0  # (b[2] is lower than b[1]: on the unloading branch)
    assert rec.intervals("step")
    assert_truth_follows_the_contract(rec)


def test_streaming_a_human_plan_equals_the_batch_recording():
    plan = human_plan(4, "cut", noise="low")
    rec = simulate_session(plan, fs_hz=80)
    chunks = list(SessionStream(plan).chunks(80, chunk_s=0.7))
    np.testing.assert_array_equal(np.concatenate([c.tension_n for c in chunks]), rec.tension_n)
    stream = SessionStream(plan)
    one = np.array([stream.clean_tension_n(float(t)) for t in rec.time_s[::7]])
    np.testing.assert_allclose(one, rec.clean_tension_n[::7], atol=1e-9)
    assert stream.truth_until(rec.duration_s) == rec.sets


def test_bad_human_plans_are_refused():
    with pytest.raises(ValueError, match="behaviour"):
        human_plan(0, "juggling")
    with pytest.raises(ValueError, match="rest action kind"):
        RestAction("nap", 0.1, 0.3, back_s=0.3)
    with pytest.raises(ValueError, match="returns"):
        RestAction("fidget", 0.1, 0.3)
    with pytest.raises(ValueError, match="cycles"):
        RestAction("wobble", 0.1, 0.3)
    with pytest.raises(ValueError, match="inside the hold"):
        RepPlan(0.6, 1.0, 1.5, 1.5, 1.0, dips=((1.4, 0.1, 0.5),))
    with pytest.raises(ValueError, match="above the rep's bottom"):
        RepPlan(0.6, 1.0, 1.5, 1.5, 1.0, dips=((0.5, 0.7, 0.5),))
    with pytest.raises(ValueError, match="fit in its pause"):
        RepPlan(0.6, 1.0, 1.5, 1.5, 1.0, pause_actions=(RestAction("fidget", 0.1, 0.5, 0.5, 0.5),))
    with pytest.raises(ValueError, match="settle within its hold"):
        RepPlan(0.6, 1.0, 0.2, 1.5, 1.0, overshoot_m=0.1, overshoot_s=0.3)
    rep = RepPlan(0.6, 1.0, 1.5, 1.5, 1.0)
    with pytest.raises(ValueError, match="bring the hands back"):
        SetPlan("row", BANDS["black"], 0.5, 0.1, (rep,), rest_actions=(RestAction("step", 0.1, 0.3),))
    sp = SetPlan("row", BANDS["black"], 0.5, 0.1, (rep,), rest_after_s=2.0)
    with pytest.raises(ValueError, match="nothing to record"):
        Timeline(SessionPlan((sp,), cut_start_s=10.0, cut_end_s=10.0))
    with pytest.raises(ValueError, match="cut_start_s"):
        SessionPlan((sp,), cut_start_s=-1.0)


def test_human_suite_covers_every_behaviour_rate_and_noise_and_is_deterministic():
    plans = list(human_suite_plans(n_sets=40, seed=5))
    assert sum(max(countable_sets(p), 1) for p, _ in plans) == 40
    behaviours = {t[len("human-"):] for p, _ in plans for sp in p.sets for t in sp.tags if t.startswith("human-")}
    assert behaviours == set(BEHAVIOURS)
    assert {fs for _, fs in plans} == {10.0, 80.0}
    assert plans[:12] == [pf for pf, _ in zip(human_suite_plans(n_sets=40, seed=5), range(12))]
    other = [pf for pf, _ in zip(human_suite_plans(n_sets=40, seed=6), range(12))]
    assert [p for p, _ in other] != [p for p, _ in plans[:12]]
    rec = next(human_suite(n_sets=1, seed=5, behaviours=("single",)))
    plans = list(human_suite_plans(n_sets=1, seed=5, behaviours=("single",)))
    assert rec.plan == plans[0][0] and rec.fs_hz == plans[0][1] and len(rec.sets) == countable_sets(rec.plan)
    with pytest.raises(ValueError):
        next(human_suite(n_sets=0))


@pytest.mark.parametrize(("kwargs", "name"), [({"n_sets": 0}, "n_sets"), ({"max_sets_per_recording": 0}, "max_sets_per_recording")])
def test_both_suites_refuse_empty_sizes_by_name(kwargs, name):
    from taut.sim.suite import labelled_suite

    for suite in (labelled_suite, human_suite_plans):
        with pytest.raises(ValueError, match=f"{name} must be >= 1, got 0"):
            next(iter(suite(**kwargs)))
