"""Bad band sessions: each raises a typed error naming the step, the step starts again, and
redoing just that step finishes the calibration; nothing is saved on the way."""

from __future__ import annotations

import numpy as np
import pytest
from calibration.drive import band_step, run_band
from calibration.virtual import FS_HZ, VirtualBandUser, feed_until_change, ramp

from taut.calibration import (
    BadSetupError,
    BandWizard,
    CalibrationError,
    LengthOutsideMarksError,
    MovingReadingError,
    NoPlateauError,
    NotIncreasingError,
)
from taut.sim.band import BANDS

BAND = BANDS["black"]
E_CHECK = np.linspace(0.5, 2.5, 101)


def _setup(seed=11):
    wizard = BandWizard("black", 60.0)
    user = VirtualBandUser(BAND, 0.6, np.random.default_rng(seed))
    marks_e = [m / 100 - 1 for m in wizard.marks_percent]
    return wizard, user, marks_e


def _advance_to(wizard, user, marks_e, step):
    while wizard.prompt.step != step:
        band_step(wizard, user, marks_e)


def _finish_ok(wizard, user):
    result = run_band(wizard, user)
    assert np.max(np.abs(result.profile.force_n(E_CHECK) / BAND.force_n(E_CHECK) - 1)) < 0.03
    return result


def test_hand_that_keeps_moving_at_a_mark_gives_no_plateau_and_redo_works():
    wizard, user, marks_e = _setup()
    _advance_to(wizard, user, marks_e, "mark-2")
    wizard.confirm()
    # Wobbles ±3 cm around the mark for 40 s: never a steady hold.
    n = int(40 * FS_HZ)
    path = marks_e[1] + 0.05 * np.sin(2 * np.pi * 0.7 * np.arange(n) / FS_HZ)
    t, f = user._emit(np.concatenate((ramp(user.e, marks_e[1], 1.0), path)), tremor=False)
    with pytest.raises(NoPlateauError) as err:
        feed_until_change(wizard, t, f)
    assert err.value.step == "mark-2" and "redo this step" in str(err.value).lower()
    assert (wizard.prompt.step, wizard.prompt.action) == ("mark-2", "confirm")
    assert "no steady hold" in wizard.prompt.retry
    with pytest.raises(RuntimeError):
        wizard.result  # nothing half-finished to save
    _finish_ok(wizard, user)


def test_force_not_increasing_with_length():
    wizard, user, marks_e = _setup()
    _advance_to(wizard, user, marks_e, "mark-3")
    # The user holds at the previous mark again (or the anchor slipped).
    with pytest.raises(NotIncreasingError) as err:
        band_step(wizard, user, marks_e, at_e=marks_e[1])
    assert err.value.step == "mark-3"
    assert "slipped" in err.value.guidance
    assert wizard.prompt.step == "mark-3"
    _finish_ok(wizard, user)


def test_slack_band_at_a_mark_is_not_increasing():
    wizard, user, marks_e = _setup()
    _advance_to(wizard, user, marks_e, "mark-1")
    with pytest.raises(NotIncreasingError, match="pulls only"):
        band_step(wizard, user, marks_e, at_e=-0.02)
    _finish_ok(wizard, user)


def test_length_outside_the_marks():
    wizard, user, marks_e = _setup()
    _advance_to(wizard, user, marks_e, "mark-2")
    with pytest.raises(LengthOutsideMarksError) as err:
        wizard.confirm(length_cm=120.0)  # mark-2 is 150 % = 90 cm
    assert err.value.step == "mark-2" and "90 cm" in str(err.value)
    assert wizard.prompt.action == "confirm"
    # A small correction within tolerance is accepted and used as the hold's length.
    wizard.confirm(length_cm=91.0)
    t, f = user.move_hold(91.0 / 60.0 - 1.0, 1.5, 3.5)
    feed_until_change(wizard, t, f)
    result = _finish_ok(wizard, user)
    assert result.loading_e[1] == pytest.approx(91.0 / 60.0 - 1.0)


def test_sweep_short_of_or_past_the_top_mark():
    wizard, user, marks_e = _setup()
    _advance_to(wizard, user, marks_e, "sweep")
    short = marks_e[:-1] + [marks_e[-1] - 0.4]
    wizard.confirm()
    t, f = user.sweep(short)
    with pytest.raises(LengthOutsideMarksError, match="below") as err:
        feed_until_change(wizard, t, f)
    assert err.value.step == "sweep"
    wizard.confirm()
    t, f = user.sweep(marks_e[:-1] + [marks_e[-1] + 0.5])
    with pytest.raises(LengthOutsideMarksError, match="above"):
        feed_until_change(wizard, t, f)
    assert (wizard.prompt.step, wizard.prompt.action) == ("sweep", "confirm")
    _finish_ok(wizard, user)


def test_sweep_with_a_missing_pause():
    wizard, user, marks_e = _setup()
    _advance_to(wizard, user, marks_e, "sweep")
    with pytest.raises(NoPlateauError, match="3 pause") as err:
        band_step(wizard, user, marks_e, sweep_kwargs={"skip_pause": 1})
    assert "pause about 2 s at each mark" in err.value.guidance
    _finish_ok(wizard, user)


def test_moving_sensor_while_slack():
    wizard, user, marks_e = _setup()
    wizard.confirm()
    n = int(40 * FS_HZ)
    rng = np.random.default_rng(0)
    t = np.arange(1, n + 1) / FS_HZ
    f = 3.0 * np.abs(np.sin(2 * np.pi * 1.3 * t)) + rng.normal(0, 0.05, n)  # knocked about
    with pytest.raises(MovingReadingError) as err:
        feed_until_change(wizard, t, f)
    assert err.value.step == "slack"
    user.t_s = float(t[-1])
    _finish_ok(wizard, user)


def test_redo_an_earlier_step_drops_later_ones():
    wizard, user, marks_e = _setup()
    _advance_to(wizard, user, marks_e, "mark-4")
    wizard.redo("mark-2")
    assert wizard.prompt.step == "mark-2"
    # Coming down to the mark from the longer one is refused: marks are reached by stretching.
    with pytest.raises(NotIncreasingError, match="came down") as err:
        band_step(wizard, user, marks_e)
    assert err.value.step == "mark-2" and "go slacker first" in err.value.guidance
    user.move_hold(-0.05, 1.0, 0.5)  # lets the band go slack first
    _finish_ok(wizard, user)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"rest_length_cm": 0.0}, "rest length"),
        ({"marks_percent": (150,)}, "at least two marks"),
        ({"marks_percent": (150, 140)}, "must increase"),
        ({"marks_percent": (90, 150)}, "outside"),
        ({"marks_percent": (150, 450)}, "outside"),
        ({"name": ""}, "band name"),
        ({"name": "a+b"}, "band name"),
    ],
)
def test_bad_setup(kwargs, match):
    args = {"name": "x", "rest_length_cm": 60.0, **kwargs}
    with pytest.raises(CalibrationError, match=match) as err:
        BandWizard(**args)
    assert err.value.step == "setup"
    assert isinstance(err.value, (BadSetupError, LengthOutsideMarksError))


def test_bad_samples_are_a_value_error_and_change_nothing():
    wizard, user, marks_e = _setup()
    wizard.confirm()
    with pytest.raises(ValueError):
        wizard.feed([1.0, 0.5], [0.0, 0.0])  # time going backwards
    with pytest.raises(ValueError):
        wizard.feed([1.0, 2.0], [0.0])
    assert (wizard.prompt.step, wizard.prompt.action) == ("slack", "collect")
    t, f = user.move_hold(-0.05, 0.2, 3.0)
    feed_until_change(wizard, t + 2.0, f)
    assert wizard.prompt.step == "mark-1"
    _finish_ok(wizard, user)
