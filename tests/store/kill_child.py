"""Child process for the kill test: logs a long live set and reports each rep once it is handed to the log.

Usage: python kill_child.py LOG_PATH SPEED. Prints `REP index end_s` after each rep is written and
`T time_s` after each batch; the parent SIGKILLs it mid-set.
"""

from __future__ import annotations

import sys

import numpy as np

from taut.records import Rep
from taut.signal.events import RepCompleted, RepStarted
from taut.sources import ReplaySource
from taut.store import open_log
from taut.ui.live_model import LiveModel
from taut.ui.live_session import LiveSession
from taut.store.recorder import LiveRecorder
import asyncio

FS_HZ = 80.0
CON_S, HOLD_S, ECC_S, PAUSE_S = 0.5, 1.0, 1.0, 0.5


def build(n_reps: int) -> tuple[np.ndarray, np.ndarray, list[Rep]]:
    knots_t, knots_x, reps = [0.0], [20.0], []
    t = 1.0
    for i in range(n_reps):
        knots_t += [t, t + CON_S, t + CON_S + HOLD_S, t + CON_S + HOLD_S + ECC_S]
        knots_x += [20.0, 100.0, 100.0, 20.0]
        s, e = t + 0.1 * CON_S, t + CON_S + HOLD_S + 0.9 * ECC_S
        reps.append(Rep(i, s, t + 0.9 * CON_S, t + CON_S + HOLD_S + 0.1 * ECC_S, e, 20.0, 100.0, 70.0, 70.0 * (e - s), 1.0, False, PAUSE_S))
        t += CON_S + HOLD_S + ECC_S + PAUSE_S
    time_s = np.arange(0.0, t, 1.0 / FS_HZ)
    return time_s, np.interp(time_s, knots_t, knots_x), reps


class Detector:
    def __init__(self, reps: list[Rep]) -> None:
        self.reps, self.started, self.done = reps, 0, 0

    def feed(self, time_s: np.ndarray, tension_n: np.ndarray) -> list:
        out: list = []
        now = float(time_s[-1])
        while self.started < len(self.reps) and now >= self.reps[self.started].start_s:
            out.append(RepStarted(self.reps[self.started].start_s, 0))
            self.started += 1
        while self.done < len(self.reps) and now >= self.reps[self.done].end_s:
            out.append(RepCompleted(self.reps[self.done], 0))
            self.done += 1
        return out


def main() -> None:
    path, speed = sys.argv[1], float(sys.argv[2])
    time_s, tension_n, reps = build(40)
    db = open_log(path)
    sid = db.start_session(exercise="row", source="replay")
    print(f"SESSION {sid}", flush=True)

    def on_event(ev: object) -> None:
        if isinstance(ev, RepCompleted):
            print(f"REP {ev.rep.index} {ev.rep.end_s}", flush=True)

    class Source(ReplaySource):
        async def batches(self):
            async for batch in super().batches():
                yield batch
                print(f"T {batch.time_s[-1]}", flush=True)

    session = LiveSession(
        Source(time_s, tension_n, batch=4, speed=speed), Detector(reps), LiveModel(), LiveRecorder(db, sid, flush_s=0.5),
        on_event=on_event,
    )  # fmt: skip
    asyncio.run(session.run())


if __name__ == "__main__":
    main()
