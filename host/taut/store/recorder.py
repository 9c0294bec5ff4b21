"""Writes a live session into the log as it happens, so a crash loses at most ~`flush_s` of samples.

Samples are buffered and flushed as one chunk (one transaction) once the oldest buffered one is
`flush_s` old on the wall clock or the buffer is full; each completed rep is written at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from taut.records import Rep, RepSet
from taut.store.workout_log import WorkoutLog


class LiveRecorder:
    """Buffering writer for one session of a `WorkoutLog`."""

    def __init__(
        self,
        log: WorkoutLog,
        session_id: int,
        *,
        flush_s: float = 0.5,
        max_buffered: int = 8192,
        exercise: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.log = log
        self.session_id = session_id
        self.flush_s = flush_s
        self.max_buffered = max_buffered
        self.exercise = exercise
        self._clock = clock
        self._wall_clock = wall_clock
        self._origin_set = False
        self._t: list[np.ndarray] = []
        self._x: list[np.ndarray] = []
        self._n = 0
        self._oldest_wall_s: float | None = None
        self.samples_written = 0

    def add_samples(self, time_s: np.ndarray, tension_n: np.ndarray) -> None:
        if len(time_s) == 0:
            return
        if not self._origin_set:
            # The first batch has just arrived: its newest sample is "now" on the wall clock.
            self.log.set_time_origin(self.session_id, float(time_s[-1]), self._wall_clock())
            self._origin_set = True
        if self._oldest_wall_s is None:
            self._oldest_wall_s = self._clock()
        self._t.append(np.asarray(time_s, dtype=float))
        self._x.append(np.asarray(tension_n, dtype=float))
        self._n += len(time_s)
        self.poll()

    def poll(self) -> None:
        """Flush if the buffer is due; call this periodically even when no samples arrive."""
        if self._n and (self._n >= self.max_buffered or self._clock() - (self._oldest_wall_s or 0.0) >= self.flush_s):
            self.flush()

    def flush(self) -> None:
        if not self._n:
            return
        t = np.concatenate(self._t)
        x = np.concatenate(self._x)
        self.log.append_samples(self.session_id, t, x)
        self.samples_written += len(t)
        self._t.clear()
        self._x.clear()
        self._n = 0
        self._oldest_wall_s = None

    def set_started(self, set_index: int) -> None:
        self.log.begin_set(self.session_id, set_index, exercise=self.exercise)

    def rep_completed(self, set_index: int, rep: Rep) -> None:
        self.log.add_rep(self.session_id, set_index, rep, exercise=self.exercise)

    def rep_withdrawn(self, set_index: int, rep_index: int) -> None:
        self.log.withdraw_rep(self.session_id, set_index, rep_index)

    def set_ended(self, rep_set: RepSet) -> None:
        if rep_set.exercise is None and self.exercise is not None:
            rep_set = RepSet(rep_set.index, rep_set.reps, self.exercise, rep_set.extra)
        self.log.end_set(self.session_id, rep_set)

    def close(self) -> None:
        """Flush what is buffered and mark the session ended."""
        self.flush()
        self.log.end_session(self.session_id)
