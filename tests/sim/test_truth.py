"""The contract's rep definitions on hand-built curves (times known in closed form)."""

import numpy as np
import pytest

from taut.sim import TruthError, measure_rep
from taut.sim.truth import build_set


def trapezoid(t, b=10.0, p=110.0, t_up=1.0, rise=1.0, hold=2.0, fall=2.0):
    """B until t_up, linear rise, hold at P, linear fall back to B."""
    y = np.full_like(t, b)
    r = (t >= t_up) & (t < t_up + rise)
    y[r] = b + (p - b) * (t[r] - t_up) / rise
    h = (t >= t_up + rise) & (t < t_up + rise + hold)
    y[h] = p
    f = (t >= t_up + rise + hold) & (t < t_up + rise + hold + fall)
    y[f] = p - (p - b) * (t[f] - t_up - rise - hold) / fall
    return y


def test_trapezoid_times_match_the_contract():
    t = np.linspace(0.0, 8.0, 1601)  # 5 ms grid; crossings fall between samples
    m = measure_rep(t, trapezoid(t))
    assert m.bottom_n == 10.0 and m.peak_n == 110.0
    assert m.start_s == pytest.approx(1.1, abs=1e-9)  # B + 0.1 E = 20 N, 10 % up the 1 s rise
    assert m.top_start_s == pytest.approx(1.9, abs=1e-9)
    assert m.top_end_s == pytest.approx(4.0 + 0.2, abs=1e-9)  # 90 % on a 2 s fall: 0.2 s in
    assert m.end_s == pytest.approx(4.0 + 1.8, abs=1e-9)
    assert m.mean_n == pytest.approx(m.impulse_ns / (m.end_s - m.start_s))


def test_impulse_is_exact_on_a_fine_grid():
    t = np.linspace(0.0, 8.0, 80001)
    m = measure_rep(t, trapezoid(t))
    # exact integral of the piecewise-linear curve over [1.1, 5.8]
    rise = 0.9 * (20 + 110) / 2
    fall = 1.8 * (110 + 20) / 2
    assert m.impulse_ns == pytest.approx(rise + 2.0 * 110 + fall, rel=1e-6)


def test_tremor_dip_in_hold_keeps_the_last_time_above_90_percent():
    t = np.linspace(0.0, 8.0, 8001)
    y = trapezoid(t)
    dip = (t > 2.5) & (t < 2.7)
    y[dip] = 95.0  # below B + 0.9 E = 100 in the middle of the hold
    m = measure_rep(t, y)
    assert m.top_start_s == pytest.approx(1.9, abs=1e-3)
    assert m.top_end_s == pytest.approx(4.2, abs=1e-3)


def test_b_is_the_bottom_before_the_rep_not_after():
    t = np.linspace(0.0, 8.0, 8001)
    y = trapezoid(t)
    y[t > 6.5] = 2.0  # lower after the rep: does not change B
    m = measure_rep(t, y)
    assert m.bottom_n == 10.0 and m.end_s == pytest.approx(5.8, abs=1e-3)


def test_curve_that_never_returns_is_refused():
    t = np.linspace(0.0, 4.0, 401)
    with pytest.raises(TruthError, match="return"):
        measure_rep(t, trapezoid(t, hold=10.0))
    with pytest.raises(TruthError, match="never rises"):
        measure_rep(t, np.full_like(t, 5.0))
    with pytest.raises(TruthError, match="NaN"):
        measure_rep(t, np.where(t > 1, np.nan, 1.0))


def test_partial_flag_uses_80_percent_of_the_set_median_range():
    t = np.linspace(0.0, 8.0, 801)
    m = measure_rep(t, trapezoid(t))
    rs = build_set(0, [m] * 5, [0.5, 0.5, 0.39, 0.41, 0.52])
    assert [r.partial for r in rs.reps] == [False, False, True, False, False]
    assert rs.reps[2].range_fraction == pytest.approx(0.39 / 0.5)
    assert rs.reps[0].range_cm == pytest.approx(50.0)
    assert rs.reps[-1].pause_s is None and rs.reps[0].pause_s == pytest.approx(1.1 - 5.8)
