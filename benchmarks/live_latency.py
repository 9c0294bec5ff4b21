"""How soon a live RepCompleted follows the rep's end, over the labelled suite (target: <= 150 ms).

Each recording of the suite is fed to a `RepDetector` one sample at a time, as a live stream
would; a rep's latency is the time of the sample whose arrival produced its first RepCompleted,
minus the rep's end as reported (`Rep.end_s`), for every rep of the sets as finally closed. The floor is the sampling interval (a decision
needs the sample after the crossing), printed beside each figure as the baseline: the ratio says
how many sampling intervals the detector waits. Reps whose end falls in lost samples wait for
the next sample to arrive and are reported apart, as are reps ending in the detector's warm-up
(its first 32 samples set the rate and noise; a provisional estimate decides from the 12th and 0.4 s).

    python benchmarks/live_latency.py            # suite seed 0, 200 sets
    python benchmarks/live_latency.py --quick    # 40 sets
"""

from __future__ import annotations

import argparse
import logging
from collections import defaultdict

import numpy as np

from taut.signal import RepDetector
from taut.signal.events import RepCompleted, SetEnded
from taut.sim import labelled_suite

TARGET_S = 0.150


def latencies(rec) -> list[tuple[float, str]]:
    """(latency s, condition) for each rep of the final sets, from its first live RepCompleted.

    Movements completed live and later withdrawn as setup tugs are no reps of the set: left out.
    """
    det = RepDetector()
    t, x = rec.time_s, rec.tension_n
    emitted: dict[float, float] = {}  # rep start -> time of its first RepCompleted
    final = []
    for j in range(len(t) + 1):
        events = det.feed(t[j : j + 1], x[j : j + 1]) if j < len(t) else det.finish()
        for e in events:
            if isinstance(e, RepCompleted):
                emitted.setdefault(e.rep.start_s, float(t[j]))
            elif isinstance(e, SetEnded):
                final.extend(e.rep_set.reps)
    first = {r.start_s: (emitted[r.start_s], r.end_s) for r in final if r.start_s in emitted}
    dt = np.diff(t)
    period_s = float(np.median(dt))
    warm_up_s = float(t[min(31, len(t) - 1)])
    out = []
    for emitted_s, end_s in first.values():
        k = int(np.searchsorted(t, end_s))  # the first sample after the end
        lost = 0 < k < len(t) and dt[k - 1] > 1.8 * period_s
        cond = "warm-up" if end_s < warm_up_s else "lost samples at the end" if lost else "noise-" + rec.sensor_tags[0][6:]
        out.append((emitted_s - end_s, cond))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="40 sets")
    args = parser.parse_args()
    logging.getLogger("numba").setLevel(logging.WARNING)
    by: dict[tuple[float, str], list[float]] = defaultdict(list)
    for rec in labelled_suite(n_sets=40 if args.quick else args.sets, seed=args.seed):
        for lag_s, cond in latencies(rec):
            by[(rec.fs_hz, cond)].append(lag_s)
    print(f"live RepCompleted latency after the rep's end (suite seed {args.seed}; one sample at a time)")
    print(f"{'rate':>6s} {'condition':24s} {'reps':>5s} {'median':>8s} {'p95':>8s} {'max':>8s} "
          f"{'<= 150 ms':>10s} {'median / sampling interval':>27s}")
    for fs_hz, cond in sorted(by):
        lag = np.array(by[(fs_hz, cond)])
        print(f"{fs_hz:4.0f} Hz {cond:24s} {len(lag):5d} {1000 * np.median(lag):6.0f} ms {1000 * np.percentile(lag, 95):6.0f} ms "
              f"{1000 * lag.max():6.0f} ms {np.mean(lag <= TARGET_S):10.1%} {np.median(lag) * fs_hz:27.1f}")
    everyday = np.concatenate([np.array(v) for (fs, c), v in by.items() if c.startswith("noise-")])
    print(f"all reps outside warm-up and lost samples: {np.mean(everyday <= TARGET_S):.1%} within 150 ms "
          f"(target: all), median {1000 * np.median(everyday):.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
