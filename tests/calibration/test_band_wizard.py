"""The band wizard end to end on SIM's band model: fitted curves within 3 % of the true ones."""

from __future__ import annotations

import numpy as np
import pytest
from calibration.drive import run_band
from calibration.virtual import VirtualBandUser

from taut.calibration.band_wizard import BandWizard
from taut.sim.band import BANDS, band_from_levels

E_CHECK = np.linspace(0.5, 2.5, 201)  # 50 … 250 % elongation


def _worst(profile, band, loading):
    return float(np.max(np.abs(profile.force_n(E_CHECK, loading) / band.force_n(E_CHECK, loading) - 1.0)))


@pytest.mark.parametrize("name", list(BANDS))
def test_catalogue_band_fits_true_model_within_3_percent(name):
    band = BANDS[name]
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    wizard = BandWizard(name, 60.0, colour=band.colour, created_unix_s=1.7e9)
    result = run_band(wizard, VirtualBandUser(band, 0.60, rng))
    assert _worst(result.profile, band, True) < 0.03
    assert _worst(result.profile, band, False) < 0.03
    # The level is the loading force at 100 % and 200 % elongation.
    for got, true in zip(result.profile.levels_n, band.levels_n):
        assert got == pytest.approx(true, rel=0.03)
    assert result.fit.fit_error < 0.02
    assert result.profile.colour == band.colour and result.profile.rest_length_m == 0.60
    assert result.warnings == ()


@pytest.mark.parametrize("rest_cm,seed", [(40.0, 1), (100.0, 2)])
def test_other_lengths_and_an_unusual_band(rest_cm, seed):
    band = band_from_levels("odd", 30.0, 65.0, hysteresis_loss=0.15, transition_strain=0.08)
    rng = np.random.default_rng(seed)
    result = run_band(BandWizard("odd", rest_cm), VirtualBandUser(band, rest_cm / 100.0, rng))
    assert _worst(result.profile, band, True) < 0.03
    assert _worst(result.profile, band, False) < 0.03


def test_batching_does_not_change_the_result():
    band = BANDS["black"]
    results = []
    for batch in (1, 4, 37):
        rng = np.random.default_rng(7)
        results.append(run_band(BandWizard("black", 60.0, created_unix_s=0.0), VirtualBandUser(band, 0.6, rng),
                                batch=batch))
    for r in results[1:]:
        assert r.holds_n == results[0].holds_n
        assert r.pauses_n == results[0].pauses_n
        assert r.profile == results[0].profile


def test_issue_marks_extrapolate_and_say_so():
    """With the issue's example marks (to 250 % of L0) the 200 % level is extrapolated: warned."""
    band = BANDS["red"]
    wizard = BandWizard("red", 60.0, (125, 150, 200, 250))
    result = run_band(wizard, VirtualBandUser(band, 0.6, np.random.default_rng(3)))
    assert any("extrapolated" in w for w in result.warnings)
    e = np.linspace(0.25, 1.5, 50)  # the measured span stays accurate
    assert np.max(np.abs(result.profile.force_n(e) / band.force_n(e) - 1)) < 0.03


def test_prompts_walk_through_every_step():
    wizard = BandWizard("red", 60.0)
    p = wizard.prompt
    assert (p.step, p.action, p.index, p.total) == ("slack", "confirm", 0, 7)
    assert "slack" in p.text
    with pytest.raises(RuntimeError):
        wizard.result
    user = VirtualBandUser(BANDS["red"], 0.6, np.random.default_rng(0))
    seen = []
    marks_e = [m / 100 - 1 for m in wizard.marks_percent]
    from calibration.drive import band_step

    while wizard.prompt.action != "done":
        seen.append(wizard.prompt.step)
        if wizard.prompt.step == "mark-3":
            assert "200 % (120 cm)" in wizard.prompt.text
        band_step(wizard, user, marks_e)
    assert seen == ["slack", "mark-1", "mark-2", "mark-3", "mark-4", "mark-5", "sweep"]
    assert "N at 100 %" in wizard.prompt.text
