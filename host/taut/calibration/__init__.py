"""Calibration: the load cell (true newtons) and each band's force–strain curve and level.

- `loadcell_wizard.LoadCellWizard`, `band_wizard.BandWizard`: the guided flows as state machines.
- `loadcell`, `bandfit`, `plateaus`, `still`, `sweep`, `relaxation`: the maths behind them.
- `profiles`, `stacks`, `recommend`, `travel`, `charts`: using calibrated bands.
- `band_store`, `commit`: saving results in the workout log, all or nothing (`band_file`: the old bands.json).
Errors derive from `errors.CalibrationError` and name the step to redo.
"""

from taut.calibration.band_file import BandStoreError
from taut.calibration.band_store import BandStore
from taut.calibration.band_wizard import BandResult, BandWizard
from taut.calibration.bandfit import BandCurve, BandFit, fit_band
from taut.calibration.errors import (
    BadSetupError,
    CalibrationError,
    CommitError,
    FitError,
    LengthOutsideMarksError,
    MovingReadingError,
    NoPlateauError,
    NotIncreasingError,
)
from taut.calibration.loadcell import STANDARD_GRAVITY_M_S2, LoadCellFit, fit_load_cell
from taut.calibration.loadcell_wizard import LoadCellResult, LoadCellWizard
from taut.calibration.profiles import BandProfile, by_level, not_meaningfully_different, similar_pairs
from taut.calibration.stacks import Stack, stacks
from taut.calibration.lookup import band_travel_cm
from taut.calibration.travel import ExerciseSetup, TravelCm, default_setup, travel_cm_fn

__all__ = [
    "STANDARD_GRAVITY_M_S2",
    "BadSetupError",
    "BandCurve",
    "BandFit",
    "BandProfile",
    "BandResult",
    "BandStore",
    "BandStoreError",
    "BandWizard",
    "CalibrationError",
    "CommitError",
    "ExerciseSetup",
    "FitError",
    "LengthOutsideMarksError",
    "LoadCellFit",
    "LoadCellResult",
    "LoadCellWizard",
    "MovingReadingError",
    "NoPlateauError",
    "NotIncreasingError",
    "Stack",
    "TravelCm",
    "band_travel_cm",
    "by_level",
    "default_setup",
    "fit_band",
    "fit_load_cell",
    "not_meaningfully_different",
    "similar_pairs",
    "stacks",
    "travel_cm_fn",
]
