"""The demo's sets: one set of each exercise, drawn from a seed, and the load cell that follows it."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from taut.exercises import EXERCISE_IDS, get_exercise
from taut.sim import SessionPlan, random_plan

DEFAULT_REPS = 5
# The demo's five people (taut.sim.habits): three with a bad habit, so the coach has something to
# say, one who stops short now and then, and one who trains well.
HABITS = {"band-pull-apart": "partials", "face-pull": "rush", "row": "too-heavy",
          "straight-arm-pulldown": "good", "reverse-fly": "no-squeeze"}
HEAVY_REPS = 8  # the too-heavy set's reps, whatever --reps says: it shows over a set's thirds
LEAD_IN_S = 3.0  # band untouched at first: time for the client to connect before the set begins
PARTIAL_OF_MEDIAN = 0.5  # a partial rep in the demo stops at most half way


def demo_plan(exercise: str, seed: int, *, n_reps: int = DEFAULT_REPS, partial: bool = False) -> SessionPlan:
    """One set of `exercise` at its typical tempo (band, set-up, fatigue drawn from `seed`).

    Low white noise, drift and jitter, no clipping or offset steps; a partial rep (if asked) stops
    at most half way, so the tension proxy of range agrees with hand travel without calibration.
    """
    get_exercise(exercise)  # UnknownExerciseError (a ValueError) names the known ids
    plan = random_plan(
        seed, exercise=exercise, n_sets=1, n_reps=n_reps, tempo="typical", noise="low",
        partial_reps=1 if partial else 0, clipping=False, gaps=False,
    )  # fmt: skip
    sp = plan.sets[0]
    median_m = float(np.median([r.range_m for r in sp.reps]))
    reps = tuple(
        dataclasses.replace(r, range_m=max(min(r.range_m, PARTIAL_OF_MEDIAN * median_m), r.bottom_m + r.hold_sag_m + 0.01))
        if r.partial else r
        for r in sp.reps
    )  # fmt: skip
    return dataclasses.replace(
        plan,
        sets=(dataclasses.replace(sp, reps=reps),),
        lead_in_s=max(plan.lead_in_s, LEAD_IN_S),
        sensor=dataclasses.replace(plan.sensor, offset_steps=()),
    )


def habit_demo_plan(exercise: str, habit: str, seed: int, n_reps: int):  # noqa: ANN201 - (SessionPlan, HabitTruth)
    """One set of a person with a habit (low white noise), with the model's cue truth."""
    from taut.sim.habits import LONG_HABITS, habit_plan

    n = max(n_reps, HEAVY_REPS) if habit in LONG_HABITS else n_reps
    plan, truth = habit_plan(seed, habit, exercise=exercise, noise="low", n_reps=n)
    return dataclasses.replace(plan, lead_in_s=max(plan.lead_in_s, LEAD_IN_S)), truth


@dataclass(frozen=True)
class DemoSet:
    """One set to run: the exercise, its plan and the seed of its band; a habit set carries the
    model's cue truth (`taut.sim.habits.HabitTruth`)."""

    index: int
    exercise: str
    plan: SessionPlan
    seed: int
    habit: str | None = None
    cue_truth: object | None = None

    @property
    def band(self) -> str:
        return self.plan.sets[0].band.name


def demo_sets(exercises: Sequence[str] = EXERCISE_IDS, *, seed: int = 0, n_reps: int = DEFAULT_REPS,
              habits: bool = True) -> list[DemoSet]:
    """The sets of a demo run; an exercise's set depends only on `seed` (not on which others run).
    With `habits` (HABITS): the face pull is rushed, the row pulls a band too heavy (HEAVY_REPS
    reps), the reverse fly skips the squeeze, the pull-apart has a partial rep or two (with 4 reps
    or more), the pulldown is done well; without, each set is a typical one (`demo_plan`)."""
    out = []
    for i, ex in enumerate(exercises):
        get_exercise(ex)  # UnknownExerciseError (a ValueError) names the known ids
        k = EXERCISE_IDS.index(ex)  # one set of each, in the catalogue's order
        set_seed = seed * len(EXERCISE_IDS) + k
        if habits and ex in HABITS:
            habit = HABITS[ex] if HABITS[ex] != "partials" or n_reps >= 4 else "good"
            plan, truth = habit_demo_plan(ex, habit, set_seed, n_reps)
            out.append(DemoSet(i, ex, plan, set_seed, habit, truth))
            continue
        partial = k % 2 == 0 and n_reps >= 4  # the others: the pull-apart shows a partial rep (never the first)
        out.append(DemoSet(i, ex, demo_plan(ex, set_seed, n_reps=n_reps, partial=partial), set_seed))
    return out
