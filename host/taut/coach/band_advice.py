"""Which calibrated band or stack to go to after a set judged too heavy or too light."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from taut.coach.thresholds import HEAVY_TO_TARGET
from taut.records import Rep


def advice_target_n(verdict: str, reps: Sequence[Rep], tension_target_n: float | None) -> float | None:
    """The end-range tension to aim at: HEAVY_TO_TARGET of the set's (too heavy), or the plan's (too light)."""
    if verdict == "too heavy" and reps:
        k = max(len(reps) // 3, 1)  # the first reps, before the compensation set in
        return HEAVY_TO_TARGET * float(np.median([r.peak_n for r in reps[:k]]))
    if verdict == "too light":
        return tension_target_n
    return None


def suggest_band(options: Sequence, exercise: str | None, verdict: str, reps: Sequence[Rep],
                 tension_target_n: float | None) -> str | None:
    """The name of the calibrated band or stack (`options`: taut.calibration profiles and stacks) that
    gives the right end-range tension, or None (nothing calibrated, no exercise, no verdict)."""
    target = advice_target_n(verdict, reps, tension_target_n)
    if target is None or not options or exercise is None:
        return None
    from taut.calibration import default_setup
    from taut.calibration.recommend import recommend

    try:
        ranked = recommend(options, default_setup(exercise), target)
    except (KeyError, ValueError):
        return None
    if not ranked:
        return None
    if verdict == "too heavy":  # lighter than what was used, by its own measure
        lighter = [r for r in ranked if r.end_force_n < target / HEAVY_TO_TARGET]
        ranked = lighter or ranked
    return ranked[0].name
