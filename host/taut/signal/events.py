"""Live events from the streaming rep detector, for the UI and the workout log."""

from __future__ import annotations

from dataclasses import dataclass

from taut.records import Rep, RepSet


@dataclass(frozen=True, slots=True)
class RepStarted:
    """A rising movement large enough to be a rep began (onset estimate, s)."""

    time_s: float
    set_index: int


@dataclass(frozen=True, slots=True)
class RepCancelled:
    """The movement announced by the last RepStarted turned out not to be a rep (a tug, a spike)."""

    time_s: float
    set_index: int


@dataclass(frozen=True, slots=True)
class RepCompleted:
    """A rep ended; `rep` carries its metrics.

    `rep.range_fraction` and `rep.partial` are provisional here (relative to the set's reps so
    far); the final values arrive with `SetEnded`.
    """

    rep: Rep
    set_index: int


@dataclass(frozen=True, slots=True)
class SetEnded:
    """A set closed (rest long enough, or the stream finished); final per-rep figures."""

    rep_set: RepSet


Event = RepStarted | RepCancelled | RepCompleted | SetEnded
