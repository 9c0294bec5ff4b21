"""Read the slow stretch-and-release: check the stretch and find the unloading holds.

The user stretches slowly to the top mark, then releases slowly, pausing at each lower mark.
The rising half must rise (a fall means a slip or a restart); the peak must match the force
held at the top mark (else the stretch went short of it or past it); the pauses on the way back,
found as plateaus, are matched to the lower marks in order and give the unloading branch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from taut.calibration.errors import LengthOutsideMarksError, NoPlateauError, NotIncreasingError
from taut.calibration.plateaus import PlateauOptions, find_plateaus
from taut.calibration.still import early_level_n

PEAK_RANGE = (0.9, 1.12)  # sweep peak / top-mark hold force
MAX_RISE_DROP = 0.15  # largest fall while stretching, as a fraction of the peak
TOP_PAUSE = 0.95  # a pause at or above this fraction of the peak is the turn at the top
UNLOAD_RANGE = (0.5, 1.03)  # unloading / loading force at the same mark
PAUSE_OPTIONS = PlateauOptions(min_hold_s=1.5)
EARLY_S = 1.0  # holds and pauses are read over one second …
HOLD_DELAY_S = 0.25  # … starting this long after arriving
SMOOTH_S = 0.15


def smooth(t: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Trailing moving average over SMOOTH_S (tremor and noise out, the shape kept)."""
    dt = float(np.median(np.diff(t))) if len(t) > 1 else 1.0
    k = max(1, int(round(SMOOTH_S / dt)))
    if k == 1 or len(x) < k:
        return x.copy()
    c = np.concatenate(([0.0], np.cumsum(x)))
    out = x.copy()
    out[k - 1 :] = (c[k:] - c[:-k]) / k
    return out


@dataclass(frozen=True, slots=True)
class SweepReading:
    """What the sweep gives: the peak force (at the top mark) and each pause on the way back."""

    peak_n: float
    pauses_n: tuple[float, ...]  # marks below the top, low to high


def read_sweep(
    time_s: np.ndarray,
    tension_n: np.ndarray,
    *,
    mark_labels: Sequence[str],
    loading_n: Sequence[float],
    options: PlateauOptions = PAUSE_OPTIONS,
) -> SweepReading:
    """Check the sweep and read its peak and its pauses (tensions already zeroed).

    `mark_labels` and `loading_n` list every mark, low to high, with the force held there on
    the way up. Pauses come back for all marks but the top, low to high. Raises NotIncreasingError,
    LengthOutsideMarksError or NoPlateauError (step "sweep") with what to do differently.
    """
    t = np.asarray(time_s, dtype=float)
    x = np.asarray(tension_n, dtype=float)
    if len(t) < 10 or not np.isfinite(x).any():
        raise NoPlateauError("the stretch-and-release recorded almost nothing.", step="sweep",
                             guidance="Redo it: stretch slowly to the top mark, then release slowly.")
    xs = smooth(t, np.nan_to_num(x, nan=0.0))
    p = int(np.argmax(xs))
    peak = float(xs[p])
    top = float(loading_n[-1])
    if peak < PEAK_RANGE[0] * top:
        raise LengthOutsideMarksError(
            f"the stretch peaked at {peak:.1f} N, below the {top:.1f} N held at the top mark ({mark_labels[-1]}).",
            step="sweep", guidance=f"Redo it and stretch all the way to the {mark_labels[-1]} mark.")
    if peak > PEAK_RANGE[1] * top:
        raise LengthOutsideMarksError(
            f"the stretch peaked at {peak:.1f} N, well above the {top:.1f} N held at the top mark ({mark_labels[-1]}).",
            step="sweep", guidance=f"Redo it and stop at the {mark_labels[-1]} mark, not past it.")
    rise = xs[: p + 1]
    drop = float(np.max(np.maximum.accumulate(rise) - rise))
    if drop > MAX_RISE_DROP * peak:
        raise NotIncreasingError(
            f"the force fell by {drop:.1f} N while you were stretching.", step="sweep",
            guidance="Redo it with one steady stretch up to the top mark (check the anchor has not slipped).")
    pauses = [q for q in find_plateaus(t[p:], x[p:], options) if q.mean_n < TOP_PAUSE * peak]
    lower = list(mark_labels[:-1])
    if len(pauses) != len(lower):
        what = "fewer" if len(pauses) < len(lower) else "more"
        raise NoPlateauError(
            f"found {len(pauses)} pause(s) on the way back, {what} than the {len(lower)} mark(s) below the top.",
            step="sweep",
            guidance=f"Redo it and pause about 2 s at each mark on the way back ({', '.join(reversed(lower))}), "
            "and nowhere else.")
    # Each pause is read at the same time after arriving as the holds on the way up (see `relaxation`).
    levels = [hold_level_n(t, x, arrival(t, x, q.start_s, rising=False)[0]) for q in pauses]  # high to low
    if any(b >= a for a, b in zip(levels, levels[1:])):
        raise NotIncreasingError(
            "the pauses on the way back did not get lighter one after the other.", step="sweep",
            guidance="Redo it and release steadily, pausing at each lower mark in turn.")
    unloading = list(reversed(levels))  # low to high, like the marks
    for label, fu, fl in zip(lower, unloading, loading_n[:-1]):
        ratio = fu / fl
        if not UNLOAD_RANGE[0] <= ratio <= UNLOAD_RANGE[1]:
            raise LengthOutsideMarksError(
                f"the pause meant for {label} read {fu:.1f} N against {fl:.1f} N there on the way up: "
                "it was not at the mark.", step="sweep",
                guidance="Redo it and pause exactly at each mark on the way back.")
    return SweepReading(peak, tuple(unloading))



def arrival(time_s: np.ndarray, tension_n: np.ndarray, hold_start_s: float, *, rising: bool) -> tuple[float, float]:
    """(time, force) of arriving at a hold: the smoothed maximum (reached by stretching) or
    minimum (by releasing) from 2 s before the hold was seen to start to 0.5 s into it.

    Reached before the hold had time to relax, it lies on the loading (unloading) branch.
    """
    t = np.asarray(time_s, dtype=float)
    x = np.nan_to_num(np.asarray(tension_n, dtype=float), nan=0.0)
    sel = (t >= hold_start_s - 2.0) & (t <= hold_start_s + 0.5)
    if not sel.any():
        raise ValueError("no samples around the hold's start")
    ts, xs = t[sel], smooth(t[sel], x[sel])
    i = int(np.argmax(xs) if rising else np.argmin(xs))
    return float(ts[i]), float(xs[i])


def hold_level_n(time_s: np.ndarray, tension_n: np.ndarray, arrived_s: float) -> float:
    """A hold's level: the mean over EARLY_S starting HOLD_DELAY_S after arriving.

    Every hold and pause is read at the same moment after arriving, so all have relaxed alike.
    """
    return early_level_n(time_s, tension_n, arrived_s + HOLD_DELAY_S, EARLY_S)
