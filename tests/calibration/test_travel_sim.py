"""Hand travel from tension on simulated sessions: against SIM's true ranges, through the analysis."""

from __future__ import annotations

import numpy as np
import pytest

from taut.calibration import BandCurve, BandProfile, BandStore, ExerciseSetup, travel_cm_fn
from taut.calibration.band_store import load_bands
from taut.store import open_log
from taut.calibration.lookup import band_travel_cm
from taut.signal.offline import analyze
from taut.sim import random_plan, simulate_session

# Sessions whose first set starts with the band under tension (slack travel is invisible to a load cell).
SEEDS = (0, 1, 6, 8, 10)


def _calibrated(sp):
    b = sp.band
    return BandCurve(b.force_100_n, b.stiffening_jm, b.hysteresis_loss)


@pytest.mark.parametrize("seed", SEEDS)
def test_rep_range_in_cm_matches_the_true_hand_travel(seed):
    plan = random_plan(seed)
    sp = plan.sets[0]
    assert sp.start_elongation > 0.05
    rec = simulate_session(plan)
    travel = travel_cm_fn(_calibrated(sp), ExerciseSetup(sp.exercise, sp.rest_length_m, sp.start_elongation,
                                                         sp.grip_angle_rad))
    truth = rec.sets[0].reps
    split = np.array([travel.range_cm(r.bottom_n, r.peak_n) for r in truth])
    loading_only = np.array([float(np.diff(travel(np.array([r.bottom_n, r.peak_n])))[0]) for r in truth])
    true_cm = np.array([r.range_cm for r in truth])
    assert np.median(np.abs(split / true_cm - 1)) < 0.06
    assert np.median(np.abs(split / true_cm - 1)) <= np.median(np.abs(loading_only / true_cm - 1))
    # Through the analysis engine: every rep gets a range in cm near the truth.
    found = analyze(rec.time_s, rec.tension_n, sp.exercise, travel).sets[0].reps
    assert len(found) == len(truth)
    got = np.array([r.range_cm for r in found])
    assert np.median(np.abs(got / true_cm - 1)) < 0.12


def test_lookup_by_name_and_stack(tmp_path):
    with open_log(tmp_path / "taut.sqlite3") as log:
        for name, f in (("red", 22.0), ("black", 40.0)):
            BandStore(log).save(BandProfile(name, 1.0, BandCurve(f, 30.0, 0.1), created_unix_s=0.0))
    shelf = {p.name: p for p in load_bands(tmp_path / "taut.sqlite3").values()}
    assert band_travel_cm("red", db=tmp_path / "taut.sqlite3").setup == band_travel_cm("red", bands=shelf).setup
    one = band_travel_cm("red", bands=shelf)
    assert one(np.array([22.0]))[0] == pytest.approx(100.0, abs=0.1)  # 100 % of a 1 m band
    both = band_travel_cm("red+black", "row", bands=shelf, start_elongation=0.3)
    assert both.setup.exercise_id == "row" and both.setup.start_elongation == 0.3
    assert both(np.array([62.0]))[0] > 0
    with pytest.raises(KeyError, match="calibrated: black, red"):
        band_travel_cm("green", bands=shelf)
