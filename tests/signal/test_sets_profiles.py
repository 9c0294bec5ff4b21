"""Set closing (setup tugs, partial flags, pauses, tempo)."""

import numpy as np
import pytest

from taut.signal.measure import RepShape
from taut.signal.sets import close_set, leading_setup_count
from taut.signal.tempo import coefficient_of_variation


def _shape(start_s, excursion_n, con=1.0, hold=1.0, ecc=2.0):
    return RepShape(start_s, start_s + con, start_s + con + hold, start_s + con + hold + ecc,
                    10.0, 10.0 + excursion_n, 10.0 + excursion_n / 2, excursion_n, 0.1, excursion_n)


@pytest.mark.parametrize(
    ("ranges", "count"),
    [
        ([50, 52, 49], 0),
        ([10, 15, 50, 52, 49], 2),
        ([10, 12, 14, 50], 3),  # single-rep set after three tugs
        ([12, 50, 30, 51, 49], 1),  # a partial inside the set stays
        ([50, 30, 51], 0),
        ([20, 45, 300, 48, 50], 1),  # one spike-inflated rep does not move the bar
    ],
)
def test_leading_setup_movements(ranges, count):
    assert leading_setup_count(ranges) == count


def test_close_set_flags_partials_and_pauses():
    shapes = [_shape(10.0 * i, e) for i, e in enumerate([50, 51, 30, 49, 52])]
    ranges = [s.peak_n - s.bottom_n for s in shapes]
    rs = close_set(0, shapes, ranges, [None] * 5, "row")
    assert [r.partial for r in rs.reps] == [False, False, True, False, False]
    assert rs.reps[2].range_fraction == pytest.approx(30 / 50)
    assert [r.pause_s for r in rs.reps] == [6.0, 6.0, 6.0, 6.0, None]
    assert str(rs.tempo) == "2-6-1-1"
    assert rs.tut_s == pytest.approx(20.0)
    assert rs.exercise == "row"


def test_coefficient_of_variation():
    assert coefficient_of_variation(np.array([2.0, 2.0, 2.0])) == 0.0
    assert coefficient_of_variation(np.array([1.0, 3.0])) == pytest.approx(np.std([1, 3], ddof=1) / 2)

