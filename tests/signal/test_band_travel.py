"""Range from a calibrated band: the split (unloading bottom, loading peak) range, and NaN travel."""

import math

import numpy as np
import pytest

from taut.signal import analyze
from taut.signal.measure import RepShape
from taut.signal.sets import close_set, judged_ranges, rep_range

from tautsynth import make_session


def _shape(start_s, bottom_n, peak_n):
    return RepShape(start_s, start_s + 1, start_s + 2, start_s + 4, bottom_n, peak_n,
                    (bottom_n + peak_n) / 2, 4 * peak_n, 0.1, peak_n - bottom_n)


class _Linear:
    """Travel 2 cm per N on loading; the unloading branch reads 1 cm more (hysteresis)."""

    def __call__(self, tension_n):
        return 2.0 * np.asarray(tension_n, dtype=float)

    def range_cm(self, bottom_n, peak_n):
        return 2.0 * peak_n - (2.0 * bottom_n + 1.0)


def test_rep_range_prefers_the_split_range():
    shape = _shape(0.0, 10.0, 30.0)
    assert rep_range(shape, _Linear()) == (39.0, 39.0)
    plain = _Linear().__call__  # a bare callable: both ends on one branch
    assert rep_range(shape, plain) == (40.0, 40.0)
    assert rep_range(shape, None) == (20.0, None)


def test_nan_travel_judges_the_set_by_excursion():
    excursions = [50, 51, 30, 49, 52]
    shapes = [_shape(10.0 * i, 10.0, 10.0 + e) for i, e in enumerate(excursions)]
    cms = [40.0, float("nan"), 25.0, 39.0, float("nan")]
    rs = close_set(0, shapes, cms, cms, "row")
    assert rs.range_unit == "N"
    assert [r.partial for r in rs.reps] == [False, False, True, False, False]
    assert rs.reps[2].range_fraction == pytest.approx(30 / 50)
    assert [r.range_cm for r in rs.reps] == [40.0, None, 25.0, 39.0, None]
    assert all(math.isfinite(r.range_fraction) for r in rs.reps)


def test_finite_travel_keeps_cm():
    shapes = [_shape(10.0 * i, 10.0, 60.0) for i in range(3)]
    ranges, cms, unit = judged_ranges(shapes, [40.0, 20.0, 41.0], [40.0, 20.0, 41.0])
    assert unit == "cm" and ranges == [40.0, 20.0, 41.0] and cms == ranges
    rs = close_set(0, shapes, [40.0, 20.0, 41.0], [40.0, 20.0, 41.0])
    assert [r.partial for r in rs.reps] == [False, True, False]


def test_nan_travel_through_the_detector_still_flags_partials():
    """Live and offline: a travel that cannot place the biggest reps still lets partials show."""
    syn = make_session(sets=(5,), bottom_n=20.0, excursion_n=40.0, partial={2: 0.5}, seed=3)

    def travel(tension_n):  # cannot place tensions above 55 N (beyond the curve)
        x_n = np.asarray(tension_n, dtype=float)
        return np.where(x_n > 55.0, np.nan, 1.5 * x_n)

    res = analyze(syn.time_s, syn.tension_n, travel_cm=travel)
    [rs] = res.sets
    assert len(rs.reps) == 5
    assert [r.partial for r in rs.reps] == [False, False, True, False, False]
    assert any(r.range_cm is None for r in rs.reps)
