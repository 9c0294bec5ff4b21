"""Starting a virtual band for a command or a demo: a person doing EXERCISE on a twin band."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from taut.twin.band import VirtualBand
from taut.twin.exercise_load import ExerciseLoad


@asynccontextmanager
async def virtual_band(
    exercise: str, *, seed: int = 0, duration_s: float = 3600.0, mode: str = "taut", pair_host: bool = True,
    load: Callable[[float], float] | None = None,
) -> AsyncIterator[VirtualBand]:
    """A booted virtual band on the running loop's radio, in `mode` ("taut" or "progressor"), bonded
    with the default host unless `pair_host` is False; powered off on exit.

    `load` (tension in N over time in s) replaces the person doing `exercise`, e.g. a `Rehearsal`."""
    band = VirtualBand(load or ExerciseLoad(exercise, seed=seed, duration_s=duration_s), seed=seed, mode=mode,
                       pair_host=pair_host)
    await band.start()
    try:
        yield band
    finally:
        await band.close()
