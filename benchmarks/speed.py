"""Throughput of the analysis engine, as ratios against a plain scipy.signal.lfilter pass.

Offline: one hour of a simulated session at 80 Hz analysed at once (target >= 5 M samples/s).
Streaming: the same recording fed in chunks of 8 samples (target >= 200 k samples/s on one core).
The baseline (a 2nd-order Butterworth lfilter over the same samples) is timed in the same run, so
the ratios travel between machines better than the absolute figures.

    python benchmarks/speed.py            # one hour
    python benchmarks/speed.py --quick    # ten minutes
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.signal import butter, lfilter

from taut.signal import RepDetector, analyze
from taut.sim import simulate_session


def _best_of(n: int, fn) -> float:
    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="ten minutes of signal instead of one hour")
    args = parser.parse_args()
    duration_s = 600.0 if args.quick else 3600.0
    rec = simulate_session(3, fs_hz=80.0, duration_s=duration_s, noise="low")
    t, x = rec.time_s, rec.tension_n
    n = len(t)
    b, a = butter(2, 0.1)
    base_s = _best_of(5, lambda: lfilter(b, a, x))

    result = []
    offline_s = _best_of(3, lambda: result.append(analyze(t, x)))
    reps = len(result[-1].reps)

    def stream() -> None:
        det = RepDetector()
        for i in range(0, n, 8):
            det.feed(t[i : i + 8], x[i : i + 8])
        det.finish()

    stream_s = _best_of(3, stream)
    base = n / base_s
    off = n / offline_s
    live = n / stream_s
    print(f"signal: {duration_s / 60:.0f} min at 80 Hz = {n} samples, {reps} reps in {len(result[-1].sets)} sets")
    print(f"{'':34s} {'samples/s':>14s} {'vs lfilter':>11s} {'target':>12s}")
    print(f"{'baseline: scipy lfilter (2nd order)':34s} {base:14,.0f} {1.0:11.4f}")
    print(f"{'offline analyze (whole recording)':34s} {off:14,.0f} {off / base:11.4f} {'>= 5,000,000':>12s}")
    print(f"{'streaming, chunks of 8':34s} {live:14,.0f} {live / base:11.4f} {'>= 200,000':>12s}")
    print(f"streaming cost per sample: {1e6 / live:.2f} us; bands served live at 80 Hz on one core: {live / 80:,.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
