"""The workout log: one SQLite file (WAL) holding sessions, sets, reps, raw samples and calibrations.

`open_log` opens it (`taut.store.opening`: checks and migrations); `WorkoutLog` is its one
public class. Every write is one transaction, so a crash leaves the file as it was after the last
completed write; the SQL of each kind of record lives beside its rows (`sessions`,
`calibration_rows`, `progress`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np

from taut.records import Rep, RepSet
from taut.store import calibration_rows, opening, progress, sessions
from taut.store.calibration_rows import BandProfileRecord, CalibrationRecord
from taut.store.errors import NotFoundError, ReadOnlyError, translate
from taut.store.sessions import SessionSummary, SetSummary

_T = TypeVar("_T")


def open_log(
    path: str | os.PathLike[str] | None = None,
    *,
    readonly: bool | None = False,
    create: bool = True,
    timeout_s: float = 2.0,
) -> WorkoutLog:
    """Open (creating and migrating if needed) the log at `path` (default: $TAUT_DB or user data dir).

    readonly=True opens for reading only; None picks read-only when the file cannot be written.
    create=False never makes a new log (read commands: a mistyped path is an error, not a new file).
    """
    conn, p, ro = opening.connect(path, readonly=readonly, create=create, timeout_s=timeout_s)
    return WorkoutLog(conn, p, readonly=ro)


class WorkoutLog:
    """An open log. Thread-safe (one connection behind a lock); close it when done."""

    def __init__(self, conn: sqlite3.Connection, path: Path, *, readonly: bool) -> None:
        self._conn = conn
        self._lock = threading.RLock()
        self.path = path
        self.readonly = readonly
        self._checked = False

    # -- plumbing -------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> WorkoutLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self._read(lambda c: c.execute("PRAGMA user_version").fetchone()[0])

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        if self.readonly:
            raise ReadOnlyError(f"{self.path}: opened read-only")
        with self._lock:
            if not self._checked:
                opening.refuse_if_damaged(self._conn, self.path)  # never write into a damaged file
                self._checked = True
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise translate(exc, self.path) from exc
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise translate(exc, self.path) from exc
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("ROLLBACK")

    def _read(self, fn: Callable[[sqlite3.Connection], _T]) -> _T:
        with self._lock:
            try:
                return fn(self._conn)
            except sqlite3.Error as exc:
                raise translate(exc, self.path) from exc

    # -- sessions, sets and samples -----------------------------------------------------------

    def start_session(
        self,
        *,
        exercise: str | None = None,
        device: str | None = None,
        band: str | None = None,
        source: str = "unknown",
        started_unix_s: float | None = None,
        time_origin_s: float = 0.0,
    ) -> int:
        """A new session; `time_origin_s` is the recording-clock time at `started_unix_s`."""
        started = time.time() if started_unix_s is None else started_unix_s
        with self._tx() as c:
            return sessions.start_session(c, exercise=exercise, device=device, band=band, source=source,
                                          started_unix_s=started, time_origin_s=time_origin_s)  # fmt: skip

    def set_time_origin(self, session_id: int, time_origin_s: float, at_unix_s: float) -> None:
        """Tie the recording clock to the wall clock: `time_origin_s` happened at `at_unix_s`."""
        with self._tx() as c:
            sessions.set_time_origin(c, session_id, time_origin_s, at_unix_s)

    def end_session(self, session_id: int, *, ended_unix_s: float | None = None) -> None:
        with self._tx() as c:
            sessions.end_session(c, session_id, time.time() if ended_unix_s is None else ended_unix_s)

    def append_samples(self, session_id: int, time_s: np.ndarray, tension_n: np.ndarray) -> None:
        """Store one chunk of raw samples (one transaction)."""
        if len(time_s) == 0:
            return
        with self._tx() as c:
            sessions.append_samples(c, session_id, time_s, tension_n)

    def begin_set(self, session_id: int, set_index: int, *, exercise: str | None = None) -> int:
        """Make sure the set's row exists (a set started by hand may have no rep yet)."""
        with self._tx() as c:
            return sessions.set_id(c, session_id, set_index, exercise)

    def add_rep(self, session_id: int, set_index: int, rep: Rep, *, exercise: str | None = None) -> None:
        """Record a completed rep as soon as it is known (one transaction, set totals updated)."""
        with self._tx() as c:
            sessions.add_rep(c, session_id, set_index, rep, exercise)

    def withdraw_rep(self, session_id: int, set_index: int, rep_index: int) -> None:
        """Drop a provisional rep the live analysis took back (a setup tug); set totals updated."""
        with self._tx() as c:
            sessions.withdraw_rep(c, session_id, set_index, rep_index)

    def end_set(self, session_id: int, rep_set: RepSet, *, analysis: str = "live") -> None:
        """The set's final reps (metrics relative to the whole set) replace the provisional ones."""
        with self._tx() as c:
            sessions.write_set(c, session_id, rep_set, analysis)

    def replace_analysis(self, session_id: int, rep_sets: Sequence[RepSet], *, analysis: str) -> None:
        """Swap a session's sets and reps for a new analysis, all or nothing."""
        self.replace_analyses({session_id: rep_sets}, analysis=analysis)

    def replace_analyses(self, by_session: dict[int, Sequence[RepSet]], *, analysis: str) -> None:
        """Swap several sessions' sets and reps in one transaction: all of them or none."""
        with self._tx() as c:
            sessions.replace_analyses(c, by_session, analysis)

    def sessions(
        self,
        *,
        exercise: str | None = None,
        since_unix_s: float | None = None,
        until_unix_s: float | None = None,
        limit: int | None = None,
    ) -> list[SessionSummary]:
        """Sessions newest first, optionally those with a set of `exercise` and within dates."""
        return self._read(lambda c: sessions.session_rows(
            c, exercise=exercise, since_unix_s=since_unix_s, until_unix_s=until_unix_s, limit=limit))

    def set_summaries(
        self,
        *,
        exercise: str | None = None,
        since_unix_s: float | None = None,
        until_unix_s: float | None = None,
        limit: int | None = None,
    ) -> list[SetSummary]:
        """Sets newest first across sessions (filtered like `sessions`)."""
        return self._read(lambda c: sessions.set_summary_rows(
            c, exercise=exercise, since_unix_s=since_unix_s, until_unix_s=until_unix_s, limit=limit))

    def session(self, session_id: int) -> SessionSummary:
        row = self._read(lambda c: sessions.session_row(c, session_id))
        if row is None:
            raise NotFoundError(f"no session {session_id} in {self.path}")
        return row

    def session_time_origin(self, session_id: int) -> tuple[float, float]:
        """(started_unix_s, time_origin_s): wall time = started + (recording time - origin)."""
        row = self._read(lambda c: sessions.time_origin(c, session_id))
        if row is None:
            raise NotFoundError(f"no session {session_id} in {self.path}")
        return row

    def sets(self, session_id: int) -> list[RepSet]:
        """The session's sets with their reps, in order, with their log id, complete, analysis and the
        coach's summary when one was logged."""
        return self._read(lambda c: sessions.set_rows(c, session_id))

    def samples(
        self, session_id: int, *, start_s: float | None = None, end_s: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Raw samples of a session (optionally clipped to start_s..end_s), time-ordered."""
        return self._read(lambda c: sessions.sample_rows(c, session_id, start_s, end_s, self.path))

    def sample_count(self, session_id: int) -> int:
        return self._read(lambda c: sessions.sample_count(c, session_id))

    # -- calibrations and band profiles -------------------------------------------------------

    def add_calibration(
        self,
        *,
        device: str | None = None,
        band: str | None = None,
        offset_raw: int | None = None,
        counts_per_n: float | None = None,
        stretch_cm: float | None = None,
        tension_n: float | None = None,
        note: str | None = None,
        created_unix_s: float | None = None,
    ) -> int:
        """Record a dated calibration (default date: now); returns its row id."""
        with self._tx() as c:
            return calibration_rows.insert_calibration(
                c, created_unix_s=created_unix_s, device=device, band=band, offset_raw=offset_raw,
                counts_per_n=counts_per_n, stretch_cm=stretch_cm, tension_n=tension_n, note=note,
            )  # fmt: skip

    def save_band_profile(self, record: BandProfileRecord, *, device: str | None = None, note: str | None = None) -> int:
        """Store (or replace) a band's profile and its dated calibration row in one transaction.

        The calibration row gets `stretch_cm` = L0, `tension_n` = level at 100 % and `note`;
        returns its id. A band's earlier calibration rows stay (history); only its profile is replaced.
        """
        record.profile_json()  # ValueError before anything is written
        with self._tx() as c:
            return calibration_rows.save_profile(c, record, device, note)

    def remove_band_profile(self, name: str) -> BandProfileRecord:
        """Forget a band's profile (its dated calibration rows stay); returns what was removed."""
        with self._tx() as c:
            return calibration_rows.remove_profile(c, name, self.path)

    def import_band_profiles(self, records: Sequence[BandProfileRecord], *, key: str) -> int | None:
        """Bring in profiles kept elsewhere, once per `key`, all or nothing; returns how many were added.

        None when `key` was imported before (nothing is done). A band that already has a profile
        in the log keeps it. Each imported profile is tied to the band's latest calibration row, or
        gets one dated with the profile when the log has none.
        """
        for r in records:
            r.profile_json()
        with self._tx() as c:
            return calibration_rows.import_profiles(c, records, key)

    def calibrations(self, *, device: str | None = None, band: str | None = None) -> list[CalibrationRecord]:
        """Calibrations newest first, optionally of one device and/or one band."""
        return self._read(lambda c: calibration_rows.calibration_rows(c, device, band))

    def band_profiles(self) -> list[BandProfileRecord]:
        """Every calibrated band's profile, light to heavy (level at 100 %, then 200 %, then name)."""
        return self._read(lambda c: calibration_rows.profile_rows(c, self.path))

    def band_profile(self, name: str) -> BandProfileRecord:
        """One band's profile; NotFoundError naming the calibrated bands when there is none."""
        return self._read(lambda c: calibration_rows.profile_row(c, name, self.path))

    # -- progress -----------------------------------------------------------------------------

    def weekly_progress(
        self,
        targets: dict,
        *,
        exercise: str | None = None,
        since_unix_s: float | None = None,
        until_unix_s: float | None = None,
    ) -> list[progress.WeekProgress]:
        """Per exercise and week: sets, reps, good reps, TUT, tension, tempo adherence against
        `targets` (exercise -> target tempo), partial share (taut.store.progress)."""
        return self._read(lambda c: progress.weekly_progress(
            c, targets, exercise=exercise, since_unix_s=since_unix_s, until_unix_s=until_unix_s))

    def session_tempo_adherence(self, session_id: int, targets: dict) -> dict[int, tuple[int, int]]:
        """Set index -> (reps on target tempo, reps), for the session's sets with a target."""
        return self._read(lambda c: progress.session_tempo_adherence(c, session_id, targets))

    def personal_bests(
        self, *, exercise: str | None = None, since_unix_s: float | None = None, until_unix_s: float | None = None
    ) -> list[progress.PersonalBest]:
        """The best set of each exercise by peak, reps, good reps and TUT (taut.store.progress)."""
        return self._read(lambda c: progress.personal_bests(
            c, exercise=exercise, since_unix_s=since_unix_s, until_unix_s=until_unix_s))

    def fact(self, key: str) -> str | None:
        """A one-off fact recorded about this file (e.g. an import done), or None."""
        row = self._read(lambda c: c.execute("SELECT value FROM log_facts WHERE key = ?", (key,)).fetchone())
        return None if row is None else row[0]
