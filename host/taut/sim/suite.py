"""Labelled suites of simulated recordings for the analysis engine's accuracy benchmark.

`labelled_suite(n_sets=200, seed=0)` (the tidy suite) yields recordings (1–3 sets each, with
setup activity, releases and rests) until n_sets sets are produced, covering in rotation all five
exercises, 10 and 80 Hz and every noise level; bands, tempo, fatigue, partial reps and sensor
faults are drawn. `human_suite(n_sets=200, seed=0)` does the same for what real people do
(taut.sim.human.BEHAVIOURS, one behaviour per recording). Deterministic for a seed;
generated lazily (one recording in memory at a time).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from taut.sim.draw import random_plan
from taut.exercises import EXERCISE_IDS
from taut.sim.human import BEHAVIOURS, countable_sets, human_plan
from taut.sim.plan import SessionPlan
from taut.sim.session import SimRecording, simulate_session

SUITE_NOISE = ("clean", "low", "medium", "high")


def _check_sizes(n_sets: int, max_sets_per_recording: int) -> None:
    """A suite needs at least one set, and recordings of at least one set each."""
    for name, value in (("n_sets", n_sets), ("max_sets_per_recording", max_sets_per_recording)):
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")


def labelled_suite(
    n_sets: int = 200,
    seed: int = 0,
    *,
    fs_hz: tuple[float, ...] = (10.0, 80.0),
    exercises: tuple[str, ...] = EXERCISE_IDS,
    noise: tuple[str, ...] = SUITE_NOISE,
    rest_s: tuple[float, float] = (8.0, 40.0),
    max_sets_per_recording: int = 3,
) -> Iterator[SimRecording]:
    """Recordings whose sets total n_sets; recording i uses exercise i mod 5, rate i mod len(fs_hz)."""
    _check_sizes(n_sets, max_sets_per_recording)
    rng = np.random.default_rng([int(seed), 0x5017E])
    made = 0
    i = 0
    while made < n_sets:
        k = min(int(rng.integers(1, max_sets_per_recording + 1)), n_sets - made)
        plan = random_plan(
            int(rng.integers(0, 2**31)),
            exercise=exercises[i % len(exercises)],
            n_sets=k,
            noise=noise[(i // len(exercises)) % len(noise)],
            rest_s=rest_s,
        )
        yield simulate_session(plan, fs_hz=fs_hz[i % len(fs_hz)])
        made += k
        i += 1


def human_suite(n_sets: int = 200, seed: int = 0, **options) -> Iterator[SimRecording]:
    """Recordings of human-like behaviour whose truth sets total n_sets (`human_suite_plans`)."""
    for plan, fs_hz in human_suite_plans(n_sets, seed, **options):
        yield simulate_session(plan, fs_hz=fs_hz)


def human_suite_plans(
    n_sets: int = 200,
    seed: int = 0,
    *,
    fs_hz: tuple[float, ...] = (10.0, 80.0),
    behaviours: tuple[str, ...] = BEHAVIOURS,
    noise: tuple[str, ...] = SUITE_NOISE,
    rest_s: tuple[float, float] = (12.0, 40.0),
    max_sets_per_recording: int = 3,
) -> Iterator[tuple[SessionPlan, float]]:
    """The human suite's plans and sampling rates: recording i shows behaviour i mod
    len(behaviours); rate and noise level turn over once per round of behaviours (so every
    behaviour meets every rate and noise level). White noise only (no sensor faults)."""
    _check_sizes(n_sets, max_sets_per_recording)
    rng = np.random.default_rng([int(seed), 0x4B3A])
    made = 0
    i = 0
    while made < n_sets:
        k = min(int(rng.integers(1, max_sets_per_recording + 1)), n_sets - made)
        round_ = i // len(behaviours)
        plan = human_plan(int(rng.integers(0, 2**31)), behaviours[i % len(behaviours)], n_sets=k,
                          noise=noise[(round_ // len(fs_hz)) % len(noise)], rest_s=rest_s)
        yield plan, fs_hz[round_ % len(fs_hz)]
        made += max(countable_sets(plan), 1)
        i += 1


def behaviour_of(rec: SimRecording) -> str:
    """The human-suite behaviour a recording shows ("cut" split by how it is cut), or "tidy"."""
    tags = {t for sp in rec.plan.sets for t in sp.tags}
    for b in BEHAVIOURS:
        if f"human-{b}" in tags:
            if b == "cut":
                return "cut-" + next((m for m in ("start", "end") if f"cut-{m}" in tags), "early")
            return b
    return "tidy"
