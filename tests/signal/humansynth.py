"""Synthetic efforts shaped like real people's (as real recordings showed them): uneven sizes, load in the rest, dips in
long holds, spikes, wobble. Each piece is a list of (t0, t1, f0, f1) cosine ramps on a flat line;
the truth is the list of efforts' [start_s, end_s] (the contract's 10 % crossings are close to the
ramps' ends, so tests match by overlap, not by milliseconds)."""

from __future__ import annotations

import numpy as np

Seg = tuple[float, float, float, float]


def effort(t0: float, peak_n: float, rise_s: float, hold_s: float, fall_s: float, base_n: float = 0.0) -> list[Seg]:
    """One pull: rise from base to peak, hold, fall back."""
    t1 = t0 + rise_s
    t2 = t1 + hold_s
    return [(t0, t1, base_n, base_n + peak_n), (t2, t2 + fall_s, base_n + peak_n, base_n)]


def render(segs: list[Seg], duration_s: float, fs_hz: float = 80.0, noise_n: float = 0.3, seed: int = 0,
           base_n: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Sample the ramps (in time order, each from f0 to f1, flat after) plus white noise."""
    t = np.arange(int(duration_s * fs_hz)) / fs_hz
    x = np.full_like(t, base_n)
    for t0, t1, f0, f1 in sorted(segs):
        u = np.clip((t - t0) / (t1 - t0), 0, 1)
        m = t >= t0
        x[m] = (f0 + (f1 - f0) * (1 - np.cos(np.pi * u)) / 2)[m]
    rng = np.random.default_rng(seed)
    return t, x + rng.normal(0.0, noise_n, len(t))


def truth_of(efforts: list[list[Seg]]) -> list[tuple[float, float]]:
    """[start, end] of each effort: its first ramp's start to its last ramp's end."""
    return [(e[0][0], e[-1][1]) for e in efforts]


def matched(found: list, truth: list[tuple[float, float]]) -> tuple[int, int]:
    """(false, missed): found reps overlapping no truth interval by half of the shorter, one-to-one."""
    used: set[int] = set()
    false = 0
    for r in found:
        best = None
        for j, (a, b) in enumerate(truth):
            ov = min(b, r.end_s) - max(a, r.start_s)
            if j not in used and ov > 0.5 * min(b - a, r.end_s - r.start_s):
                best = j
                break
        if best is None:
            false += 1
        else:
            used.add(best)
    return false, len(truth) - len(used)
