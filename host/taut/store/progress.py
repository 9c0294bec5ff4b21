"""Progress over weeks and personal bests: a few SQL aggregates over the log, never a loop per session.

A year of daily sessions is summarised in one grouped query over the reps (weekly figures) and one
over the sets (bests), so `taut progress` stays fast however long the log grows
(`benchmarks/progress.py`). Tempo targets come in as a parameter: the store knows no profiles.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from taut.store.sessions import filters

# A rep is good when it is full range. Coaching (cues) does not exist yet; once it logs a cue per
# rep, "and no cue" joins this expression and every figure built on it follows.
GOOD_REP_SQL = "(1 - r.partial)"

# A phase meets its target when within this many seconds of it, or this share of it if larger.
TEMPO_TOLERANCE_S = 0.5
TEMPO_TOLERANCE_SHARE = 0.25


class TargetTempo(Protocol):
    eccentric_s: float
    pause_s: float
    concentric_s: float
    hold_s: float


@dataclass(frozen=True, slots=True)
class WeekProgress:
    """One exercise in one week (weeks start on Monday, local time)."""

    exercise: str | None
    week_start: str  # YYYY-MM-DD, the Monday
    sessions: int
    sets: int
    reps: int
    good_reps: int  # reps not partial (see GOOD_REP_SQL)
    tut_s: float
    peak_n: float
    mean_n: float | None  # time-weighted over the reps: impulse / TUT
    tempo_adherence: float | None  # share of reps on target tempo; None without a target
    partial_share: float


@dataclass(frozen=True, slots=True)
class PersonalBest:
    """The best set of an exercise by one measure, and where it was."""

    exercise: str | None
    metric: str  # one of BEST_METRICS
    value: float
    session_id: int
    set_index: int
    started_unix_s: float  # the session's start


BEST_METRICS = {
    "peak_n": ("heaviest rep", "N"),
    "reps": ("most reps in a set", ""),
    "good_reps": ("most good reps in a set", ""),
    "tut_s": ("longest set under tension", "s"),
}


def _filters(exercise: str | None, since_unix_s: float | None, until_unix_s: float | None) -> tuple[str, dict]:
    return filters(exercise, since_unix_s, until_unix_s, exercise_clause="coalesce(st.exercise, s.exercise) = :ex")


def _bounds(target_s: float) -> tuple[float, float]:
    tol = max(TEMPO_TOLERANCE_S, TEMPO_TOLERANCE_SHARE * target_s)
    return target_s - tol, target_s + tol


_PHASES = (("ecc", "eccentric_s"), ("con", "concentric_s"), ("top", "hold_s"))


def tempo_adherent_sql(rep: str = "r", target: str = "t") -> str:
    """SQL truth value: the rep's eccentric, concentric and top hold, and its bottom pause when it
    has one (a set's last rep has none), each within tolerance of the target tempo (bounds in `target`)."""
    on = [f"{rep}.{col} BETWEEN {target}.{ph}_lo AND {target}.{ph}_hi" for ph, col in _PHASES]
    on.append(f"({rep}.pause_s IS NULL OR {rep}.pause_s BETWEEN {target}.bot_lo AND {target}.bot_hi)")
    return "(" + " AND ".join(on) + ")"


_TARGET_COLUMNS = "exercise, ecc_lo, ecc_hi, bot_lo, bot_hi, con_lo, con_hi, top_lo, top_hi"


def _targets_cte(targets: Mapping[str, TargetTempo]) -> tuple[str, dict]:
    """The targets as a CTE of per-phase bounds, so each rep costs a few comparisons."""
    if not targets:
        return f"target({_TARGET_COLUMNS}) AS (SELECT NULL, 0, 0, 0, 0, 0, 0, 0, 0 WHERE 0)", {}
    rows, params = [], {}
    for i, (name, t) in enumerate(targets.items()):
        values = [name]
        for phase_s in (t.eccentric_s, t.pause_s, t.concentric_s, t.hold_s):
            values += _bounds(phase_s)
        keys = [f"t{i}_{j}" for j in range(len(values))]
        rows.append("(" + ", ".join(f":{k}" for k in keys) + ")")
        params.update(zip(keys, values))
    return f"target({_TARGET_COLUMNS}) AS (VALUES {', '.join(rows)})", params


def weekly_progress(
    conn: sqlite3.Connection,
    targets: Mapping[str, TargetTempo],
    *,
    exercise: str | None = None,
    since_unix_s: float | None = None,
    until_unix_s: float | None = None,
) -> list[WeekProgress]:
    """Per exercise and week (oldest first), in one query.

    The sets' stored totals (kept current with every rep written) give counts, TUT and tension;
    only the per-rep figures (good reps, tempo adherence) read the reps, grouped by set.
    """
    where, params = _filters(exercise, since_unix_s, until_unix_s)
    cte, tparams = _targets_cte(targets)
    sql = f"""
        WITH {cte},
        per_set AS (
            SELECT st.id, coalesce(st.exercise, s.exercise) AS ex, st.session_id,
                   date(s.started_unix_s, 'unixepoch', 'localtime', 'weekday 0', '-6 days') AS week,
                   st.rep_count, st.partial_count, st.tut_s, st.peak_n, st.impulse_ns
            FROM sets st JOIN sessions s ON s.id = st.session_id
            WHERE {where} AND st.rep_count > 0
        ),
        per_rep AS (
            SELECT r.set_id, sum({GOOD_REP_SQL}) AS good,
                   sum(CASE WHEN t.exercise IS NULL THEN NULL ELSE {tempo_adherent_sql()} END) AS on_tempo
            FROM per_set ps JOIN reps r ON r.set_id = ps.id LEFT JOIN target t ON t.exercise = ps.ex
            GROUP BY r.set_id
        )
        SELECT ps.ex, ps.week, count(DISTINCT ps.session_id), count(*), sum(ps.rep_count), sum(pr.good),
               sum(ps.tut_s), max(ps.peak_n), sum(ps.impulse_ns) / nullif(sum(ps.tut_s), 0),
               1.0 * sum(pr.on_tempo) / sum(ps.rep_count), 1.0 * sum(ps.partial_count) / sum(ps.rep_count)
        FROM per_set ps JOIN per_rep pr ON pr.set_id = ps.id
        GROUP BY ps.ex, ps.week
        ORDER BY ps.ex, ps.week
    """
    rows = conn.execute(sql, {**params, **tparams}).fetchall()
    return [
        WeekProgress(ex, week, n_ses, n_sets, n_reps, int(good), float(tut), float(peak),
                     None if mean is None else float(mean), None if adh is None else float(adh), float(part))
        for ex, week, n_ses, n_sets, n_reps, good, tut, peak, mean, adh, part in rows
    ]  # fmt: skip


def personal_bests(
    conn: sqlite3.Connection,
    *,
    exercise: str | None = None,
    since_unix_s: float | None = None,
    until_unix_s: float | None = None,
) -> list[PersonalBest]:
    """The best set of each exercise by each of BEST_METRICS: one query over the sets.

    SQLite takes the other columns of a max() group from the row holding the max, so each branch
    names the set where the best happened (of equal sets, one of them).
    """
    where, params = _filters(exercise, since_unix_s, until_unix_s)
    measures = {
        "peak_n": "st.peak_n",
        "reps": "st.rep_count",
        "good_reps": "st.rep_count - st.partial_count",
        "tut_s": "st.tut_s",
    }
    branches = [
        f"""SELECT ex, '{metric}', max(v), session_id, set_index, started FROM (
                SELECT coalesce(st.exercise, s.exercise) AS ex, {expr} AS v, st.session_id, st.set_index,
                       s.started_unix_s AS started
                FROM sets st JOIN sessions s ON s.id = st.session_id
                WHERE {where} AND st.rep_count > 0
            ) GROUP BY ex"""
        for metric, expr in measures.items()
    ]
    rows = conn.execute(" UNION ALL ".join(branches), params).fetchall()
    order = list(measures)
    bests = [PersonalBest(ex, m, float(v), sid, idx, started) for ex, m, v, sid, idx, started in rows if v is not None]
    return sorted(bests, key=lambda b: (b.exercise or "", order.index(b.metric)))


def session_tempo_adherence(
    conn: sqlite3.Connection, session_id: int, targets: Mapping[str, TargetTempo]
) -> dict[int, tuple[int, int]]:
    """Set index -> (reps on target tempo, reps) for one session's sets that have a target;
    the same rule as `weekly_progress`, so a report, an export and the weekly figures agree."""
    cte, tparams = _targets_cte(targets)
    sql = f"""
        WITH {cte}
        SELECT st.set_index, sum({tempo_adherent_sql()}), count(*)
        FROM reps r
        JOIN sets st ON st.id = r.set_id
        JOIN sessions s ON s.id = st.session_id
        JOIN target t ON t.exercise = coalesce(st.exercise, s.exercise)
        WHERE st.session_id = :sid
        GROUP BY st.set_index
    """
    return {idx: (int(ok), int(n)) for idx, ok, n in conn.execute(sql, {**tparams, "sid": session_id}).fetchall()}
