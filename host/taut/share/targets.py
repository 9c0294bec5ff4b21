"""The exercise profiles' target tempos, as the progress figures, the report and the FIT export use them."""

from __future__ import annotations

from taut.signal.profiles import PROFILES, Tempo


def target_tempos() -> dict[str, Tempo]:
    """Exercise id -> target tempo."""
    return {name: p.target_tempo for name, p in PROFILES.items()}
