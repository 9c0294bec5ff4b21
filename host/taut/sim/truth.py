"""Ground truth per rep, measured on noise-free tension exactly by the contract (docs/analysis.md).

For one rep, on the tension y(t) over its window [t_from, t_to] (from the start of the bottom
phase before the rep to the next rep's concentric start or the release):
  P = max y, at t_P (first maximum);  B = min y over [t_from, t_P];  E = P - B;
  start     = first time after B's time that y rises above B + 0.1 E;
  top_start = first time after start that y reaches B + 0.9 E;
  end       = first time after t_P that y falls below B + 0.1 E;
  top_end   = last time in [t_P, end] that y is at or above B + 0.9 E;
crossing times are linearly interpolated between grid points. Impulse is the trapezoid integral
of y over [start, end], mean tension impulse / (end - start). Range is hand travel (m) from the
bottom before the rep to its top; a rep is partial when its range is below 0.8 x the median
range of its set. pause_s = next rep's start - end (None for a set's last rep).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from taut.records import PlannedSet, Rep, RepSet
from taut.signal.levels import ONSET_FRACTION, PARTIAL_FRACTION, TOP_FRACTION

TRUTH_GRID_HZ = 2000.0  # the noise-free curve is evaluated this densely for the truth


class TruthError(ValueError):
    """The curve does not make a rep by the contract (no rise, no return below 10 %)."""


@dataclass(frozen=True, slots=True)
class RepMeasure:
    """Contract times and tensions of one rep (before set-level fields are known)."""

    start_s: float
    top_start_s: float
    top_end_s: float
    end_s: float
    bottom_n: float
    peak_n: float
    mean_n: float
    impulse_ns: float


def _cross_up(t: np.ndarray, y: np.ndarray, i: int, level: float) -> float:
    """Interpolated time where y goes from below level (at i-1) to at/above it (at i)."""
    if i == 0:
        return float(t[0])
    y0, y1 = y[i - 1], y[i]
    return float(t[i - 1] + (level - y0) / (y1 - y0) * (t[i] - t[i - 1])) if y1 != y0 else float(t[i])


def measure_rep(time_s: np.ndarray, tension_n: np.ndarray) -> RepMeasure:
    """The contract's times and tensions for one rep whose whole window is given (module doc)."""
    t = np.asarray(time_s, dtype=float)
    y = np.asarray(tension_n, dtype=float)
    if t.shape != y.shape or t.ndim != 1 or len(t) < 3:
        raise TruthError("need matching 1-D time and tension arrays of at least 3 points")
    if np.isnan(y).any() or np.isnan(t).any():
        raise TruthError("NaN in the curve")
    i_p = int(np.argmax(y))
    i_b = int(np.argmin(y[: i_p + 1]))
    b, p = float(y[i_b]), float(y[i_p])
    e = p - b
    if not e > 0:
        raise TruthError("tension never rises in the window")
    lo, hi = b + ONSET_FRACTION * e, b + TOP_FRACTION * e
    # start: first sample after B strictly above lo.
    above_lo = np.nonzero(y[i_b : i_p + 1] > lo)[0]
    i_s = i_b + int(above_lo[0])
    start = _cross_up(t, y, i_s, lo)
    reach_hi = np.nonzero(y[i_s : i_p + 1] >= hi)[0]
    i_ts = i_s + int(reach_hi[0])
    top_start = _cross_up(t, y, i_ts, hi)
    below_lo = np.nonzero(y[i_p:] < lo)[0]
    if len(below_lo) == 0:
        raise TruthError("tension does not return below B + 0.1 E in the window")
    i_e = i_p + int(below_lo[0])
    # end: y[i_e-1] >= lo > y[i_e]; interpolate the downward crossing.
    y0, y1 = y[i_e - 1], y[i_e]
    end = float(t[i_e - 1] + (y0 - lo) / (y0 - y1) * (t[i_e] - t[i_e - 1]))
    at_hi = np.nonzero(y[i_p:i_e] >= hi)[0]
    i_te = i_p + int(at_hi[-1])
    # top_end: between the last sample at/above hi and the next (below hi).
    if i_te + 1 < len(y) and y[i_te + 1] < hi:
        ya, yb = y[i_te], y[i_te + 1]
        top_end = float(t[i_te] + (ya - hi) / (ya - yb) * (t[i_te + 1] - t[i_te]))
    else:
        top_end = float(t[i_te])
    top_start = min(top_start, top_end)
    # Impulse over [start, end]: interior samples plus the interpolated end points (both at lo).
    inner = (t > start) & (t < end)
    tt = np.concatenate(([start], t[inner], [end]))
    yy = np.concatenate(([lo], y[inner], [lo]))
    impulse = float(np.sum((tt[1:] - tt[:-1]) * (yy[1:] + yy[:-1]) / 2.0))
    dur = end - start
    return RepMeasure(start, top_start, top_end, end, b, p, impulse / dur if dur > 0 else p, impulse)


def build_set(index: int, measures: list[RepMeasure], ranges_m: list[float], exercise: str | None = None,
              planned: PlannedSet | None = None) -> RepSet:
    """A truth RepSet from measured reps and their ranges: range fraction, partial flag, pauses."""
    if not measures or len(measures) != len(ranges_m):
        raise ValueError("need one range per rep, and at least one rep")
    ref = float(np.median(ranges_m))
    reps = []
    for i, (m, r) in enumerate(zip(measures, ranges_m)):
        frac = r / ref if ref > 0 else 1.0
        pause = measures[i + 1].start_s - m.end_s if i + 1 < len(measures) else None
        reps.append(Rep(
            index=i, start_s=m.start_s, top_start_s=m.top_start_s, top_end_s=m.top_end_s, end_s=m.end_s,
            bottom_n=m.bottom_n, peak_n=m.peak_n, mean_n=m.mean_n, impulse_ns=m.impulse_ns,
            range_fraction=frac, partial=frac < PARTIAL_FRACTION, pause_s=pause, range_cm=100.0 * r,
        ))
    return RepSet(index=index, reps=tuple(reps), exercise=exercise, planned=planned)


def truth_grid(t_from_s: float, t_to_s: float, grid_hz: float = TRUTH_GRID_HZ) -> np.ndarray:
    """The dense time grid a rep's window is evaluated on (both ends included)."""
    n = max(int(np.ceil((t_to_s - t_from_s) * grid_hz)), 2)
    return np.linspace(t_from_s, t_to_s, n + 1)
