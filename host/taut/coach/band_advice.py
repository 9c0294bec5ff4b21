"""Which band or stack to go to after a set judged too heavy or too light.

The coach knows no calibration: the caller passes a `rank` function (end-range tension in N ->
options best first, as (name, end-range tension N)); `taut.calibration.advice.ranker` builds one
from the calibrated bands.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from taut.coach.thresholds import HEAVY_TO_TARGET
from taut.records import Rep

Rank = Callable[[float], Sequence[tuple[str, float]]]


def advice_target_n(verdict: str, reps: Sequence[Rep], tension_target_n: float | None) -> float | None:
    """The end-range tension to aim at: HEAVY_TO_TARGET of the set's early reps (too heavy), or the plan's (too light)."""
    if verdict == "too heavy" and reps:
        k = max(len(reps) // 3, 1)  # the first reps, before the compensation set in
        return HEAVY_TO_TARGET * float(np.median([r.peak_n for r in reps[:k]]))
    if verdict == "too light":
        return tension_target_n
    return None


def suggest_band(rank: Rank | None, verdict: str, reps: Sequence[Rep], tension_target_n: float | None) -> str | None:
    """The name of the option that gives the right end-range tension, or None (nothing to rank, no verdict)."""
    target = advice_target_n(verdict, reps, tension_target_n)
    if target is None or rank is None:
        return None
    ranked = list(rank(target))
    if verdict == "too heavy":  # lighter than what was used, by its own measure
        ranked = [r for r in ranked if r[1] < target / HEAVY_TO_TARGET] or ranked
    return ranked[0][0] if ranked else None
