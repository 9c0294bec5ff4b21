"""How a simulated person's form varies in each exercise: hand tremor, wobble and rep-to-rep spread.

The exercise itself (geometry, tempo, typical set-up) is in the catalogue, `taut.exercises`; this
is the model of the person doing it.
"""

from __future__ import annotations

from dataclasses import dataclass

from taut.exercises import get_exercise


@dataclass(frozen=True, slots=True)
class Form:
    """Form noise of one exercise."""

    tremor_m: float = 0.0015  # hand tremor amplitude at the top hold (m)
    wobble_m: float = 0.004  # form noise during the movement (m)
    range_cv: float = 0.04  # rep-to-rep range variation (coefficient of variation)
    timing_cv: float = 0.08  # rep-to-rep phase duration variation


FORMS: dict[str, Form] = {
    "band-pull-apart": Form(tremor_m=0.002, wobble_m=0.004),
    "face-pull": Form(tremor_m=0.0015, wobble_m=0.005),
    "row": Form(tremor_m=0.0015, wobble_m=0.004),
    "straight-arm-pulldown": Form(tremor_m=0.0015, wobble_m=0.006),
    "reverse-fly": Form(tremor_m=0.0025, wobble_m=0.006),
}


def form_of(exercise_id: str) -> Form:
    """The form noise of an exercise in the catalogue; UnknownExerciseError otherwise."""
    return FORMS[get_exercise(exercise_id).id]
