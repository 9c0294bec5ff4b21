"""Exercise profiles: target tempo, expected top hold and minimum range for each exercise.

Detection never needs a profile; a profile adds targets to compare against (tempo, hold)
and, with a calibrated band, the smallest hand travel that can count as a rep.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Tempo:
    """Tempo in standard notation: eccentric - bottom pause - concentric - top pause (s)."""

    eccentric_s: float
    bottom_s: float
    concentric_s: float
    top_s: float

    def __str__(self) -> str:
        return "-".join(_fmt(v) for v in (self.eccentric_s, self.bottom_s, self.concentric_s, self.top_s))


def _fmt(value: float) -> str:
    rounded = round(value * 2) / 2  # coaches count half seconds at best
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


@dataclass(frozen=True, slots=True)
class ExerciseProfile:
    """What a well-performed set of an exercise looks like."""

    id: str
    name: str
    target_tempo: Tempo
    expected_hold_s: float  # squeeze at the top (pull-aparts and reverse flys hold longest)
    min_range_cm: float  # hand travel below this is not a rep at all (calibrated bands only)


PROFILES: dict[str, ExerciseProfile] = {
    p.id: p
    for p in (
        ExerciseProfile("band-pull-apart", "Band pull-apart", Tempo(2, 0, 1, 2), 2.0, 25.0),
        ExerciseProfile("face-pull", "Face pull", Tempo(2, 0, 1, 1), 1.0, 20.0),
        ExerciseProfile("row", "Band row", Tempo(2, 1, 1, 1), 1.0, 20.0),
        ExerciseProfile("straight-arm-pulldown", "Straight-arm pulldown", Tempo(2, 0, 1, 1), 1.0, 25.0),
        ExerciseProfile("reverse-fly", "Reverse band fly", Tempo(3, 0, 1, 2), 2.0, 25.0),
    )
}


class UnknownExerciseError(ValueError):
    """An exercise id that has no profile."""


def get_profile(exercise: str | None) -> ExerciseProfile | None:
    """The profile for `exercise` (None passes through); raises UnknownExerciseError."""
    if exercise is None:
        return None
    try:
        return PROFILES[exercise]
    except KeyError:
        raise UnknownExerciseError(
            f"unknown exercise {exercise!r}; known: {', '.join(PROFILES)}"
        ) from None
