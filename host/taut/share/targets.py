"""The exercises' target tempos, as the progress figures, the report and the FIT export use them."""

from __future__ import annotations

from taut.exercises import EXERCISES, Tempo


def target_tempos() -> dict[str, Tempo]:
    """Exercise id -> target tempo."""
    return {ex.id: ex.tempo for ex in EXERCISES.values()}
