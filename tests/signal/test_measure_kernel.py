"""The compiled measurement (kernels.measure_shape, despike, despike_pairs, pairwise_sum) gives bit
for bit what the array formulas it replaced give: those formulas are kept here as the reference."""

import numpy as np
import pytest

import taut.signal.reps as reps_module
from taut.signal import analyze
from taut.signal.filters import median_of, noise_scale_n, tension_despike, tension_median3, tension_smooth
from taut.signal.kernels import pairwise_sum
from taut.signal.levels import (
    GAP_FACTOR, ONSET_FRACTION, SMOOTH_S, SPIKE_FRACTION_PER_S, SPIKE_FRACTION_RANGE, SPIKE_NOISE_K, STEADY_S,
    STEADY_TUT_FRACTION, TOP_FRACTION,
)
from taut.signal.measure import RepShape, measure_rep
from taut.sim import human_suite, labelled_suite


# ---------------------------------------------------------------- the array formulas (as they were)
def _despike_by_arrays(x, threshold_n, med=None, *, pairs_time_s=None):
    """filters.tension_despike as array formulas."""
    if med is None:  # callers that already hold tension_median3(x) pass it
        med = tension_median3(x)
    dev = x - med
    bad = np.abs(dev) > threshold_n
    if not bad.any():
        return _despike_pairs_by_arrays(x, threshold_n, pairs_time_s) if pairs_time_s is not None else x
    n = len(x)
    idx = np.flatnonzero(bad)
    inner = idx[(idx >= 2) & (idx <= n - 3)]
    if len(inner):
        sign = np.sign(dev[inner])
        slope = threshold_n / 4.0
        left = sign * (x[inner - 1] - x[inner - 2]) > slope
        right = sign * (x[inner + 1] - x[inner + 2]) > slope
        bad[inner[left & right]] = False  # a peak (or trough) the samples around it lead up to
    if n >= 3 and bad[n - 2] and np.sign(dev[n - 2]) * (x[n - 3] - x[max(n - 4, 0)]) > threshold_n / 4.0:
        bad[n - 2] = False  # the last but one has no outer neighbour on the right: its rise decides
    out = np.where(bad, med, x)
    return _despike_pairs_by_arrays(out, threshold_n, pairs_time_s) if pairs_time_s is not None else out


def _despike_pairs_by_arrays(x: np.ndarray, threshold_n: float, time_s: np.ndarray) -> np.ndarray:
    """Two adjacent samples sticking out the same way from a level stretch (a median of 3 keeps
    them): the line between their neighbours replaces them. Not across lost samples, where a
    rep's only two samples can look just the same."""
    n = len(x)
    if n < 6:
        return x
    j = np.arange(2, n - 3)  # pairs (j, j+1); neighbours j-1 and j+2; their outer neighbours j-2, j+3
    ref = 0.5 * (x[j - 1] + x[j + 2])
    d0, d1 = x[j] - ref, x[j + 1] - ref
    sign = np.sign(d0)
    bad = (np.abs(d0) > threshold_n) & (np.abs(d1) > threshold_n) & (np.sign(d1) == sign)
    if not bad.any():
        return x
    # only out of a level stretch: next to a fast rep's top a replaced spike can leave a step
    # that no longer looks like the slope it was
    slope = threshold_n / 4.0
    level = (np.abs(x[j - 1] - x[j - 2]) <= slope) & (np.abs(x[j + 2] - x[j + 3]) <= slope)
    unbroken = time_s[j + 3] - time_s[j - 2] < 5.5 * median_of(np.diff(time_s))
    out = x.copy()
    for q in j[bad & level & unbroken]:
        out[q] = (2.0 * x[q - 1] + x[q + 2]) / 3.0
        out[q + 1] = (x[q - 1] + 2.0 * x[q + 2]) / 3.0
    return out



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


def _measure_rep_by_arrays(t, x, i_trigger, dt_s=None, noise_n=None, end_level_n=None):
    """measure.measure_rep as array formulas."""
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
    s = _despike_by_arrays(x, max(SPIKE_NOISE_K * noise_n, spike_frac * e_raw), med, pairs_time_s=t if width <= 1 else None)
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


# ---------------------------------------------------------------- the checks
def _walk(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.cumsum(rng.standard_normal(n)) + 8.0 * (rng.random(n) < 0.05) * rng.standard_normal(n)


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 127, 128, 129, 130, 255, 256, 257, 1000, 1031, 8192, 20011])
def test_pairwise_sum_adds_in_numpys_order(n):
    rng = np.random.default_rng(n)
    a = rng.standard_normal(n) * 10.0 ** rng.uniform(-4, 4, n)  # magnitudes far apart: the order shows
    assert pairwise_sum(a) == a.sum()


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("threshold_n", [0.5, 2.0, 6.0])
def test_despike_equals_the_array_formula(seed, threshold_n):
    x = _walk(seed, 60 + 17 * seed)
    t = 0.1 * np.arange(len(x))
    t[len(x) // 2 :] += 0.5 * (seed % 2)  # a gap in half the cases (pairs are not replaced across it)
    for n in (len(x), 3, 4, 5, 6, 7):
        xs, ts = x[:n], t[:n]
        assert np.array_equal(tension_despike(xs, threshold_n), _despike_by_arrays(xs, threshold_n))
        got = tension_despike(xs, threshold_n, pairs_time_s=ts)
        assert np.array_equal(got, _despike_by_arrays(xs, threshold_n, pairs_time_s=ts))


def _detector_calls(recordings) -> list[tuple]:
    """The arguments of every measure_rep call the detector makes on `recordings`."""
    calls = []

    def record(t, x, i_trigger, dt_s=None, noise_n=None, end_level_n=None):
        calls.append((t.copy(), x.copy(), i_trigger, dt_s, noise_n, end_level_n))
        return measure_rep(t, x, i_trigger, dt_s, noise_n, end_level_n)

    patch = pytest.MonkeyPatch()
    patch.setattr(reps_module, "measure_rep", record)
    try:
        for rec in recordings:
            analyze(rec.time_s, rec.tension_n)
    finally:
        patch.undo()
    return calls


def _random_windows(seed: int, count: int) -> list[tuple]:
    """Rise-and-fall windows with noise, spikes, lost samples and odd triggers (None paths too)."""
    rng = np.random.default_rng(seed)
    out = []
    for j in range(count):
        dt = (0.0125, 0.1, 0.025)[j % 3]
        n = int(rng.integers(3, 160))
        t = dt * np.arange(n) + dt * rng.uniform(-0.2, 0.2, n).cumsum() * 0.1
        t = np.sort(t) + np.arange(n) * 1e-9
        if rng.random() < 0.3 and n > 10:  # lost samples
            q = int(rng.integers(2, n - 2))
            t[q:] += dt * rng.uniform(2.0, 8.0)
        bump = np.sin(np.pi * np.clip(np.linspace(-0.3, 1.2, n), 0, 1)) * rng.uniform(1, 100)
        x = 5.0 + bump + rng.normal(0, rng.uniform(0.01, 2.0), n) + 20.0 * (rng.random(n) < 0.04)
        end_level = None if rng.random() < 0.7 else float(5.0 + rng.uniform(0, 50))
        i_trigger = int(rng.integers(0, n + 1))
        out.append((t, x, i_trigger, dt if rng.random() < 0.8 else None, None if rng.random() < 0.3 else 0.3, end_level))
    return out


def _same(got, want) -> bool:
    return got is None and want is None or (got is not None and want is not None and tuple(got) == tuple(want))


def test_measure_rep_equals_the_array_formulas_on_the_detectors_reps():
    # every rep the detector measures on tidy and human-like sets at 10 and 80 Hz (noise, spikes,
    # lost samples, offset steps), plus windows the detector never hands over
    recordings = list(labelled_suite(8, seed=3)) + list(human_suite(8, seed=1))
    cases = _detector_calls(recordings) + _random_windows(0, 400)
    shapes = [measure_rep(*c) for c in cases]
    assert all(_same(got, _measure_rep_by_arrays(*c)) for got, c in zip(shapes, cases))
    found = [s for s in shapes if s is not None]
    assert isinstance(found[0], RepShape)
    # the cases reach the paths that matter: no rep, lost samples at a crossing, a settled level
    assert len(found) > 100 and len(found) < len(shapes)
    assert any(s.gap_s > 0 for s in found)
    assert any(c[5] is not None for c in cases)
