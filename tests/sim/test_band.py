"""Band model: the exact curves, hysteresis, slack, stiffening, catalogue and bad parameters."""

import numpy as np
import pytest

from taut.sim import BANDS, MAX_ELONGATION, band_from_levels, band_from_params, get_band

E = np.linspace(0.05, MAX_ELONGATION, 200)


@pytest.mark.parametrize("name", list(BANDS))
def test_loading_above_unloading_and_increasing(name):
    band = BANDS[name]
    up, down = band.force_n(E, loading=True), band.force_n(E, loading=False)
    assert np.all(up > down)
    assert np.all(np.diff(up) > 0) and np.all(np.diff(down) > 0)
    np.testing.assert_allclose(down, (1 - band.hysteresis_loss) * up)


@pytest.mark.parametrize("name", list(BANDS))
def test_stiffens_at_high_strain(name):
    band = BANDS[name]
    f = lambda e: band.force_n(e)  # noqa: E731
    assert f(2.5) - f(2.0) > f(1.5) - f(1.0)


def test_slack_band_gives_zero_force():
    band = BANDS["black"]
    for loading in (True, False):
        assert band.force_n(0.0, loading) == 0.0
        assert np.all(band.force_n(np.array([-0.5, -0.01]), loading) == 0.0)


def test_exact_formula_at_100_percent_is_the_level():
    for band in BANDS.values():
        assert band.force_n(1.0) == pytest.approx(band.force_100_n, rel=1e-12)
        f100, f200 = band.levels_n
        assert f100 == pytest.approx(band.force_100_n) and f200 > 1.6 * f100


def test_catalogue_spans_light_to_heavy():
    f100 = sorted(b.force_100_n for b in BANDS.values())
    assert 10 <= f100[0] <= 30 and f100[-1] >= 150
    assert all(b / a > 1.3 for a, b in zip(f100, f100[1:]))  # widely different levels


def test_band_from_levels_hits_both_levels():
    band = band_from_levels("mine", 30.0, 60.0)
    assert band.levels_n == pytest.approx((30.0, 60.0), rel=1e-9)
    with pytest.raises(ValueError, match="soften"):
        band_from_levels("bad", 30.0, 40.0)
    with pytest.raises(ValueError, match="stiffening"):
        band_from_levels("bad", 30.0, 120.0)


def test_reversal_is_continuous_and_joins_the_new_branch():
    band = BANDS["purple"]
    e_r = 2.0
    f_r = band.force_n(e_r)
    e = np.linspace(e_r, 0.0, 400)
    f = band.force_after_reversal_n(e, False, e_r, f_r)
    assert f[0] == pytest.approx(f_r)
    assert np.all(np.diff(f) < 0)  # unloading: force falls as the band shortens
    far = e < e_r - 6 * band.transition_strain
    np.testing.assert_allclose(f[far], band.force_n(e[far], loading=False), rtol=0.01, atol=1e-6)
    assert f[-1] == 0.0
    # and back up from the bottom of an unloading path
    e2 = np.linspace(0.5, 2.0, 300)
    f2 = band.force_after_reversal_n(e2, True, 0.5, band.force_n(0.5, False))
    assert f2[0] == pytest.approx(band.force_n(0.5, False)) and np.all(np.diff(f2) > 0)
    assert f2[-1] == pytest.approx(band.force_n(2.0), rel=0.01)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"force_100_n": -1.0}, "force_100_n"),
        ({"force_100_n": float("nan")}, "force_100_n"),
        ({"force_100_n": 20.0, "stiffening_jm": 5.0}, "stiffening_jm"),
        ({"force_100_n": 20.0, "hysteresis_loss": 0.7}, "hysteresis_loss"),
        ({"force_100_n": 20.0, "transition_strain": 0.0}, "transition_strain"),
    ],
)
def test_bad_parameters_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        band_from_params("x", **kwargs)


def test_bad_elongation_is_refused():
    band = get_band("red")
    with pytest.raises(ValueError, match="NaN"):
        band.force_n(float("nan"))
    with pytest.raises(ValueError, match="limit"):
        band.force_n(MAX_ELONGATION + 0.1)
    with pytest.raises(KeyError, match="known"):
        get_band("chartreuse")
