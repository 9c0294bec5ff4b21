"""The array filters: spikes go, sharp legitimate peaks stay; fills, smoothing and noise level."""

import numpy as np
import pytest

from taut.signal.filters import median_of, noise_scale_n, tension_despike, tension_fill_invalid, tension_smooth


def test_despike_removes_a_spike_on_a_plateau_and_on_a_slope():
    plateau = np.array([50.0, 50.2, 49.9, 90.0, 50.1, 50.0, 49.8])
    assert tension_despike(plateau, 10.0)[3] == pytest.approx(50.1)
    slope = np.arange(10.0) * 5.0
    slope[5] = 0.0  # a dropout in the middle of a rise
    assert tension_despike(slope, 10.0)[5] == pytest.approx(20.0)


def test_despike_keeps_a_sharp_peak_sampled_at_10_hz():
    fast_rep = np.array([5.0, 5.0, 60.0, 200.0, 300.0, 190.0, 50.0, 5.0, 5.0])
    out = tension_despike(fast_rep, 0.25 * 295.0)
    assert out[4] == 300.0


def test_despike_pairs_on_a_level_stretch_at_low_rates_only():
    t = np.arange(9) * 0.1
    held = np.array([50.0, 50.2, 49.9, 140.0, 120.0, 50.1, 50.0, 49.8, 50.1])
    assert tension_despike(held, 10.0)[3:5].min() > 100.0  # a median of 3 keeps a pair
    out = tension_despike(held, 10.0, pairs_time_s=t)
    np.testing.assert_allclose(out[3:5], [49.97, 50.03], atol=0.01)
    # a fast rep's two top samples rise out of a slope: they stay
    fast_top = np.array([5.0, 5.0, 60.0, 250.0, 260.0, 70.0, 5.0, 5.0, 5.0])
    assert tension_despike(fast_top, 0.25 * 255.0, pairs_time_s=t)[3:5].tolist() == [250.0, 260.0]
    # nor across lost samples: a rep's only two samples before a gap
    gap_t = t.copy()
    gap_t[5:] += 0.8
    assert tension_despike(held, 10.0, pairs_time_s=gap_t)[3:5].min() > 100.0


def test_fill_invalid_carries_the_last_value():
    out = tension_fill_invalid(np.array([np.nan, 2.0, np.nan, 4.0]), last_valid_n=1.5)
    assert out.tolist() == [1.5, 2.0, 2.0, 4.0]


def test_smooth_is_zero_phase_on_a_line_and_keeps_the_ends():
    line = np.arange(20.0)
    np.testing.assert_allclose(tension_smooth(line, 5), line)
    bump = np.zeros(9)
    bump[4] = 5.0
    assert tension_smooth(bump, 5).sum() == pytest.approx(5.0)


def test_noise_scale_ignores_slow_motion():
    rng = np.random.default_rng(1)
    t = np.arange(4000) / 80.0
    x = 40.0 * (1 - np.cos(2 * np.pi * t / 4.0)) + rng.normal(0, 0.5, len(t))
    assert noise_scale_n(x) == pytest.approx(0.5, rel=0.1)


def test_median_of_matches_numpy():
    rng = np.random.default_rng(2)
    for n in (1, 2, 7, 16):
        a = rng.normal(size=n)
        assert median_of(a) == pytest.approx(float(np.median(a)))
