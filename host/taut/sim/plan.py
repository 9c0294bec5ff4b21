"""What a simulated person does: sessions of sets of reps, as plain frozen records.

A `SessionPlan` fully determines a simulated recording (its `seed` drives tremor phases and
sensor noise); `random_plan(seed, ...)` draws a realistic one. Plans are data: build them by hand
in tests, or tweak a drawn one with `dataclasses.replace`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from taut.sim.band import Band
from taut.sim.exercise import get_exercise
from taut.sim.sensor import SensorModel


@dataclass(frozen=True, slots=True)
class RepPlan:
    """One intended rep: full hand travel and the duration of each movement phase.

    Phase durations are of the hand's motion (minimum-jerk moves); the measured tempo (10 %/90 %
    tension thresholds of the contract) is always a little shorter for moves, longer for holds.
    """

    range_m: float  # hand travel from the bottom to the top
    concentric_s: float
    hold_s: float  # top hold (squeeze)
    eccentric_s: float
    pause_s: float  # bottom pause after this rep (before the next rep, or before the release)
    bottom_m: float = 0.0  # where the eccentric returns to (start position = 0)
    partial: bool = False  # drawn as a partial rep (the truth flag comes from the measured range)
    hold_sag_m: float = 0.0  # the hands creep back this much during the top hold

    def __post_init__(self) -> None:
        for name in ("range_m", "concentric_s", "eccentric_s"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise ValueError(f"rep {name} must be > 0, got {v}")
        for name in ("hold_s", "pause_s", "bottom_m", "hold_sag_m"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise ValueError(f"rep {name} must be >= 0, got {v}")
        if self.bottom_m + self.hold_sag_m >= self.range_m:
            raise ValueError("rep bottom_m (+ hold_sag_m) must be below its range_m")


@dataclass(frozen=True, slots=True)
class SetupAction:
    """Before a set, not a rep: a tug, a grip adjustment, or a held stretch (calibration plateau).

    "tug": quick pull out by amplitude_m (> 0) and back; "grip": hands in by amplitude_m (< 0) and
    back; then still for settle_s. "hold": move to hand travel amplitude_m (> 0) from wherever the
    hands are, stay settle_s (a plateau), then back to the start position over back_s (0 = stay,
    the next action starts from there).
    """

    kind: str  # "tug", "grip" or "hold"
    amplitude_m: float  # tug/grip: travel away from the current position; hold: target travel
    out_s: float
    back_s: float
    settle_s: float  # still afterwards (hold: at the target)

    def __post_init__(self) -> None:
        if self.kind not in ("tug", "grip", "hold"):
            raise ValueError(f"setup action kind must be 'tug', 'grip' or 'hold', got {self.kind!r}")
        if not math.isfinite(self.amplitude_m) or (self.kind == "grip") != (self.amplitude_m < 0):
            raise ValueError("a tug or hold pulls (amplitude_m > 0), a grip adjustment gives (amplitude_m < 0)")
        if self.out_s <= 0 or self.settle_s < 0 or self.back_s < 0 or (self.kind != "hold" and self.back_s <= 0):
            raise ValueError("setup action durations must be positive")


@dataclass(frozen=True, slots=True)
class SetPlan:
    """One set: exercise, band and how it is set up, the reps, and what happens around them."""

    exercise: str  # canonical id (taut.sim.exercise.EXERCISE_IDS)
    band: Band
    rest_length_m: float  # L0: unstretched length of the band between the hands/anchor
    start_elongation: float  # e0 at the start position: < 0 slack, > 0 pre-tensioned
    reps: tuple[RepPlan, ...]
    grip_angle_rad: float | None = None  # spread/arc exercises; None = the exercise's first value
    setup: tuple[SetupAction, ...] = ()
    grab_s: float = 1.5  # taking the band from slack to the start position
    settle_s: float = 1.5  # still at the start position before the first rep
    end_settle_s: float = 0.5  # still after the last rep before letting go
    release_s: float = 0.8  # back to slack
    rest_after_s: float = 30.0  # band not held, until the next set (or the end of the recording)
    tremor_m: float | None = None  # top-hold tremor amplitude; None = the exercise's
    wobble_m: float | None = None  # form noise amplitude during moves; None = the exercise's
    fatigue: float = 0.0  # informational: how much the concentrics slowed over the set
    tags: tuple[str, ...] = ()  # informational: how the set was drawn ("fast", "partial", ...)

    def __post_init__(self) -> None:
        ex = get_exercise(self.exercise)
        if not self.reps:
            raise ValueError("a set needs at least one rep")
        if not (math.isfinite(self.rest_length_m) and self.rest_length_m > 0.05):
            raise ValueError(f"rest_length_m must be > 0.05 m, got {self.rest_length_m}")
        if not (-0.9 < self.start_elongation < 2.0):
            raise ValueError(f"start_elongation must be in (-0.9, 2), got {self.start_elongation}")
        th0 = self.grip_angle
        holds = [a.amplitude_m for a in self.setup if a.kind == "hold"]
        top = max([r.range_m for r in self.reps] + [max(holds, default=0.0) + a.amplitude_m
                                                       for a in self.setup if a.kind == "tug"] + holds)
        if top > ex.max_travel_m(th0) + 1e-9:
            raise ValueError(f"{self.exercise}: range {top:.2f} m beyond the geometry's {ex.max_travel_m(th0):.2f} m")
        from taut.sim.band import MAX_ELONGATION

        e_top = self.start_elongation + float(ex.extension_m(top, th0)) / self.rest_length_m
        if e_top > MAX_ELONGATION * 0.95:
            raise ValueError(f"{self.exercise}: top elongation {e_top:.2f} would overstretch the band")
        for name in ("grab_s", "release_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0")
        for name in ("settle_s", "end_settle_s", "rest_after_s"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0")

    @property
    def grip_angle(self) -> float:
        return get_exercise(self.exercise).grip_angle_rad[0] if self.grip_angle_rad is None else self.grip_angle_rad

    def elongation(self, travel_m):
        """Band elongation at hand travel (m) for this set's geometry and set-up."""
        ex = get_exercise(self.exercise)
        return self.start_elongation + ex.extension_m(travel_m, self.grip_angle) / self.rest_length_m


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """A recording: lead-in with the band untouched, then sets with rests; the sensor; the seed."""

    sets: tuple[SetPlan, ...]
    sensor: SensorModel = field(default_factory=SensorModel)
    lead_in_s: float = 2.0
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.sets:
            raise ValueError("a session needs at least one set")
        if self.lead_in_s < 0:
            raise ValueError("lead_in_s must be >= 0")
