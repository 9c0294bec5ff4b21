"""Fixtures for the live-view tests: Qt offscreen, a hand-built known set and a scripted detector."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from taut.records import Rep, RepSet  # noqa: E402
from taut.signal.events import RepCompleted, RepStarted, SetEnded  # noqa: E402


@dataclass(frozen=True)
class KnownSet:
    time_s: np.ndarray
    tension_n: np.ndarray
    reps: tuple[Rep, ...]

    @property
    def rep_set(self) -> RepSet:
        return RepSet(0, self.reps, "face-pull")


def build_known_set(
    *,
    fs_hz: float = 80.0,
    base_n: float = 20.0,
    lead_s: float = 2.0,
    tail_s: float = 3.0,
    shapes: tuple[tuple[float, float, float, float, float], ...] = (
        # (concentric_s, hold_s, eccentric_s, peak_n, bottom pause_s)
        (1.0, 2.0, 2.0, 120.0, 1.0),
        (1.0, 2.0, 2.0, 125.0, 1.0),
        (1.0, 1.0, 2.0, 60.0, 1.0),  # a partial: less than 80 % of the median range
        (1.0, 2.0, 2.0, 118.0, 1.0),
    ),
) -> KnownSet:
    """Trapezoid reps on a flat base, with their Rep records computed from the same shape."""
    knots_t, knots_x = [0.0], [base_n]
    t = lead_s
    ranges = [p - base_n for _, _, _, p, _ in shapes]
    median_range = float(np.median(ranges))
    reps = []
    for i, (con, hold, ecc, peak, pause) in enumerate(shapes):
        e = peak - base_n
        knots_t += [t, t + con, t + con + hold, t + con + hold + ecc]
        knots_x += [base_n, peak, peak, base_n]
        start, top_start = t + 0.1 * con, t + 0.9 * con
        top_end, end = t + con + hold + 0.1 * ecc, t + con + hold + 0.9 * ecc
        frac = e / median_range
        tut = end - start
        reps.append(
            Rep(
                index=i, start_s=start, top_start_s=top_start, top_end_s=top_end, end_s=end, bottom_n=base_n,
                peak_n=peak, mean_n=base_n + 0.6 * e, impulse_ns=(base_n + 0.6 * e) * tut, range_fraction=frac,
                partial=frac < 0.8, pause_s=pause if i < len(shapes) - 1 else None,
            )  # fmt: skip
        )
        t += con + hold + ecc + pause
    knots_t.append(t + tail_s)
    knots_x.append(base_n)
    time_s = np.arange(0.0, knots_t[-1], 1.0 / fs_hz)
    return KnownSet(time_s, np.interp(time_s, knots_t, knots_x), tuple(reps))


class ScriptedDetector:
    """Emits the events of known reps as the stream passes their times (a stand-in with exact answers)."""

    def __init__(self, reps: tuple[Rep, ...], *, set_index: int = 0, exercise: str | None = "face-pull", rest_s: float = 2.0):
        self.reps = reps
        self.set_index = set_index
        self.exercise = exercise
        self.rest_s = rest_s
        self._started = 0
        self._completed = 0
        self._ended = False

    def feed(self, time_s: np.ndarray, tension_n: np.ndarray) -> list:
        out: list = []
        if len(time_s) == 0:
            return out
        now = float(time_s[-1])
        while self._started < len(self.reps) and now >= self.reps[self._started].start_s:
            out.append(RepStarted(self.reps[self._started].start_s, self.set_index))
            self._started += 1
        while self._completed < len(self.reps) and now >= self.reps[self._completed].end_s:
            out.append(RepCompleted(self.reps[self._completed], self.set_index))
            self._completed += 1
        if not self._ended and self._completed == len(self.reps) and now >= self.reps[-1].end_s + self.rest_s:
            out += self.finish()
        return out

    def finish(self) -> list:
        if self._ended or self._completed == 0:
            return []
        self._ended = True
        return [SetEnded(RepSet(self.set_index, self.reps[: self._completed], self.exercise))]


@pytest.fixture
def known_set() -> KnownSet:
    return build_known_set()


@pytest.fixture
def scripted_detector() -> type[ScriptedDetector]:
    return ScriptedDetector
