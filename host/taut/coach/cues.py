"""Cue events: what a coach watching the band's tension says, one typed record per remark.

`time_s` is the time of the sample whose processing produced the cue (the recording's clock);
per-rep cues also carry the rep's index and start, so a withdrawn rep's cues can be dropped.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TooFast:
    """A concentric or eccentric phase clearly shorter than its target."""

    time_s: float
    set_index: int
    rep_index: int
    rep_start_s: float
    phase: str  # "concentric" or "eccentric"
    measured_s: float
    target_s: float
    kind = "too-fast"


@dataclass(frozen=True, slots=True)
class NoSqueeze:
    """The top hold was shorter than the target hold."""

    time_s: float
    set_index: int
    rep_index: int
    rep_start_s: float
    hold_s: float
    target_s: float
    kind = "no-squeeze"


@dataclass(frozen=True, slots=True)
class ShortRange:
    """A partial rep (range under 80 % of the set's reference)."""

    time_s: float
    set_index: int
    rep_index: int
    rep_start_s: float
    range_fraction: float
    kind = "short-range"


@dataclass(frozen=True, slots=True)
class HoldIt:
    """Counting down a squeeze at the top: `remaining_s` of the target hold left (whole seconds, then 0)."""

    time_s: float
    set_index: int
    remaining_s: float
    kind = "hold-it"


@dataclass(frozen=True, slots=True)
class SqueezeDone:
    """The target hold has been reached."""

    time_s: float
    set_index: int
    kind = "squeeze-done"


@dataclass(frozen=True, slots=True)
class LosingForm:
    """A metric ("range", "hold" or "tempo") falling steadily through the set since rep `since_rep`
    (0-based among the reps counted so far), which started at `since_start_s`."""

    time_s: float
    set_index: int
    since_rep: int
    what: str
    since_start_s: float = float("nan")
    kind = "losing-form"


@dataclass(frozen=True, slots=True)
class RepMark:
    """A rep counted, with its marks ("good", or any of "fast", "no squeeze", "partial")."""

    time_s: float
    set_index: int
    rep_index: int
    rep_start_s: float
    marks: tuple[str, ...]
    kind = "rep"

    @property
    def good(self) -> bool:
        return self.marks == ("good",)


@dataclass(frozen=True, slots=True)
class RepWithdrawn:
    """The detector withdrew a counted rep (a setup tug): drop its mark and cues."""

    time_s: float
    set_index: int
    rep_index: int
    kind = "withdrawn"


Cue = TooFast | NoSqueeze | ShortRange | HoldIt | SqueezeDone | LosingForm | RepMark | RepWithdrawn
