"""Fixtures for the workout-log tests: hand-built reps and sets."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # logsynth, the tests' synthetic recordings

from taut.records import Rep, RepSet


def make_rep(i: int, t0: float, *, peak_n: float = 100.0, partial: bool = False) -> Rep:
    return Rep(
        index=i, start_s=t0, top_start_s=t0 + 1.0, top_end_s=t0 + 3.0, end_s=t0 + 5.0, bottom_n=20.0,
        peak_n=peak_n, mean_n=70.0, impulse_ns=350.0, range_fraction=0.6 if partial else 1.0, partial=partial,
        pause_s=1.0, range_cm=None,
    )  # fmt: skip


@pytest.fixture
def rep_set() -> RepSet:
    reps = tuple(make_rep(i, 2.0 + 6.0 * i, peak_n=100.0 + i, partial=(i == 2)) for i in range(5))
    return RepSet(0, reps, "face-pull")
