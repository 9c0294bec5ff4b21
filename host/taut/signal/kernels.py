"""Compiled inner loops of the rep detector (numba): the per-candidate scans of `reps.py`.

Each candidate used to cost a few dozen small numpy calls per search stretch; one compiled pass
over the stretch does the same work with the same float operations (no fastmath, so results
are bit for bit those of the array version) and stops at the first decision. Compiled once and
cached on disk (`cache=True`), so only the very first run on a machine pays the compile time.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit  # compiled loops: per-candidate work was ~400 small numpy calls, far below the offline throughput target

from taut.signal.levels import (
    GAP_FACTOR, ONSET_FRACTION, SMOOTH_S, SPIKE_FRACTION_PER_S, SPIKE_FRACTION_RANGE, SPIKE_NOISE_K, STEADY_S,
    STEADY_TUT_FRACTION, TOP_FRACTION,
)


class Signal(NamedTuple):
    """One block of the detection signal, as the scans read it (all float64 arrays but `hist`)."""

    t: np.ndarray  # sample times
    lo: np.ndarray  # the lower of the detection signal's two views (a fall is judged on it)...
    hi: np.ndarray  # ...and the upper one (a rise is judged on it); the same array at fast rates
    y: np.ndarray  # the detection signal (the end test)
    prev: np.ndarray  # y one sample earlier (the end's confirming sample)
    lo_ext: np.ndarray  # lo with `hist` samples of history before the block (plateau windows)
    hi_ext: np.ndarray  # hi likewise
    x_ext: np.ndarray  # raw samples with `hist` of history (the 10 Hz peak vote)
    hist: int


class BottomFound(NamedTuple):
    """What `bottom_scan` found; k = e when nothing cleared the threshold."""

    k: int  # first sample whose lo clears the baseline by the threshold (a candidate opens)
    d_k: float  # running minimum of hi - leak at k
    base_k: float  # the baseline at k
    j_rest: int  # where time first reaches the rest limit (e: not in this stretch)
    d_rest: float  # running minimum at j_rest
    d_last: float  # running minimum at the end of the stretch


class UpCandidate(NamedTuple):
    """The open candidate as the UP scan carries it from stretch to stretch."""

    peak_n: float  # running peak so far
    base_n: float  # B, frozen at the trigger
    trigger_t: float
    still_top: float  # level of its latest plateau (inf: none yet)
    valley_n: float  # lowest hi since the peak (inf: none)...
    valley_k: int  # ...and its index relative to this block (negative: an earlier block)
    held_n: float  # level of the highest plateau it held (-inf: none)


class UpRules(NamedTuple):
    """The UP scan's thresholds for one candidate (`RepDetector._up_rules` fills them in)."""

    end_confirm_fraction: float  # a low sample ends the rep if the one before is below B + this·E
    max_rep_s: float  # abandon the candidate after this long
    still_w: int  # plateau window (samples)
    still_a0: int  # first stretch offset at which the whole window lies inside the candidate
    still_abs_n: float  # a plateau wanders by less than this (noise allowance)...
    still_fraction: float  # ...or this fraction of E, its ends level within half of that
    restart_n: float  # rise above the plateau's top that restarts the candidate (at least 0.25 of its height)
    restart_top_fraction: float  # ...when the plateau lies this high in the candidate's excursion so far (its top)...
    step_level_fraction: float  # ...or this low (an offset step), or the rise clears the peak so far by restart_n;
    # otherwise the plateau is a dip inside a hold and the candidate goes on...
    hold_min_excursion_n: float  # ...if the candidate is an effort this large (inf: never, outside a set) that
    # held a plateau within restart_top_fraction of its peak, or one this large above the plateau (an
    # overshoot, then a hold that dips)
    valley_allow_n: float  # a valley within this of B + 0.1 E (noise sigmas)...
    valley_allow_fraction: float  # ...and this fraction of E...
    valley_rise_n: float  # ...then a rise of this much...
    valley_rise_fraction: float  # ...and this fraction of E ends the rep at the valley
    peak_votes: bool  # slow sampling: a lone top sample counts once two later ones show no spike
    spike_n: float  # the vote's spike allowance (5 noise sigmas)
    valley_floor_fraction: float = 0.0  # (in a set, the valley may lie this fraction of E above the line, whatever the noise)
    dip_margin_n: float = np.inf  # (in a set, a plateau near the top this far below an effort's hold is a dip)


class UpFound(NamedTuple):
    """What `up_scan` found in one stretch."""

    k: int  # the sample that ends the candidate (or the abandon sample, or e: nothing yet)
    late: bool  # abandoned: open longer than max_rep_s
    p_end: float  # running peak at the last sample scanned
    j_rise: int  # first restart rise above the latest plateau (-1: none)
    level: float  # that plateau's level
    peak_before: float  # running peak before j_rise
    m_still: int  # last plateau window end before j_rise (or k) (-1: none in this stretch)
    still_min: float  # that window's min of lo...
    still_max: float  # ...and max of hi
    valley_n: float  # lowest hi since the peak, carried on
    valley_k: int
    by_valley: bool  # the candidate ended at that valley, decided at k
    held_n: float  # level of the highest plateau held, carried on


# BOTTOM: running minimum of (hi - leak) from `base_d`; the first sample whose lo clears it by
# `threshold_n`, and (for the rest test) the running minimum where time first reaches `rest_at_s`
def bottom_scan(t, lo, hi_leak, leak_t, i, e, base_d, threshold_n, rest_at_s) -> BottomFound:
    """`BottomFound` for samples i..e-1."""
    return BottomFound._make(_bottom_scan(t, lo, hi_leak, leak_t, i, e, base_d, threshold_n, rest_at_s))


# The compiled scans return plain tuples (the records are made in Python: numba boxes a named
# tuple far slower), and `up_scan`'s core takes its records flattened (numba types a tuple of arrays
# passed as one argument element by element in Python, ~4 us a call; flat arguments take the fast path)
@njit(cache=True, nogil=True)
def _bottom_scan(t, lo, hi_leak, leak_t, i, e, base_d, threshold_n, rest_at_s):  # pragma: no cover - compiled
    """`bottom_scan`'s loop."""
    d = base_d
    j_rest = e
    d_rest = base_d
    for m in range(i, e):
        v = hi_leak[m]
        if v < d:
            d = v
        if j_rest == e and t[m] >= rest_at_s:
            j_rest = m
            d_rest = d
        base = d + leak_t[m]
        if lo[m] - base > threshold_n:
            return m, d, base, j_rest, d_rest, d
    return e, d, 0.0, j_rest, d_rest, d


# UP: the end of the candidate (fall below B + 0.1 E, confirmed by the sample before; or a
# valley that came within `valley_allow_n`, and `valley_allow_fraction` of E, of that level, then
# a clear rise), the abandon time, and the first clear rise above the latest plateau (a trailing
# window of w samples whose spread is small)
def up_scan(sig: Signal, i: int, e: int, cand: UpCandidate, rules: UpRules) -> UpFound:
    """`UpFound` for samples i..e-1 of `sig` (a `Signal`), the candidate `cand` under `rules`.

    With `rules.peak_votes` (slow sampling, where the peak tracks the min of two samples), a lone
    top sample two samples back counts too when it is no spike by `measure_rep`'s rule, so the
    end test's E is the measured E.
    """
    return UpFound._make(_up_scan(*sig, i, e, *cand, *rules))


_N_SIGNAL, _N_CAND, _N_RULES = len(Signal._fields), len(UpCandidate._fields), len(UpRules._fields)
_E_AT = _N_SIGNAL + 1  # (static indices: numba slices a heterogeneous tuple only by constants)
_CAND_AT = _N_SIGNAL + 2
_RULES_AT = _CAND_AT + _N_CAND


@njit(cache=True, nogil=True)
def _up_scan(*a):  # pragma: no cover - compiled
    """`up_scan`'s loop on (*sig, i, e, *cand, *rules)."""
    sig = Signal(*a[:_N_SIGNAL])
    i, e = a[_N_SIGNAL], a[_E_AT]
    cand = UpCandidate(*a[_CAND_AT:_RULES_AT])
    rules = UpRules(*a[_RULES_AT:])
    t, lo, hi, y, prev = sig.t, sig.lo, sig.hi, sig.y, sig.prev
    hist = sig.hist
    base_n = cand.base_n
    p = cand.peak_n
    k = e
    v = cand.valley_n
    vk = cand.valley_k
    by_valley = False
    for m in range(i, e):
        exc = p - base_n
        # a dip that came near the bottom, then a rise as clear as a new rep's (noise and a little
        # drift can keep a fast rep's trough just above B + 0.1 E at 10 Hz)
        rise = lo[m] - v
        allow = rules.valley_allow_n
        if rules.valley_floor_fraction * exc > allow:
            allow = rules.valley_floor_fraction * exc
        if rules.valley_allow_fraction * exc < allow:
            allow = rules.valley_allow_fraction * exc
        if v < base_n + ONSET_FRACTION * exc + allow and rise > rules.valley_rise_n and rise > rules.valley_rise_fraction * exc:
            k = m
            by_valley = True
            break
        if lo[m] > p:
            p = lo[m]
            v = np.inf
        if rules.peak_votes:
            x_ext = sig.x_ext
            q = hist + m - 2
            xj = x_ext[q]
            if xj > p:
                a, c = x_ext[q - 1], x_ext[q + 1]
                med = max(min(a, xj), min(max(a, xj), c))
                thr = 0.25 * (xj - base_n)
                if thr < rules.spike_n:
                    thr = rules.spike_n
                if xj - med <= thr or (a - x_ext[q - 2] > 0.25 * thr and c - x_ext[q + 2] > 0.25 * thr):
                    p = xj
                    v = np.inf
        exc = p - base_n
        if y[m] < base_n + ONSET_FRACTION * exc and prev[m] < base_n + rules.end_confirm_fraction * exc:
            k = m
            break
        if hi[m] < v:
            v = hi[m]
            vk = m
    p_end = p
    late = False
    if k > i and t[k - 1] - cand.trigger_t > rules.max_rep_s:
        late = True
        by_valley = False
        for m in range(i, k):
            if t[m] - cand.trigger_t > rules.max_rep_s:
                k = m
                break
    lo_ext, hi_ext = sig.lo_ext, sig.hi_ext
    w = rules.still_w
    top = cand.still_top
    p = cand.peak_n
    m_still = -1
    still_min = 0.0
    still_max = 0.0
    held_n = cand.held_n
    for m in range(i, k):
        thr = 0.25 * (top - base_n)
        if rules.restart_n > thr:
            thr = rules.restart_n
        height = top - base_n
        held_effort = held_n - base_n >= rules.hold_min_excursion_n  # it held a plateau of an effort's size...
        if lo[m] > top + thr and (
            (held_n - base_n < rules.restart_top_fraction * (p - base_n)  # no hold near its peak...
             and not (held_effort  # ...nor an effort's hold (after an overshoot) it dipped below
                      and height < rules.restart_top_fraction * (held_n - base_n)))
            or p - base_n < rules.hold_min_excursion_n
            or (height >= rules.restart_top_fraction * (p - base_n)
                and not (held_effort and top < held_n - rules.dip_margin_n))  # ...this plateau clearly below it
            or p - top <= rules.still_abs_n
            or height <= rules.step_level_fraction * (p - base_n)
            or lo[m] > p + rules.restart_n
        ):
            return k, late, p_end, m, top, p, m_still, still_min, still_max, v, vk, by_valley, held_n
        if lo[m] > p:
            p = lo[m]
        if m - i < rules.still_a0:
            continue
        a = hist + m - w + 1
        allow = rules.still_fraction * (p - base_n)
        rmax = hi_ext[a]
        rmin = lo_ext[a]
        for q in range(a + 1, hist + m + 1):
            if hi_ext[q] > rmax:
                rmax = hi_ext[q]
            if lo_ext[q] < rmin:
                rmin = lo_ext[q]
        spread = rmax - rmin
        net = abs(lo_ext[hist + m] - lo_ext[a])
        if (spread <= rules.still_abs_n and net <= 0.5 * rules.still_abs_n) or (spread <= allow and net <= 0.5 * allow):
            m_still = m
            still_min = rmin
            still_max = rmax
            top = 0.5 * (rmax + rmin)
            if top > held_n:
                held_n = top
    return k, late, p_end, -1, top, p, m_still, still_min, still_max, v, vk, by_valley, held_n


# the detector's per-block filter (RepDetector._detection_signal): fed a few samples at a time the
# ~20 small numpy calls it was cost more than everything else, so it is one compiled pass with the
# same float operations (the moving average summed in the same order, then divided)
@njit(cache=True, nogil=True)
def detection_block(t, x, raw_hist, med_hist, lo_hist, hi_hist, w, y_last, first, leak):  # pragma: no cover - compiled
    """(raw_ext, med_ext, y, prev, lo, hi, lo_ext, hi_ext, leak_t, hi_leak) for a block (t, x).

    The histories (the last `len(raw_hist)` samples of each view; at the first block, `first`,
    the first sample repeated) come before the block in the *_ext arrays. Fast sampling (w > 1): a
    causal median of 3, then a moving average of w, lo = hi = y, prev = y one sample earlier. Slow
    sampling: y = x, prev = the raw sample before, lo/hi = min/max of the two. leak_t = leak·t.
    """
    h = len(raw_hist)
    n = len(x)
    raw_ext = np.empty(h + n)
    for j in range(h):
        raw_ext[j] = x[0] if first else raw_hist[j]
    raw_ext[h:] = x
    if w > 1:
        med_ext = np.empty(h + n)
        for j in range(h):
            med_ext[j] = x[0] if first else med_hist[j]
        for j in range(n):
            a, b, c = raw_ext[h + j - 2], raw_ext[h + j - 1], raw_ext[h + j]
            med_ext[h + j] = max(min(a, b), min(max(a, b), c))
        y = np.empty(n)
        s0 = h - w + 1
        for j in range(n):
            acc = med_ext[s0 + j]
            for q in range(1, w):
                acc += med_ext[s0 + q + j]
            y[j] = acc / w
        prev = np.empty(n)
        prev[0] = y[0] if first else y_last
        prev[1:] = y[: n - 1]
        lo = y
        hi = y
    else:
        med_ext = med_hist
        if first:
            med_ext = np.full(h, x[0])
        y = x
        prev = raw_ext[h - 1 : h + n - 1]
        lo = np.empty(n)
        hi = np.empty(n)
        for j in range(n):
            lo[j] = min(x[j], prev[j])
            hi[j] = max(x[j], prev[j])
    lo_ext = np.empty(h + n)
    hi_ext = np.empty(h + n)
    for j in range(h):
        lo_ext[j] = lo[0] if first else lo_hist[j]
        hi_ext[j] = hi[0] if first else hi_hist[j]
    lo_ext[h:] = lo
    hi_ext[h:] = hi
    leak_t = np.empty(n)
    hi_leak = np.empty(n)
    for j in range(n):
        leak_t[j] = leak * t[j]
        hi_leak[j] = hi[j] - leak_t[j]
    return raw_ext, med_ext, y, prev, lo, hi, lo_ext, hi_ext, leak_t, hi_leak


# centred median of three, end samples kept (filters.tension_median3's loop)
@njit(cache=True, nogil=True)
def median3(x):  # pragma: no cover - compiled
    """Median of each sample and its two neighbours; the two end samples as they are."""
    n = len(x)
    out = np.empty(n)
    out[0] = x[0]
    out[n - 1] = x[n - 1]
    for j in range(1, n - 1):
        a, b, c = x[j - 1], x[j], x[j + 1]
        lo_ab = a if a < b else b
        hi_ab = b if a < b else a
        m = hi_ab if hi_ab < c else c
        out[j] = lo_ab if lo_ab > m else m
    return out


# centred moving average with windows shrinking at the ends (filters.tension_smooth's loop)
@njit(cache=True, nogil=True)
def smooth(x, half):  # pragma: no cover - compiled
    """Mean over x[j-half .. j+half], the same running sums (so the same rounding) as before."""
    n = len(x)
    c = np.empty(n + 1)
    c[0] = 0.0
    acc = 0.0
    for j in range(n):
        acc += x[j]
        c[j + 1] = acc
    out = np.empty(n)
    width = 2 * half + 1
    for j in range(half, n - half):
        out[j] = (c[j + half + 1] - c[j - half]) / width
    for h in range(half):
        out[h] = (c[2 * h + 1] - c[0]) / (2 * h + 1)
        out[n - 1 - h] = (c[n] - c[n - 2 * h - 1]) / (2 * h + 1)
    return out


# median of a short array (filters.median_of): a sorted copy gives the same middle values
@njit(cache=True, nogil=True)
def median(a):  # pragma: no cover - compiled
    """Middle value (mean of the two middle values for an even length) of a non-empty array."""
    b = np.sort(a)
    n = len(b)
    k = n // 2
    if n % 2:
        return b[k]
    return 0.5 * (b[k - 1] + b[k])


# noise level (filters.noise_scale_n): the lower quartile of |second differences|, the value
# np.partition picks (here from a sort: numba takes ~7 s to compile its np.partition)
@njit(cache=True, nogil=True)
def second_difference_quartile(x):  # pragma: no cover - compiled
    """The (len // 4)-th smallest |x[j+2] - 2 x[j+1] + x[j]| of an array of at least 3 samples."""
    n = len(x) - 2
    d2 = np.empty(n)
    for j in range(n):
        d2[j] = abs(x[j + 2] - 2.0 * x[j + 1] + x[j])
    return np.sort(d2)[n // 4]


# sampling interval (median_of(np.diff(t)), called per candidate)
@njit(cache=True, nogil=True)
def median_interval(t):  # pragma: no cover - compiled
    """Median of t[j+1] - t[j] over an array of at least 2 sample times."""
    return median(t[1:] - t[:-1])


# lost samples (split_at_hidden_trough): where consecutive times lie further apart than a limit
@njit(cache=True, nogil=True)
def gaps_after(t, start, limit_s):  # pragma: no cover - compiled
    """Indices q > start with t[q] - t[q-1] > limit_s (the first sample after each gap)."""
    out = np.empty(len(t), dtype=np.int64)
    m = 0
    for q in range(start + 1, len(t)):
        if t[q] - t[q - 1] > limit_s:
            out[m] = q
            m += 1
    return out[:m]


# the bottom before a rise (RepDetector._bottom_before): lowest moving average of width w over
# the median-of-3 samples (end samples, which have no neighbours to vote, left out)
@njit(cache=True, nogil=True)
def bottom_level(x, w):  # pragma: no cover - compiled
    """min over the moving averages (w samples; w <= 1 or too few samples: none) of median3(x)[1:-1]."""
    med = median3(x)[1:-1]
    n = len(med)
    if w <= 1 or n <= w:
        return med.min()
    c = np.empty(n)
    acc = 0.0
    for j in range(n):
        acc += med[j]
        c[j] = acc
    best = c[w - 1] / w
    for r in range(1, n - w + 1):
        v = (c[r + w - 1] - c[r - 1]) / w
        if v < best:
            best = v
    return best


# spike removal (filters.tension_despike's formula): a sample beyond `threshold_n` of its median of
# 3 is replaced by that median, unless the samples beside it lead up to it (a sharp true peak)
@njit(cache=True, nogil=True)
def despike(x, threshold_n, med):  # pragma: no cover - compiled
    """x with its lone spikes replaced by `med` (x's median of 3); x itself when there are none."""
    n = len(x)
    bad = np.empty(n, dtype=np.bool_)
    any_bad = False
    for j in range(n):
        bad[j] = abs(x[j] - med[j]) > threshold_n
        any_bad |= bad[j]
    if not any_bad:
        return x
    slope = threshold_n / 4.0
    for j in range(2, n - 2):
        if bad[j]:
            sign = 1.0 if x[j] - med[j] > 0 else -1.0
            if sign * (x[j - 1] - x[j - 2]) > slope and sign * (x[j + 1] - x[j + 2]) > slope:
                bad[j] = False
    if n >= 3 and bad[n - 2]:  # the last but one has no outer neighbour on the right: its rise decides
        sign = 1.0 if x[n - 2] - med[n - 2] > 0 else -1.0
        if sign * (x[n - 3] - x[max(n - 4, 0)]) > slope:
            bad[n - 2] = False
    out = np.empty(n)
    for j in range(n):
        out[j] = med[j] if bad[j] else x[j]
    return out


# two adjacent spike samples out of a level stretch (filters._despike_pairs' formula)
@njit(cache=True, nogil=True)
def despike_pairs(x, threshold_n, time_s):  # pragma: no cover - compiled
    """x with each such pair replaced by the line between its neighbours; x itself when none."""
    n = len(x)
    out = x
    limit_s = -1.0  # 5.5 median sampling intervals, worked out at the first pair
    slope = threshold_n / 4.0
    for q in range(2, n - 3):
        ref = 0.5 * (x[q - 1] + x[q + 2])
        d0, d1 = x[q] - ref, x[q + 1] - ref
        if not (abs(d0) > threshold_n and abs(d1) > threshold_n and (d0 > 0) == (d1 > 0)):
            continue
        if not (abs(x[q - 1] - x[q - 2]) <= slope and abs(x[q + 2] - x[q + 3]) <= slope):
            continue
        if limit_s < 0:
            limit_s = 5.5 * median(time_s[1:] - time_s[:-1])
        if not time_s[q + 3] - time_s[q - 2] < limit_s:
            continue
        if out is x:
            out = x.copy()
        out[q] = (2.0 * x[q - 1] + x[q + 2]) / 3.0
        out[q + 1] = (x[q - 1] + 2.0 * x[q + 2]) / 3.0
    return out


# numpy's summation order (halves split at a multiple of 8 down to blocks of at most 128, eight
# running sums within a block), so that a compiled sum equals `a.sum()` bit for bit. Without
# recursion: numba's on-disk cache crashes on loading a recursive function.
@njit(cache=True, nogil=True)
def pairwise_sum(a):  # pragma: no cover - compiled
    """`a.sum()` of a contiguous float64 array, added in numpy's order."""
    # a stack of tasks: (lo, n) to sum, or n = -1 to add the last two sums (left + right)
    task_lo = np.empty(192, dtype=np.int64)
    task_n = np.empty(192, dtype=np.int64)
    sums = np.empty(96)
    n_tasks, n_sums = 1, 0
    task_lo[0], task_n[0] = 0, len(a)
    while n_tasks:
        n_tasks -= 1
        lo, n = task_lo[n_tasks], task_n[n_tasks]
        if n < 0:
            n_sums -= 1
            sums[n_sums - 1] = sums[n_sums - 1] + sums[n_sums]
        elif n > 128:
            half = n // 2
            half -= half % 8
            task_lo[n_tasks], task_n[n_tasks] = 0, -1
            task_lo[n_tasks + 1], task_n[n_tasks + 1] = lo + half, n - half
            task_lo[n_tasks + 2], task_n[n_tasks + 2] = lo, half
            n_tasks += 3
        else:
            sums[n_sums] = _block_sum(a, lo, n)
            n_sums += 1
    return 0.0 + sums[0]


@njit(cache=True, nogil=True)
def _block_sum(a, lo, n):  # pragma: no cover - compiled
    """numpy's sum of a[lo:lo+n] for n <= 128: in order below 8, else eight running sums."""
    if n < 8:
        acc = 0.0
        for q in range(lo, lo + n):
            acc += a[q]
        return acc
    r0, r1, r2, r3, r4, r5, r6, r7 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3], a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    q = lo + 8
    stop = lo + n - n % 8
    while q < stop:
        r0 += a[q]
        r1 += a[q + 1]
        r2 += a[q + 2]
        r3 += a[q + 3]
        r4 += a[q + 4]
        r5 += a[q + 5]
        r6 += a[q + 6]
        r7 += a[q + 7]
        q += 8
    acc = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for q in range(stop, lo + n):
        acc += a[q]
    return acc


# measure.measure_rep compiled whole (a rep cost ~100 small numpy calls, a third of the offline
# time): the same float operations as the array formulas it replaced, sums in numpy's order, so
# every field is bit for bit what they gave (tests/signal/test_measure_kernel.py). Here, beside the
# loops it calls: numba's on-disk cache of a function is renewed only when its own file changes.
_NO_REP = (False, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


@njit(cache=True, nogil=True)
def measure_shape(t, x, i_trigger, dt_s, noise_n, end_level_n):  # pragma: no cover - compiled
    """(found, *RepShape fields) for `measure.measure_rep`; end_level_n NaN: no settled level given."""
    n = len(x)
    s, width = _measuring_copy(t, x, i_trigger, dt_s, noise_n)
    # the bottom from a median-of-3 copy: a lone low sample (spike) must not become B
    robust = median3(s[: i_trigger + 1])
    i_bottom = 1 + int(np.argmin(robust[1:-1])) if i_trigger >= 2 else 0  # ends cannot be voted on
    i_peak = i_trigger + int(np.argmax(s[i_trigger:]))
    bottom_n = robust[i_bottom]
    peak_n = s[i_peak]
    excursion_n = peak_n - bottom_n
    if excursion_n <= 0 or i_peak <= i_bottom:
        return _NO_REP
    low_n = bottom_n + ONSET_FRACTION * excursion_n
    high_n = bottom_n + TOP_FRACTION * excursion_n
    start_level_n = low_n

    k_top_start = _first_at_or_above(s, i_bottom, i_peak + 1, high_n, i_bottom)
    k_below = _last_at_or_below(s, i_bottom, k_top_start, low_n)
    if k_below < 0:
        return _NO_REP
    k_start = k_below + 1  # first sample above low, last rise before the top
    k_end = _first_below(s, i_peak, low_n)
    if k_end < 0 and not np.isnan(end_level_n):  # settled at a new level (offset step)
        low_n = end_level_n
        k_end = _first_below(s, i_peak, low_n)
    if k_end < 0:  # the smoothed copy lags the raw samples at the very end
        s = s.copy()
        s[n - 1] = x[n - 1]
        k_end = _first_below(s, i_peak, low_n)
        if k_end < 0:  # the detector saw the fall a little earlier: end at the last sample
            k_end = n - 1
        if k_end == i_peak:
            return _NO_REP
    if k_end <= i_peak:
        return _NO_REP
    k_top_end = k_end - 1  # last at or above high (or the sample before the end)
    for k in range(k_end - 1, i_peak - 1, -1):
        if s[k] >= high_n:
            k_top_end = k
            break

    start_s = _interp_time(t, s, k_start, start_level_n)
    top_start_s = _interp_time(t, s, k_top_start, high_n) if k_top_start > k_start else start_s
    top_end_s = _interp_time(t, s, k_top_end + 1, high_n)
    end_s = _interp_time(t, s, k_end, low_n)

    # impulse: trapezoid over the despiked samples inside, with the crossings as end points
    areas = np.empty(k_end - k_start - 1)  # (s[k+1] + s[k]) · (t[k+1] - t[k]) inside
    for k in range(k_start, k_end - 1):
        areas[k - k_start] = (s[k + 1] + s[k]) * (t[k + 1] - t[k])
    impulse_ns = 0.5 * (
        pairwise_sum(areas)
        + (start_level_n + s[k_start]) * (t[k_start] - start_s)
        + (s[k_end - 1] + low_n) * (end_s - t[k_end - 1])
    )
    tut_s = end_s - start_s
    mean_n = impulse_ns / tut_s if tut_s > 0 else peak_n
    # (a fast rep at a low rate has few samples: the window stays within a quarter of its TUT)
    h = max(1, int(np.rint(min(STEADY_S, STEADY_TUT_FRACTION * tut_s) / dt_s))) if dt_s > 0 else 1
    steady_peak = median(_near(t, s, i_peak, h, 1.5 * h * dt_s))
    steady_bottom = median(_near(t, s, i_bottom, h, 1.5 * h * dt_s))
    # a crossing between samples further apart than GAP_FACTOR intervals fell among lost samples:
    # the rep is real (the tension on both sides shows it) but that timing is a straight-line guess
    # (the smoothing reaches `half` samples either side, so a gap that close moved the crossing too)
    half = (width | 1) // 2
    gap_s = 0.0
    if dt_s > 0 and _widest_step(t, max(0, k_start - 1 - half), k_end + half + 1) > GAP_FACTOR * dt_s:  # rare
        widest = 0.0
        for k in (k_start, k_top_start, k_top_end + 1, k_end):
            widest = max(widest, _widest_step(t, max(0, k - 1 - half), k + half + 1))
        gap_s = widest if widest > GAP_FACTOR * dt_s else 0.0
    return (
        True, start_s, top_start_s, top_end_s, end_s, bottom_n, peak_n, mean_n, impulse_ns, noise_n,
        steady_peak - steady_bottom, gap_s,
    )


@njit(cache=True, nogil=True)
def _measuring_copy(t, x, i_trigger, dt_s, noise_n):  # pragma: no cover - compiled
    """(s, width): x lightly despiked and smoothed over `width` samples (SMOOTH_S), the copy the
    crossings are read on."""
    n = len(x)
    med = median3(x)  # spikes must not set the scale that decides what a spike is
    width = int(np.rint(SMOOTH_S / dt_s)) if dt_s > 0 else 1
    if width > 1 and n >= 5:
        # sampled fast, the window's ends lie on settled tension (before the rise, after the end):
        # a spike there is voted on by the two samples inside (not a virtual sample across a gap)
        if t[1] - t[0] < 1.5 * dt_s:
            med[0] = median3(x[:3])[1]
        if t[n - 1] - t[n - 2] < 1.5 * dt_s:
            med[n - 1] = median3(x[n - 3 :])[1]
    e_raw = med[i_trigger:].max() - med[: i_trigger + 1].min()
    spike_frac = min(SPIKE_FRACTION_RANGE[1], max(SPIKE_FRACTION_RANGE[0], SPIKE_FRACTION_PER_S * dt_s))
    threshold_n = max(SPIKE_NOISE_K * noise_n, spike_frac * e_raw)
    s = despike(x, threshold_n, med)
    if width <= 1:  # slow sampling: nothing else smooths a pair of spikes
        s = despike_pairs(s, threshold_n, t)
    half = min((width | 1) // 2, (n - 1) // 2)
    if half >= 1:
        s = smooth(s, half)
    return s, width


@njit(cache=True, nogil=True)
def _first_at_or_above(s, a, b, level, default):  # pragma: no cover - compiled
    """First k in a..b-1 with s[k] >= level, else `default`."""
    for k in range(a, b):
        if s[k] >= level:
            return k
    return default


@njit(cache=True, nogil=True)
def _last_at_or_below(s, a, b, level):  # pragma: no cover - compiled
    """Last k in a..b-1 with s[k] <= level, else -1."""
    for k in range(b - 1, a - 1, -1):
        if s[k] <= level:
            return k
    return -1


@njit(cache=True, nogil=True)
def _first_below(s, a, level):  # pragma: no cover - compiled
    """First k >= a with s[k] < level, else -1."""
    for k in range(a, len(s)):
        if s[k] < level:
            return k
    return -1


@njit(cache=True, nogil=True)
def _interp_time(t, s, k, level):  # pragma: no cover - compiled
    """Time at which the segment between samples k-1 and k crosses `level`."""
    s0, s1 = s[k - 1], s[k]
    if s1 == s0:
        return t[k]
    frac = min(1.0, max(0.0, (level - s0) / (s1 - s0)))
    return t[k - 1] + frac * (t[k] - t[k - 1])


@njit(cache=True, nogil=True)
def _near(t, s, i, h, reach_s):  # pragma: no cover - compiled
    """s within h samples of i, leaving out those further than reach_s in time (across a gap)."""
    a, b = max(0, i - h), min(i + h + 1, len(s))
    if reach_s <= 0:
        return s[a:b]
    while t[a] < t[i] - reach_s:  # (short loops: numba's np.searchsorted is slow to compile)
        a += 1
    while t[b - 1] > t[i] + reach_s:
        b -= 1
    return s[a:b]


@njit(cache=True, nogil=True)
def _widest_step(t, a, b):  # pragma: no cover - compiled
    """Largest t[k] - t[k-1] within t[a:b] (at least two samples)."""
    widest = t[a + 1] - t[a]
    for k in range(a + 2, min(b, len(t))):
        widest = max(widest, t[k] - t[k - 1])
    return widest
