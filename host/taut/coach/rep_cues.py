"""One rep against its targets: which cues it earns and its mark (pure functions, live and after the set)."""

from __future__ import annotations

from taut.coach.targets import CoachTargets
from taut.coach.thresholds import FAST_FRACTION, SQUEEZE_FRACTION
from taut.records import Rep

REP_CUE_KINDS = ("too-fast-concentric", "too-fast-eccentric", "no-squeeze", "short-range")
_MARK = {"too-fast-concentric": "fast", "too-fast-eccentric": "fast", "no-squeeze": "no squeeze",
         "short-range": "partial"}


def rep_cue_kinds(rep: Rep, targets: CoachTargets) -> tuple[str, ...]:
    """The per-rep cues a rep earns, in REP_CUE_KINDS order (empty: a good rep)."""
    out = []
    if rep.concentric_s < FAST_FRACTION * targets.tempo.concentric_s:
        out.append("too-fast-concentric")
    if rep.eccentric_s < FAST_FRACTION * targets.tempo.eccentric_s:
        out.append("too-fast-eccentric")
    if targets.hold_s > 0 and rep.hold_s < SQUEEZE_FRACTION * targets.hold_s:
        out.append("no-squeeze")
    if rep.partial:
        out.append("short-range")
    return tuple(out)


def rep_mark(kinds: tuple[str, ...]) -> tuple[str, ...]:
    """The rep's marks for the UI: ("good",) or the distinct marks of its cues."""
    marks = tuple(dict.fromkeys(_MARK[k] for k in kinds))
    return marks or ("good",)
