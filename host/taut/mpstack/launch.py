"""Starting a MicroPython band for a command or a demo: a person doing EXERCISE on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from taut.mpstack.band import MicroPythonBand
from taut.twin.exercise_load import ExerciseLoad


@asynccontextmanager
async def micropython_band(
    exercise: str, *, seed: int = 0, duration_s: float = 3600.0, mode: str = "taut", pair_host: bool = True
) -> AsyncIterator[MicroPythonBand]:
    """A booted MicroPython band on the running loop's radio, in `mode`, bonded with the default host
    unless `pair_host` is False; powered off and removed on exit."""
    band = MicroPythonBand(ExerciseLoad(exercise, seed=seed, duration_s=duration_s), seed=seed, mode=mode,
                           pair_host=pair_host)
    try:
        await band.start()
        yield band
    finally:
        await band.close()
