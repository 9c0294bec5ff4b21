"""Losing form: range, hold or tempo (concentric + eccentric) falling steadily through a set (fatigue), and since which rep."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from taut.coach.thresholds import FORM_BASE_REPS, FORM_DROP, FORM_RUN, FORM_START_DROP
from taut.records import Rep

FORM_METRICS = ("hold", "tempo", "range")


def metric_values(reps: Sequence[Rep], what: str) -> np.ndarray:
    """Per-rep values of a form metric: hold_s, concentric + eccentric s, or range (cm when calibrated, else the excursion in N)."""
    if what == "hold":
        return np.array([r.hold_s for r in reps], dtype=float)
    if what == "tempo":  # the moving phases: a hold is judged on its own
        return np.array([r.concentric_s + r.eccentric_s for r in reps], dtype=float)
    if what == "range":
        if reps and all(r.range_cm is not None for r in reps):
            return np.array([r.range_cm for r in reps], dtype=float)
        return np.array([r.peak_n - r.bottom_n for r in reps], dtype=float)
    raise ValueError(f"form metric must be one of {FORM_METRICS}, got {what!r}")


def losing_form(reps: Sequence[Rep]) -> tuple[int, str] | None:
    """(since_rep, metric) of the first metric falling steadily to the latest rep, else None.

    Falling steadily: the last FORM_RUN reps all under (1 - FORM_START_DROP) of the median of the
    first FORM_BASE_REPS reps and on average under (1 - FORM_DROP); it began at the first rep of
    the run of reps under the start line that reaches the latest rep.
    """
    n = len(reps)
    if n < FORM_BASE_REPS + FORM_RUN:
        return None
    found: list[tuple[int, str]] = []
    for what in FORM_METRICS:
        v = metric_values(reps, what)
        base = float(np.median(v[:FORM_BASE_REPS]))
        if not base > 0:
            continue
        below = v < (1.0 - FORM_START_DROP[what]) * base
        if not (below[-FORM_RUN:].all() and v[-FORM_RUN:].mean() < (1.0 - FORM_DROP[what]) * base):
            continue
        found.append((decline_start(v), what))
    return min(found) if found else None


def decline_start(values: np.ndarray) -> int:
    """Where a level-then-falling series starts to fall: the break of the best two-piece fit (a
    level, then a straight line from rep k on: a steady decline or a step down), by least squares;
    at least rep 1."""
    v = np.asarray(values, dtype=float)
    n = len(v)
    best, best_k = np.inf, 1
    for k in range(1, n - 2):  # at least three reps after the break
        c = float(v[:k].mean())
        x = np.arange(n - k, dtype=float)
        slope, icpt = np.polyfit(x, v[k:], 1)
        sse = float(np.sum((v[:k] - c) ** 2) + np.sum((v[k:] - icpt - slope * x) ** 2))
        if sse < best:
            best, best_k = sse, k
    return best_k
