"""Cue events: what a coach watching the band's tension says, one typed record per remark.

`time_s` is the time of the sample whose processing produced the cue (the recording's clock);
per-rep cues also carry the rep's index and start, so a withdrawn rep's cues can be dropped. The
records share their leading fields through three bases: said (a time), in a set, about a rep.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Said:
    """Anything the coach says: when (the recording's clock)."""

    time_s: float


@dataclass(frozen=True, slots=True)
class InSet(Said):
    """A remark about one set."""

    set_index: int


@dataclass(frozen=True, slots=True)
class AboutRep(InSet):
    """A remark about one rep of a set (its index and start identify it)."""

    rep_index: int
    rep_start_s: float


@dataclass(frozen=True, slots=True)
class TooFast(AboutRep):
    """A concentric or eccentric phase clearly shorter than its target."""

    phase: str  # "concentric" or "eccentric"
    measured_s: float
    target_s: float
    kind = "too-fast"


@dataclass(frozen=True, slots=True)
class NoSqueeze(AboutRep):
    """The top hold was shorter than the target hold."""

    hold_s: float
    target_s: float
    kind = "no-squeeze"


@dataclass(frozen=True, slots=True)
class ShortRange(AboutRep):
    """A partial rep (range under 80 % of the set's reference)."""

    range_fraction: float
    kind = "short-range"


@dataclass(frozen=True, slots=True)
class HoldIt(InSet):
    """Counting down a squeeze at the top: `remaining_s` of the target hold left (whole seconds, then 0)."""

    remaining_s: float
    kind = "hold-it"


@dataclass(frozen=True, slots=True)
class SqueezeDone(InSet):
    """The target hold has been reached."""

    kind = "squeeze-done"


@dataclass(frozen=True, slots=True)
class LosingForm(InSet):
    """A metric ("range", "hold" or "tempo") falling steadily through the set since rep `since_rep`
    (0-based among the reps counted so far), which started at `since_start_s`."""

    since_rep: int
    what: str
    since_start_s: float = float("nan")
    kind = "losing-form"


@dataclass(frozen=True, slots=True)
class RepMark(AboutRep):
    """A rep counted, with its marks ("good", or any of "fast", "no squeeze", "partial")."""

    marks: tuple[str, ...]
    kind = "rep"

    @property
    def good(self) -> bool:
        return self.marks == ("good",)


@dataclass(frozen=True, slots=True)
class RepWithdrawn(InSet):
    """The detector withdrew a counted rep (a setup tug): drop its mark and cues."""

    rep_index: int
    kind = "withdrawn"


@dataclass(frozen=True, slots=True)
class CueWithdrawn(AboutRep):
    """A cue given early (at the top, or as the hold ended) that the rep as completed does not
    earn, or whose movement was no rep: take it back (`what`: its REP_CUE_KINDS name)."""

    what: str
    kind = "cue-withdrawn"


def cue_name(cue: object) -> str | None:
    """A per-rep cue's REP_CUE_KINDS name ("too-fast-concentric", "no-squeeze", ...), else None."""
    if isinstance(cue, TooFast):
        return f"too-fast-{cue.phase}"
    return cue.kind if isinstance(cue, NoSqueeze | ShortRange) else None


Cue = TooFast | NoSqueeze | ShortRange | HoldIt | SqueezeDone | LosingForm | RepMark | RepWithdrawn | CueWithdrawn
