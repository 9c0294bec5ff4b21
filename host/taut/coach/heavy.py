"""After the set: was the band too heavy (compensation signs) or too light (perfect and far below target)?"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from taut.coach import thresholds as th
from taut.coach.form import metric_values
from taut.coach.rep_cues import rep_cue_kinds
from taut.coach.targets import CoachTargets
from taut.records import Rep


@dataclass(frozen=True, slots=True)
class BandVerdict:
    """"ok", "too heavy" or "too light", with the compensation signs seen (too heavy)."""

    verdict: str
    signs: tuple[str, ...] = ()


def heavy_signs(reps: Sequence[Rep]) -> tuple[str, ...]:
    """The signs of a band too heavy seen in a set: the last third against the first."""
    n = len(reps)
    if n < th.HEAVY_MIN_REPS:
        return ()
    k = n // 3
    first, last = slice(0, k), slice(n - k, n)
    signs = []
    rng = metric_values(reps, "range")
    if np.median(rng[last]) < th.RANGE_SHRINK * np.median(rng[first]):
        signs.append("range shrinking")
    hold = metric_values(reps, "hold")
    if np.median(hold[last]) < th.HOLD_DROP * np.median(hold[first]):
        signs.append("holds dropping")
    ecc = np.array([r.eccentric_s for r in reps])
    if np.median(ecc[last]) < th.ECCENTRIC_COLLAPSE * np.median(ecc[first]):
        signs.append("eccentrics collapsing")
    half = n // 2
    if sum(r.partial for r in reps[half:]) - sum(r.partial for r in reps[:half]) >= th.PARTIALS_RISE:
        signs.append("partials rising")
    return tuple(signs)


def band_verdict(reps: Sequence[Rep], targets: CoachTargets) -> BandVerdict:
    """Too heavy on HEAVY_SIGNS signs; too light when every rep is good and far under the plan's tension."""
    signs = heavy_signs(reps)
    if len(signs) >= th.HEAVY_SIGNS:
        return BandVerdict("too heavy", signs)
    if targets.tension_n is not None and reps and not any(rep_cue_kinds(r, targets) for r in reps):
        if float(np.median([r.peak_n for r in reps])) < th.LIGHT_FRACTION * targets.tension_n:
            return BandVerdict("too light")
    return BandVerdict("ok", signs)
