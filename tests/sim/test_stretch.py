"""Band calibration sessions: plateaus on the true loading curve, held stretches are not reps."""

import numpy as np
import pytest

from taut.sim import BANDS, SensorModel, SetupAction, simulate_session
from taut.sim.stretch import band_stretch_plan


@pytest.mark.parametrize("name", ["yellow", "purple", "blue"])
def test_plateaus_sit_on_the_loading_curve(name):
    band = BANDS[name]
    marks = (0.25, 0.5, 1.0, 1.5, 2.5)
    rec = simulate_session(band_stretch_plan(band, marks=marks, sensor=SensorModel(noise_n=0.0)), fs_hz=80.0)
    plateaus = rec.intervals("plateau")
    assert len(plateaus) == len(marks)
    for iv, mark in zip(plateaus, marks):
        m = (rec.time_s > iv.start_s) & (rec.time_s < iv.end_s)
        assert iv.end_s - iv.start_s == pytest.approx(3.0)
        assert np.median(rec.elongation[m]) == pytest.approx(mark, abs=2e-3)
        f = np.median(rec.clean_tension_n[m])
        assert f == pytest.approx(band.force_n(mark), rel=0.01)
        assert f > band.force_n(mark, loading=False) * 1.04  # clearly the loading branch
    assert len(rec.sets) == 1 and len(rec.sets[0].reps) == 1  # only the slow full stretch is a rep
    rep = rec.sets[0].reps[0]
    assert rep.start_s > plateaus[-1].end_s and rep.range_cm == pytest.approx(150.0)


def test_released_between_marks_still_on_the_curve_after_the_transition():
    band = BANDS["black"]
    rec = simulate_session(band_stretch_plan(band, return_between=True, sensor=SensorModel(noise_n=0.0)))
    for iv, mark in zip(rec.intervals("plateau"), (0.25, 0.5, 1.0, 1.5)):
        m = (rec.time_s > iv.start_s) & (rec.time_s < iv.end_s)
        assert np.median(rec.clean_tension_n[m]) == pytest.approx(band.force_n(mark), rel=0.01)


def test_bad_stretch_plans_are_refused():
    band = BANDS["red"]
    with pytest.raises(ValueError, match="increase"):
        band_stretch_plan(band, marks=(0.5, 0.25))
    with pytest.raises(ValueError, match="elongations"):
        band_stretch_plan(band, marks=(0.0, 0.5))
    with pytest.raises(ValueError, match="overstretch"):
        band_stretch_plan(band, rest_length_m=0.5, marks=(1.0, 2.9))
    with pytest.raises(ValueError, match="pulls"):
        SetupAction("hold", -0.1, 1.0, 0.0, 3.0)
