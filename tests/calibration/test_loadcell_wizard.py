"""The load-cell wizard on a simulated HX711: factor within 0.2 %, and the bad sessions."""

from __future__ import annotations

import numpy as np
import pytest
from calibration.drive import LoadCellBench
from calibration.virtual import VirtualLoadCell

from taut.calibration import (
    BadSetupError,
    LoadCellWizard,
    MovingReadingError,
    NotIncreasingError,
)
from taut.calibration.loadcell import LoadPoint, fit_load_cell, raw_from_tension


def _wizard(cell: VirtualLoadCell, masses, **kw) -> LoadCellWizard:
    return LoadCellWizard(masses, offset_raw=cell.device_offset_raw, counts_per_n=cell.device_counts_per_n,
                          capacity_n=cell.capacity_n, **kw)


@pytest.mark.parametrize(
    "masses, cell",
    [
        ([5.0], VirtualLoadCell()),
        ([2.0, 5.0, 10.0], VirtualLoadCell()),
        ([20.0], VirtualLoadCell(true_counts_per_n=-2_100.0, true_offset_raw=-350_000.0, device_counts_per_n=400.0,
                                 device_offset_raw=12_000, noise_counts=25.0, capacity_n=980.0)),
        ([1.0, 2.5], VirtualLoadCell(noise_counts=120.0)),
    ],
)
def test_factor_within_0_2_percent(masses, cell):
    rng = np.random.default_rng(len(masses))
    result = LoadCellBench(cell, rng).run(_wizard(cell, masses))
    assert result.counts_per_n == pytest.approx(cell.true_counts_per_n, rel=0.002)
    # The offset is right too: zero tension reads within 0.05 N.
    assert abs((cell.true_offset_raw - result.offset_raw) / cell.true_counts_per_n) < 0.05
    assert len(result.points) == len(masses) + 1
    assert not [w for w in result.warnings if "linearity residual" in w or "drift" in w]


def test_local_gravity_changes_the_factor():
    cell = VirtualLoadCell()
    rng = np.random.default_rng(5)
    g_local = 9.78  # the masses really pull with local g
    bench = LoadCellBench(cell, rng)
    wizard = _wizard(cell, [5.0], gravity_m_s2=g_local)
    while wizard.prompt.action != "done":
        p = wizard.prompt
        m = 0.0 if p.step in ("tare", "unload") else 5.0
        wizard.confirm()
        from calibration.virtual import feed_until_change, hanging_force

        t, f = bench.samples(hanging_force(m, 10, rng, g=g_local) if m else np.zeros(800))
        feed_until_change(wizard, t, f)
    assert wizard.result.counts_per_n == pytest.approx(cell.true_counts_per_n, rel=0.002)


def test_swinging_mass_is_a_moving_reading_and_the_step_can_be_redone():
    cell = VirtualLoadCell()
    bench = LoadCellBench(cell, np.random.default_rng(1))
    wizard = _wizard(cell, [5.0, 10.0], max_wait_s=15.0)
    bench.step(wizard)  # tare
    with pytest.raises(MovingReadingError) as err:
        bench.step(wizard, swing=0.05, decay_s=1e6, duration_s=20)  # never stops swinging
    assert err.value.step == "mass-1"
    assert "swinging" in err.value.guidance
    assert (wizard.prompt.step, wizard.prompt.action) == ("mass-1", "confirm")
    assert wizard.prompt.retry
    result = bench.run(wizard)
    assert result.counts_per_n == pytest.approx(cell.true_counts_per_n, rel=0.002)


def test_mass_not_hanging_is_not_increasing():
    cell = VirtualLoadCell()
    bench = LoadCellBench(cell, np.random.default_rng(2))
    wizard = _wizard(cell, [5.0])
    bench.step(wizard)
    with pytest.raises(NotIncreasingError) as err:
        bench.step(wizard, mass_kg=0.0)  # the user confirmed before hanging the mass
    assert err.value.step == "mass-1" and "hangs freely" in err.value.guidance
    result = bench.run(wizard)
    assert result.counts_per_n == pytest.approx(cell.true_counts_per_n, rel=0.002)


def test_nonlinear_cell_warns_about_linearity():
    cell = VirtualLoadCell(nonlinearity=0.06)
    result = LoadCellBench(cell, np.random.default_rng(3)).run(_wizard(cell, [10.0, 25.0, 45.0]))
    assert result.fit.residual_fraction > 0.005
    assert any("linearity residual" in w for w in result.warnings)


def test_zero_drift_is_warned():
    cell = VirtualLoadCell()
    bench = LoadCellBench(cell, np.random.default_rng(4))
    wizard = _wizard(cell, [5.0])
    bench.step(wizard)
    bench.step(wizard)
    cell.true_offset_raw += 0.003 * cell.capacity_n * cell.true_counts_per_n  # zero crept by 0.3 % of capacity
    bench.step(wizard)
    assert any("drifts" in w for w in wizard.result.warnings)


def test_batching_does_not_change_the_result():
    got = []
    for batch in (1, 5, 64):
        cell = VirtualLoadCell()
        bench = LoadCellBench(cell, np.random.default_rng(9))
        got.append(bench.run(_wizard(cell, [3.0, 6.0]), batch=batch))
    assert got[0].points == got[1].points == got[2].points
    assert got[0].fit == got[1].fit == got[2].fit


@pytest.mark.parametrize(
    "masses, kw, match",
    [
        ([], {}, "at least one known mass"),
        ([0.0], {}, "positive"),
        ([float("nan")], {}, "positive"),
        ([60.0], {}, "over the load cell's rated capacity"),
        ([5.0], {"gravity_m_s2": 1.62}, "not on Earth"),
    ],
)
def test_bad_setup(masses, kw, match):
    cell = VirtualLoadCell()
    with pytest.raises(BadSetupError, match=match):
        _wizard(cell, masses, **kw)


def test_fit_maths_directly():
    # raw = 1000 + 2000·F exactly: the fit returns it with zero residual.
    pts = [LoadPoint(m, 1000 + 2000 * m * 9.80665) for m in (0.0, 1.0, 2.0, 4.0)]
    fit = fit_load_cell(pts, capacity_n=200.0)
    assert fit.counts_per_n == pytest.approx(2000.0)
    assert fit.offset_raw == 1000
    assert fit.max_residual_n < 1e-9
    assert fit.tension_n(1000 + 2000 * 10.0) == pytest.approx(10.0)
    assert raw_from_tension(10.0, 1000, 2000.0) == pytest.approx(21000.0)
    with pytest.raises(NotIncreasingError) as err:
        fit_load_cell([LoadPoint(0.0, 0.0), LoadPoint(1.0, 5000.0), LoadPoint(2.0, 4000.0)], capacity_n=200.0)
    assert err.value.step == "mass-2"
