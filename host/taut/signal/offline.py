"""Offline analysis of a whole recording: the streaming detector fed everything at once.

Using the very same detector guarantees that live and offline results agree rep for rep.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from taut.records import Rep, RepSet
from taut.signal.events import RepCancelled, RepCompleted, SetEnded
from taut.signal.reps import DetectorConfig, RepDetector
from taut.signal.sets import TravelFn


@dataclass(frozen=True, slots=True)
class Analysis:
    """What a recording contains: its sets (each with its reps) and how many candidates were dropped."""

    sets: list[RepSet]
    exercise: str | None = None
    rejected_candidates: int = 0

    @property
    def reps(self) -> list[Rep]:
        return [r for s in self.sets for r in s.reps]

    @property
    def tut_s(self) -> float:
        return sum(s.tut_s for s in self.sets)


def analyze(
    time_s: np.ndarray,
    tension_n: np.ndarray,
    exercise: str | None = None,
    travel_cm: TravelFn | None = None,
    *,
    config: DetectorConfig | None = None,
) -> Analysis:
    """Find the sets and reps of a whole recording (time in s, tension in N; NaN = invalid).

    Steps: fill invalid samples, track baseline and noise, open a candidate on a clear rise,
    close it on the fall through baseline + 10 % of the excursion, measure it on the samples
    (B, P, start, top start/end, end, mean, impulse), drop tugs and spikes, cut sets at rests,
    then judge each rep's range against its set's median range (partial below 80 %).
    """
    detector = RepDetector(exercise, travel_cm=travel_cm, config=config, live_reps=False)
    events = detector.feed(time_s, tension_n) + detector.finish()
    sets = [e.rep_set for e in events if isinstance(e, SetEnded)]
    dropped = sum(1 for e in events if isinstance(e, RepCancelled))
    return Analysis(sets, exercise, dropped)


def events_to_sets(events: list) -> list[RepSet]:
    """The final sets among a stream of events (as `analyze` returns them)."""
    return [e.rep_set for e in events if isinstance(e, SetEnded)]


__all__ = ["Analysis", "analyze", "events_to_sets", "RepCompleted"]
