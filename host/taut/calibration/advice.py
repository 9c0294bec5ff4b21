"""The coach's band advice from the calibrated bands: a ranking of bands and stacks by end-range tension."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from taut.calibration.recommend import recommend
from taut.calibration.travel import default_setup


def ranker(options: Sequence, exercise: str | None) -> Callable[[float], list[tuple[str, float]]] | None:
    """(target end-range tension N -> [(name, end-range tension N)], best first) for an exercise's typical
    set-up, or None with nothing calibrated or no exercise (`taut.coach.band_advice.suggest_band`)."""
    if not options or exercise is None:
        return None
    try:
        setup = default_setup(exercise)
    except (KeyError, ValueError):
        return None

    def rank(target_n: float) -> list[tuple[str, float]]:
        try:
            return [(r.name, r.end_force_n) for r in recommend(options, setup, target_n)]
        except ValueError:
            return []

    return rank
