"""Array filters used by the rep detector: invalid-sample fill, spike removal, smoothing.

Stateless functions on whole arrays (the streaming detector carries its own state and calls
these on buffered samples), so the live and offline paths share one implementation.
"""

from __future__ import annotations

import numpy as np

from taut.signal.kernels import despike, despike_pairs, median, median3, second_difference_quartile, smooth


def tension_fill_invalid(tension_n: np.ndarray, last_valid_n: float = np.nan) -> np.ndarray:
    """Replace NaN (overload/invalid) samples by the last valid value before them.

    `last_valid_n` is the value carried from a previous chunk; leading NaNs with no valid value
    before them stay NaN (the caller drops them).
    """
    x = np.asarray(tension_n, dtype=float)
    bad = np.isnan(x)
    if not bad.any():
        return x
    idx = np.where(bad, -1, np.arange(len(x)))
    np.maximum.accumulate(idx, out=idx)
    out = np.where(idx >= 0, x[np.maximum(idx, 0)], last_valid_n)
    return out


def tension_median3(x: np.ndarray) -> np.ndarray:
    """Centred median of three (end samples kept): the classic single-sample spike remover."""
    if len(x) < 3:
        return np.array(x, dtype=float)
    return median3(np.ascontiguousarray(x, dtype=float))  # one compiled pass (NaN-free input)


def tension_despike(
    x: np.ndarray, threshold_n: float, med: np.ndarray | None = None, *, pairs_time_s: np.ndarray | None = None
) -> np.ndarray:
    """Replace samples that stick out of both neighbours by more than `threshold_n` (given the
    sample times `pairs_time_s`, two adjacent ones too: at low rates nothing else smooths them).

    Unlike a plain median, a legitimate sharp peak survives: a fast rep sampled at 10 Hz has
    its neighbours on slopes leading up to it (each above its own outer neighbour), whereas a
    spike sticks out of a plateau or of a steady slope. A pair is replaced by the line between its
    neighbours only out of a level stretch and not across lost samples, where a rep's only two
    samples can look just the same.
    """
    x = np.ascontiguousarray(x, dtype=float)
    if med is None:  # callers that already hold tension_median3(x) pass it
        med = tension_median3(x)
    out = despike(x, float(threshold_n), np.ascontiguousarray(med, dtype=float))  # one compiled pass each
    if pairs_time_s is None:
        return out
    return despike_pairs(out, float(threshold_n), np.ascontiguousarray(pairs_time_s, dtype=float))


def tension_smooth(x: np.ndarray, width: int) -> np.ndarray:
    """Centred moving average over `width` samples (odd); windows shrink symmetrically at the ends.

    Zero phase, so crossing times on straight stretches do not move, and the last sample is
    never averaged with samples that have not arrived yet.
    """
    n = len(x)
    half = min(width // 2, (n - 1) // 2)
    if half < 1:
        return x
    return smooth(np.ascontiguousarray(x, dtype=float), half)  # running sums; the ends shrink


def noise_scale_n(x: np.ndarray) -> float:
    """Robust noise level (N, one sigma) from the quietest quarter of second differences.

    Second differences cancel slow motion; taking the lower quartile rather than the median
    also ignores fast motion sampled coarsely (10 Hz), where half the differences are movement.
    """
    if len(x) < 5:
        return 0.0
    # lower quartile of |N(0, 6 sigma^2)| is 0.3186 * sqrt(6) sigma
    return float(second_difference_quartile(np.ascontiguousarray(x, dtype=float))) / (0.3186 * np.sqrt(6.0))


def median_of(values: np.ndarray) -> float:
    """Median of a 1-D array (compiled sort: far cheaper than np.median on the short arrays used here)."""
    a = np.asarray(values, dtype=float)
    n = len(a)
    if n and a.ndim == 1:
        return float(median(np.ascontiguousarray(a)))  # compiled: a call costs ~1 us, not ~5
    k = n // 2
    if n % 2:
        return float(np.partition(a, k)[k])
    part = np.partition(a, (k - 1, k))
    return float(0.5 * (part[k - 1] + part[k]))
