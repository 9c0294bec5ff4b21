"""The relaxation correction on exact synthetic holds, and placing a band on a published chart."""

from __future__ import annotations

import numpy as np
import pytest

from taut.calibration.charts import LBF_N, THERABAND, place
from taut.calibration.relaxation import branch_forces


@pytest.mark.parametrize("h, r", [(0.10, 0.0), (0.10, 1.0), (0.15, 0.4), (0.05, 0.8)])
def test_branch_forces_recovers_exact_branches(h, r):
    f_load = np.array([5.0, 9.0, 16.0, 24.0, 33.0])
    up = f_load * (1 - r * h / 2)
    down = f_load[:-1] * (1 - h + r * h / 2)
    got = branch_forces(up, down, f_load)
    assert got.hysteresis_loss == pytest.approx(h, rel=1e-9)
    assert np.allclose(got.loading_n, f_load)
    assert np.allclose(got.unloading_n, (1 - h) * f_load[:-1])
    with pytest.raises(ValueError):
        branch_forces(up, down[:-1], f_load)


def test_place_on_the_theraband_chart():
    assert place(3.7 * LBF_N).startswith("about TheraBand red")
    assert place(22.0) == "between TheraBand green (20.5 N) and TheraBand blue (25.8 N)"
    assert place(5.0).startswith("lighter than TheraBand tan")
    assert place(100.0).startswith("heavier than TheraBand gold")
    levels = [b.force_100_n for b in THERABAND]
    assert levels == sorted(levels) and all(b.force_200_n > b.force_100_n for b in THERABAND)
