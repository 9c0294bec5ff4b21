"""The after-set summary in the workout log: written with the set, read back, shown, recomputed."""

from __future__ import annotations

import sqlite3

import pytest

from taut.cli import main
from taut.coach import logged_summary, targets_for, with_summary
from taut.signal import analyze
from taut.sim import simulate_session
from taut.sim.habits import habit_plan
from taut.store import open_log
from taut.store.schema import MIGRATIONS


@pytest.fixture
def coached_log(tmp_path):
    plan, truth = habit_plan(3, "rush", exercise="face-pull")
    rec = simulate_session(plan, fs_hz=80)
    [rep_set] = analyze(rec.time_s, rec.tension_n, exercise="face-pull").sets
    targets = targets_for("face-pull", tension_n=truth.tension_target_n)
    db = tmp_path / "log.db"
    with open_log(db) as log:
        sid = log.start_session(exercise="face-pull", source="test")
        log.append_samples(sid, rec.time_s, rec.tension_n)
        log.end_set(sid, with_summary(rep_set, targets))
    return db, rep_set


def test_the_summary_is_logged_with_its_set(coached_log):
    db, rep_set = coached_log
    with open_log(db) as log:
        [got] = log.sets(1)
    s = logged_summary(got)
    assert s is not None and s.reps == len(rep_set.reps) and s.exercise == "face-pull"
    assert s.cue_counts["too-fast-concentric"] + s.cue_counts["too-fast-eccentric"] > 0
    assert s.advice.startswith("Slow down")
    assert s.targets().tension_n == pytest.approx(s.target_tension_n)


def test_show_prints_the_summary(coached_log, capsys):
    db, _ = coached_log
    assert main(["show", "1", "--no-png", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "coach:" in out and "good reps" in out and "Slow down" in out and "target 2-0-1-1" in out


def test_reanalyze_recomputes_the_summary_by_the_logged_targets(coached_log, capsys):
    db, _ = coached_log
    with open_log(db) as log:
        [s] = log.sets(1)
        old = logged_summary(s)
        conn = sqlite3.connect(db)  # as if an older coach had judged the set differently
        conn.execute("UPDATE sets SET coach = json_set(coach, '$.advice', 'stale', '$.good_reps', -1)")
        conn.commit()
        conn.close()
    assert main(["reanalyze", "1", "--db", str(db)]) == 0
    with open_log(db) as log:
        [s] = log.sets(1)
    new = logged_summary(s)
    assert new.advice == old.advice and new.good_reps == old.good_reps
    assert new.target_tension_n == pytest.approx(old.target_tension_n)  # the plan's target survives


def test_a_log_from_before_the_coach_opens_and_gains_the_column(tmp_path):
    db = tmp_path / "v3.db"
    conn = sqlite3.connect(db, isolation_level=None)
    from taut.store.schema import migrate

    migrate(conn, target=len(MIGRATIONS) - 1)
    conn.execute("INSERT INTO sessions (started_unix_s, exercise) VALUES (1.0, 'row')")
    conn.execute("INSERT INTO sets (session_id, set_index, exercise, complete) VALUES (1, 0, 'row', 1)")
    conn.close()
    with open_log(db) as log:
        [s] = log.sets(1)
        assert s.coach is None and logged_summary(s) is None
        assert log.schema_version == len(MIGRATIONS)
