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
    """The movement announced by the last RepStarted turned out not to be a rep (a tug, a spike).

    With `rep_index` set, it withdraws an already completed rep instead: the reps that followed
    showed that one to be a setup tug (smaller than the set's real reps), so the live counter
    should drop it (its RepCompleted carried the same `rep.index` and `set_index`). A withdrawn
    rep may come back with a new RepCompleted (same index) if later reps change the verdict.
    """

    time_s: float
    set_index: int
    rep_index: int | None = None


@dataclass(frozen=True, slots=True)
class TopReached:
    """The open movement's rise is over and its hold begins (announced at `time_s`, before the rep ends).

    Estimates on the samples so far, with the contract's lines (docs/analysis.md) drawn on the
    excursion seen or expected: `start_s` (10 % crossing) and `top_start_s` (90 %), so the coach can
    judge the concentric and count the squeeze down at once. `rep_index` is the index the rep will
    get if it is kept (its RepCompleted is final; a RepCancelled withdraws this too).
    """

    time_s: float
    set_index: int
    rep_index: int
    start_s: float
    top_start_s: float
    bottom_n: float
    peak_n: float  # the highest tension so far (smoothed)

    @property
    def concentric_s(self) -> float:
        return self.top_start_s - self.start_s


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


Event = RepStarted | TopReached | RepCancelled | RepCompleted | SetEnded
