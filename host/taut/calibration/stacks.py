"""Stacked bands: several bands pulled side by side (in parallel) at the same length.

Forces add. Each band's elongation comes from the common length: e_i = L / L0_i - 1, so bands of
different rest lengths engage one after another. A stack's elongation is measured on its
shortest band (the one that starts pulling first), and its level is read there at 100 % and 200 %.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from taut.calibration.bandfit import MAX_ELONGATION
from taut.calibration.profiles import BandProfile


@dataclass(frozen=True, slots=True)
class Stack:
    """Bands used together in parallel; same interface as a profile for force and levels."""

    bands: tuple[BandProfile, ...]

    def __post_init__(self) -> None:
        if len(self.bands) < 1:
            raise ValueError("a stack needs at least one band")
        names = [b.name for b in self.bands]
        if len(set(names)) != len(names):
            raise ValueError(f"a band can be in a stack only once: {', '.join(names)}")

    @property
    def name(self) -> str:
        return "+".join(b.name for b in self.bands)

    @property
    def rest_length_m(self) -> float:
        return min(b.rest_length_m for b in self.bands)

    @property
    def fit_error(self) -> float:
        return max(b.fit_error for b in self.bands)

    def force_n(self, elongation, loading: bool = True):
        """Total force at the stack's elongation (of its shortest band); NaN past any band's limit."""
        e = np.asarray(elongation, dtype=float)
        length = self.rest_length_m * (1.0 + e)
        total = np.zeros_like(e)
        for b in self.bands:
            eb = length / b.rest_length_m - 1.0
            over = eb > MAX_ELONGATION
            total = total + np.where(over, np.nan, b.curve.force_n(np.minimum(eb, MAX_ELONGATION), loading))
        return float(total) if total.ndim == 0 else total

    def elongation(self, force_n, loading: bool = True):
        """Inverse of `force_n` (0 for force <= 0, NaN beyond the stack's range)."""
        f = np.asarray(force_n, dtype=float)
        grid = np.linspace(0.0, MAX_ELONGATION, 6001)
        fg = np.asarray(self.force_n(grid, loading), dtype=float)
        ok = np.isfinite(fg)
        e = np.interp(f, fg[ok], grid[ok], left=0.0, right=np.nan)
        e = np.where(np.isnan(f), np.nan, e)
        return float(e) if e.ndim == 0 else e

    @property
    def levels_n(self) -> tuple[float, float]:
        return float(self.force_n(1.0)), float(self.force_n(2.0))


def stacks(profiles: Sequence[BandProfile], max_bands: int = 3) -> list[Stack]:
    """Every combination of 2..max_bands distinct bands, ordered by level (light to heavy)."""
    if max_bands < 2:
        return []
    found = [
        Stack(tuple(combo))
        for k in range(2, min(max_bands, len(profiles)) + 1)
        for combo in itertools.combinations(profiles, k)
    ]
    return sorted(found, key=lambda s: (s.levels_n, s.name))
