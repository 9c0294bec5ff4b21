"""Which band or stack to use for an exercise and a target end-range tension.

Each option's force at the end of the exercise's full range (from its `ExerciseSetup`) is
compared with the target. "Start light to medium": the best option reaches 85–100 % of the
target; above the target is penalised twice as hard as below it, and a stack must be clearly
better than a single band (by 5 % of the target) to be preferred, since single bands are quicker
to set up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from taut.calibration.profiles import BandProfile
from taut.calibration.stacks import Stack
from taut.calibration.travel import ExerciseSetup

LIGHT_SIDE = 0.85  # lower end of the preferred window, as a fraction of the target
STACK_PENALTY = 0.05
OVER_WEIGHT = 2.0


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One option with its end-range force and why it ranks where it does."""

    option: BandProfile | Stack
    end_force_n: float
    target_n: float
    score: float  # lower is better

    @property
    def name(self) -> str:
        return self.option.name

    @property
    def fraction(self) -> float:
        return self.end_force_n / self.target_n

    @property
    def in_window(self) -> bool:
        return LIGHT_SIDE <= self.fraction <= 1.0


def recommend(
    options: Sequence[BandProfile | Stack],
    setup: ExerciseSetup,
    target_end_n: float,
) -> list[Recommendation]:
    """Options ranked best first for reaching `target_end_n` at the end of the setup's range.

    Options whose curve does not reach the end elongation (beyond 300 %) are left out.
    Raises ValueError for a non-positive target or a setup without a full range.
    """
    if not (math.isfinite(target_end_n) and target_end_n > 0):
        raise ValueError(f"target end-range tension {target_end_n} N must be positive")
    e_end = setup.end_elongation()
    ranked = []
    for opt in options:
        try:
            f = float(opt.force_n(e_end))
        except ValueError:
            continue
        if not math.isfinite(f) or f <= 0:
            continue
        r = f / target_end_n
        if r > 1.0:
            score = OVER_WEIGHT * (r - 1.0)
        elif r >= LIGHT_SIDE:
            score = 0.25 * (1.0 - r)  # inside the window: nearer the target is a little better
        else:
            score = 1.0 - r
        if isinstance(opt, Stack) and len(opt.bands) > 1:
            score += STACK_PENALTY * (len(opt.bands) - 1)
        ranked.append(Recommendation(opt, f, float(target_end_n), score))
    return sorted(ranked, key=lambda rec: (rec.score, rec.end_force_n))
