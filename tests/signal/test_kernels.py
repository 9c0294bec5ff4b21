"""The compiled loops give bit for bit what the array formulas they replaced give."""

import numpy as np
import pytest

from taut.signal.kernels import (
    Signal, UpCandidate, UpRules, bottom_level, bottom_scan, detection_block, gaps_after, median, median3,
    median_interval, second_difference_quartile, smooth, up_scan,
)


def _walk(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.cumsum(rng.standard_normal(n)) + 3.0 * (rng.random(n) < 0.05) * rng.standard_normal(n)


@pytest.mark.parametrize("seed", range(5))
def test_median3_equals_the_array_formula(seed):
    x = _walk(seed, 257)
    a, b, c = x[:-2], x[1:-1], x[2:]
    expected = np.concatenate((x[:1], np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c)), x[-1:]))
    assert np.array_equal(median3(x), expected)


@pytest.mark.parametrize("half", [1, 2, 7])
def test_smooth_equals_running_sums(half):
    x = _walk(half, 101)
    n = len(x)
    c = np.concatenate(([0.0], np.cumsum(x)))
    expected = np.empty(n)
    expected[half : n - half] = (c[2 * half + 1 :] - c[: n - 2 * half]) / (2 * half + 1)
    for h in range(half):
        expected[h] = c[2 * h + 1] / (2 * h + 1)
        expected[n - 1 - h] = (c[n] - c[n - 2 * h - 1]) / (2 * h + 1)
    assert np.array_equal(smooth(x, half), expected)


@pytest.mark.parametrize("seed", range(5))
def test_bottom_scan_equals_running_minimum(seed):
    rng = np.random.default_rng(seed)
    n = 300
    t = np.cumsum(rng.uniform(0.01, 0.02, n))
    hi = _walk(seed, n)
    lo = hi - rng.random(n)
    leak = 0.05 * t
    hi_leak = hi - leak
    i, threshold, rest_at = 7, 4.0, float(t[150])
    k, d_k, base_k, j, d_j, d_last = bottom_scan(t, lo, hi_leak, leak, i, n, 1.0, threshold, rest_at)
    d = np.minimum(np.minimum.accumulate(hi_leak[i:]), 1.0)
    over = lo[i:] - (d + leak[i:]) > threshold
    k_ref = i + int(over.argmax()) if over.any() else n
    assert k == k_ref
    if k < n:
        assert (d_k, base_k) == (d[k - i], d[k - i] + leak[k])
    else:
        assert d_last == d[-1]
    j_ref = i + int(np.searchsorted(t[i:], rest_at))
    if j_ref <= k:
        assert (j, d_j) == (j_ref, d[j_ref - i])


@pytest.mark.parametrize("seed", range(5))
def test_up_scan_finds_the_end_and_the_plateau(seed):
    # a rise, a held plateau, a clear second rise (restart), then the fall back to the bottom
    rng = np.random.default_rng(seed)
    hist, w = 64, 8
    level = np.concatenate((np.linspace(0, 10, 20), np.full(30, 10.0), np.linspace(10, 30, 10), np.linspace(30, 0, 30)))
    x = level + 0.01 * rng.standard_normal(len(level))
    t = 0.0125 * np.arange(len(x))
    ext = np.concatenate((np.full(hist, x[0]), x))
    prev = np.concatenate((x[:1], x[:-1]))
    # stretch 1..n, peak so far x[1], bottom 0 N, end confirm 0.7, trigger at t[1], abandon after 15 s,
    # window w (first full one w - 1 samples in), still below 0.3 N or 0.1 E, no plateau yet, theta 2 N
    # (no valley yet, none within reach: allowance 0 N, rise 1e9 N)
    sig = Signal(t, x, x, x, prev, ext, ext, ext, hist)
    cand = UpCandidate(x[1], 0.0, float(t[1]), np.inf, np.inf, 0, -np.inf)
    rules = UpRules(0.7, 15.0, w, w - 1, 0.3, 0.1, 2.0, 0.75, 0.25, 0.0, 0.0, 0.1, 1e9, 0.3, False, 0.0)
    k, late, p_end, j_rise, top, peak, m_still, still_min, still_max, *_ = up_scan(sig, 1, len(x), cand, rules)
    assert not late
    assert 50 <= j_rise <= 53  # the second rise clears the plateau's level by theta = 2 N
    assert 19 + w <= m_still < j_rise and still_min <= top <= still_max
    assert abs(top - 10.0) < 0.1 and peak == pytest.approx(x[: j_rise].max())
    # without a restart threshold it can reach (theta huge), the scan runs on to the end of the fall
    k, late, p_end, j_rise, *_ = up_scan(sig, 1, len(x), cand, rules._replace(restart_n=1e9))
    assert j_rise == -1 and p_end == x[1:k + 1].max()
    assert x[k] < 0.1 * p_end and k > 60


def test_up_scan_ends_at_a_valley_near_the_bottom_followed_by_a_clear_rise():
    # two reps whose trough stays at 15 % of the first peak: no fall below 10 %, but a valley
    # within the allowance, then a rise of more than 0.3 E: the first ends at the valley
    hist = 64
    x = np.concatenate((np.linspace(0, 20, 10), np.linspace(20, 3, 10), np.linspace(3, 20, 10), np.linspace(20, 0, 10)))
    t = 0.1 * np.arange(len(x))
    ext = np.concatenate((np.full(hist, x[0]), x))
    prev = np.concatenate((x[:1], x[:-1]))
    sig = Signal(t, x, x, x, prev, ext, ext, ext, hist)
    cand = UpCandidate(x[1], 0.0, float(t[1]), np.inf, np.inf, 0, -np.inf)
    rules = UpRules(0.7, 15.0, 4, 3, 0.3, 0.1, 1e9, 0.75, 0.25, 0.0, 2.0, 0.1, 1.0, 0.3, False, 0.0)
    k, *_, v, vk, by_valley, _ = up_scan(sig, 1, len(x), cand, rules)
    assert by_valley and vk == 19 and v == 3.0
    assert x[k] - v > 0.3 * 20.0 and all(x[19:k] - v <= 0.3 * 20.0)
    # the same trough out of reach (no allowance): the scan runs on to the fall below 10 %
    k, *_, by_valley, _ = up_scan(sig, 1, len(x), cand, rules._replace(valley_allow_n=0.0))
    assert not by_valley and x[k] < 2.0 and k > 30
    # in a set, a valley up to valley_floor_fraction of E above the line ends it whatever the noise
    # allowance (an incomplete release: 3 N is 0.05 E above the 10 % line)
    k, *_, vk, by_valley, _ = up_scan(sig, 1, len(x), cand, rules._replace(valley_allow_n=0.0, valley_floor_fraction=0.1))
    assert by_valley and vk == 19
    k, *_, by_valley, _ = up_scan(sig, 1, len(x), cand, rules._replace(valley_allow_n=0.0, valley_floor_fraction=0.04))
    assert not by_valley
    # carried over from an earlier stretch: a valley found before i still ends the candidate
    k, *_, v, vk, by_valley, _ = up_scan(sig, 22, len(x), cand._replace(peak_n=20.0, valley_n=3.0, valley_k=-5), rules)
    assert by_valley and vk == -5 and k >= 22


@pytest.mark.parametrize("n", [1, 2, 7, 16, 33])
def test_median_equals_partition(n):
    a = _walk(n, n)
    k = n // 2
    expected = np.partition(a, k)[k] if n % 2 else 0.5 * (np.partition(a, (k - 1, k))[k - 1] + np.partition(a, k)[k])
    assert median(a) == expected


def test_gaps_after_finds_each_gap_past_the_start():
    t = np.array([0.0, 0.1, 0.2, 0.9, 1.0, 1.1, 2.0, 2.1])
    assert gaps_after(t, 0, 0.3).tolist() == [3, 6]
    assert gaps_after(t, 3, 0.3).tolist() == [6]
    assert gaps_after(t, 6, 0.3).tolist() == []


@pytest.mark.parametrize("w", [1, 3, 5])
def test_bottom_level_equals_smoothed_median_minimum(w):
    x = _walk(w, 120)
    a, b, c = x[:-2], x[1:-1], x[2:]
    med = np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))
    if w > 1:
        cs = np.cumsum(med)
        med = (cs[w - 1 :] - np.concatenate(([0.0], cs[:-w]))) / w
    assert bottom_level(x, w) == med.min()


@pytest.mark.parametrize("votes", [False, True])
def test_up_scan_peak_votes_count_a_lone_top_but_no_spike(votes):
    # 10 Hz: a fast rep's top is one sample (its neighbours on the slopes); the min of two misses
    # it, the vote (measure_rep's despike rule, two samples later) takes it. A spike on a held
    # level is no top either way.
    hist = 64
    x = np.array([0.0, 0.0, 6.0, 14.0, 30.0, 15.0, 7.0, 4.0, 4.0, 4.0, 4.0, 60.0, 4.0, 4.0, 4.0, 4.0])
    t = 0.1 * np.arange(len(x))
    ext = np.concatenate((np.full(hist, x[0]), x))
    lo = np.minimum(x, np.concatenate((x[:1], x[:-1])))
    hi = np.maximum(x, np.concatenate((x[:1], x[:-1])))
    prev = np.concatenate((x[:1], x[:-1]))
    lo_ext = np.concatenate((np.full(hist, lo[0]), lo))
    hi_ext = np.concatenate((np.full(hist, hi[0]), hi))
    # no end (end test needs y below -1e9), no plateau restart, no valley: only the running peak
    sig = Signal(t, lo, hi, np.full(len(x), 1e9), prev, lo_ext, hi_ext, ext, hist)
    cand = UpCandidate(lo[3], 0.0, 0.3, np.inf, np.inf, 0, -np.inf)
    rules = UpRules(0.7, 15.0, 4, 0, 0.0, 0.0, 1e9, 0.75, 0.25, 0.0, 0.0, 0.1, 1e9, 0.3, votes, 0.5)
    p_end = up_scan(sig, 3, len(x), cand, rules).p_end
    assert p_end == (30.0 if votes else 15.0)


def _detection_block_by_arrays(t, x, raw_hist, med_hist, lo_hist, hi_hist, w, y_last, first, leak):
    """The numpy formulas `detection_block` replaced (RepDetector's per-block filter)."""
    h = len(raw_hist)
    if first:
        raw_hist = med_hist = np.full(h, x[0])
    raw_ext = np.concatenate((raw_hist, x))
    if w > 1:
        a, b, c = raw_ext[h - 2 : -2], raw_ext[h - 1 : -1], raw_ext[h:]
        med_ext = np.concatenate((med_hist, np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))))
        y = med_ext[h - w + 1 : h - w + 1 + len(x)].copy()
        for j in range(1, w):
            y += med_ext[h - w + 1 + j : h - w + 1 + j + len(x)]
        y /= w
        prev = np.concatenate((y[:1] if first else [y_last], y[:-1]))
        lo = hi = y
    else:
        med_ext, y, prev = med_hist, x, raw_ext[h - 1 : -1]
        lo, hi = np.minimum(x, prev), np.maximum(x, prev)
    if first:
        lo_hist, hi_hist = np.full(h, lo[0]), np.full(h, hi[0])
    leak_t = leak * t
    return (raw_ext, med_ext, y, prev, lo, hi, np.concatenate((lo_hist, lo)), np.concatenate((hi_hist, hi)),
            leak_t, hi - leak_t)


@pytest.mark.parametrize("w", [1, 3, 5])
@pytest.mark.parametrize("first", [True, False])
def test_detection_block_equals_the_array_formulas(w, first):
    rng = np.random.default_rng(w)
    n, h = 37, 64
    t = 0.0125 * np.arange(n) + 3.0
    x = 20.0 + rng.standard_normal(n)
    hists = [rng.standard_normal(h) for _ in range(4)]
    got = detection_block(t, x, *hists, w, 1.25, first, 0.05)
    want = _detection_block_by_arrays(t, x, *hists, w, 1.25, first, 0.05)
    for g, e in zip(got, want):
        assert np.array_equal(g, e)  # bit for bit


@pytest.mark.parametrize("n", [3, 4, 5, 9, 64, 257])
def test_second_difference_quartile_equals_partition(n):
    x = _walk(n, n)
    d2 = np.abs(x[2:] - 2 * x[1:-1] + x[:-2])
    k = len(d2) // 4
    assert second_difference_quartile(x) == np.partition(d2, k)[k]


@pytest.mark.parametrize("n", [2, 3, 16, 17])
def test_median_interval_equals_the_median_of_diff(n):
    t = np.cumsum(np.random.default_rng(n).uniform(0.01, 0.02, n))
    assert median_interval(t) == np.median(np.diff(t))
