"""Still-reading detection: is the recent tension steady enough to take as one calibration point?

A window is still when its standard deviation and its drift (least-squares slope times the window
length) both stay under a tolerance that is the larger of an absolute floor and a fraction of the
level. Overload/invalid samples (NaN) are never still. `window_stats` is shared with the offline
plateau finder so live and offline decisions agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class StillCriteria:
    """How long and how steady a reading must be (tolerance = max(floor, fraction of level))."""

    window_s: float = 2.0
    max_std_n: float = 0.05  # absolute floor of the tolerance (N)
    max_rel_std: float = 0.001  # tolerance as a fraction of |mean|
    min_samples: int = 8

    def __post_init__(self) -> None:
        if not (math.isfinite(self.window_s) and self.window_s > 0):
            raise ValueError(f"window_s must be > 0, got {self.window_s}")
        if not (self.max_std_n > 0 and self.max_rel_std >= 0):
            raise ValueError("max_std_n must be > 0 and max_rel_std >= 0")
        if self.min_samples < 3:
            raise ValueError("min_samples must be at least 3")

    def tolerance_n(self, level_n: float) -> float:
        return max(self.max_std_n, self.max_rel_std * abs(level_n))


@dataclass(frozen=True, slots=True)
class StillReading:
    """A steady stretch of samples: its span (s), mean, spread and drift."""

    start_s: float
    end_s: float
    mean_n: float
    std_n: float
    slope_n_per_s: float
    n: int

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def window_stats(time_s: np.ndarray, tension_n: np.ndarray) -> tuple[float, float, float]:
    """(mean, standard deviation, least-squares slope per second) of one window of samples."""
    t = np.asarray(time_s, dtype=float)
    x = np.asarray(tension_n, dtype=float)
    mean = float(np.mean(x))
    std = float(np.std(x))
    tc = t - np.mean(t)
    denom = float(np.dot(tc, tc))
    slope = float(np.dot(tc, x - mean) / denom) if denom > 0 else 0.0
    return mean, std, slope


def is_still(std_n: float, slope_n_per_s: float, mean_n: float, criteria: StillCriteria) -> bool:
    """The still test on a window's statistics (std and drift both within tolerance)."""
    tol = criteria.tolerance_n(mean_n)
    return std_n <= tol and abs(slope_n_per_s) * criteria.window_s <= 2.0 * tol


def still_windows(t: np.ndarray, x: np.ndarray, criteria: StillCriteria) -> tuple[np.ndarray, np.ndarray]:
    """For every sample j as a window's end: the window's first index and whether it is still.

    The same test as `is_still`, done with running sums so whole recordings cost O(n)."""
    n = len(t)
    starts = np.searchsorted(t, t - criteria.window_s, side="left")
    finite = np.isfinite(x)
    xf = np.where(finite, x, 0.0)
    tc = t - t[0]
    c = lambda v: np.concatenate(([0.0], np.cumsum(v)))  # noqa: E731
    s1, sx, sxx, st, stt, stx = c(np.ones(n)), c(xf), c(xf * xf), c(tc), c(tc * tc), c(tc * xf)
    bad = c((~finite).astype(float))
    j1 = np.arange(1, n + 1)
    i0 = starts
    cnt = s1[j1] - s1[i0]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (sx[j1] - sx[i0]) / cnt
        var = np.maximum((sxx[j1] - sxx[i0]) / cnt - mean * mean, 0.0)
        tm = (st[j1] - st[i0]) / cnt
        vt = (stt[j1] - stt[i0]) / cnt - tm * tm
        cov = (stx[j1] - stx[i0]) / cnt - tm * mean
        slope = np.where(vt > 0, cov / vt, 0.0)
    tol = np.maximum(criteria.max_std_n, criteria.max_rel_std * np.abs(mean))
    span = t - t[starts]
    ok = (
        (cnt >= criteria.min_samples)
        & (span >= 0.9 * criteria.window_s)
        & ((bad[j1] - bad[i0]) == 0)
        & (np.sqrt(var) <= tol)
        & (np.abs(slope) * criteria.window_s <= 2.0 * tol)
    )
    return starts, ok


def first_still_reading(
    time_s: np.ndarray, tension_n: np.ndarray, criteria: StillCriteria, from_index: int = 0
) -> StillReading | None:
    """The earliest still window ending at or after sample `from_index`, or None.

    Checking every end sample (not just the last) makes the answer independent of how the
    samples were split into batches.
    """
    t = np.asarray(time_s, dtype=float)
    x = np.asarray(tension_n, dtype=float)
    if len(t) < criteria.min_samples:
        return None
    lo = int(np.searchsorted(t, t[min(from_index, len(t) - 1)] - criteria.window_s, side="left"))
    starts, ok = still_windows(t[lo:], x[lo:], criteria)
    ends = np.flatnonzero(ok[max(from_index - lo, 0) :]) + max(from_index - lo, 0)
    if not len(ends):
        return None
    j = int(ends[0])
    i = int(starts[j])
    tw, xw = t[lo + i : lo + j + 1], x[lo + i : lo + j + 1]
    mean, std, slope = window_stats(tw, xw)
    return StillReading(float(tw[0]), float(tw[-1]), mean, std, slope, len(tw))


def early_level_n(time_s: np.ndarray, tension_n: np.ndarray, start_s: float, span_s: float) -> float:
    """Mean tension over [start_s, start_s + span_s]: a hold's level before it has relaxed much.

    Holds reached from below and from above are read the same way, so they relax alike.
    """
    t = np.asarray(time_s, dtype=float)
    x = np.asarray(tension_n, dtype=float)
    sel = (t >= start_s) & (t <= start_s + span_s)
    if not sel.any():
        raise ValueError(f"no samples within {start_s:.3f} s + {span_s:.3f} s")
    return float(np.mean(x[sel]))
