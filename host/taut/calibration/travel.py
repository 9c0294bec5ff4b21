"""From tension to hand travel: tension -> band elongation (calibrated curve) -> extra band length
-> hand travel through the exercise's geometry (`taut.exercises`).

An `ExerciseSetup` says how the band is held: its rest length in the exercise (which need not be
the calibration's L0: elongation is what the curve knows), the elongation at the start position,
and for arcs the start grip angle. Travel is measured from the start position. With no exercise
the pull is a straight line: travel = extra length.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from taut.exercises import Exercise, get_exercise


class Resistance(Protocol):
    """A band profile's curve or a stack: force from elongation and back."""

    def force_n(self, elongation, loading: bool = True): ...

    def elongation(self, force_n, loading: bool = True): ...


@dataclass(frozen=True, slots=True)
class ExerciseSetup:
    """How the band is used for one exercise (None: a straight pull)."""

    exercise_id: str | None
    rest_length_m: float
    start_elongation: float = 0.0
    grip_angle_rad: float | None = None
    travel_m: float | None = None  # the full range of hand travel, for end-range forces

    def __post_init__(self) -> None:
        if self.exercise_id is not None:
            get_exercise(self.exercise_id)  # UnknownExerciseError (a KeyError) names the known ids
        if not (math.isfinite(self.rest_length_m) and 0.05 <= self.rest_length_m <= 5.0):
            raise ValueError(f"rest length {self.rest_length_m} m must be within 0.05…5 m")
        if not (math.isfinite(self.start_elongation) and -0.5 <= self.start_elongation < 3.0):
            raise ValueError(f"start elongation {self.start_elongation} must be within -0.5…3")
        if self.travel_m is not None and not (math.isfinite(self.travel_m) and self.travel_m > 0):
            raise ValueError(f"travel {self.travel_m} m must be positive")

    @property
    def exercise(self) -> Exercise | None:
        return None if self.exercise_id is None else get_exercise(self.exercise_id)

    def extension_m(self, travel_m) -> np.ndarray:
        """Extra band length for hand travel from the start position (m)."""
        ex = self.exercise
        x = np.asarray(travel_m, dtype=float)
        return x if ex is None else ex.extension_m(x, self.grip_angle_rad)

    def max_travel_m(self) -> float:
        ex = self.exercise
        return 2.0 if ex is None else ex.max_travel_m(self.grip_angle_rad)

    def end_elongation(self) -> float:
        """Elongation at the end of the full range (needs travel_m)."""
        if self.travel_m is None:
            raise ValueError("this setup has no travel_m (full range)")
        return float(self.start_elongation + self.extension_m(self.travel_m) / self.rest_length_m)


def default_setup(exercise_id: str) -> ExerciseSetup:
    """A typical setup: the middle of the exercise's typical ranges in the catalogue."""
    ex = get_exercise(exercise_id)
    mid = lambda pair: 0.5 * (pair[0] + pair[1])  # noqa: E731
    grip = mid(ex.grip_angle_rad) if ex.kind != "anchored-line" else None
    return ExerciseSetup(exercise_id, mid(ex.rest_length_m), max(0.0, mid(ex.start_elongation)), grip, mid(ex.range_m))


def travel_m(resistance: Resistance, setup: ExerciseSetup, tension_n, *, loading: bool = True) -> np.ndarray:
    """Hand travel (m) from the start position at which the band pulls `tension_n`.

    Tension at or below zero maps to where the band goes slack; above the curve's range, NaN.
    """
    e = np.asarray(resistance.elongation(tension_n, loading), dtype=float)
    extra_m = (e - setup.start_elongation) * setup.rest_length_m
    xs = np.linspace(-1.0, setup.max_travel_m(), 4001)
    d = setup.extension_m(xs)
    keep = np.concatenate(([True], np.diff(d) > 0))  # strictly increasing part for the inverse
    x = np.interp(extra_m, d[keep], xs[keep], left=np.nan, right=np.nan)
    return np.where(np.isnan(extra_m), np.nan, x)


class TravelCm:
    """Tension (N) -> hand travel (cm) for one band (or stack) and set-up; the analysis's `travel_cm`.

    Called with an array it maps every tension through one branch (loading by default). A rep's
    range is better served by `range_cm(bottom_n, peak_n)`: the bottom is reached by releasing
    (unloading branch) and the peak by stretching (loading branch), which removes most of the
    hysteresis error (about 5-10 % of the range otherwise).
    """

    def __init__(self, resistance: Resistance, setup: ExerciseSetup, *, loading: bool = True) -> None:
        self.resistance = resistance
        self.setup = setup
        self.loading = loading

    def __call__(self, tension_n) -> np.ndarray:
        return 100.0 * travel_m(self.resistance, self.setup, tension_n, loading=self.loading)

    def range_cm(self, bottom_n, peak_n):
        """Hand travel from a rep's bottom (on the unloading branch) to its peak (loading), cm."""
        top = travel_m(self.resistance, self.setup, peak_n, loading=True)
        bottom = travel_m(self.resistance, self.setup, bottom_n, loading=False)
        out = 100.0 * (np.asarray(top) - np.asarray(bottom))
        return float(out) if np.ndim(out) == 0 else out


def travel_cm_fn(resistance: Resistance, setup: ExerciseSetup, *, loading: bool = True) -> TravelCm:
    """The `travel_cm` callable the analysis takes: tension array (N) -> hand travel (cm).

    The loading branch is the default: a rep's peak is reached while stretching. The returned
    object also has `range_cm(bottom_n, peak_n)`, the better figure for a rep's range.
    """
    return TravelCm(resistance, setup, loading=loading)
