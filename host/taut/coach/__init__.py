"""Coaching: live cues from the rep detector's events, an after-set judge and summary.

Needs neither bleak nor Qt. `CueEngine` is fed each batch of samples with the detector's events
for it and returns typed cues (`taut.coach.cues`); `summarize` turns a closed set into a
`SetSummary` (counts, tempo vs target, band verdict, one sentence of advice). Every threshold is a
named constant in `taut.coach.thresholds` (written out in docs/coaching.md).
"""

from taut.coach.cues import (
    Cue, CueWithdrawn, HoldIt, LosingForm, NoSqueeze, RepMark, RepWithdrawn, ShortRange, SqueezeDone, TooFast, cue_name,
)
from taut.coach.engine import CueEngine
from taut.coach.rep_cues import rep_cue_kinds, rep_mark
from taut.coach.summary import SetSummary, logged_summary, summarize, with_summary
from taut.coach.targets import CoachTargets, targets_for

__all__ = [
    "CoachTargets", "Cue", "CueEngine", "CueWithdrawn", "HoldIt", "LosingForm", "NoSqueeze", "RepMark", "RepWithdrawn",
    "SetSummary", "ShortRange", "SqueezeDone", "TooFast", "cue_name", "logged_summary", "rep_cue_kinds", "rep_mark", "summarize",
    "targets_for", "with_summary",
]
