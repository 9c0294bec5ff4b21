"""Throughput of the analysis engine, as ratios against a plain scipy.signal.lfilter pass.

Offline: one hour of a simulated session at 80 Hz analysed at once (target >= 5 M samples/s).
Streaming: the same recording fed in chunks of 8 samples (target >= 200 k samples/s on one core).
The baseline (a 2nd-order Butterworth lfilter over the same samples) is timed in the same run, so
the ratios travel between machines better than the absolute figures. Times are CPU time of this
process (`time.process_time`, best of several runs), so other jobs on a shared machine move them less.
The detector's inner scans are compiled by numba (taut.signal.kernels): the figures above are
steady state; the cost of a fresh process's first call (loading the compiled code from numba's
cache, or compiling it when the cache is empty) is measured in subprocesses and printed too.

    python benchmarks/speed.py            # one hour
    python benchmarks/speed.py --quick    # ten minutes
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy.signal import butter, lfilter

from taut.signal import RepDetector, analyze
from taut.sim import simulate_session


def _best_of(n: int, fn) -> float:
    """Least CPU seconds of n runs of fn."""
    best = float("inf")
    for _ in range(n):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


_FIRST_CALL = """
import time
t0 = time.perf_counter()
import numpy as np
from taut.signal import analyze
t = np.arange(800) / 80.0
analyze(t, 20.0 + 5.0 * (np.sin(t) > 0.5))
print(time.perf_counter() - t0)
"""


def _first_call_s(cache_dir: str | None) -> float:
    """Seconds for a fresh process to import taut.signal and analyse ten seconds of signal."""
    env = dict(os.environ)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir  # an empty cache: everything is compiled
    out = subprocess.run([sys.executable, "-c", _FIRST_CALL], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.split()[-1])


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
    offline_s = _best_of(7, lambda: result.append(analyze(t, x)))
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
    warm = _first_call_s(None)
    with tempfile.TemporaryDirectory() as empty:
        cold = _first_call_s(empty)
    print(f"first call in a fresh process (import + 10 s of signal): {warm:.2f} s with numba's cache, "
          f"{cold:.2f} s compiling (empty cache)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
