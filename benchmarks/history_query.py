"""History queries over a year of daily sessions: each must answer in ≤ 100 ms.

Generates a log (in a temp dir) with one session a day for a year: 3–5 sets of 8–12 reps and
the raw samples of each set at 80 Hz in 0.5 s chunks, as `taut live` writes them. Then times
the queries behind `taut history`, `taut show` and `taut reanalyze`. Baseline, measured in the
same run: a plain full scan of the reps table (SQLite's raw speed on this machine).

Usage: python benchmarks/history_query.py [--quick] [--keep PATH]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from taut.exercises import EXERCISE_IDS
from taut.records import Rep, RepSet
from taut.store import open_log

TARGET_MS = 100.0
EXERCISES = EXERCISE_IDS
FS_HZ = 80.0
CHUNK_S = 0.5


def _set_trace(rng: np.random.Generator, n_reps: int, t0: float) -> tuple[np.ndarray, np.ndarray, tuple[Rep, ...]]:
    knots_t, knots_x, reps = [t0], [15.0], []
    t = t0 + 1.0
    peak = rng.uniform(80, 160)
    for i in range(n_reps):
        con, hold, ecc = rng.uniform(0.8, 1.5), rng.uniform(0.5, 2.5), rng.uniform(1.5, 3.0)
        p = peak * (0.6 if rng.random() < 0.1 else 1.0)
        knots_t += [t, t + con, t + con + hold, t + con + hold + ecc]
        knots_x += [15.0, p, p, 15.0]
        s, e = t + 0.1 * con, t + con + hold + 0.9 * ecc
        reps.append(Rep(i, s, t + 0.9 * con, t + con + hold + 0.1 * ecc, e, 15.0, p, 0.6 * p, 0.6 * p * (e - s),
                        p / peak, p < 0.8 * peak, 0.5))  # fmt: skip
        t += con + hold + ecc + 0.5
    knots_t.append(t + 1.0)
    knots_x.append(15.0)
    time_s = np.arange(t0, t + 1.0, 1.0 / FS_HZ)
    return time_s, np.interp(time_s, knots_t, knots_x) + rng.normal(0, 0.3, len(time_s)), tuple(reps)


def generate(path: Path, days: int, seed: int = 7) -> tuple[int, int, int]:
    """Fill a log; returns (sessions, reps, samples)."""
    rng = np.random.default_rng(seed)
    start = time.time() - days * 86400.0
    n_reps = n_samples = 0
    with open_log(path) as db:
        for day in range(days):
            ex = EXERCISES[day % len(EXERCISES)]
            sid = db.start_session(exercise=ex, band=("yellow", "red", "green")[day % 3], source="ble",
                                   started_unix_s=start + day * 86400.0 + 18 * 3600)  # fmt: skip
            t = 0.0
            for set_index in range(int(rng.integers(3, 6))):
                time_s, tension_n, reps = _set_trace(rng, int(rng.integers(8, 13)), t)
                step = int(CHUNK_S * FS_HZ)
                for i in range(0, len(time_s), step):
                    db.append_samples(sid, time_s[i : i + step], tension_n[i : i + step])
                db.end_set(sid, RepSet(set_index, reps, ex))
                n_reps += len(reps)
                n_samples += len(time_s)
                t = float(time_s[-1]) + 90.0  # rest
            db.end_session(sid, ended_unix_s=start + day * 86400.0 + 18 * 3600 + t)
    return days, n_reps, n_samples


def time_ms(fn, repeat: int) -> float:  # noqa: ANN001
    """Median wall time of `repeat` calls of fn, in ms (benchmarks/progress.py uses it too)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="90 days instead of 365")
    parser.add_argument("--keep", type=Path, help="write the generated log here and keep it")
    args = parser.parse_args()
    days = 90 if args.quick else 365
    tmp = Path(tempfile.mkdtemp(prefix="taut-bench-"))
    path = args.keep or tmp / "year.db"
    try:
        t0 = time.perf_counter()
        sessions, reps, samples = generate(path, days)
        gen_s = time.perf_counter() - t0
        size_mb = sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6
        print(f"generated {sessions} sessions, {reps} reps, {samples} samples in {gen_s:.1f} s ({size_mb:.1f} MB)")
        with open_log(path) as db:
            some = db.sessions()[len(db.sessions()) // 2]
            month_ago = time.time() - 30 * 86400.0
            conn = db._conn  # the baseline reads the same connection, raw
            baseline = time_ms(lambda: conn.execute("SELECT * FROM reps").fetchall(), 5)
            queries = {
                "history: all sessions": lambda: db.sessions(),
                "history: one exercise": lambda: db.sessions(exercise="face-pull"),
                "history: last 30 days": lambda: db.sessions(since_unix_s=month_ago),
                "history --sets, one exercise": lambda: db.set_summaries(exercise="row"),
                "show: sets and reps of a session": lambda: db.sets(some.id),
                "show/reanalyze: raw samples of a session": lambda: db.samples(some.id),
            }
            ok = True
            print(f"baseline: full scan of {reps} reps rows {baseline:.1f} ms")
            for name, fn in queries.items():
                ms = time_ms(fn, 7)
                ok &= ms <= TARGET_MS
                verdict = "ok" if ms <= TARGET_MS else f"OVER {TARGET_MS:.0f} ms"
                print(f"  {name:42s} {ms:7.2f} ms = {ms / baseline:5.2f}x baseline [{verdict}]")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
