"""Band profiles, ordering, similarity, stacks, recommendations and hand travel."""

from __future__ import annotations

import numpy as np
import pytest

from taut.calibration import BandCurve, BandProfile, ExerciseSetup, Stack, by_level, default_setup, stacks
from taut.calibration.bandfit import fit_band
from taut.calibration.profiles import not_meaningfully_different, similar_pairs
from taut.calibration.recommend import recommend
from taut.calibration.travel import travel_cm_fn, travel_m
from taut.sim.band import BANDS
from taut.exercises import get_exercise


def _profile(name, f100, jm=30.0, h=0.1, rest_m=1.0, err=0.005):
    return BandProfile(name, rest_m, BandCurve(f100, jm, h), colour=name, created_unix_s=0.0, fit_error=err)


def test_fit_recovers_exact_curves_and_inverse():
    for band in BANDS.values():
        e = np.array([0.25, 0.5, 1.0, 1.5, 2.0])
        fit = fit_band(e, band.force_n(e), e[:-1], band.force_n(e[:-1], False))
        grid = np.linspace(0.05, 3.0, 100)
        assert np.allclose(fit.curve.force_n(grid), band.force_n(grid), rtol=1e-5)
        assert np.allclose(fit.curve.force_n(grid, False), band.force_n(grid, False), rtol=1e-5)
        f = fit.curve.force_n(grid)
        assert np.allclose(fit.curve.elongation(f), grid, atol=1e-4)
    c = BandCurve(10.0, 30.0, 0.1)
    assert c.elongation(0.0) == 0.0 and np.isnan(c.elongation(1e6)) and np.isnan(c.elongation(np.nan))
    assert c.force_n(-0.2) == 0.0
    with pytest.raises(ValueError):
        c.force_n(3.5)


def test_profile_round_trip_and_levels():
    p = _profile("red", 22.0)
    assert BandProfile.from_dict(p.as_dict()) == p
    f1, f2 = p.levels_n
    assert f1 == pytest.approx(22.0) and f2 > 1.6 * f1
    with pytest.raises(ValueError):
        BandProfile.from_dict({**p.as_dict(), "version": 99})
    with pytest.raises(ValueError):
        BandProfile.from_dict({"version": 1, "name": "x"})
    with pytest.raises(ValueError):
        _profile("", 10.0)


def test_order_and_near_identical_bands():
    a, b, c, d = _profile("a", 40.0), _profile("b", 22.0), _profile("c", 23.0), _profile("d", 70.0)
    assert [p.name for p in by_level([a, b, c, d])] == ["b", "c", "a", "d"]
    assert not_meaningfully_different(b, c)  # 4.4 % apart
    assert not not_meaningfully_different(b, a)
    assert [(x.name, y.name) for x, y in similar_pairs([a, b, c, d])] == [("b", "c")]
    # Poor fits widen what counts as the same.
    rough_b, rough_a = _profile("b", 22.0, err=0.06), _profile("a", 26.0, err=0.06)
    assert not_meaningfully_different(rough_b, rough_a)
    assert not not_meaningfully_different(_profile("b", 22.0), _profile("a", 26.0))


def test_stacks_add_forces_at_the_same_length():
    red, black = _profile("red", 22.0), _profile("black", 40.0)
    s = Stack((red, black))
    assert s.name == "red+black"
    e = np.linspace(0.1, 2.5, 20)
    assert np.allclose(s.force_n(e), red.force_n(e) + black.force_n(e))
    assert np.allclose(s.elongation(s.force_n(e)), e, atol=1e-3)
    # Different rest lengths: the shorter band pulls first.
    short = _profile("short", 22.0, rest_m=0.8)
    s2 = Stack((short, black))
    assert s2.rest_length_m == 0.8
    assert s2.force_n(0.1) == pytest.approx(short.force_n(0.1))  # black (1.0 m) still slack at 0.88 m
    assert len(stacks([red, black, short], max_bands=3)) == 4
    with pytest.raises(ValueError):
        Stack((red, red))


def test_recommend_starts_light_to_medium():
    bands = [_profile(n, f) for n, f in (("yellow", 12.0), ("red", 22.0), ("black", 40.0), ("purple", 70.0))]
    setup = default_setup("band-pull-apart")
    e_end = setup.end_elongation()
    target = float(bands[2].force_n(e_end)) * 1.05  # black is 95 % of the target
    ranked = recommend(bands + stacks(bands, 2), setup, target)
    assert ranked[0].name == "black" and ranked[0].in_window
    # A target between black and purple, that red+black meets from below: the stack wins.
    rb = Stack((bands[1], bands[2]))
    target = float(rb.force_n(e_end)) / 0.97
    ranked = recommend(bands + stacks(bands, 2), setup, target)
    assert ranked[0].name == "red+black"
    assert all(r.end_force_n > 0 for r in ranked)
    with pytest.raises(ValueError):
        recommend(bands, setup, 0.0)


def test_travel_straight_pull_and_geometry():
    p = _profile("black", 40.0, rest_m=1.0)
    line = ExerciseSetup(None, rest_length_m=0.5)
    f = p.force_n(np.array([0.2, 1.0]))
    x = travel_m(p, line, f)
    assert np.allclose(x, [0.1, 0.5], atol=1e-3)  # extra length = e · L0 on a straight pull
    fn = travel_cm_fn(p, line)
    assert np.allclose(fn(f), [10.0, 50.0], atol=0.1)
    # Pull-apart: travel maps back through SIM's geometry exactly.
    setup = default_setup("band-pull-apart")
    ex = get_exercise("band-pull-apart")
    xs = np.array([0.1, 0.3, 0.6])
    e = setup.start_elongation + ex.extension_m(xs, setup.grip_angle_rad) / setup.rest_length_m
    got = travel_m(p, setup, p.force_n(e))
    assert np.allclose(got, xs, atol=2e-3)
    with pytest.raises(KeyError):
        ExerciseSetup("curl", 0.5)
    with pytest.raises(ValueError):
        ExerciseSetup(None, 0.0)
