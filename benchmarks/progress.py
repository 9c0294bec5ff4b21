"""`taut progress` over a year of daily sessions: the weekly summary and the bests in ≤ 200 ms.

Generates a log (in a temp dir) with one session a day for a year, 3–5 sets of 8–12 reps each,
as `taut live` leaves them (sets and reps; the raw samples play no part in the summary). Then
times `weekly_progress` + `personal_bests` (what `taut progress` asks of the log). Baseline,
measured in the same run: a plain full scan of the reps table (SQLite's raw speed here).

Usage: python benchmarks/progress.py [--quick] [--keep PATH]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from taut.exercises import EXERCISE_IDS
from taut.share.targets import target_tempos
from taut.records import Rep, RepSet
from taut.store import open_log

from history_query import time_ms  # noqa: E402  (a sibling benchmark script)

TARGET_MS = 200.0
EXERCISES = EXERCISE_IDS


def _reps(rng: np.random.Generator, n: int, t0: float) -> tuple[Rep, ...]:
    reps, t, peak = [], t0, rng.uniform(80, 160)
    for i in range(n):
        con, hold, ecc = rng.uniform(0.8, 1.5), rng.uniform(0.5, 2.5), rng.uniform(1.5, 3.0)
        partial = bool(rng.random() < 0.1)
        p = peak * (0.6 if partial else 1.0)
        tut = con + hold + ecc
        reps.append(Rep(i, t, t + con, t + con + hold, t + tut, 15.0, p, 0.6 * p, 0.6 * p * tut,
                        0.6 if partial else 1.0, partial, None if i == n - 1 else 0.5))  # fmt: skip
        t += tut + 0.5
    return tuple(reps)


def generate(path: Path, days: int, seed: int = 7) -> tuple[int, int]:
    """Fill a log; returns (sessions, reps)."""
    rng = np.random.default_rng(seed)
    start = time.time() - days * 86400.0
    n_reps = 0
    with open_log(path) as db:
        for day in range(days):
            ex = EXERCISES[day % len(EXERCISES)]
            t0 = start + day * 86400.0 + 18 * 3600
            sid = db.start_session(exercise=ex, band=("yellow", "red", "green")[day % 3], source="ble", started_unix_s=t0)
            t = 0.0
            for set_index in range(int(rng.integers(3, 6))):
                reps = _reps(rng, int(rng.integers(8, 13)), t + 1.0)
                db.end_set(sid, RepSet(set_index, reps, ex))
                n_reps += len(reps)
                t = reps[-1].end_s + 90.0
            db.end_session(sid, ended_unix_s=t0 + t)
    return days, n_reps


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
        sessions, reps = generate(path, days)
        print(f"generated {sessions} sessions, {reps} reps in {time.perf_counter() - t0:.1f} s")
        targets = target_tempos()
        with open_log(path, readonly=True) as db:
            conn = db._conn  # the baseline reads the same connection, raw
            baseline = time_ms(lambda: conn.execute("SELECT * FROM reps").fetchall(), 5)
            queries = {
                "weekly progress, every exercise": lambda: db.weekly_progress(targets),
                "weekly progress, one exercise": lambda: db.weekly_progress(targets, exercise="face-pull"),
                "personal bests, every exercise": lambda: db.personal_bests(),
                "progress summary (weekly + bests)": lambda: (db.weekly_progress(targets), db.personal_bests()),
            }
            ok = True
            print(f"baseline: full scan of {reps} reps rows {baseline:.1f} ms")
            for name, fn in queries.items():
                ms = time_ms(fn, 7)
                ok &= ms <= TARGET_MS
                verdict = "ok" if ms <= TARGET_MS else f"OVER {TARGET_MS:.0f} ms"
                print(f"  {name:36s} {ms:7.2f} ms = {ms / baseline:5.2f}x baseline [{verdict}]")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
