"""The force on the virtual band over time: SIM's model of a person training with a band.

Wraps `taut.sim.SessionStream` (sets of an exercise with setup tugs, reps, holds, rests, sensor
noise and clipping) as a function of session time, which keeps running across device reboots.
"""

from __future__ import annotations

from taut.exercises import get_exercise
from taut.sim import SessionPlan, SessionStream, random_plan


class PlanLoad:
    """`load(time_s) -> (tension_n, overload)` for increasing session times, following `plan`."""

    def __init__(self, plan: SessionPlan) -> None:
        self.stream = SessionStream(plan)
        self._last_s = float("-inf")
        self._last = (0.0, False)

    def __call__(self, time_s: float) -> tuple[float, bool]:
        if time_s <= self._last_s:  # the stream only moves forward; repeat the last reading
            return self._last
        self._last_s = time_s
        self._last = self.stream.read(time_s)
        return self._last

    @property
    def duration_s(self) -> float:
        return self.stream.duration_s

    def truth_until(self, time_s: float):
        """Ground truth: every set (RepSet) finished by session time `time_s`."""
        return self.stream.truth_until(time_s)


class ExerciseLoad(PlanLoad):
    """A random session of `exercise` drawn from `seed` (sets, band, tempo, set-up, rests)."""

    def __init__(self, exercise: str, *, seed: int = 0, duration_s: float = 600.0) -> None:
        get_exercise(exercise)  # UnknownExerciseError (a ValueError) names the known ids
        self.exercise = exercise
        # Link losses are the radio's business (fault injection), not the sensor's.
        super().__init__(random_plan(seed, exercise=exercise, duration_s=duration_s, gaps=False))
