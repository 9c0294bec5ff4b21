"""Plateau finding and still detection on synthetic recordings with known holds."""

from __future__ import annotations

import numpy as np
import pytest

from taut.calibration.plateaus import PlateauOptions, find_plateaus
from taut.calibration.still import StillCriteria, first_still_reading, is_still, window_stats


def _steps(levels, hold_s=3.0, move_s=1.0, fs=80.0, noise=0.05, seed=0):
    rng = np.random.default_rng(seed)
    parts, cur = [], 0.0
    for lv in levels:
        parts.append(np.linspace(cur, lv, int(move_s * fs), endpoint=False))
        parts.append(np.full(int(hold_s * fs), float(lv)))
        cur = lv
    x = np.concatenate(parts)
    x = x + rng.normal(0, noise, len(x))
    return np.arange(len(x)) / fs, x


def test_finds_each_hold_with_its_level():
    t, x = _steps([10.0, 20.0, 35.0, 15.0])
    found = find_plateaus(t, x)
    assert [round(p.mean_n) for p in found] == [10, 20, 35, 15]
    for p in found:
        assert p.duration_s >= 2.0
        assert p.std_n < 0.1


def test_short_holds_and_rest_are_not_plateaus():
    t, x = _steps([0.0, 12.0, 30.0], hold_s=1.2)
    assert find_plateaus(t, x) == []
    t, x = _steps([0.2, 12.0], hold_s=3.0)
    assert [round(p.mean_n) for p in find_plateaus(t, x)] == [12]  # the 0.2 N rest is below min_level_n


def test_a_ramp_is_not_a_plateau():
    t = np.arange(0, 10, 1 / 80)
    assert find_plateaus(t, 5.0 + 3.0 * t) == []


def test_nan_breaks_a_plateau_and_bad_input_is_rejected():
    t, x = _steps([10.0], hold_s=6.0)
    x[len(x) - 240] = np.nan  # one invalid sample 3 s before the end
    found = find_plateaus(t, x)
    assert all(not (p.start_s <= t[len(x) - 240] <= p.end_s) for p in found)
    with pytest.raises(ValueError):
        find_plateaus(t[::-1], x)
    with pytest.raises(ValueError):
        find_plateaus(t, x[:-1])
    assert find_plateaus(t[:1], x[:1]) == []


def test_offline_and_live_agree():
    """The offline finder and the live first-still test use one criterion."""
    t, x = _steps([10.0, 20.0])
    opts = PlateauOptions()
    first_offline = find_plateaus(t, x, opts)[0]
    live = first_still_reading(t, x, opts.criteria)
    assert live is not None
    assert first_offline.start_s == pytest.approx(live.start_s, abs=0.02)
    # chunked: the earliest still window is the same whichever batch it ends in
    for split in (1, 7, 100):
        got = None
        for i in range(0, len(t), split):
            got = first_still_reading(t[: i + split], x[: i + split], opts.criteria, from_index=i)
            if got:
                break
        assert got == live


def test_window_stats_and_is_still():
    t = np.linspace(0, 2, 161)
    mean, std, slope = window_stats(t, 3.0 + 0.5 * t)
    assert mean == pytest.approx(3.5) and slope == pytest.approx(0.5)
    c = StillCriteria(window_s=2.0, max_std_n=0.05, max_rel_std=0.01)
    assert is_still(0.02, 0.0, 1.0, c)
    assert not is_still(0.06, 0.0, 1.0, c)
    assert is_still(0.06, 0.0, 10.0, c)  # relative tolerance at a higher level
    assert not is_still(0.0, 0.2, 10.0, c)  # drifting 0.4 N over the window
    with pytest.raises(ValueError):
        StillCriteria(window_s=0.0)


def test_finds_the_holds_of_sims_calibration_session():
    """SIM's own calibration session (labelled plateaus): each found, at the loading-branch force."""
    from taut.sim import BANDS, simulate_session
    from taut.sim.stretch import band_stretch_plan

    band = BANDS["black"]
    marks = (0.25, 0.5, 1.0, 1.5)
    rec = simulate_session(band_stretch_plan(band, rest_length_m=1.0, marks=marks))
    labelled = rec.intervals("plateau")
    found = find_plateaus(rec.time_s, rec.tension_n)
    assert len(labelled) == len(marks)
    for iv, e in zip(labelled, marks):
        inside = [p for p in found if p.start_s < iv.end_s and p.end_s > iv.start_s]
        assert len(inside) == 1
        assert inside[0].mean_n == pytest.approx(band.force_n(e), rel=0.01)
