"""What a set aims at: target tempo and hold (the exercise catalogue's unless a plan says otherwise)."""

from __future__ import annotations

from dataclasses import dataclass

from taut.exercises import Tempo, get_exercise

DEFAULT_TEMPO = Tempo(2, 0, 1, 1)  # no exercise given: a slow, controlled rep with a short squeeze


@dataclass(frozen=True, slots=True)
class CoachTargets:
    """Targets of one set: tempo (eccentric-pause-concentric-hold, s), hold and end-range tension."""

    tempo: Tempo
    hold_s: float
    tension_n: float | None = None  # the plan's target tension at end range, if any
    exercise: str | None = None

    def __post_init__(self) -> None:
        if not (self.tempo.concentric_s > 0 and self.tempo.eccentric_s > 0 and self.hold_s >= 0):
            raise ValueError("target tempo needs concentric and eccentric > 0 and a hold >= 0")
        if self.tension_n is not None and not self.tension_n > 0:
            raise ValueError("target tension must be > 0 N")


def targets_for(exercise: str | None, *, tempo: Tempo | None = None, hold_s: float | None = None,
                tension_n: float | None = None) -> CoachTargets:
    """Targets for an exercise (UnknownExerciseError for an unknown id); keywords override the catalogue's."""
    ex = get_exercise(exercise) if exercise is not None else None
    t = tempo if tempo is not None else (ex.tempo if ex is not None else DEFAULT_TEMPO)
    if hold_s is None:
        hold_s = t.hold_s
    return CoachTargets(t, float(hold_s), tension_n, exercise)
