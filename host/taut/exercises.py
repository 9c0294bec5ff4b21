"""The exercise catalogue: each exercise's id, name, target tempo, minimum range, geometry and set-up.

One entry per exercise, read by the analysis (targets), the simulator (how a person moves), the
calibration (tension -> hand travel), the demo and the command line (`--exercise` choices).

The geometry lives here, not in the simulator, because it is a fact of the exercise rather than
of the physics model: how far the band lengthens as the hands travel. The simulator runs it
forward (travel -> stretch) and the calibration inverts it (tension -> travel); kept in `sim`, it
made the calibration depend on the simulator. What stays in `taut.sim.form` is the simulated
person's form noise (tremor, wobble, rep-to-rep spread): a model of a person, not of the exercise.

Hand travel x (m) is the path length one hand moves from the rep's start (bottom) position; the
geometry gives the extra band length Δ(x) (m), Δ(0) = 0, increasing over the exercise's range.
With the band's stretched rest length L0 and its elongation e0 at the start position (e0 < 0 is
slack, e0 > 0 pre-tension), the elongation is e(x) = e0 + Δ(x) / L0.

- "band-pull-apart", "reverse-fly": both hands stretch a band held in front; each hand moves on
  an arc of radius arm_m around its shoulder; the band spans the hands:
  Δ(x) = 2·arm·(sin(θ0 + x/arm) - sin θ0), θ0 the grip angle (0 = hands straight ahead).
- "face-pull", "row": band anchored in front; the hands move straight back (face pulls also a
  little up): Δ(x) = |(D + x, h)| - |(D, h)|, D the anchor distance at the start.
- "straight-arm-pulldown": band anchored high in front; straight arms sweep down on an arc
  around the shoulder: Δ(x) = |A - H(θ0 - x/arm)| - |A - H(θ0)|, H(θ) = arm·(cos θ, sin θ).

For x < 0 (hands closer than the start: grip adjustments, letting the band go) Δ continues as a
straight line with the slope at 0.

numpy is imported inside the vectorised geometry only, so the command line's argument parser
reads the ids without loading it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Tempo:
    """Tempo in standard notation: eccentric - bottom pause - concentric - top hold (s).

    A target (an exercise's, or one given as `2-0-1-2`) and a set's measured medians alike.
    """

    eccentric_s: float
    pause_s: float
    concentric_s: float
    hold_s: float

    def __str__(self) -> str:
        return "-".join(_half_seconds(v) for v in (self.eccentric_s, self.pause_s, self.concentric_s, self.hold_s))

    @classmethod
    def parse(cls, text: str) -> Tempo:
        """'2-0-1-2' -> Tempo(2, 0, 1, 2); ValueError on anything else (a move must take time)."""
        parts = text.split("-")
        if len(parts) != 4:
            raise ValueError(f"tempo {text!r}: expected four numbers like 2-0-1-2")
        try:
            values = [float(p) for p in parts]
        except ValueError:
            raise ValueError(f"tempo {text!r}: not numbers") from None
        if not all(math.isfinite(v) and v >= 0 for v in values):
            raise ValueError(f"tempo {text!r}: every phase must be finite and >= 0 s")
        tempo = cls(*values)
        if tempo.eccentric_s <= 0 or tempo.concentric_s <= 0:
            raise ValueError(f"tempo {text!r}: concentric and eccentric must be > 0 s")
        return tempo


def _half_seconds(value: float) -> str:
    rounded = round(value * 2) / 2  # coaches count half seconds at best
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


@dataclass(frozen=True, slots=True)
class Exercise:
    """One exercise: what a good rep looks like, how the hands stretch the band, a typical set-up."""

    id: str  # the name in recordings, the log, `--exercise` and `--virtual`
    name: str
    kind: str  # geometry: "spread" (two hands stretch a held band), "anchored-line" or "anchored-arc"
    tempo: Tempo  # target tempo, also the simulated person's typical one
    min_range_cm: float  # hand travel below this is not a rep at all (calibrated bands only)
    range_m: tuple[float, float]  # typical full range of hand travel (min, max)
    grip_angle_rad: tuple[float, float] = (0.0, 0.0)  # spread / arc: start angle range
    arm_m: float = 0.62
    anchor_m: tuple[float, float] = (1.0, 0.0)  # anchored: (forward, up) from shoulder or hands
    rest_length_m: tuple[float, float] = (0.4, 1.0)  # stretched rest length L0 of the band
    start_elongation: tuple[float, float] = (-0.1, 0.3)  # e0 at the start position
    top_elongation: tuple[float, float] = (1.0, 2.0)  # aimed elongation at full range

    @property
    def target_hold_s(self) -> float:
        """The squeeze at the top (pull-aparts and reverse flys hold longest): the tempo's hold."""
        return self.tempo.hold_s

    # Extra band length (m) for hand travel x (m); vectorised; exact geometry in the module doc.
    def extension_m(self, travel_m, grip_angle_rad: float | None = None):
        import numpy as np

        x = np.asarray(travel_m, dtype=float)
        th0 = self.grip_angle_rad[0] if grip_angle_rad is None else grip_angle_rad
        slope = self._slope(th0)
        xp = np.maximum(x, 0.0)
        if self.kind == "spread":
            d = 2.0 * self.arm_m * (np.sin(th0 + xp / self.arm_m) - math.sin(th0))
        elif self.kind == "anchored-line":
            dx, h = self.anchor_m
            d = np.hypot(dx + xp, h) - math.hypot(dx, h)
        else:
            d = self._arc_length(th0 - xp / self.arm_m) - self._arc_length(th0)
        return np.where(x >= 0.0, d, slope * x)

    def extension_one_m(self, x: float, th0: float) -> float:
        """Scalar `extension_m` (the per-sample streaming path); th0 given."""
        if x < 0.0:
            return self._slope(th0) * x
        if self.kind == "spread":
            return 2.0 * self.arm_m * (math.sin(th0 + x / self.arm_m) - math.sin(th0))
        if self.kind == "anchored-line":
            dx, h = self.anchor_m
            return math.hypot(dx + x, h) - math.hypot(dx, h)
        ax, ay = self.anchor_m
        th = th0 - x / self.arm_m
        return (math.hypot(ax - self.arm_m * math.cos(th), ay - self.arm_m * math.sin(th))
                - math.hypot(ax - self.arm_m * math.cos(th0), ay - self.arm_m * math.sin(th0)))

    def _arc_length(self, theta):
        import numpy as np

        ax, ay = self.anchor_m
        return np.hypot(ax - self.arm_m * np.cos(theta), ay - self.arm_m * np.sin(theta))

    def _slope(self, th0: float) -> float:
        """dΔ/dx at x = 0."""
        if self.kind == "spread":
            return 2.0 * math.cos(th0)
        if self.kind == "anchored-line":
            dx, h = self.anchor_m
            return dx / math.hypot(dx, h)
        eps = 1e-6
        return float((self._arc_length(th0 - eps / self.arm_m) - self._arc_length(th0)) / eps)

    def max_travel_m(self, grip_angle_rad: float | None = None) -> float:
        """Largest hand travel over which the geometry keeps stretching the band."""
        import numpy as np

        th0 = self.grip_angle_rad[0] if grip_angle_rad is None else grip_angle_rad
        if self.kind == "spread":
            return self.arm_m * (math.pi / 2 - th0)
        if self.kind == "anchored-line":
            return 4.0  # a straight pull: as far as the band goes
        # Arc: until the hand points straight down, or the band stops lengthening.
        xs = np.linspace(0.0, self.arm_m * (th0 + math.pi / 2), 400)
        d = self.extension_m(xs, th0)
        inc = np.diff(d) > 0
        stop = int(np.argmin(inc)) if not inc.all() else len(xs) - 1
        return float(xs[stop])


EXERCISES: dict[str, Exercise] = {
    e.id: e
    for e in (
        Exercise(
            "band-pull-apart", "Band pull-apart", "spread", Tempo(2, 0, 1, 2), min_range_cm=25.0,
            range_m=(0.55, 0.78), grip_angle_rad=(0.08, 0.3), arm_m=0.62,
            rest_length_m=(0.35, 0.7), start_elongation=(-0.1, 0.35), top_elongation=(1.2, 2.2),
        ),
        Exercise(
            "face-pull", "Face pull", "anchored-line", Tempo(2, 0, 1, 1), min_range_cm=20.0,
            range_m=(0.35, 0.5), anchor_m=(1.0, 0.12), arm_m=0.62,
            rest_length_m=(0.35, 0.8), start_elongation=(-0.05, 0.5), top_elongation=(0.9, 1.8),
        ),
        Exercise(
            "row", "Band row", "anchored-line", Tempo(2, 1, 1, 1), min_range_cm=20.0,
            range_m=(0.3, 0.45), anchor_m=(1.0, 0.0), arm_m=0.62,
            rest_length_m=(0.3, 0.7), start_elongation=(0.0, 0.6), top_elongation=(0.9, 1.8),
        ),
        Exercise(
            "straight-arm-pulldown", "Straight-arm pulldown", "anchored-arc", Tempo(2, 0, 1, 1), min_range_cm=25.0,
            range_m=(0.85, 1.15), grip_angle_rad=(0.45, 0.7), arm_m=0.65, anchor_m=(0.7, 1.1),
            rest_length_m=(0.6, 1.1), start_elongation=(-0.1, 0.3), top_elongation=(0.8, 1.6),
        ),
        Exercise(
            "reverse-fly", "Reverse band fly", "spread", Tempo(3, 0, 1, 2), min_range_cm=25.0,
            range_m=(0.45, 0.68), grip_angle_rad=(0.25, 0.45), arm_m=0.66,
            rest_length_m=(0.35, 0.7), start_elongation=(-0.1, 0.3), top_elongation=(1.0, 2.0),
        ),
    )
}  # fmt: skip

EXERCISE_IDS: tuple[str, ...] = tuple(EXERCISES)  # the catalogue's order: the demo's, the suites'


class UnknownExerciseError(KeyError, ValueError):
    """An exercise id not in the catalogue (a KeyError for lookups, a ValueError for bad input)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def get_exercise(exercise_id: str) -> Exercise:
    """An exercise by its id; UnknownExerciseError lists the ids."""
    try:
        return EXERCISES[exercise_id]
    except KeyError:
        raise UnknownExerciseError(f"unknown exercise {exercise_id!r}; known: {', '.join(EXERCISE_IDS)}") from None
