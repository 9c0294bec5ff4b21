"""The exercise catalogue: ids, targets, the one Tempo type and its notation, lookups."""

import math

import numpy as np
import pytest

from taut.exercises import EXERCISE_IDS, EXERCISES, Tempo, UnknownExerciseError, get_exercise


def test_catalogue_ids_and_targets():
    assert EXERCISE_IDS == ("band-pull-apart", "face-pull", "row", "straight-arm-pulldown", "reverse-fly")
    assert [EXERCISES[i].id for i in EXERCISE_IDS] == list(EXERCISE_IDS)
    assert str(get_exercise("band-pull-apart").tempo) == "2-0-1-2"
    assert get_exercise("reverse-fly").target_hold_s == 2.0
    assert get_exercise("row").target_hold_s == 1.0
    assert {e.min_range_cm for e in EXERCISES.values()} == {20.0, 25.0}


def test_unknown_exercise_is_a_key_error_and_a_value_error():
    for kind in (UnknownExerciseError, KeyError, ValueError):
        with pytest.raises(kind, match="known: band-pull-apart"):
            get_exercise("bicep-curl")
    try:
        get_exercise("bicep-curl")
    except UnknownExerciseError as exc:
        assert str(exc).startswith("unknown exercise 'bicep-curl'")  # no KeyError quotes around it


def test_tempo_notation_rounds_to_half_seconds():
    assert str(Tempo(3, 0, 1, 2)) == "3-0-1-2"
    assert str(Tempo(2.26, 0.1, 1.4, 0.74)) == "2.5-0-1.5-0.5"


@pytest.mark.parametrize(("text", "tempo"), [("2-0-1-2", Tempo(2, 0, 1, 2)), ("3-1.5-1-0", Tempo(3, 1.5, 1, 0))])
def test_tempo_parse(text, tempo):
    assert Tempo.parse(text) == tempo


@pytest.mark.parametrize(
    ("text", "why"),
    [("2-0-1", "four numbers"), ("2-a-1-2", "not numbers"), ("2-0-nan-2", "finite"), ("0-0-1-2", "must be > 0"),
     ("2-0-0-2", "must be > 0"), ("inf-0-1-2", "finite")],
)
def test_tempo_parse_refuses_bad_text(text, why):
    with pytest.raises(ValueError, match=why):
        Tempo.parse(text)


@pytest.mark.parametrize("exercise", EXERCISE_IDS)
def test_geometry_scalar_path_equals_vectorised(exercise):
    ex = get_exercise(exercise)
    th0 = float(np.mean(ex.grip_angle_rad))
    xs = np.linspace(-0.1, 0.95 * min(ex.range_m[1], ex.max_travel_m(th0)), 50)
    vec = ex.extension_m(xs, th0)
    assert vec[xs > 0].min() > 0 and np.all(np.diff(vec) > 0)
    for x, d in zip(xs, vec):
        assert math.isclose(ex.extension_one_m(float(x), th0), float(d), rel_tol=1e-9, abs_tol=1e-12)
