"""How fast and how lean the simulator streams: can it drive a virtual band for an hour in real time?

Figures (all measured in this run):
- `SessionStream.read(t)` one sample at a time (the virtual band's path): µs per sample, how many
  times faster than real time at 80 Hz and 1 kHz, and the cost relative to a baseline source that
  only computes math.sin per sample;
- `chunks(1 kHz)`: samples/s and times real time over the whole session;
- memory: peak traced allocation while streaming the whole session vs its first tenth (bounded
  memory means a ratio near 1), against the batch recording's arrays;
- `simulate_session` for the session at 80 Hz and `labelled_suite(200)` wall time.

Usage: python benchmarks/sim_stream.py [--quick]   (--quick: 10 minutes instead of one hour)
"""

from __future__ import annotations

import argparse
import math
import time
import tracemalloc

import numpy as np

from taut.sim import SessionStream, labelled_suite, random_plan, simulate_session


def _per_sample_read_us(stream: SessionStream, times: np.ndarray) -> float:
    t0 = time.perf_counter()
    for t in times.tolist():
        stream.read(t)
    return (time.perf_counter() - t0) / len(times) * 1e6


def _baseline_us(times: np.ndarray) -> float:
    """The cheapest possible tension source: one math.sin per sample."""
    t0 = time.perf_counter()
    acc = 0.0
    for t in times.tolist():
        acc += 50.0 + 40.0 * math.sin(1.3 * t)
    return (time.perf_counter() - t0) / len(times) * 1e6


def _stream_peak_bytes(plan, fs_hz: float, until_s: float) -> int:
    stream = SessionStream(plan)
    tracemalloc.start()
    for _chunk in stream.chunks(fs_hz, chunk_s=1.0, until_s=until_s):
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> int:
    ap = argparse.ArgumentParser(description="Simulator streaming speed and memory.")
    ap.add_argument("--quick", action="store_true", help="a 10-minute session instead of an hour")
    args = ap.parse_args()
    duration_s = 600.0 if args.quick else 3600.0
    suite_sets = 50 if args.quick else 200

    t0 = time.perf_counter()
    plan = random_plan(2026, duration_s=duration_s, gaps=False)
    stream = SessionStream(plan)
    build_s = time.perf_counter() - t0
    n_reps = sum(len(s.reps) for s in plan.sets)
    print(f"session: {stream.duration_s / 60:.0f} min, {len(plan.sets)} sets, {n_reps} reps; "
          f"plan + timeline built in {build_s * 1e3:.0f} ms")

    times = np.arange(0.0, min(stream.duration_s, 120.0), 1e-3)
    read_us = _per_sample_read_us(stream, times)
    base_us = _baseline_us(times)
    print(f"read(t) one sample at a time: {read_us:.1f} us/sample "
          f"({read_us / base_us:.0f}x the math.sin baseline's {base_us:.2f} us)")
    print(f"  real-time factor: {1e6 / (read_us * 80):.0f}x at 80 Hz, {1e6 / (read_us * 1000):.1f}x at 1 kHz")

    t0 = time.perf_counter()
    n = sum(len(c) for c in SessionStream(plan).chunks(1000.0, chunk_s=1.0, until_s=stream.duration_s / 10))
    rate = n / (time.perf_counter() - t0)
    tenth_peak = _stream_peak_bytes(plan, 1000.0, stream.duration_s / 10)
    full_peak = _stream_peak_bytes(plan, 1000.0, stream.duration_s)
    batch_bytes = int(stream.duration_s * 1000) * 8 * 6
    print(f"chunks at 1 kHz: {rate / 1e6:.2f} M samples/s = {rate / 1000:.0f}x real time")
    print(f"  peak memory streaming the whole session {full_peak / 1e6:.1f} MB vs its first tenth "
          f"{tenth_peak / 1e6:.1f} MB: ratio {full_peak / tenth_peak:.2f} (bounded); "
          f"batch arrays would take {batch_bytes / 1e6:.0f} MB ({batch_bytes / full_peak:.0f}x)")

    t0 = time.perf_counter()
    rec = simulate_session(plan, fs_hz=80.0)
    batch_s = time.perf_counter() - t0
    print(f"simulate_session at 80 Hz: {len(rec.time_s)} samples, {rec.reps} reps of truth in {batch_s:.2f} s "
          f"= {stream.duration_s / batch_s:.0f}x real time")

    t0 = time.perf_counter()
    n_sets = sum(len(r.sets) for r in labelled_suite(n_sets=suite_sets, seed=0))
    print(f"labelled_suite({suite_sets}): {n_sets} sets in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
