"""Physics model of a person training with a resistance band, with ground truth (numpy/scipy only).

Used by the analysis engine's accuracy benchmark and tests, the virtual band's load cell and the
calibration wizards. Full guide: docs/simulation.md.

    from taut.sim import simulate_session, random_plan, SessionStream, labelled_suite

    rec = simulate_session(7, fs_hz=80)          # a random realistic session from seed 7
    rec.time_s, rec.tension_n, rec.sets          # samples as delivered, truth as RepSets
    stream = SessionStream(random_plan(7))       # incremental: stream.read(t), stream.truth_until(t)
    for rec in labelled_suite(n_sets=200, seed=1): ...
    for rec in human_suite(n_sets=200, seed=1): ...   # what real people do

The exercises themselves (geometry, tempo, set-up) are in the catalogue, `taut.exercises`.
Modules: band (force–strain with hysteresis, catalogue), form (a person's form noise per exercise), plan (what
the person does), draw (random plans), motion (timeline and tension as functions of time),
sensor (sampling and imperfections), truth (contract measurements), stream, session, human
(human-like behaviour), suite.
"""

from taut.sim.band import BANDS, MAX_ELONGATION, Band, band_from_levels, band_from_params, get_band
from taut.sim.draw import NOISE_LEVELS_N, random_band, random_plan, random_sensor, random_set
from taut.sim.form import FORMS, Form, form_of
from taut.sim.motion import Interval, RepWindow, Timeline, min_jerk
from taut.sim.plan import RepPlan, RestAction, SessionPlan, SetPlan, SetupAction
from taut.sim.sensor import SensorModel
from taut.sim.session import SimRecording, simulate_session
from taut.sim.stream import SessionStream, SimChunk
from taut.sim.human import BEHAVIOURS, human_plan
from taut.sim.suite import behaviour_of, human_suite, labelled_suite
from taut.sim.truth import PARTIAL_FRACTION, TruthError, measure_rep

__all__ = [
    "BANDS", "BEHAVIOURS", "FORMS", "MAX_ELONGATION", "NOISE_LEVELS_N", "PARTIAL_FRACTION",
    "Band", "Form", "Interval", "RepPlan", "RepWindow", "RestAction", "SensorModel", "SessionPlan", "SessionStream",
    "SetPlan", "SetupAction", "SimChunk", "SimRecording", "Timeline", "TruthError",
    "band_from_levels", "band_from_params", "behaviour_of", "form_of", "get_band", "human_plan", "human_suite", "labelled_suite", "measure_rep",
    "min_jerk", "random_band", "random_plan", "random_sensor", "random_set", "simulate_session",
]
