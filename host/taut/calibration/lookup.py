"""One call for the commands that analyse reps: a calibrated band's name -> its `travel_cm`.

    travel = band_travel_cm("red", "face-pull")      # KeyError if not calibrated
    analyze(time_s, tension_n, "face-pull", travel_cm=travel)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import cast

from taut.calibration.band_store import BandStore, load_bands
from taut.calibration.profiles import BandProfile
from taut.calibration.travel import ExerciseSetup, Resistance, TravelCm, default_setup, travel_cm_fn


def band_travel_cm(
    band: str,
    exercise: str | None = None,
    *,
    bands: BandStore | Mapping[str, BandProfile] | None = None,
    db: str | os.PathLike[str] | None = None,
    rest_length_m: float | None = None,
    start_elongation: float | None = None,
) -> TravelCm:
    """`travel_cm` for a calibrated band (stacks: names joined by '+') in an exercise's typical set-up.

    The bands come from `bands` (a store or a name -> profile mapping), else from the workout log
    at `db` (default log). Without an exercise the pull is straight and the band is used at its
    calibrated rest length. `rest_length_m` / `start_elongation` override the set-up's. KeyError
    names the calibrated bands when one is missing; LogError / BandStoreError when they cannot be read.
    """
    from taut.calibration.stacks import Stack

    if bands is None:
        stored: Mapping[str, BandProfile] = load_bands(db)
    elif isinstance(bands, BandStore):
        stored = bands.load()
    else:
        stored = bands
    names = band.split("+")
    missing = [n for n in names if n not in stored]
    if missing:
        known = ", ".join(sorted(stored)) or "none yet"
        raise KeyError(f"no calibrated band {missing[0]!r} (calibrated: {known})")
    resistance = stored[names[0]] if len(names) == 1 else Stack(tuple(stored[n] for n in names))
    if exercise is None:
        setup = ExerciseSetup(None, resistance.rest_length_m)
    else:
        setup = default_setup(exercise)
    if rest_length_m is not None or start_elongation is not None:
        setup = ExerciseSetup(
            setup.exercise_id,
            setup.rest_length_m if rest_length_m is None else rest_length_m,
            setup.start_elongation if start_elongation is None else start_elongation,
            setup.grip_angle_rad,
            setup.travel_m,
        )
    return travel_cm_fn(cast(Resistance, resistance), setup)
