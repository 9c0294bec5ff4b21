"""Sessions, sets, reps and raw samples in the log: the typed rows and the SQL that writes and reads them.

`WorkoutLog` exposes these as methods; each write runs inside the caller's transaction, each
read on the caller's connection under its lock.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from taut.records import REP_FIELDS, REP_INIT_FIELDS, Rep, RepSet
from taut.store import sample_codec
from taut.store.calibration_rows import named_id
from taut.store.errors import CorruptError, LogError, NotFoundError

_MAX_ROW_ID = 2**63 - 1


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


def _rowid(cur: sqlite3.Cursor) -> int:
    if cur.lastrowid is None:
        raise LogError("insert returned no row id")
    return int(cur.lastrowid)


def _rep_row(set_id: int, rep: Rep) -> tuple:
    return (set_id, *(f.value(rep) for f in REP_FIELDS))


_FLAGS = tuple(i for i, f in enumerate(REP_INIT_FIELDS) if f.kind is bool)  # stored as 0/1


def _rep_of(row: tuple) -> Rep:
    """A rep from its `_REP_SELECT` row (the `Rep` constructor's fields, in its order)."""
    values = list(row)
    for i in _FLAGS:
        values[i] = bool(values[i])
    return Rep(*values)


# The reps table has a column per field of `REP_FIELDS` (derived ones too, for the SQL aggregates).
_REP_INSERT = (
    f"INSERT OR REPLACE INTO reps (set_id, {', '.join(f.name for f in REP_FIELDS)})"
    f" VALUES ({', '.join('?' * (1 + len(REP_FIELDS)))})"
)
_REP_SELECT = f"SELECT {', '.join(f.name for f in REP_INIT_FIELDS)} FROM reps WHERE set_id = ? ORDER BY rep_index"
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
_SESSION_SELECT = """
SELECT s.id, s.started_unix_s, s.ended_unix_s, s.exercise, s.source, d.name, b.name,
       count(st.id), coalesce(sum(st.rep_count), 0), coalesce(sum(st.partial_count), 0),
       coalesce(sum(st.tut_s), 0)
FROM sessions s
LEFT JOIN sets st ON st.session_id = s.id
LEFT JOIN devices d ON d.id = s.device_id
LEFT JOIN bands b ON b.id = s.band_id
"""

# -- writing (inside the caller's transaction) --------------------------------------------------


def start_session(c: sqlite3.Connection, *, exercise: str | None, device: str | None, band: str | None, source: str,
                  started_unix_s: float, time_origin_s: float) -> int:
    cur = c.execute(
        "INSERT INTO sessions (started_unix_s, device_id, band_id, exercise, source, time_origin_s)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (started_unix_s, named_id(c, "devices", device), named_id(c, "bands", band), exercise, source, time_origin_s),
    )
    return _rowid(cur)


def set_time_origin(c: sqlite3.Connection, session_id: int, time_origin_s: float, at_unix_s: float) -> None:
    c.execute(
        "UPDATE sessions SET time_origin_s = ?, started_unix_s = ? WHERE id = ?", (time_origin_s, at_unix_s, session_id)
    )


def end_session(c: sqlite3.Connection, session_id: int, ended_unix_s: float) -> None:
    c.execute("UPDATE sessions SET ended_unix_s = ? WHERE id = ?", (ended_unix_s, session_id))


def append_samples(c: sqlite3.Connection, session_id: int, time_s: np.ndarray, tension_n: np.ndarray) -> None:
    t0, blob = sample_codec.encode_chunk(time_s, tension_n)
    c.execute(
        "INSERT INTO sample_chunks (session_id, t_first_s, t_last_s, n, codec, data) VALUES (?, ?, ?, ?, ?, ?)",
        (session_id, t0, float(time_s[-1]), len(time_s), sample_codec.CODEC, blob),
    )


def set_id(c: sqlite3.Connection, session_id: int, set_index: int, exercise: str | None) -> int:
    """The row id of the session's set `set_index`, made if new (exercise: given, else the session's)."""
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


def add_rep(c: sqlite3.Connection, session_id: int, set_index: int, rep: Rep, exercise: str | None) -> None:
    sid = set_id(c, session_id, set_index, exercise)
    c.execute(_REP_INSERT, _rep_row(sid, rep))
    c.execute(_SET_AGGREGATE, {"id": sid})


def withdraw_rep(c: sqlite3.Connection, session_id: int, set_index: int, rep_index: int) -> None:
    row = c.execute("SELECT id FROM sets WHERE session_id = ? AND set_index = ?", (session_id, set_index)).fetchone()
    if row is None:
        return
    c.execute("DELETE FROM reps WHERE set_id = ? AND rep_index = ?", (row[0], rep_index))
    c.execute(_SET_AGGREGATE, {"id": row[0]})


def write_set(c: sqlite3.Connection, session_id: int, rep_set: RepSet, analysis: str) -> None:
    """The set's final reps replace whatever the set held; the set is marked complete."""
    sid = set_id(c, session_id, rep_set.index, rep_set.exercise)
    c.execute("DELETE FROM reps WHERE set_id = ?", (sid,))
    c.executemany(_REP_INSERT, [_rep_row(sid, r) for r in rep_set.reps])
    c.execute(_SET_AGGREGATE, {"id": sid})
    c.execute("UPDATE sets SET complete = 1, analysis = ? WHERE id = ?", (analysis, sid))
    if rep_set.coach is not None:  # the coach's summary (a JSON object), logged with the set
        c.execute("UPDATE sets SET coach = ? WHERE id = ?", (json.dumps(rep_set.coach, allow_nan=False), sid))


def replace_analyses(c: sqlite3.Connection, by_session: dict[int, Sequence[RepSet]], analysis: str) -> None:
    for session_id, rep_sets in by_session.items():
        if c.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
            raise NotFoundError(f"no session {session_id}")
        c.execute("DELETE FROM sets WHERE session_id = ?", (session_id,))
        for s in rep_sets:
            write_set(c, session_id, s, analysis)


# -- reading ----------------------------------------------------------------------------------


_ANY_SET_OF = "(s.exercise = :ex OR EXISTS (SELECT 1 FROM sets x WHERE x.session_id = s.id AND x.exercise = :ex))"


def filters(exercise: str | None, since_unix_s: float | None, until_unix_s: float | None, *,
            exercise_clause: str = _ANY_SET_OF) -> tuple[str, dict]:
    """A WHERE clause and its parameters: sessions `s` started within the dates and, given an
    exercise, `exercise_clause` (default: the session's or any of its sets' is `:ex`)."""
    clauses, params = ["1"], {}
    if exercise is not None:
        clauses.append(exercise_clause)
        params["ex"] = exercise
    if since_unix_s is not None:
        clauses.append("s.started_unix_s >= :since")
        params["since"] = since_unix_s
    if until_unix_s is not None:
        clauses.append("s.started_unix_s < :until")
        params["until"] = until_unix_s
    return " AND ".join(clauses), params


def _limit(limit: int | None) -> str:
    return "LIMIT " + str(int(limit)) if limit else ""


def session_rows(c: sqlite3.Connection, *, exercise: str | None, since_unix_s: float | None,
                 until_unix_s: float | None, limit: int | None) -> list[SessionSummary]:
    where, params = filters(exercise, since_unix_s, until_unix_s)
    sql = f"{_SESSION_SELECT} WHERE {where} GROUP BY s.id ORDER BY s.started_unix_s DESC {_limit(limit)}"
    return [SessionSummary(*row) for row in c.execute(sql, params).fetchall()]


def session_row(c: sqlite3.Connection, session_id: int) -> SessionSummary | None:
    if not 0 < session_id <= _MAX_ROW_ID:
        return None  # beyond any SQLite rowid: no such session (binding it would overflow)
    row = c.execute(_SESSION_SELECT + " WHERE s.id = ? GROUP BY s.id", (session_id,)).fetchone()
    return None if row is None else SessionSummary(*row)


def set_summary_rows(c: sqlite3.Connection, *, exercise: str | None, since_unix_s: float | None,
                     until_unix_s: float | None, limit: int | None) -> list[SetSummary]:
    where, params = filters(None, since_unix_s, until_unix_s)
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
        {_limit(limit)}
    """
    return [SetSummary(*row[:10], complete=bool(row[10])) for row in c.execute(sql, params).fetchall()]


def time_origin(c: sqlite3.Connection, session_id: int) -> tuple[float, float] | None:
    row = c.execute("SELECT started_unix_s, time_origin_s FROM sessions WHERE id = ?", (session_id,)).fetchone()
    return None if row is None else (row[0], row[1])


def set_rows(c: sqlite3.Connection, session_id: int) -> list[RepSet]:
    out = []
    for set_id_, set_index, exercise, complete, analysis, coach in c.execute(
        "SELECT id, set_index, exercise, complete, analysis, coach FROM sets WHERE session_id = ? ORDER BY set_index",
        (session_id,),
    ).fetchall():
        reps = tuple(_rep_of(r) for r in c.execute(_REP_SELECT, (set_id_,)).fetchall())
        out.append(RepSet(set_index, reps, exercise, log_id=set_id_, complete=bool(complete), analysis=analysis,
                          coach=None if coach is None else json.loads(coach)))
    return out


def sample_rows(c: sqlite3.Connection, session_id: int, start_s: float | None, end_s: float | None,
                path: Path) -> tuple[np.ndarray, np.ndarray]:
    lo = -np.inf if start_s is None else start_s
    hi = np.inf if end_s is None else end_s
    rows = c.execute(
        "SELECT t_first_s, codec, data FROM sample_chunks WHERE session_id = ? AND t_last_s >= ? AND t_first_s <= ?"
        " ORDER BY t_first_s, id",
        (session_id, lo, hi),
    ).fetchall()
    ts, xs = [], []
    for t_first_s, codec, blob in rows:
        if codec != sample_codec.CODEC:
            raise CorruptError(f"{path}: unknown sample codec {codec!r}")
        try:
            t, x = sample_codec.decode_chunk(t_first_s, blob)
        except (ValueError, Exception) as exc:  # zlib.error is not a ValueError
            raise CorruptError(f"{path}: damaged sample chunk in session {session_id}: {exc}") from exc
        ts.append(t)
        xs.append(x)
    if not ts:
        return np.empty(0), np.empty(0)
    t = np.concatenate(ts)
    x = np.concatenate(xs)
    tol = 0.5e-6  # times are stored to the microsecond
    keep = (t >= lo - tol) & (t <= hi + tol)
    return t[keep], x[keep]


def sample_count(c: sqlite3.Connection, session_id: int) -> int:
    return int(c.execute("SELECT coalesce(sum(n), 0) FROM sample_chunks WHERE session_id = ?", (session_id,)).fetchone()[0])

