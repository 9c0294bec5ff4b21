"""`taut demo` end to end on the simulated clock: firmware twin → Bumble → BleSource → RepDetector → log,
checked against the physics model's ground truth of the same sets."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import dataclasses  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

pytest.importorskip("bumble")

from taut import demo  # noqa: E402
from taut.cli import main  # noqa: E402
from taut.exercises import EXERCISE_IDS  # noqa: E402
from taut.signal.events import RepCompleted  # noqa: E402
from taut.sim import simulate_session  # noqa: E402
from taut.store import open_log  # noqa: E402
from taut.ui.live_session import Request  # noqa: E402


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    """All five exercises once, fast, no view; the log in a temporary file."""
    db_path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    sets = demo.demo_sets(seed=0)
    with open_log(db_path) as db:
        result = demo.run_demo(sets, fast=True, view="none", log_db=db)
    return sets, result, db_path


@pytest.mark.slow
def test_all_five_exercises_match_ground_truth(full_run):
    sets, result, _ = full_run
    assert [c.exercise for c in result.checks] == list(EXERCISE_IDS)
    assert not result.stopped_by_user
    for c in result.checks:
        assert c.truth.reps == (demo.HEAVY_REPS if c.exercise == "row" else 5), c  # the plan's reps, all in the truth
        assert c.found.reps == c.truth.reps, c
        assert c.found.partials == c.truth.partials, c
        assert c.sets_found == 1, c
        assert abs(c.found.tut_s - c.truth.tut_s) <= 0.05 * c.truth.tut_s, c
        for phase in ("concentric_s", "hold_s", "eccentric_s"):
            assert abs(getattr(c.found, phase) - getattr(c.truth, phase)) < 0.2, (phase, c)
    # The demo shows partial reps: the pull-apart's and the too-heavy row's, found live.
    assert [c.truth.partials > 0 for c in result.checks] == [True, False, True, False, False]
    assert result.all_match


@pytest.mark.slow
def test_the_coach_finds_each_persons_habit(full_run):
    """One person rushes, one skips the squeeze, one pulls a band too heavy: the cues found match the truth."""
    _, result, _ = full_run
    by = {c.exercise: c for c in result.checks}
    assert [c.habit for c in result.checks] == ["partials", "rush", "too-heavy", "good", "no-squeeze"]
    assert by["face-pull"].cues_truth.get("too-fast-concentric", 0) + by["face-pull"].cues_truth.get("too-fast-eccentric", 0) == 5
    assert by["reverse-fly"].cues_truth == {"no-squeeze": 5}
    assert by["row"].band_truth == "too heavy" and by["straight-arm-pulldown"].cues_truth == {}
    for c in result.checks:
        assert c.cues_match, (c.exercise, c.cues_found, c.cues_truth, c.band_found, c.band_truth)


@pytest.mark.slow
def test_log_holds_every_session_set_and_rep(full_run):
    _, result, db_path = full_run
    with open_log(db_path, readonly=True) as db:
        sessions = sorted(db.sessions(), key=lambda s: s.id)
        assert [s.id for s in sessions] == [c.session_id for c in result.checks]
        for s, c in zip(sessions, result.checks):
            assert (s.exercise, s.source, s.band) == (c.exercise, "virtual", c.band)
            assert s.ended_unix_s is not None
            [logged] = db.sets(s.id)
            assert logged.exercise == c.exercise
            assert logged.complete
            assert len(logged.reps) == c.truth.reps
            assert sum(r.partial for r in logged.reps) == c.truth.partials
            assert sum(r.tut_s for r in logged.reps) == pytest.approx(c.found.tut_s, abs=1e-6)
            time_s, _ = db.samples(s.id)
            # Streamed at the band's ~80 Hz (the HX711's own clock) without holes, first rep to last.
            assert time_s[0] < logged.reps[0].start_s and time_s[-1] > logged.reps[-1].end_s
            assert np.median(np.diff(time_s)) == pytest.approx(1 / 80, rel=0.1)
            assert np.diff(time_s).max() < 0.1


@pytest.mark.slow
def test_truth_is_the_plans_own(full_run):
    """The summary's truth column is the physics model's truth of exactly the streamed plan."""
    sets, result, _ = full_run
    for ds, c in zip(sets, result.checks):
        [truth] = simulate_session(ds.plan, fs_hz=80).sets
        assert c.truth == demo.SetTotals.of(truth.reps)


def test_demo_plan_is_one_clear_set():
    for k, ex in enumerate(EXERCISE_IDS):
        plan = demo.demo_plan(ex, 7, n_reps=6, partial=True)
        [sp] = plan.sets
        assert sp.exercise == ex and len(sp.reps) == 6
        assert plan.lead_in_s >= demo.LEAD_IN_S and plan.sensor.offset_steps == ()
        partial = [r for r in sp.reps if r.partial]
        full = [r.range_m for r in sp.reps if not r.partial]
        assert len(partial) == 1 and partial[0].range_m <= demo.PARTIAL_OF_MEDIAN * np.median([r.range_m for r in sp.reps]) + 1e-9
        assert min(full) > 0.8 * np.median(full)
    with pytest.raises(ValueError, match="unknown exercise"):
        demo.demo_plan("squat", 0)


def test_an_exercise_gets_the_same_set_alone_or_with_the_others():
    every = demo.demo_sets(seed=3)
    [row] = demo.demo_sets(["row"], seed=3)
    assert row.plan == every[EXERCISE_IDS.index("row")].plan and row.index == 0
    assert demo.demo_sets(seed=4)[2].plan != row.plan
    with pytest.raises(ValueError, match="unknown exercise"):
        demo.demo_sets(["deadlift"])


def test_set_check_marks_each_kind_of_mismatch():
    t = demo.SetTotals(reps=5, partials=1, tut_s=20.0, concentric_s=0.6, hold_s=2.0, eccentric_s=1.2)
    ok = demo.SetCheck("row", "red", t, t, 1, 1)
    assert ok.matches and ok.mismatches == ()
    assert dataclasses.replace(ok, found=dataclasses.replace(t, tut_s=20.9)).matches  # within 5 %
    cases = {
        "reps": dataclasses.replace(ok, found=dataclasses.replace(t, reps=4)),
        "partials": dataclasses.replace(ok, found=dataclasses.replace(t, partials=0)),
        "TUT": dataclasses.replace(ok, found=dataclasses.replace(t, tut_s=21.5)),
        "sets": dataclasses.replace(ok, sets_found=2),
    }
    for name, check in cases.items():
        assert not check.matches and check.mismatches == (name,)
    assert not demo.DemoResult([ok, cases["reps"]]).all_match and not demo.DemoResult([]).all_match


def test_cli_runs_and_prints_the_summary(tmp_path, capsys):
    db = tmp_path / "cli.sqlite3"
    code = main(["demo", "--fast", "--view", "none", "--exercise", "face-pull", "--exercise", "reverse-fly",
                 "--reps", "4", "--seed", "2", "--db", str(db)])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.count("✓ match") == 4 and "✗" not in out  # two sets, in the rep table and in the coach table
    assert "coach: cues found" in out and "no squeeze ×4" in out
    assert "face-pull" in out and "reverse-fly" in out and f"logged to {db}" in out
    with open_log(db, readonly=True) as log:
        assert sorted(s.exercise for s in log.sessions()) == ["face-pull", "reverse-fly"]
        assert all(s.rep_count == 4 for s in log.sessions())


def test_default_log_is_the_demo_log_not_the_users(tmp_path, monkeypatch):
    monkeypatch.setenv("TAUT_DB", str(tmp_path / "real.sqlite3"))
    path = demo.demo_log_path()
    assert path.name == "demo.sqlite3" and path != tmp_path / "real.sqlite3"


def test_bad_arguments_are_clear_errors(tmp_path, capsys):
    assert main(["demo", "--fast", "--reps", "0", "--db", str(tmp_path / "x.db")]) == 2
    assert "--reps must be between 1 and 30" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--exercise", "squat"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
    bad = tmp_path / "not-a-log.db"
    bad.write_bytes(b"hello, this is no database" * 100)
    before = bad.read_bytes()
    assert main(["demo", "--fast", "--view", "none", "--db", str(bad)]) == 2
    assert "taut demo: error:" in capsys.readouterr().err
    assert bad.read_bytes() == before


def test_terminal_view_shows_the_set(tmp_path, capsys):
    code = main(["demo", "--fast", "--view", "term", "--exercise", "row", "--reps", "3", "--db", str(tmp_path / "t.db")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "set TUT" in out and "tempo c/h/e" in out and "✓ match" in out


def test_qt_view_runs_all_sets_in_one_window(tmp_path):
    pytest.importorskip("pyqtgraph")
    sets = demo.demo_sets(["face-pull", "row"], seed=1, n_reps=3)
    with open_log(tmp_path / "qt.db") as db:
        result = demo.run_demo(sets, fast=True, view="qt", log_db=db, linger_s=0.5)
        assert len(db.sessions()) == 2
    assert not result.stopped_by_user
    assert [c.exercise for c in result.checks] == ["face-pull", "row"]
    assert all(c.matches for c in result.checks), result.checks


def _stop_after_first_rep(session):
    """Stands in for a user pressing q once the first rep is counted."""

    def on_event(event):
        if isinstance(event, RepCompleted):
            session.request_stop()

    session.on_event = on_event


@pytest.mark.parametrize("view", ["none", "qt"])
def test_stopping_a_set_ends_the_demo_and_keeps_the_log(tmp_path, view):
    if view == "qt":
        pytest.importorskip("pyqtgraph")
    sets = demo.demo_sets(["row", "face-pull"], seed=0, n_reps=4)
    with open_log(tmp_path / "stop.db") as db:
        result = demo.run_demo(sets, fast=True, view=view, log_db=db, on_session=_stop_after_first_rep)
    assert result.stopped_by_user and result.checks == []
    with open_log(tmp_path / "stop.db", readonly=True) as db:
        [session] = db.sessions()  # the second set never started
        assert session.exercise == "row" and session.ended_unix_s is not None
        assert 1 <= session.rep_count < 4


def test_stage_sends_keys_and_stop_to_the_current_set():
    """The one window of the Qt view follows the running set's model and session."""
    from taut.signal import RepDetector
    from taut.sources import ReplaySource
    from taut.ui.live_model import LiveModel
    from taut.ui.live_session import LiveSession

    first = LiveModel()
    stage = demo.Stage(first)
    assert stage.model.unit == "N"
    stage.model.cycle_unit()
    second = LiveModel()
    stage.show(second)
    assert second.unit == first.unit != "N"  # the unit chosen carries over to the next set
    second.push(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    assert stage.model.frame().latest_sample_s == 2.0

    t = np.arange(0.0, 60.0, 1 / 80)
    session = LiveSession(ReplaySource(t, np.zeros_like(t), speed=1.0), RepDetector(), second)
    stage.attach(session)
    stage.request(Request.STOP)  # q in the window
    assert stage.stopped
    import asyncio

    result = asyncio.run(asyncio.wait_for(session.run(), timeout=10))
    assert result.stopped_by_user and result.samples < len(t)
    late = LiveSession(ReplaySource(t, np.zeros_like(t), speed=1.0), RepDetector(), LiveModel())
    stage.attach(late)  # a set starting after the stop is stopped at once
    assert asyncio.run(asyncio.wait_for(late.run(), timeout=10)).stopped_by_user
