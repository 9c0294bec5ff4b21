"""Small synthetic tension signals with exactly known reps, for the analysis tests.

Each rep: cosine rise from B to B + E over `concentric_s`, hold, cosine fall over `eccentric_s`,
bottom pause. Truth times follow docs/analysis.md on the noise-free curve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_U10 = np.arccos(1 - 2 * 0.1) / np.pi  # fraction of a cosine ramp where it passes 10 %
_U90 = np.arccos(1 - 2 * 0.9) / np.pi


@dataclass
class TruthRep:
    start_s: float
    top_start_s: float
    top_end_s: float
    end_s: float
    bottom_n: float
    peak_n: float
    partial: bool


@dataclass
class Synth:
    time_s: np.ndarray
    tension_n: np.ndarray  # with noise and effects
    clean_n: np.ndarray
    reps: list[TruthRep]
    sets: list[list[TruthRep]]


def _curve(t: np.ndarray, segs: list[tuple[float, float, float, float]]) -> np.ndarray:
    """Piecewise: (t0, t1, f0, f1) cosine ramps; flat between."""
    x = np.full_like(t, segs[0][2])
    for t0, t1, f0, f1 in segs:
        u = np.clip((t - t0) / (t1 - t0), 0, 1)
        m = t >= t0
        x[m] = (f0 + (f1 - f0) * (1 - np.cos(np.pi * u)) / 2)[m]
    return x


def make_session(
    fs_hz: float = 80.0,
    sets: tuple[int, ...] = (8,),
    *,
    bottom_n: float = 20.0,
    excursion_n: float = 60.0,
    concentric_s: float = 1.0,
    hold_s: float = 1.0,
    eccentric_s: float = 2.0,
    pause_s: float = 0.5,
    lead_s: float = 3.0,
    rest_s: float = 40.0,
    noise_n: float = 0.3,
    partial: dict[int, float] | None = None,
    jitter_s: float = 0.0,
    seed: int = 0,
) -> Synth:
    """A session of sets of identical reps; `partial` maps a global rep number to its range fraction."""
    rng = np.random.default_rng(seed)
    partial = partial or {}
    segs = []
    reps: list[TruthRep] = []
    set_list: list[list[TruthRep]] = []
    t = lead_s
    k = 0
    for n_reps in sets:
        cur = []
        for _ in range(n_reps):
            frac = partial.get(k, 1.0)
            e = excursion_n * frac
            t0, t1 = t, t + concentric_s
            t2 = t1 + hold_s
            t3 = t2 + eccentric_s
            segs.append((t0, t1, bottom_n, bottom_n + e))
            segs.append((t2, t3, bottom_n + e, bottom_n))
            r = TruthRep(
                t0 + _U10 * concentric_s,
                t0 + _U90 * concentric_s,
                t2 + (1 - _U90) * eccentric_s,
                t2 + (1 - _U10) * eccentric_s,
                bottom_n,
                bottom_n + e,
                frac < 0.8,
            )
            reps.append(r)
            cur.append(r)
            t = t3 + pause_s
            k += 1
        set_list.append(cur)
        t += rest_s - pause_s
    duration = t - rest_s + lead_s
    n = int(duration * fs_hz)
    time_s = np.arange(n) / fs_hz
    if jitter_s:
        time_s = time_s + rng.uniform(-jitter_s, jitter_s, n)
        time_s = np.maximum.accumulate(time_s)
        time_s += np.arange(n) * 1e-9
    clean = _curve(time_s, segs)
    noisy = clean + rng.normal(0, noise_n, n)
    return Synth(time_s, noisy, clean, reps, set_list)


def score(rec, analysis) -> dict:
    """Compare an Analysis with a SimRecording's truth: per-set counts, timing errors, false reps."""
    det = analysis.reps
    centers = np.array([(r.start_s + r.end_s) / 2 for r in det])
    false_reps = 0
    for iv in rec.intervals("setup", "rest", "idle", "release", "tug", "grip"):
        if len(centers):
            false_reps += int(((centers > iv.start_s) & (centers < iv.end_s)).sum())
    counts = []
    onset, end = [], []
    partial_pairs = []
    for ts in rec.sets:
        inside = [r for r in det if ts.start_s - 0.3 < (r.start_s + r.end_s) / 2 < ts.end_s + 0.3]
        counts.append((len(ts.reps), len(inside)))
        if len(inside) == len(ts.reps):
            for r, tr in zip(inside, ts.reps):
                onset.append(abs(r.start_s - tr.start_s))
                end.append(abs(r.end_s - tr.end_s))
                partial_pairs.append((tr.partial, r.partial))
    return {
        "counts": counts,
        "exact": all(a == b for a, b in counts),
        "false_reps": false_reps,
        "onset_med_s": float(np.median(onset)) if onset else float("nan"),
        "end_med_s": float(np.median(end)) if end else float("nan"),
        "partials": partial_pairs,
    }


def streamed_sets(time_s: np.ndarray, tension_n: np.ndarray, chunk: int) -> list:
    """The RepSets a live RepDetector closes when fed in chunks of `chunk` samples, then finished."""
    from taut.signal import RepDetector

    det = RepDetector()
    events = []
    for i in range(0, len(time_s), chunk):
        events += det.feed(time_s[i : i + chunk], tension_n[i : i + chunk])
    events += det.finish()
    return [e.rep_set for e in events if type(e).__name__ == "SetEnded"]
