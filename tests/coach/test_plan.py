"""Plans (TOML files, flags, the ready ones) and the live guide through them: rest, set start, the end."""

from __future__ import annotations

import numpy as np
import pytest

from taut.cli import main
from taut.coach.guide import GoalReached, LiveCoach, PlanDone, RestOver, SetDone
from taut.coach.plan import PlanError, load_plan, plan_from_flags, ready_plans
from taut.exercises import EXERCISE_IDS
from taut.records import Rep, RepSet
from taut.signal.events import RepCompleted, RepStarted, SetEnded


def test_ready_plans_cover_the_five_exercises():
    names = ready_plans()
    assert set(EXERCISE_IDS) <= set(names) and "upper-back" in names
    for name in names:
        plan = load_plan(name)
        assert plan.blocks and all(b.sets >= 1 and (b.reps or b.seconds) for b in plan.blocks)
    fly = load_plan("reverse-fly").blocks[0]
    assert (str(fly.targets.tempo), fly.targets.hold_s, fly.sets, fly.reps, fly.rest_s) == ("3-0-1-2", 2.0, 3, 12, 60.0)


def test_a_plan_file_with_every_key(tmp_path):
    p = tmp_path / "p.toml"
    p.write_text('name = "mine"\nrest_s = 45\n[[block]]\nexercise = "row"\nsets = 2\nseconds = 40\ntempo = "3-1-1-1"\n'
                 'hold_s = 1.5\nband = "red"\ntension_n = 80\n[[block]]\nexercise = "face-pull"\nreps = 10\nrest_s = 90\n')
    plan = load_plan(p)
    a, b = plan.blocks
    assert plan.name == "mine" and (a.sets, a.reps, a.seconds, a.rest_s, a.band) == (2, None, 40.0, 45.0, "red")
    assert (str(a.targets.tempo), a.targets.hold_s, a.targets.tension_n) == ("3-1-1-1", 1.5, 80.0)
    assert (b.sets, b.reps, b.rest_s, str(b.targets.tempo)) == (1, 10, 90.0, "2-0-1-1")
    assert [n for _, n in plan.set_list()] == [1, 2, 1]


@pytest.mark.parametrize("text, words", [
    ("[[block]\n", "not valid TOML"),
    ("[[block]]\nexercise = \"row\"\nreps = 5\ncolour = 1\n", "unknown key 'colour'"),
    ("[[block]]\nexercise = \"curl\"\nreps = 5\n", "unknown exercise 'curl'"),
    ("[[block]]\nexercise = \"row\"\n", "give reps or seconds"),
    ("[[block]]\nexercise = \"row\"\nreps = 5\nseconds = 30\n", "give reps or seconds"),
    ("[[block]]\nexercise = \"row\"\nreps = 5\ntempo = \"fast\"\n", "expected four numbers"),
    ("[[block]]\nexercise = \"row\"\nreps = 2.5\n", "reps must be a whole number"),
    ("[[block]]\nexercise = \"row\"\nreps = 5\nrest_s = -1\n", "rest_s must be a number >= 0"),
    ("name = \"x\"\n", "no [[block]] tables"),
])
def test_bad_plan_files_give_one_clear_error(tmp_path, text, words):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(PlanError, match=words.replace("[", r"\[")):
        load_plan(p)


def test_bad_plans_on_the_command_line_exit_2_with_one_line(tmp_path, capsys):
    p = tmp_path / "bad.toml"
    p.write_text("[[block]]\nexercise = \"row\"\n")
    db = str(tmp_path / "log.db")
    for argv in (["live", "--virtual", "row", "--plan", str(p), "--db", db],
                 ["live", "--virtual", "row", "--plan", str(tmp_path / "none.toml"), "--db", db],
                 ["live", "--virtual", "row", "--sets", "0", "--db", db],
                 ["live", "--virtual", "row", "--tempo", "1-2", "--db", db],
                 ["live", "--virtual", "row", "--plan", "row", "--reps", "5", "--db", db],
                 ["live", "--replay", str(p), "--reps", "5", "--db", db]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "error" in err, (argv, err)
    assert not (tmp_path / "log.db").exists()  # nothing was started


def _rep(i: int, t0: float) -> Rep:
    return Rep(i, t0, t0 + 1.2, t0 + 3.4, t0 + 5.6, 10.0, 60.0, 40.0, 0.0, 1.0, False, pause_s=1.0)


def test_the_guide_goes_set_rest_set_done():
    coach = LiveCoach(plan_from_flags("face-pull", sets=2, reps=3, rest_s=20))
    t = lambda s: np.array([s])  # noqa: E731
    y = np.array([10.0])
    assert coach.state(0.0).phase == "ready"
    coach.feed(t(1.0), y, [RepStarted(1.0, 0)])
    assert coach.state().phase == "set" and coach.state(1.5).guide[0] == "up"
    assert coach.state(2.5).guide == ("squeeze", pytest.approx(0.5))  # face pull: 1 s up, a 1 s hold, 2 s back
    assert coach.state(3.5).guide[0] == "back"
    reps = tuple(_rep(i, 1.0 + 7 * i) for i in range(3))
    for r in reps:
        coach.feed(t(r.end_s + 0.05), y, [RepCompleted(r, 0)])
    assert coach.state().reps_done == 3 and coach.state().marks == (("good",),) * 3
    assert coach.state().banner == ("goal", "Set done: rest now")  # told once, at the third rep
    out = coach.feed(t(30.0), y, [SetEnded(RepSet(0, reps, "face-pull"))])
    done = [c for c in out if isinstance(c, SetDone)]
    assert len(done) == 1 and done[0].summary.good_reps == 3
    assert coach.coached(RepSet(0, reps)).coach is not None
    st = coach.state()
    assert st.phase == "rest" and st.rest_left_s == pytest.approx(20 - (30.0 - reps[-1].end_s))
    assert st.summary is not None and st.set_number == 2
    out = coach.feed(t(reps[-1].end_s + 20.1), y)
    assert [type(c) for c in out] == [RestOver] and coach.state().phase == "ready"
    reps2 = tuple(_rep(i, 50.0 + 7 * i) for i in range(3))
    coach.feed(t(50.0), y, [RepStarted(50.0, 1)])
    assert coach.state().phase == "set" and coach.state().reps_done == 0
    out = coach.feed(t(80.0), y, [RepCompleted(r, 1) for r in reps2] + [SetEnded(RepSet(1, reps2, "face-pull"))])
    assert isinstance(out[-1], PlanDone) and coach.state().phase == "done"


def test_a_set_starts_with_its_first_rep_even_during_the_rest():
    coach = LiveCoach(plan_from_flags("row", sets=2, reps=3, rest_s=60))
    reps = tuple(_rep(i, 1.0 + 7 * i) for i in range(3))
    y = np.array([10.0])
    coach.feed(np.array([25.0]), y, [SetEnded(RepSet(0, reps, "row"))])
    assert coach.state().phase == "rest"
    coach.feed(np.array([40.0]), y, [RepStarted(40.0, 1)])
    assert coach.state().phase == "set" and coach.state().set_number == 2


def test_a_timed_set_says_when_its_time_is_up():
    coach = LiveCoach(plan_from_flags("row", sets=1, seconds=20))
    y = np.array([10.0])
    coach.feed(np.array([5.0]), y, [RepStarted(5.0, 0)])
    assert not [c for c in coach.feed(np.array([24.9]), y) if isinstance(c, GoalReached)]
    [goal] = [c for c in coach.feed(np.array([25.0]), y) if isinstance(c, GoalReached)]
    assert goal.what == "time" and coach.feed(np.array([26.0]), y) == []


def test_a_timed_set_is_closed_by_the_plans_clock_after_the_rep_under_way():
    coach = LiveCoach(plan_from_flags("row", sets=2, seconds=20, rest_s=30))
    y = np.array([10.0])
    coach.feed(np.array([5.0]), y, [RepStarted(5.0, 0)])
    coach.feed(np.array([10.6]), y, [RepCompleted(_rep(0, 5.0), 0), RepStarted(10.6, 0)])
    coach.feed(np.array([25.0]), y)  # time up in the middle of a rep
    assert not coach.set_closing()
    coach.feed(np.array([26.0]), y, [RepCompleted(_rep(1, 10.6), 0)])
    assert coach.set_closing() and not coach.set_closing()  # once
    reps = (_rep(0, 5.0), _rep(1, 10.6))
    out = coach.feed(np.array([26.1]), y, [SetEnded(RepSet(0, reps, "row"))])
    assert [type(c) for c in out] == [SetDone]
    st = coach.state()
    assert st.phase == "rest" and st.rest_left_s == pytest.approx(30 - (26.1 - 25.0))  # rest from the time up


def test_a_timed_set_is_closed_after_the_grace_when_a_rep_never_ends():
    coach = LiveCoach(plan_from_flags("row", sets=1, seconds=20))
    y = np.array([10.0])
    coach.feed(np.array([5.0]), y, [RepStarted(5.0, 0)])
    coach.feed(np.array([25.0]), y)
    coach.feed(np.array([28.9]), y)
    assert not coach.set_closing()
    coach.feed(np.array([29.0]), y)
    assert coach.set_closing()
