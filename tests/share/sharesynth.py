"""Small logs built by hand for the sharing tests, and the tempo rule written out again."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from taut.records import Rep, RepSet
from taut.store import open_log

DAY_S = 86400.0
# A Wednesday noon (local time does not matter: the tests compare like with like).
T0_UNIX_S = 1_780_000_000.37


def varied_reps(rng: np.random.Generator, n: int, t0: float, *, peak_n: float) -> tuple[Rep, ...]:
    """Reps with uneven phases and tensions, one partial in four."""
    reps, t = [], t0
    for i in range(n):
        con, hold, ecc = rng.uniform(0.6, 1.6), rng.uniform(0.3, 2.4), rng.uniform(1.2, 3.4)
        partial = i % 4 == 3
        p = peak_n * (0.55 if partial else rng.uniform(0.95, 1.05))
        tut = con + hold + ecc
        mean = 0.62 * p
        reps.append(Rep(i, t, t + con, t + con + hold, t + tut, 14.0, p, mean, mean * tut, 0.55 if partial else 1.0,
                        partial, None if i == n - 1 else rng.uniform(0.0, 1.2), None if partial else 31.5))  # fmt: skip
        t += tut + reps[-1].pause_s if i < n - 1 else tut
    return tuple(reps)


def trace(reps: tuple[Rep, ...], fs_hz: float = 80.0) -> tuple[np.ndarray, np.ndarray]:
    """A tension trace through the reps' crossing points (for the set plots)."""
    kt, kx = [reps[0].start_s - 2.0], [reps[0].bottom_n]
    for r in reps:
        kt += [r.start_s, r.top_start_s, r.top_end_s, r.end_s]
        kx += [r.bottom_n, r.peak_n, r.peak_n, r.bottom_n]
    kt.append(reps[-1].end_s + 2.0)
    kx.append(reps[-1].bottom_n)
    t = np.arange(kt[0], kt[-1], 1.0 / fs_hz)
    return t, np.interp(t, kt, kx)


def fill_log(path: Path, *, days: int = 21, seed: int = 3, samples: bool = False) -> list[int]:
    """Sessions every other day for `days` days: face-pull and reverse-fly sets; returns the ids."""
    rng = np.random.default_rng(seed)
    ids = []
    with open_log(path) as db:
        for day in range(0, days, 2):
            origin = 1000.0 + day
            sid = db.start_session(exercise="face-pull", band="red", device="Taut-1", source="ble",
                                   started_unix_s=T0_UNIX_S + day * DAY_S, time_origin_s=origin)  # fmt: skip
            t = origin + 3.25
            for set_index, ex in enumerate(("face-pull", "face-pull", "reverse-fly")):
                reps = varied_reps(rng, int(rng.integers(5, 10)), t, peak_n=80.0 + 2.0 * day + 10 * set_index)
                if samples:
                    time_s, tension_n = trace(reps)
                    db.append_samples(sid, time_s, tension_n)
                db.end_set(sid, RepSet(set_index, reps, ex))
                t = reps[-1].end_s + rng.uniform(60.0, 120.0)
            db.end_session(sid, ended_unix_s=T0_UNIX_S + day * DAY_S + (t - origin))
            ids.append(sid)
    return ids


def on_target(rep, tempo) -> bool:  # noqa: ANN001
    """The documented rule, written out again: each phase within max(0.5 s, 25 %) of its target."""

    def near(measured: float, target: float) -> bool:
        return abs(measured - target) <= max(0.5, 0.25 * target)

    return (near(rep.eccentric_s, tempo.eccentric_s) and near(rep.concentric_s, tempo.concentric_s)
            and near(rep.hold_s, tempo.hold_s) and (rep.pause_s is None or near(rep.pause_s, tempo.pause_s)))  # fmt: skip
