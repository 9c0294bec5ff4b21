"""Measure one rep on buffered samples: bottom, peak and the four threshold crossings.

Definitions (docs/analysis.md): B = bottom just before the rep, P = peak, E = P - B; start is
the rise through B + 0.1 E, top_start/top_end the first/last time at or above B + 0.9 E, end the
fall back through B + 0.1 E. Crossing times are interpolated linearly between samples of a
lightly despiked and smoothed copy, which is fine because the measurement runs only once the
rep is over.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from taut.signal.filters import median_of, noise_scale_n, tension_despike, tension_median3, tension_smooth
from taut.signal.kernels import gaps_after
from taut.signal.levels import ONSET_FRACTION, TOP_FRACTION

SMOOTH_S = 0.05  # moving-average span for the measurement copy
GAP_FACTOR = 3.0  # samples further apart than this many sampling intervals: lost samples between
SPLIT_GAP_FACTOR = 1.8  # a hidden trough may lie in any loss, one sample too (jitter stays under 1.6)
SPIKE_NOISE_K = 5.0  # a sample standing out of its median of 3 by this many noise sigmas is a spike...
SPIKE_FRACTION_PER_S = 2.5  # ...or by this fraction of the rise per second of sampling interval
SPIKE_FRACTION_RANGE = (0.03, 0.3)  # (that fraction clipped to this range)
STEADY_S = 0.15  # the steady excursion takes medians over +-this around bottom and peak...
STEADY_TUT_FRACTION = 0.25  # ...but at most this fraction of the rep's TUT each side


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


def _median3(a: float, b: float, c: float) -> float:
    return max(min(a, b), min(max(a, b), c))


def _first(mask: np.ndarray) -> int:
    """Index of the first True in `mask`, or -1."""
    j = int(mask.argmax()) if len(mask) else 0
    return j if len(mask) and mask[j] else -1


def _near(t: np.ndarray, s: np.ndarray, i: int, h: int, reach_s: float) -> np.ndarray:
    """s within h samples of i, leaving out those further than reach_s in time (across a gap)."""
    a, b = max(0, i - h), i + h + 1
    if reach_s <= 0:
        return s[a:b]
    tw = t[a:b]
    lo = int(np.searchsorted(tw, t[i] - reach_s, side="left"))
    hi = int(np.searchsorted(tw, t[i] + reach_s, side="right"))
    return s[a + lo : a + hi]


def _interp_time(t: np.ndarray, s: np.ndarray, k: int, level: float) -> float:
    """Time at which the segment between samples k-1 and k crosses `level`."""
    s0, s1 = s[k - 1], s[k]
    if s1 == s0:
        return float(t[k])
    frac = (level - s0) / (s1 - s0)
    frac = min(1.0, max(0.0, frac))
    return float(t[k - 1] + frac * (t[k] - t[k - 1]))


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
    if dt_s is None:
        dt_s = median_of(np.diff(t))
    if noise_n is None:
        noise_n = noise_scale_n(x)
    med = tension_median3(x)  # spikes must not set the scale that decides what a spike is
    width = int(round(SMOOTH_S / dt_s)) if dt_s > 0 else 1
    if width > 1 and n >= 5:
        # sampled fast, the window's ends lie on settled tension (before the rise, after the end):
        # a spike there is voted on by the two samples inside (not a virtual sample across a gap)
        if t[1] - t[0] < 1.5 * dt_s:
            med[0] = _median3(x[0], x[1], x[2])
        if t[-1] - t[-2] < 1.5 * dt_s:
            med[-1] = _median3(x[-1], x[-2], x[-3])
    e_raw = float(med[i_trigger:].max() - med[: i_trigger + 1].min())
    spike_frac = min(SPIKE_FRACTION_RANGE[1], max(SPIKE_FRACTION_RANGE[0], SPIKE_FRACTION_PER_S * dt_s))
    s = tension_despike(x, max(SPIKE_NOISE_K * noise_n, spike_frac * e_raw), med, pairs_time_s=t if width <= 1 else None)
    s = tension_smooth(s, width | 1)

    # the bottom from a median-of-3 copy: a lone low sample (spike) must not become B
    robust = tension_median3(s[: i_trigger + 1])
    i_bottom = 1 + int(np.argmin(robust[1:-1])) if i_trigger >= 2 else 0  # ends cannot be voted on
    i_peak = i_trigger + int(np.argmax(s[i_trigger:]))
    bottom_n = float(robust[i_bottom])
    peak_n = float(s[i_peak])
    excursion_n = peak_n - bottom_n
    if excursion_n <= 0 or i_peak <= i_bottom:
        return None
    low_n = bottom_n + ONSET_FRACTION * excursion_n
    high_n = bottom_n + TOP_FRACTION * excursion_n
    start_level_n = low_n

    k_top_start = i_bottom + int((s[i_bottom : i_peak + 1] >= high_n).argmax())  # first at or above high
    below_low = s[i_bottom:k_top_start] <= low_n
    if not below_low.any():
        return None
    k_start = k_top_start - int(below_low[::-1].argmax())  # first sample above low, last rise before the top
    fall = _first(s[i_peak:] < low_n)
    if fall < 0 and end_level_n is not None:  # settled at a new level (offset step)
        low_n = end_level_n
        fall = _first(s[i_peak:] < low_n)
    if fall < 0:  # the smoothed copy lags the raw samples at the very end
        s = np.concatenate((s[:-1], x[-1:]))
        fall = _first(s[i_peak:] < low_n)
        if fall < 0:  # the detector saw the fall a little earlier: end at the last sample
            fall = n - 1 - i_peak
        if fall == 0:
            return None
    k_end = i_peak + fall
    if k_end <= i_peak:
        return None
    k_top_end = k_end - 1 - int((s[i_peak:k_end] >= high_n)[::-1].argmax())  # last at or above high

    start_s = _interp_time(t, s, k_start, start_level_n)
    top_start_s = _interp_time(t, s, k_top_start, high_n) if k_top_start > k_start else start_s
    top_end_s = _interp_time(t, s, k_top_end + 1, high_n)
    end_s = _interp_time(t, s, k_end, low_n)

    # impulse: trapezoid over the despiked samples inside, with the crossings as end points
    inner_t = t[k_start:k_end]
    inner_x = s[k_start:k_end]
    impulse_ns = 0.5 * (
        float(((inner_x[1:] + inner_x[:-1]) * (inner_t[1:] - inner_t[:-1])).sum())
        + (start_level_n + float(inner_x[0])) * (float(inner_t[0]) - start_s)
        + (float(inner_x[-1]) + low_n) * (end_s - float(inner_t[-1]))
    )
    tut_s = end_s - start_s
    mean_n = impulse_ns / tut_s if tut_s > 0 else peak_n
    # (a fast rep at a low rate has few samples: the window stays within a quarter of its TUT)
    h = max(1, int(round(min(STEADY_S, STEADY_TUT_FRACTION * tut_s) / dt_s))) if dt_s > 0 else 1
    steady_peak = median_of(_near(t, s, i_peak, h, 1.5 * h * dt_s))
    steady_bottom = median_of(_near(t, s, i_bottom, h, 1.5 * h * dt_s))
    # a crossing between samples further apart than GAP_FACTOR intervals fell among lost samples:
    # the rep is real (the tension on both sides shows it) but that timing is a straight-line guess
    # (the smoothing reaches `half` samples either side, so a gap that close moved the crossing too)
    half = (width | 1) // 2
    span = t[max(0, k_start - 1 - half) : k_end + half + 1]
    gap_s = 0.0
    if dt_s > 0 and float((span[1:] - span[:-1]).max()) > GAP_FACTOR * dt_s:  # rare: look closer
        crossings = {k_start, k_top_start, k_top_end + 1, k_end}
        widest = max(float(np.diff(t[max(0, k - 1 - half) : k + half + 1]).max()) for k in crossings)
        gap_s = widest if widest > GAP_FACTOR * dt_s else 0.0
    return RepShape(
        start_s, top_start_s, top_end_s, end_s, bottom_n, peak_n, mean_n, impulse_ns, noise_n,
        steady_peak - steady_bottom, gap_s,
    )


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
