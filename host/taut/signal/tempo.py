"""Tempo and consistency of a set: median phase durations and their spread."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from taut.exercises import Tempo
from taut.records import Rep
from taut.signal.filters import median_of


@dataclass(frozen=True, slots=True)
class TempoSummary:
    """Median phases of a set's reps, in tempo notation, with coefficients of variation."""

    tempo: Tempo  # eccentric - bottom pause - concentric - top hold, medians (s)
    tut_cv: float  # coefficient of variation of rep TUT (0 = identical reps)
    peak_cv: float  # coefficient of variation of peak tension
    range_cv: float  # coefficient of variation of range (tension excursion or cm)


def coefficient_of_variation(values: np.ndarray) -> float:
    """Sample standard deviation over mean; 0 for fewer than two values or a zero mean."""
    v = np.asarray(values, dtype=float)
    if len(v) < 2:
        return 0.0
    mean = float(v.mean())
    return float(v.std(ddof=1) / abs(mean)) if mean != 0 else 0.0


def mean_tempo(reps: tuple[Rep, ...] | list[Rep]) -> Tempo:
    """The reps' mean phase durations (s) as a Tempo, as a live set's summary shows them; zeros for no reps.

    Means, unlike `tempo_summary`'s medians: after a short live set every rep should count.
    """
    n = len(reps) or 1
    pauses = [r.pause_s for r in reps if r.pause_s is not None]
    return Tempo(
        sum(r.eccentric_s for r in reps) / n,
        sum(pauses) / len(pauses) if pauses else 0.0,
        sum(r.concentric_s for r in reps) / n,
        sum(r.hold_s for r in reps) / n,
    )


def tempo_summary(reps: tuple[Rep, ...] | list[Rep], ranges: np.ndarray) -> TempoSummary:
    """Summarise a set's reps (at least one); `ranges` are the reps' ranges in any unit."""
    ecc = median_of(np.array([r.eccentric_s for r in reps]))
    con = median_of(np.array([r.concentric_s for r in reps]))
    hold = median_of(np.array([r.hold_s for r in reps]))
    pauses = [r.pause_s for r in reps if r.pause_s is not None]
    pause = median_of(np.array(pauses)) if pauses else 0.0
    return TempoSummary(
        Tempo(float(ecc), pause, float(con), float(hold)),
        coefficient_of_variation(np.array([r.tut_s for r in reps])),
        coefficient_of_variation(np.array([r.peak_n for r in reps])),
        coefficient_of_variation(ranges),
    )
