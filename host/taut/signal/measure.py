"""Measure one rep on buffered samples: bottom, peak and the four threshold crossings.

Definitions (docs/analysis.md): B = bottom just before the rep, P = peak, E = P - B; start is
the rise through B + 0.1 E, top_start/top_end the first/last time at or above B + 0.9 E, end the
fall back through B + 0.1 E. Crossing times are interpolated linearly between samples of a
lightly despiked and smoothed copy, which is fine because the measurement runs only once the
rep is over. The measurement itself is one compiled pass (`kernels.measure_shape`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from taut.signal.filters import noise_scale_n, tension_median3
from taut.signal.kernels import gaps_after, measure_shape, median_interval
from taut.signal.levels import SMOOTH_S, SPLIT_GAP_FACTOR  # the measurement's rules (the compiled code reads them there)

__all__ = ["RepShape", "SMOOTH_S", "measure_rep", "split_at_hidden_trough"]


class RepShape(NamedTuple):
    """The raw measurement of one rep (times in s on the recording clock, tensions in N)."""

    start_s: float
    top_start_s: float
    top_end_s: float
    end_s: float
    bottom_n: float
    peak_n: float
    mean_n: float
    impulse_ns: float
    noise_n: float
    steady_excursion_n: float  # peak and bottom as medians over +-0.15 s: what noise cannot fake
    gap_s: float = 0.0  # widest run of lost samples a crossing was interpolated across (0: none)


def measure_rep(
    t: np.ndarray,
    x: np.ndarray,
    i_trigger: int,
    dt_s: float | None = None,
    noise_n: float | None = None,
    end_level_n: float | None = None,
) -> RepShape | None:
    """Measure the rep whose rise triggered at index `i_trigger` of (t, x).

    (t, x) run from the pre-rep window to the sample that confirmed the end. `dt_s` (sampling
    interval) and `noise_n` (raw noise sigma) are estimated from the samples unless given. Returns
    None when the samples hold no complete rise-and-fall (the caller then drops the candidate).
    """
    n = len(x)
    if n < 3 or not 0 < i_trigger < n:
        return None
    t = np.ascontiguousarray(t, dtype=float)  # contiguous: one compiled variant
    x = np.ascontiguousarray(x, dtype=float)
    if dt_s is None:
        dt_s = float(median_interval(t))
    if noise_n is None:
        noise_n = noise_scale_n(x)
    found = measure_shape(t, x, int(i_trigger), float(dt_s), float(noise_n), np.nan if end_level_n is None else float(end_level_n))
    return RepShape._make(found[1:]) if found[0] else None


def split_at_hidden_trough(
    t: np.ndarray, x: np.ndarray, i_trigger: int, bottom_n: float, dt_s: float, noise_n: float = 0.0
) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """Cut a candidate where one rep's end and the next one's start both fell in lost samples.

    Before such a gap the tension was on its way down (below half the first peak), or it was
    high and the gap ends clearly lower (by 0.2 of the larger peak and 6 noise sigmas `noise_n`,
    then rising as much again: the fall is lost too); after it on its way up (below 90 % of a
    second peak of at least 0.3 of the first): the trough between two reps is hidden in the gap.
    Each part gets one virtual sample at the bottom (`bottom_n`) in the gap's middle, so the
    crossings inside the gap are interpolated (and flagged by `measure_rep`'s `gap_s`).
    Returns [(t, x, i_trigger)] per part; one part when there is nothing to cut.
    """
    parts = []
    while True:
        gaps = gaps_after(t, i_trigger, SPLIT_GAP_FACTOR * dt_s) if dt_s > 0 else np.empty(0, int)
        cut = -1
        i0 = max(0, i_trigger - 1)  # the sample before the trigger already belongs to the rise
        for q in gaps:
            if q - i0 < 2 or len(x) - q < 2:
                continue
            e_before = float(tension_median3(x[i0:q]).max()) - bottom_n
            e_after = float(tension_median3(x[q:]).max()) - bottom_n
            m = max(1, min(int(round(0.1 / dt_s)), (q - i0) // 2, (len(x) - q) // 2))  # 0.1 s means
            falling = x[q - 1] < bottom_n + 0.5 * e_before and x[q - m : q].mean() < x[q - 2 * m : q - m].mean()
            rising = (
                x[q] < bottom_n + 0.9 * e_after and x[q + m : q + 2 * m].mean() > x[q : q + m].mean()
                and e_after > 0.3 * e_before
            )
            # or the fall itself is lost: the gap starts high (at the top or on the rise) and ends
            # clearly lower, rising again; the dip between the two is implied
            k = max(1, min(int(round(0.03 / dt_s)), q - i0, len(x) - q))  # edge samples
            edge_before = float(np.median(x[max(i0, q - max(k, 3)) : q]))  # a lone spike is no top
            edge_after = float(x[q : q + k].mean())
            clear_n = max(0.2 * max(e_before, e_after), 6.0 * noise_n)
            dropped = (
                e_before > 0.3 * e_after
                and edge_before - edge_after > clear_n
                and bottom_n + e_after - edge_after > clear_n  # and it rose clearly after the gap
            )
            if (falling or dropped) and rising:
                cut = int(q)
                break
        if cut < 0:
            parts.append((t, x, i_trigger))
            return parts
        mid_s = 0.5 * (float(t[cut - 1]) + float(t[cut]))
        parts.append((np.append(t[:cut], mid_s), np.append(x[:cut], bottom_n), i_trigger))
        t = np.concatenate(([mid_s], t[cut:]))
        x = np.concatenate(([bottom_n], x[cut:]))
        i_trigger = 1
