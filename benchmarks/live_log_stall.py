"""How long the live loop waits on the workout log (target: never the log's busy timeout).

Feeds a `LiveRecorder` a live stream (80 Hz in 4-sample batches, a rep every 3 s, at full speed)
and times each call the live loop makes into it (add_samples, rep_completed, …): with the log
free, with the write lock held by another process, and with the disk full (SQLite's size cap).
The baseline, measured in the same run, is the synchronous write the loop used to make for each
rep (`WorkoutLog.add_rep`) with the log free; the lock case is also set against the busy timeout,
which is what a synchronous write waited before failing. Also printed: how long after being
handed on a rep is committed with the log free (the crash window).

    python benchmarks/live_log_stall.py            # 40 s of stream per case
    python benchmarks/live_log_stall.py --quick    # 10 s
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from taut.records import Rep
from taut.store import open_log
from taut.store.recorder import LiveRecorder

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from store.log_lock import LogLock  # noqa: E402

BUSY_TIMEOUT_S = 2.0  # open_log's default
FS_HZ, BATCH = 80.0, 4

def _rep(i: int, t0: float) -> Rep:
    return Rep(i, t0, t0 + 0.5, t0 + 1.5, t0 + 2.5, 20.0, 100.0, 70.0, 175.0, 1.0, False, 0.5)


def _stream(seconds: float):
    """(time_s, tension_n, rep or None) per batch."""
    rng = np.random.default_rng(0)
    n = int(seconds * FS_HZ) // BATCH
    for k in range(n):
        t = (k * BATCH + np.arange(BATCH)) / FS_HZ
        end = t[-1]
        rep = _rep(int(end // 3.0) - 1, end - 2.5) if k and int(end // 3.0) != int((end - BATCH / FS_HZ) // 3.0) else None
        yield t, 50.0 + rng.normal(0, 30, BATCH), rep


def stall_per_call(case: str, seconds: float, work: Path) -> tuple[np.ndarray, int, int]:
    """Seconds each recorder call took; and how many reps/samples were left held at the end."""
    path = work / f"{case}.db"
    db = open_log(path, timeout_s=BUSY_TIMEOUT_S)
    sid = db.start_session(source="bench")
    holder = None
    if case == "locked":
        holder = LogLock(path)
        holder.wait_locked()
    rec = LiveRecorder(db, sid, flush_s=0.5, retry_s=1.0, final_wait_s=0.0, recovery_dirs=(work,))
    if case == "full":
        rec.add_samples(np.array([0.0]), np.array([0.0]))
        rec.flush()
        rec.wait_idle(5.0)
        with db._lock:
            pages = db._conn.execute("PRAGMA page_count").fetchone()[0]
            db._conn.execute(f"PRAGMA max_page_count = {pages}")
    calls = []
    for t, x, rep in _stream(seconds):
        t0 = time.perf_counter()
        rec.add_samples(t, x)
        if rep is not None:
            rec.rep_completed(0, rep)
        calls.append(time.perf_counter() - t0)
        time.sleep(BATCH / FS_HZ / 8)  # 8x real time: the writer gets its share of the CPU
    out = rec.close()
    if holder is not None:
        holder.release()
    db.close()
    return np.array(calls), out.held_reps, out.held_samples


def baseline(seconds: float, work: Path) -> tuple[np.ndarray, np.ndarray]:
    """Synchronous add_rep per rep (the old live path), and the enqueue-to-commit lag of a rep."""
    db = open_log(work / "base.db", timeout_s=BUSY_TIMEOUT_S)
    sid = db.start_session(source="bench")
    sync = []
    reps = [rep for _, _, rep in _stream(seconds) if rep is not None]
    for rep in reps:
        t0 = time.perf_counter()
        db.add_rep(sid, 0, rep)
        sync.append(time.perf_counter() - t0)
    sid2 = db.start_session(source="bench")
    rec = LiveRecorder(db, sid2)
    lag = []
    for rep in reps:
        t0 = time.perf_counter()
        rec.rep_completed(0, rep)
        rec.wait_idle(10.0)
        lag.append(time.perf_counter() - t0)
    rec.close()
    db.close()
    return np.array(sync), np.array(lag)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 s of stream per case instead of 40")
    args = parser.parse_args()
    seconds = 10.0 if args.quick else 40.0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sync, lag = baseline(seconds, work)
        base = float(np.median(sync))
        print(f"baseline: synchronous add_rep, log free: median {base * 1e3:.3f} ms, max {sync.max() * 1e3:.3f} ms ({len(sync)} reps)")
        print(f"rep handed on -> committed (log free): median {np.median(lag) * 1e3:.3f} ms, max {lag.max() * 1e3:.3f} ms")
        worst = 0.0
        for case in ("free", "locked", "full"):
            calls, held_reps, held_samples = stall_per_call(case, seconds, work)
            worst = max(worst, float(calls.max()))
            print(
                f"{case:6s}: live-loop call median {np.median(calls) * 1e3:.3f} ms ({np.median(calls) / base:.2f}x baseline),"
                f" p99 {np.percentile(calls, 99) * 1e3:.3f} ms, max {calls.max() * 1e3:.3f} ms ({calls.max() / sync.max():.2f}x baseline max)"
                f" ({len(calls)} calls; held at the end: {held_reps} reps, {held_samples} samples)"
            )
        print(f"worst live-loop call {worst * 1e3:.3f} ms = {worst / BUSY_TIMEOUT_S:.4f}x the {BUSY_TIMEOUT_S:.0f} s busy timeout a synchronous write waited")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
