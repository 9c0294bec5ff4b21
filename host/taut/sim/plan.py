"""What a simulated person does: sessions of sets of reps, as plain frozen records.

A `SessionPlan` fully determines a simulated recording (its `seed` drives tremor phases and
sensor noise); `random_plan(seed, ...)` draws a realistic one. Plans are data: build them by hand
in tests, or tweak a drawn one with `dataclasses.replace`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from taut.sim.band import Band
from taut.exercises import get_exercise
from taut.sim.sensor import SensorModel


REST_ACTION_KINDS = ("rest-load", "fidget", "step", "wobble")
WOBBLE_DECAY = 0.6  # each wobble swing is this fraction of the one before, the other way


@dataclass(frozen=True, slots=True)
class RestAction:
    """Activity in a pause between reps or in a rest between sets that is no rep.

    "rest-load": a hand resting on the handle (out by amplitude_m, stay hold_s, back over back_s);
    "fidget": a small bump (the same moves, brief); "step": a level change (out and stay; with
    back_s > 0 it returns after hold_s); "wobble": the hands swing ±amplitude_m, each swing
    `WOBBLE_DECAY` of the last the other way, `cycles` times, out_s per swing, then back. Each
    starts after lead_s of stillness, from wherever the hands are.
    """

    kind: str
    amplitude_m: float
    out_s: float
    hold_s: float = 0.0
    back_s: float = 0.0
    lead_s: float = 0.0
    cycles: int = 0

    def __post_init__(self) -> None:
        if self.kind not in REST_ACTION_KINDS:
            raise ValueError(f"rest action kind must be one of {REST_ACTION_KINDS}, got {self.kind!r}")
        if not (math.isfinite(self.amplitude_m) and self.amplitude_m != 0):
            raise ValueError("rest action amplitude_m must be finite and non-zero")
        if not self.out_s > 0 or self.hold_s < 0 or self.back_s < 0 or self.lead_s < 0:
            raise ValueError("rest action durations must be >= 0 (out_s > 0)")
        if self.kind in ("rest-load", "fidget") and not self.back_s > 0:
            raise ValueError(f"a {self.kind} returns: back_s must be > 0")
        if self.kind == "wobble" and self.cycles < 1:
            raise ValueError("a wobble needs cycles >= 1")

    @property
    def duration_s(self) -> float:
        if self.kind == "wobble":
            return self.lead_s + (2 * self.cycles + 1) * self.out_s
        return self.lead_s + self.out_s + self.hold_s + self.back_s

    @property
    def lasting_m(self) -> float:
        """Where the hands end up relative to where they started (a step that does not return)."""
        return self.amplitude_m if self.kind == "step" and self.back_s == 0 else 0.0


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
    # What real people do: dips inside the hold, (at_s from the hold's start, depth_m, duration_s);
    # an overshoot above range_m at the end of the concentric, back to range_m over overshoot_s
    # (within the hold); activity in the pause after the rep (load left on, fidgets, steps, wobble).
    dips: tuple[tuple[float, float, float], ...] = ()
    overshoot_m: float = 0.0
    overshoot_s: float = 0.3
    pause_actions: tuple[RestAction, ...] = ()

    @property
    def peak_m(self) -> float:
        """Hand travel at the rep's highest point (the top, or the overshoot above it)."""
        return self.range_m + self.overshoot_m

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
        if not (math.isfinite(self.overshoot_m) and self.overshoot_m >= 0 and self.overshoot_s > 0):
            raise ValueError("rep overshoot_m must be >= 0 and overshoot_s > 0")
        t_free = self.overshoot_s if self.overshoot_m > 0 else 0.0
        if t_free >= self.hold_s and self.overshoot_m > 0:
            raise ValueError("a rep's overshoot must settle within its hold (overshoot_s < hold_s)")
        for at_s, depth_m, dur_s in self.dips:
            if not (at_s >= t_free and dur_s > 0 and at_s + dur_s <= self.hold_s + 1e-9 and depth_m > 0):
                raise ValueError(f"dip ({at_s}, {depth_m}, {dur_s}) must lie inside the hold with depth > 0")
            t_a = self.overshoot_s if self.overshoot_m > 0 else 0.0
            base = self.range_m - self.hold_sag_m * (at_s + dur_s / 2 - t_a) / (self.hold_s - t_a)
            if base - depth_m <= self.bottom_m:
                raise ValueError("a dip must stay above the rep's bottom")
            t_free = at_s + dur_s
        if sum(a.duration_s for a in self.pause_actions) > self.pause_s + 1e-9:
            raise ValueError("a rep's pause actions must fit in its pause_s")


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

    exercise: str  # canonical id (taut.exercises.EXERCISE_IDS)
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
    rest_actions: tuple[RestAction, ...] = ()  # activity in the rest after the set (band let go)

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
        top = max([r.peak_m for r in self.reps] + [max(holds, default=0.0) + a.amplitude_m
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
        if sum(a.duration_s for a in self.rest_actions) > self.rest_after_s + 1e-9:
            raise ValueError("a set's rest actions must fit in its rest_after_s")
        if sum(a.lasting_m for a in self.rest_actions) != 0:
            raise ValueError("rest actions between sets must bring the hands back (a step needs back_s)")

    @property
    def idle_travel_m(self) -> float:
        """Where the hands are when the band is let go: slack by 15 % of L0 at least."""
        ex = get_exercise(self.exercise)
        slope = float(ex.extension_m(-1.0, self.grip_angle)) * -1.0
        return -(max(self.start_elongation, 0.0) + 0.15) * self.rest_length_m / slope

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
    # A recording that starts or ends mid-session: this much of the planned timeline's start is
    # not recorded (time 0 of the recording is cut_start_s into the plan), and of its end.
    cut_start_s: float = 0.0
    cut_end_s: float = 0.0

    def __post_init__(self) -> None:
        if not self.sets:
            raise ValueError("a session needs at least one set")
        if self.lead_in_s < 0:
            raise ValueError("lead_in_s must be >= 0")
        if not (self.cut_start_s >= 0 and self.cut_end_s >= 0):
            raise ValueError("cut_start_s and cut_end_s must be >= 0")
