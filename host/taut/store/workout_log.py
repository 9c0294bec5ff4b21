"""The workout log: one SQLite file (WAL) holding sessions, sets, reps, raw samples and calibrations.

Every write is one transaction, so a crash leaves the file as it was after the last completed
write. Opening never overwrites what it cannot understand: a locked, read-only, corrupt or
newer-version file raises a typed `LogError` and is left untouched.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from taut.records import Rep, RepSet
from taut.store import calibration_rows, progress, sample_codec
from taut.store.calibration_rows import BandProfileRecord, CalibrationRecord
from taut.store.errors import (
    CorruptError,
    DiskFullError,
    FutureVersionError,
    LockedError,
    LogError,
    NotFoundError,
    ReadOnlyError,
)
from taut.store.paths import resolve_log_path
from taut.store.schema import APPLICATION_ID, SCHEMA_VERSION, migrate

log = logging.getLogger(__name__)

_SQLITE_MAGIC = b"SQLite format 3\x00"
_MAX_ROW_ID = 2**63 - 1
RECOVERY_HINT = "`taut log check` tells what is wrong; `taut log recover -o NEW` copies what is readable into a new log"


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """One session as `taut history` lists it."""

    id: int
    started_unix_s: float
    ended_unix_s: float | None
    exercise: str | None
    source: str
    device: str | None
    band: str | None
    set_count: int
    rep_count: int
    partial_count: int
    tut_s: float


@dataclass(frozen=True, slots=True)
class SetSummary:
    """One set with its session's context, for history listings."""

    id: int
    session_id: int
    set_index: int
    exercise: str | None
    started_unix_s: float  # wall-clock start of the set
    rep_count: int
    partial_count: int
    tut_s: float
    peak_n: float | None
    mean_n: float | None
    complete: bool


def _translate(exc: sqlite3.Error, path: Path) -> LogError:
    msg = str(exc).lower()
    if "locked" in msg or "busy" in msg:
        return LockedError(f"{path}: the log is locked by another process ({exc})")
    if "readonly" in msg or "read-only" in msg or "read only" in msg:
        return ReadOnlyError(f"{path}: the log cannot be written ({exc})")
    if "disk is full" in msg or "database or disk is full" in msg:
        return DiskFullError(f"{path}: the disk is full; this write was rolled back, everything before it is kept ({exc})")
    if "unable to open" in msg:
        return ReadOnlyError(f"{path}: cannot open the log ({exc})")
    if isinstance(exc, sqlite3.DatabaseError) and ("not a database" in msg or "malformed" in msg or "corrupt" in msg):
        return CorruptError(f"{path}: the log is damaged ({exc}); the file was left untouched. {RECOVERY_HINT}")
    return LogError(f"{path}: {exc}")


def _file_is_marked_read_only(path: Path) -> bool:
    # Honour the permission bits even for root: a file the user marked read-only is not ours to write.
    return not os.access(path, os.W_OK) or not (path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


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
    p = resolve_log_path(path)
    if p.is_dir():
        raise LogError(f"{p}: is a folder; --db names the log file itself (e.g. {p / 'taut.sqlite3'})")
    exists = p.exists() and p.stat().st_size > 0
    if not exists and not create:
        raise NotFoundError(f"{p}: no workout log here (nothing was created)")
    if exists:
        with open(p, "rb") as f:
            head = f.read(len(_SQLITE_MAGIC))
        if head != _SQLITE_MAGIC:
            raise CorruptError(f"{p}: not a SQLite database; the file was left untouched")
        if readonly is None:
            readonly = _file_is_marked_read_only(p) or not os.access(p.parent, os.W_OK)
        if not readonly and _file_is_marked_read_only(p):
            raise ReadOnlyError(f"{p}: the log file is read-only")
        if not readonly and not os.access(p.parent, os.W_OK):
            raise ReadOnlyError(f"{p.parent}: directory not writable (the log needs its -wal and -shm files there)")
    else:
        if readonly:
            raise NotFoundError(f"{p}: no workout log here yet")
        readonly = False
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ReadOnlyError(f"{p.parent}: cannot create the log directory ({exc})") from exc
    conn = _connect(p, "ro" if readonly else "rwc", timeout_s)
    try:
        try:
            _check_and_prepare(conn, p, readonly)
        except ReadOnlyError:
            if not readonly or not _immutable_is_safe(p):
                raise
            # A read-only folder: SQLite cannot make the -shm file a WAL reader needs. With no
            # -wal file left there is nothing beyond the main file, so open it as immutable.
            conn.close()
            conn = _connect(p, "ro&immutable=1", timeout_s)
            _check_and_prepare(conn, p, readonly)
    except BaseException:
        conn.close()
        raise
    return WorkoutLog(conn, p, readonly=bool(readonly))


def _connect(p: Path, mode: str, timeout_s: float) -> sqlite3.Connection:
    try:
        return sqlite3.connect(
            f"{p.resolve().as_uri()}?mode={mode}", uri=True, timeout=timeout_s, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise _translate(exc, p) from exc


def _immutable_is_safe(p: Path) -> bool:
    wal = p.with_name(p.name + "-wal")
    return not wal.exists() or wal.stat().st_size == 0


def check_integrity(conn: sqlite3.Connection, p: Path, *, full: bool = False) -> list[str]:
    """SQLite's own check of every page (quick_check; integrity_check with full=True): [] when sound."""
    try:
        rows = conn.execute("PRAGMA integrity_check" if full else "PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    problems = [str(r[0]) for r in rows]
    return [] if problems == ["ok"] else problems


def _check_and_prepare(conn: sqlite3.Connection, p: Path, readonly: bool) -> None:
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        n_tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.Error as exc:
        raise _translate(exc, p) from exc
    if app_id not in (0, APPLICATION_ID) or (app_id == 0 and n_tables > 0):
        raise CorruptError(f"{p}: a SQLite database, but not a Taut workout log; the file was left untouched")
    if version > SCHEMA_VERSION:
        raise FutureVersionError(version, SCHEMA_VERSION, str(p))
    if readonly:
        if version < SCHEMA_VERSION:
            raise ReadOnlyError(f"{p}: log schema v{version} needs migrating to v{SCHEMA_VERSION}, but the file is read-only")
        conn.execute("PRAGMA query_only = ON")
        return
    if version < SCHEMA_VERSION and n_tables > 0:
        _refuse_if_damaged(conn, p)  # a migration is the first write
    try:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise LogError(f"{p}: could not switch the log to WAL mode (got {mode})")
        # NORMAL in WAL: a committed transaction survives a process crash (not a power cut).
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        before = version
        migrate(conn)
        if before != SCHEMA_VERSION:
            log.info("migrated %s from schema v%d to v%d", p, before, SCHEMA_VERSION)
    except sqlite3.Error as exc:
        raise _translate(exc, p) from exc


def _refuse_if_damaged(conn: sqlite3.Connection, p: Path) -> None:
    problems = check_integrity(conn, p)
    if problems:
        first = " ".join(problems[0].split())[:200]  # SQLite's report spans lines
        raise CorruptError(f"{p}: the log is damaged ({first}); nothing was written to it. {RECOVERY_HINT}")


def _rowid(cur: sqlite3.Cursor) -> int:
    if cur.lastrowid is None:
        raise LogError("insert returned no row id")
    return int(cur.lastrowid)


def _rep_row(set_id: int, rep: Rep) -> tuple:
    return (
        set_id, rep.index, rep.start_s, rep.top_start_s, rep.top_end_s, rep.end_s, rep.bottom_n, rep.peak_n,
        rep.mean_n, rep.impulse_ns, rep.range_fraction, int(rep.partial), rep.pause_s, rep.range_cm,
        rep.concentric_s, rep.hold_s, rep.eccentric_s, rep.tut_s,
    )  # fmt: skip


_REP_COLUMNS = (
    "set_id, rep_index, start_s, top_start_s, top_end_s, end_s, bottom_n, peak_n, mean_n, impulse_ns, "
    "range_fraction, partial, pause_s, range_cm, concentric_s, hold_s, eccentric_s, tut_s"
)
_REP_INSERT = f"INSERT OR REPLACE INTO reps ({_REP_COLUMNS}) VALUES ({', '.join('?' * 18)})"
_SET_AGGREGATE = """
UPDATE sets SET
    rep_count = (SELECT count(*) FROM reps WHERE set_id = :id),
    partial_count = (SELECT coalesce(sum(partial), 0) FROM reps WHERE set_id = :id),
    tut_s = (SELECT coalesce(sum(tut_s), 0) FROM reps WHERE set_id = :id),
    peak_n = (SELECT max(peak_n) FROM reps WHERE set_id = :id),
    impulse_ns = (SELECT sum(impulse_ns) FROM reps WHERE set_id = :id),
    mean_n = (SELECT sum(impulse_ns) / nullif(sum(tut_s), 0) FROM reps WHERE set_id = :id),
    start_s = (SELECT min(start_s) FROM reps WHERE set_id = :id),
    end_s = (SELECT max(end_s) FROM reps WHERE set_id = :id)
WHERE id = :id
"""


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
        return self._query("PRAGMA user_version")[0][0]

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        if self.readonly:
            raise ReadOnlyError(f"{self.path}: opened read-only")
        with self._lock:
            if not self._checked:
                _refuse_if_damaged(self._conn, self.path)  # never write into a damaged file
                self._checked = True
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise _translate(exc, self.path) from exc
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise _translate(exc, self.path) from exc
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("ROLLBACK")

    def _query(self, sql: str, params: Sequence | dict = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise _translate(exc, self.path) from exc

    _named = staticmethod(calibration_rows.named_id)

    # -- writing --------------------------------------------------------------------------

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
            device_id = self._named(c, "devices", device)
            band_id = self._named(c, "bands", band)
            cur = c.execute(
                "INSERT INTO sessions (started_unix_s, device_id, band_id, exercise, source, time_origin_s)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (started, device_id, band_id, exercise, source, time_origin_s),
            )
            return _rowid(cur)

    def set_time_origin(self, session_id: int, time_origin_s: float, at_unix_s: float) -> None:
        """Tie the recording clock to the wall clock: `time_origin_s` happened at `at_unix_s`."""
        with self._tx() as c:
            c.execute(
                "UPDATE sessions SET time_origin_s = ?, started_unix_s = ? WHERE id = ?",
                (time_origin_s, at_unix_s, session_id),
            )

    def end_session(self, session_id: int, *, ended_unix_s: float | None = None) -> None:
        with self._tx() as c:
            c.execute(
                "UPDATE sessions SET ended_unix_s = ? WHERE id = ?",
                (time.time() if ended_unix_s is None else ended_unix_s, session_id),
            )

    def append_samples(self, session_id: int, time_s: np.ndarray, tension_n: np.ndarray) -> None:
        """Store one chunk of raw samples (one transaction)."""
        if len(time_s) == 0:
            return
        t0, blob = sample_codec.encode_chunk(time_s, tension_n)
        with self._tx() as c:
            c.execute(
                "INSERT INTO sample_chunks (session_id, t_first_s, t_last_s, n, codec, data) VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, t0, float(time_s[-1]), len(time_s), sample_codec.CODEC, blob),
            )

    def _set_id(self, c: sqlite3.Connection, session_id: int, set_index: int, exercise: str | None) -> int:
        row = c.execute("SELECT id FROM sets WHERE session_id = ? AND set_index = ?", (session_id, set_index)).fetchone()
        if row:
            if exercise is not None:
                c.execute("UPDATE sets SET exercise = ? WHERE id = ?", (exercise, row[0]))
            return row[0]
        if exercise is None:
            got = c.execute("SELECT exercise FROM sessions WHERE id = ?", (session_id,)).fetchone()
            if got is None:
                raise NotFoundError(f"no session {session_id}")
            exercise = got[0]
        return _rowid(
            c.execute("INSERT INTO sets (session_id, set_index, exercise) VALUES (?, ?, ?)", (session_id, set_index, exercise))
        )

    def begin_set(self, session_id: int, set_index: int, *, exercise: str | None = None) -> int:
        """Make sure the set's row exists (a set started by hand may have no rep yet)."""
        with self._tx() as c:
            return self._set_id(c, session_id, set_index, exercise)

    def add_rep(self, session_id: int, set_index: int, rep: Rep, *, exercise: str | None = None) -> None:
        """Record a completed rep as soon as it is known (one transaction, set totals updated)."""
        with self._tx() as c:
            set_id = self._set_id(c, session_id, set_index, exercise)
            c.execute(_REP_INSERT, _rep_row(set_id, rep))
            c.execute(_SET_AGGREGATE, {"id": set_id})

    def withdraw_rep(self, session_id: int, set_index: int, rep_index: int) -> None:
        """Drop a provisional rep the live analysis took back (a setup tug); set totals updated."""
        with self._tx() as c:
            row = c.execute(
                "SELECT id FROM sets WHERE session_id = ? AND set_index = ?", (session_id, set_index)
            ).fetchone()
            if row is None:
                return
            c.execute("DELETE FROM reps WHERE set_id = ? AND rep_index = ?", (row[0], rep_index))
            c.execute(_SET_AGGREGATE, {"id": row[0]})

    def end_set(self, session_id: int, rep_set: RepSet, *, analysis: str = "live") -> None:
        """The set's final reps (metrics relative to the whole set) replace the provisional ones."""
        with self._tx() as c:
            self._write_set(c, session_id, rep_set, analysis)

    def _write_set(self, c: sqlite3.Connection, session_id: int, rep_set: RepSet, analysis: str) -> None:
        set_id = self._set_id(c, session_id, rep_set.index, rep_set.exercise)
        c.execute("DELETE FROM reps WHERE set_id = ?", (set_id,))
        c.executemany(_REP_INSERT, [_rep_row(set_id, r) for r in rep_set.reps])
        c.execute(_SET_AGGREGATE, {"id": set_id})
        c.execute("UPDATE sets SET complete = 1, analysis = ? WHERE id = ?", (analysis, set_id))
        coach = rep_set.extra.get("coach")
        if coach is not None:  # the coach's summary (a JSON-ready dict), logged with the set
            c.execute("UPDATE sets SET coach = ? WHERE id = ?", (json.dumps(coach, allow_nan=False), set_id))

    def replace_analysis(self, session_id: int, rep_sets: Sequence[RepSet], *, analysis: str) -> None:
        """Swap a session's sets and reps for a new analysis, all or nothing."""
        self.replace_analyses({session_id: rep_sets}, analysis=analysis)

    def replace_analyses(self, by_session: dict[int, Sequence[RepSet]], *, analysis: str) -> None:
        """Swap several sessions' sets and reps in one transaction: all of them or none."""
        with self._tx() as c:
            for session_id, rep_sets in by_session.items():
                if c.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
                    raise NotFoundError(f"no session {session_id}")
                c.execute("DELETE FROM sets WHERE session_id = ?", (session_id,))
                for s in rep_sets:
                    self._write_set(c, session_id, s, analysis)

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
            cal_id = calibration_rows.insert_calibration(
                c, created_unix_s=record.created_unix_s, device=device, band=record.name, offset_raw=None,
                counts_per_n=None, stretch_cm=100.0 * record.rest_length_m, tension_n=record.force_100_n, note=note,
            )  # fmt: skip
            calibration_rows.put_profile(c, record, cal_id)
            return cal_id

    def remove_band_profile(self, name: str) -> BandProfileRecord:
        """Forget a band's profile (its dated calibration rows stay); returns what was removed."""
        with self._tx() as c:
            old = calibration_rows.profile_row(c, name, self.path)
            c.execute("DELETE FROM band_profiles WHERE band_id = (SELECT id FROM bands WHERE name = ?)", (name,))
            return old

    def import_band_profiles(self, records: Sequence[BandProfileRecord], *, key: str) -> int | None:
        """Bring in profiles kept elsewhere, once per `key`, all or nothing; returns how many were added.

        None when `key` was imported before (nothing is done). A band that already has a profile
        in the log keeps it. Each imported profile is tied to the band's latest calibration row, or
        gets one dated with the profile when the log has none.
        """
        for r in records:
            r.profile_json()
        with self._tx() as c:
            if c.execute("SELECT 1 FROM log_facts WHERE key = ?", (key,)).fetchone():
                return None
            added = 0
            for r in records:
                if c.execute(
                    "SELECT 1 FROM band_profiles p JOIN bands b ON b.id = p.band_id WHERE b.name = ?", (r.name,)
                ).fetchone():
                    continue
                cal_id = calibration_rows.latest_band_calibration(c, r.name)
                if cal_id is None:
                    cal_id = calibration_rows.insert_calibration(
                        c, created_unix_s=r.created_unix_s, device=None, band=r.name, offset_raw=None,
                        counts_per_n=None, stretch_cm=100.0 * r.rest_length_m, tension_n=r.force_100_n,
                        note=json.dumps({"kind": "band", "imported_from": key}),
                    )  # fmt: skip
                calibration_rows.put_profile(c, r, cal_id)
                added += 1
            c.execute(
                "INSERT INTO log_facts (key, value, set_unix_s) VALUES (?, ?, ?)",
                (key, json.dumps({"imported": added}), time.time()),
            )
            return added

    # -- reading --------------------------------------------------------------------------

    def sessions(
        self,
        *,
        exercise: str | None = None,
        since_unix_s: float | None = None,
        until_unix_s: float | None = None,
        limit: int | None = None,
    ) -> list[SessionSummary]:
        """Sessions newest first, optionally those with a set of `exercise` and within dates."""
        where, params = self._filters(exercise, since_unix_s, until_unix_s)
        sql = f"""
            SELECT s.id, s.started_unix_s, s.ended_unix_s, s.exercise, s.source, d.name, b.name,
                   count(st.id), coalesce(sum(st.rep_count), 0), coalesce(sum(st.partial_count), 0),
                   coalesce(sum(st.tut_s), 0)
            FROM sessions s
            LEFT JOIN sets st ON st.session_id = s.id
            LEFT JOIN devices d ON d.id = s.device_id
            LEFT JOIN bands b ON b.id = s.band_id
            WHERE {where}
            GROUP BY s.id ORDER BY s.started_unix_s DESC
            {"LIMIT " + str(int(limit)) if limit else ""}
        """
        return [SessionSummary(*row) for row in self._query(sql, params)]

    @staticmethod
    def _filters(exercise: str | None, since: float | None, until: float | None) -> tuple[str, dict]:
        clauses, params = ["1"], {}
        if since is not None:
            clauses.append("s.started_unix_s >= :since")
            params["since"] = since
        if until is not None:
            clauses.append("s.started_unix_s < :until")
            params["until"] = until
        if exercise is not None:
            clauses.append(
                "(s.exercise = :ex OR EXISTS (SELECT 1 FROM sets x WHERE x.session_id = s.id AND x.exercise = :ex))"
            )
            params["ex"] = exercise
        return " AND ".join(clauses), params

    def set_summaries(
        self,
        *,
        exercise: str | None = None,
        since_unix_s: float | None = None,
        until_unix_s: float | None = None,
        limit: int | None = None,
    ) -> list[SetSummary]:
        """Sets newest first across sessions (filtered like `sessions`)."""
        where, params = self._filters(None, since_unix_s, until_unix_s)
        if exercise is not None:
            where += " AND st.exercise = :ex"
            params["ex"] = exercise
        sql = f"""
            SELECT st.id, st.session_id, st.set_index, st.exercise,
                   s.started_unix_s + coalesce(st.start_s, s.time_origin_s) - s.time_origin_s,
                   st.rep_count, st.partial_count, st.tut_s, st.peak_n, st.mean_n, st.complete
            FROM sets st JOIN sessions s ON s.id = st.session_id
            WHERE {where}
            ORDER BY s.started_unix_s DESC, st.set_index DESC
            {"LIMIT " + str(int(limit)) if limit else ""}
        """
        return [SetSummary(*row[:10], complete=bool(row[10])) for row in self._query(sql, params)]

    def session(self, session_id: int) -> SessionSummary:
        rows = [s for s in self._session_rows(session_id)]
        if not rows:
            raise NotFoundError(f"no session {session_id} in {self.path}")
        return rows[0]

    def _session_rows(self, session_id: int) -> list[SessionSummary]:
        if not 0 < session_id <= _MAX_ROW_ID:
            return []  # beyond any SQLite rowid: no such session (binding it would overflow)
        sql = """
            SELECT s.id, s.started_unix_s, s.ended_unix_s, s.exercise, s.source, d.name, b.name,
                   count(st.id), coalesce(sum(st.rep_count), 0), coalesce(sum(st.partial_count), 0),
                   coalesce(sum(st.tut_s), 0)
            FROM sessions s
            LEFT JOIN sets st ON st.session_id = s.id
            LEFT JOIN devices d ON d.id = s.device_id
            LEFT JOIN bands b ON b.id = s.band_id
            WHERE s.id = ? GROUP BY s.id
        """
        return [SessionSummary(*row) for row in self._query(sql, (session_id,))]

    def session_time_origin(self, session_id: int) -> tuple[float, float]:
        """(started_unix_s, time_origin_s): wall time = started + (recording time - origin)."""
        rows = self._query("SELECT started_unix_s, time_origin_s FROM sessions WHERE id = ?", (session_id,))
        if not rows:
            raise NotFoundError(f"no session {session_id} in {self.path}")
        return rows[0]

    def sets(self, session_id: int) -> list[RepSet]:
        """The session's sets with their reps, in order; `extra` holds id, complete and analysis, and
        the coach's summary ("coach", a dict) when one was logged."""
        set_rows = self._query(
            "SELECT id, set_index, exercise, complete, analysis, coach FROM sets WHERE session_id = ? ORDER BY set_index",
            (session_id,),
        )
        out = []
        for set_id, set_index, exercise, complete, analysis, coach in set_rows:
            reps = tuple(
                Rep(
                    index=r[0], start_s=r[1], top_start_s=r[2], top_end_s=r[3], end_s=r[4], bottom_n=r[5],
                    peak_n=r[6], mean_n=r[7], impulse_ns=r[8], range_fraction=r[9], partial=bool(r[10]),
                    pause_s=r[11], range_cm=r[12],
                )  # fmt: skip
                for r in self._query(
                    "SELECT rep_index, start_s, top_start_s, top_end_s, end_s, bottom_n, peak_n, mean_n, impulse_ns,"
                    " range_fraction, partial, pause_s, range_cm FROM reps WHERE set_id = ? ORDER BY rep_index",
                    (set_id,),
                )
            )
            extra = {"id": set_id, "complete": bool(complete), "analysis": analysis}
            if coach is not None:
                extra["coach"] = json.loads(coach)
            out.append(RepSet(set_index, reps, exercise, extra=extra))
        return out

    def samples(
        self, session_id: int, *, start_s: float | None = None, end_s: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Raw samples of a session (optionally clipped to start_s..end_s), time-ordered."""
        lo = -np.inf if start_s is None else start_s
        hi = np.inf if end_s is None else end_s
        rows = self._query(
            "SELECT t_first_s, codec, data FROM sample_chunks WHERE session_id = ? AND t_last_s >= ? AND t_first_s <= ?"
            " ORDER BY t_first_s, id",
            (session_id, lo, hi),
        )
        ts, xs = [], []
        for t_first_s, codec, blob in rows:
            if codec != sample_codec.CODEC:
                raise CorruptError(f"{self.path}: unknown sample codec {codec!r}")
            try:
                t, x = sample_codec.decode_chunk(t_first_s, blob)
            except (ValueError, Exception) as exc:  # zlib.error is not a ValueError
                raise CorruptError(f"{self.path}: damaged sample chunk in session {session_id}: {exc}") from exc
            ts.append(t)
            xs.append(x)
        if not ts:
            return np.empty(0), np.empty(0)
        t = np.concatenate(ts)
        x = np.concatenate(xs)
        tol = 0.5e-6  # times are stored to the microsecond
        keep = (t >= lo - tol) & (t <= hi + tol)
        return t[keep], x[keep]

    def sample_count(self, session_id: int) -> int:
        return int(self._query("SELECT coalesce(sum(n), 0) FROM sample_chunks WHERE session_id = ?", (session_id,))[0][0])

    def calibrations(self, *, device: str | None = None, band: str | None = None) -> list[CalibrationRecord]:
        """Calibrations newest first, optionally of one device and/or one band."""
        with self._lock:
            try:
                return calibration_rows.calibration_rows(self._conn, device, band)
            except sqlite3.Error as exc:
                raise _translate(exc, self.path) from exc

    def band_profiles(self) -> list[BandProfileRecord]:
        """Every calibrated band's profile, light to heavy (level at 100 %, then 200 %, then name)."""
        with self._lock:
            try:
                return calibration_rows.profile_rows(self._conn, self.path)
            except sqlite3.Error as exc:
                raise _translate(exc, self.path) from exc

    def band_profile(self, name: str) -> BandProfileRecord:
        """One band's profile; NotFoundError naming the calibrated bands when there is none."""
        with self._lock:
            try:
                return calibration_rows.profile_row(self._conn, name, self.path)
            except sqlite3.Error as exc:
                raise _translate(exc, self.path) from exc

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
        with self._lock:
            try:
                return progress.weekly_progress(
                    self._conn, targets, exercise=exercise, since_unix_s=since_unix_s, until_unix_s=until_unix_s
                )
            except sqlite3.Error as exc:
                raise _translate(exc, self.path) from exc

    def session_tempo_adherence(self, session_id: int, targets: dict) -> dict[int, tuple[int, int]]:
        """Set index -> (reps on target tempo, reps), for the session's sets with a target."""
        with self._lock:
            try:
                return progress.session_tempo_adherence(self._conn, session_id, targets)
            except sqlite3.Error as exc:
                raise _translate(exc, self.path) from exc

    def personal_bests(
        self, *, exercise: str | None = None, since_unix_s: float | None = None, until_unix_s: float | None = None
    ) -> list[progress.PersonalBest]:
        """The best set of each exercise by peak, reps, good reps and TUT (taut.store.progress)."""
        with self._lock:
            try:
                return progress.personal_bests(
                    self._conn, exercise=exercise, since_unix_s=since_unix_s, until_unix_s=until_unix_s
                )
            except sqlite3.Error as exc:
                raise _translate(exc, self.path) from exc

    def fact(self, key: str) -> str | None:
        """A one-off fact recorded about this file (e.g. an import done), or None."""
        rows = self._query("SELECT value FROM log_facts WHERE key = ?", (key,))
        return rows[0][0] if rows else None
