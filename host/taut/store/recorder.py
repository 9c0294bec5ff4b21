"""Writes a live session into the log as it happens, and never drops what it was handed.

Samples are buffered and handed on as one chunk once the oldest buffered one is `flush_s` old on
the wall clock (or the buffer is full); each rep, set start and set end is handed on at once.
A writer thread applies these writes in order (one transaction each), so the live loop never
waits for SQLite. A write that fails (a lock held past the busy timeout, a full disk, …) stays
queued in memory and is retried every `retry_s`; `close()` waits up to `final_wait_s` for the
queue to drain, then saves what is left to a recovery file beside the log (`taut.store.recovery`)
and returns a `LogOutcome` that says what is where.

Memory: queued samples may take `max_pending_bytes` (default 64 MiB: ~4 M samples, 14 h at
80 Hz); past it the oldest queued samples are dropped and counted. Reps and sets are never dropped.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from taut.records import Rep, RepSet
from taut.store import log_ops, recovery
from taut.store.errors import DiskFullError, LockedError, LogError
from taut.store.log_ops import AddRep, BeginSet, EndSession, EndSet, Op, Samples, TimeOrigin, WithdrawRep
from taut.store.workout_log import WorkoutLog

log = logging.getLogger(__name__)

DEFAULT_MAX_PENDING_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Backlog:
    """Writes waiting for the log, for the live view's status line."""

    reps: int
    samples: int
    samples_dropped: int
    error: LogError | None

    @property
    def text(self) -> str:
        """'' when all is written; else e.g. 'log busy: 3 reps, 240 samples waiting'."""
        if self.error is None and not self.samples_dropped:
            return ""  # writes in flight are normal
        if isinstance(self.error, LockedError):
            what = "log busy"
        elif isinstance(self.error, DiskFullError):
            what = "disk full"
        else:
            what = "log failing" if self.error is not None else "log behind"
        text = f"{what}: {self.reps} rep{'s' * (self.reps != 1)}, {self.samples} samples waiting"
        if self.samples_dropped:
            text += f", {self.samples_dropped} dropped"
        return text


@dataclass(frozen=True, slots=True)
class LogOutcome:
    """Where a live session's data ended up: the log, a recovery file, or (if even that failed) nowhere."""

    log_path: Path
    session_id: int
    reps: int  # reps the session ended with: what the live view counted
    reps_logged: int
    samples: int  # samples handed to the recorder
    samples_logged: int
    samples_dropped: int  # dropped past the memory budget
    held_reps: int  # not in the log: in the recovery file, or lost if it could not be written
    held_samples: int
    error: str | None  # the log error that held writes back
    recovery_path: Path | None
    recovery_error: str | None

    @property
    def complete(self) -> bool:
        return self.held_reps == 0 and self.held_samples == 0 and self.samples_dropped == 0 and self.error is None

    def message(self) -> str:
        """One line: where everything is (for the end of `taut live`)."""
        if self.complete:
            return f"logged as session {self.session_id} (taut show {self.session_id})"
        parts = [
            f"session {self.session_id} did not fully reach the log ({self.error or self.log_path})",
            f"{self.reps_logged} of {self.reps} reps and {self.samples_logged} of {self.samples} samples are in the log",
        ]
        if self.held_reps or self.held_samples:
            held = f"{self.held_reps} reps and {self.held_samples} samples"
            if self.recovery_path is not None:
                parts.append(f"the other {held} are in {self.recovery_path} (taut log import on that file puts them in the log)")
            else:
                parts.append(f"the other {held} could not be kept anywhere ({self.recovery_error})")
        if self.samples_dropped:
            parts.append(f"{self.samples_dropped} samples were dropped past the memory budget while the log was stuck")
        return "; ".join(parts)


class LiveRecorder:
    """Buffering, retrying writer for one session of a `WorkoutLog`."""

    def __init__(
        self,
        log: WorkoutLog,
        session_id: int,
        *,
        flush_s: float = 0.5,
        max_buffered: int = 8192,
        exercise: str | None = None,
        session_info: dict | None = None,
        retry_s: float = 1.0,
        final_wait_s: float = 5.0,
        max_pending_bytes: int = DEFAULT_MAX_PENDING_BYTES,
        recovery_dirs: tuple[Path, ...] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        """`session_info` (exercise, band, device, source, started_unix_s) goes into a recovery
        file so it can recreate the session in another log; `recovery_dirs` default: beside the
        log, then the temporary directory."""
        self.log = log
        self.session_id = session_id
        self.flush_s = flush_s
        self.max_buffered = max_buffered
        self.exercise = exercise
        self.retry_s = retry_s
        self.final_wait_s = final_wait_s
        self.max_pending_bytes = max_pending_bytes
        self.recovery_dirs = recovery_dirs
        self._info = dict(session_info or {})
        self._info.setdefault("exercise", exercise)
        if "created_unix_s" not in self._info:  # how an import recognises the session
            try:
                self._info["created_unix_s"] = log.session_time_origin(session_id)[0]
            except LogError:
                pass
        self._clock = clock
        self._wall_clock = wall_clock
        self._origin_set = False
        self._t: list[np.ndarray] = []
        self._x: list[np.ndarray] = []
        self._n = 0
        self._oldest_wall_s: float | None = None
        # Shared with the writer thread, under _cond.
        self._cond = threading.Condition()
        self._ops: deque[Op] = deque()
        self._in_flight: Op | None = None
        self._pending_bytes = 0
        self._error: LogError | None = None
        self._last_error: LogError | None = None
        self._stop = False
        self._abandon = False
        self._logged_keys: set[tuple[int, int]] = set()
        self._all_keys: set[tuple[int, int]] = set()
        self.samples_handed = 0
        self.samples_written = 0
        self.samples_dropped = 0
        self._closed: LogOutcome | None = None
        self._writer = threading.Thread(target=self._write_loop, name=f"taut-log-{session_id}", daemon=True)

    # -- the live side ----------------------------------------------------------------------

    def add_samples(self, time_s: np.ndarray, tension_n: np.ndarray) -> None:
        if len(time_s) == 0:
            return
        if not self._origin_set:
            # The first batch has just arrived: its newest sample is "now" on the wall clock.
            now = self._wall_clock()
            self._enqueue(TimeOrigin(float(time_s[-1]), now))
            self._info.update(time_origin_s=float(time_s[-1]), started_unix_s=now)
            self._origin_set = True
        if self._oldest_wall_s is None:
            self._oldest_wall_s = self._clock()
        self._t.append(np.array(time_s, dtype=float))
        self._x.append(np.array(tension_n, dtype=float))
        self._n += len(time_s)
        self.samples_handed += len(time_s)
        self.poll()

    def poll(self) -> None:
        """Flush if the buffer is due; call this periodically even when no samples arrive."""
        if self._n and (self._n >= self.max_buffered or self._clock() - (self._oldest_wall_s or 0.0) >= self.flush_s):
            self.flush()

    def flush(self) -> None:
        """Hand the buffered samples to the writer as one chunk."""
        if not self._n:
            return
        self._enqueue(Samples(np.concatenate(self._t), np.concatenate(self._x)))
        self._t.clear()
        self._x.clear()
        self._n = 0
        self._oldest_wall_s = None

    def set_started(self, set_index: int) -> None:
        self._enqueue(BeginSet(set_index, self.exercise))

    def rep_completed(self, set_index: int, rep: Rep) -> None:
        self._enqueue(AddRep(set_index, rep, self.exercise))

    def rep_withdrawn(self, set_index: int, rep_index: int) -> None:
        self._enqueue(WithdrawRep(set_index, rep_index))

    def set_ended(self, rep_set: RepSet) -> None:
        if rep_set.exercise is None and self.exercise is not None:
            rep_set = dataclasses.replace(rep_set, exercise=self.exercise)
        self._enqueue(EndSet(rep_set))

    def backlog(self) -> Backlog:
        """What is waiting for the log right now (cheap; for the status line)."""
        with self._cond:
            ops = list(self._ops)
            error = self._error
        return Backlog(len(log_ops.rep_keys(ops)), log_ops.sample_count(ops), self.samples_dropped, error)

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until every write handed on so far is in the log; False on timeout."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while self._ops:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self) -> LogOutcome:
        """Flush, mark the session ended, wait up to `final_wait_s` for the log, save the rest.

        Never raises a `LogError`: what could not be written is in the outcome (and the recovery file).
        """
        if self._closed is not None:
            return self._closed
        self.flush()
        self._enqueue(EndSession(self._wall_clock()))
        self.wait_idle(self.final_wait_s)
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        # The writer finishes the write it is in (bounded by the log's busy timeout), then stops;
        # a long backlog the log is taking gets a minute more. (Started: close queued a write.)
        self._writer.join(timeout=60.0)
        if self._writer.is_alive():
            with self._cond:
                self._abandon = True
            self._writer.join()
        with self._cond:
            left = list(self._ops)
            error = self._error or (self._last_error if left else None)
        self._closed = self._outcome(left, error)
        if not self._closed.complete:
            log.info("%s", self._closed.message())  # the caller reports it (one line)
        return self._closed

    # -- internals ----------------------------------------------------------------------------

    def _enqueue(self, op: Op) -> None:
        if not isinstance(op, Samples):
            self._all_keys = log_ops.rep_keys((op,), self._all_keys)
        with self._cond:
            if self._closed is not None or self._stop:
                raise RuntimeError("the recorder is closed")
            self._ops.append(op)
            if self._writer.ident is None:  # started with the first write
                self._writer.start()
            if isinstance(op, Samples):
                self._pending_bytes += op.nbytes
                self._drop_past_budget()
            self._cond.notify_all()

    def _drop_past_budget(self) -> None:
        # Oldest queued samples first; never the chunk being written, never reps or sets.
        while self._pending_bytes > self.max_pending_bytes:
            victim = next((op for op in self._ops if isinstance(op, Samples) and op is not self._in_flight), None)
            if victim is None:
                return
            self._ops.remove(victim)
            self._pending_bytes -= victim.nbytes
            self.samples_dropped += len(victim.time_s)
            log.info("log stuck: dropped %d queued samples past the memory budget", len(victim.time_s))

    def _write_loop(self) -> None:
        while True:
            with self._cond:
                while not self._ops and not self._stop:
                    self._cond.wait()
                # Once closing, go on only while the log takes writes.
                if self._stop and (not self._ops or self._error is not None or self._abandon):
                    return
                op = self._in_flight = self._ops[0]
            try:
                log_ops.apply(op, self.log, self.session_id)
            except Exception as exc:  # held, never lost: retried, else saved for recovery
                err = exc if isinstance(exc, LogError) else LogError(f"{self.log.path}: {exc!r}")
                with self._cond:
                    self._in_flight = None
                    if self._error is None:
                        log.info("log write held back, will retry: %s", err)  # the view says so; no stderr mid-view
                    self._error = self._last_error = err
                    if not self._stop:
                        self._cond.wait(self.retry_s)
                continue
            with self._cond:
                self._in_flight = None
                if self._ops and self._ops[0] is op:  # always so: the budget never drops the op in flight
                    self._ops.popleft()
                if isinstance(op, Samples):
                    self._pending_bytes -= op.nbytes
                    self.samples_written += len(op.time_s)
                else:
                    self._logged_keys = log_ops.rep_keys((op,), self._logged_keys)
                if self._error is not None:
                    log.info("the log took the held writes again (%d waiting)", len(self._ops))
                self._error = None
                self._cond.notify_all()

    def _outcome(self, left: list[Op], error: LogError | None) -> LogOutcome:
        final = self._all_keys
        logged = len(final & self._logged_keys)
        held_reps = len(final) - logged
        held_samples = log_ops.sample_count(left)
        path: Path | None = None
        rec_error: str | None = None
        if left:
            try:
                path = recovery.save(
                    self.log.path, self.session_id, self._info, left, reason=str(error) if error else None,
                    dirs=self.recovery_dirs, now_unix_s=self._wall_clock(),
                )  # fmt: skip
            except recovery.RecoveryWriteError as exc:
                rec_error = str(exc)
        return LogOutcome(
            log_path=self.log.path, session_id=self.session_id, reps=len(final), reps_logged=logged,
            samples=self.samples_handed, samples_logged=self.samples_written, samples_dropped=self.samples_dropped,
            held_reps=held_reps, held_samples=held_samples, error=str(error) if error else None,
            recovery_path=path, recovery_error=rec_error,
        )  # fmt: skip
