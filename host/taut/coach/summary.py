"""After the set: a summary a person reads at a glance (reps, good reps, cue counts, tempo vs target, advice)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np

from taut.coach.band_advice import Rank, suggest_band
from taut.coach.form import losing_form
from taut.coach.heavy import band_verdict
from taut.coach.rep_cues import REP_CUE_KINDS, rep_cue_kinds, rep_mark
from taut.coach.targets import CoachTargets
from taut.records import RepSet
from taut.exercises import Tempo

SUMMARY_CUE_KINDS = REP_CUE_KINDS + ("losing-form",)


@dataclass(frozen=True, slots=True)
class SetSummary:
    """One set judged against its targets; `as_dict` / `from_dict` for the log (JSON)."""

    set_index: int
    exercise: str | None
    reps: int
    good_reps: int
    cue_counts: dict[str, int]
    tempo: str  # measured, tempo notation (medians)
    target_tempo: str
    hold_s: float  # median top hold
    target_hold_s: float
    band_verdict: str  # "ok", "too heavy", "too light"
    signs: tuple[str, ...]
    losing_form_since_rep: int | None  # 0-based
    losing_form_what: str | None
    suggested_band: str | None
    advice: str
    marks: tuple[tuple[str, ...], ...] = field(default=())  # per rep
    target_tension_n: float | None = None  # the plan's, when it gave one

    def targets(self) -> CoachTargets:
        """The targets this set was judged by (to judge it again after a reanalysis)."""
        return CoachTargets(Tempo.parse(self.target_tempo), self.target_hold_s, self.target_tension_n, self.exercise)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["signs"] = list(self.signs)
        d["marks"] = [list(m) for m in self.marks]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "SetSummary":
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        known["signs"] = tuple(known.get("signs", ()))
        known["marks"] = tuple(tuple(m) for m in known.get("marks", ()))
        return cls(**known)


def summarize(rep_set: RepSet, targets: CoachTargets, *, rank: Rank | None = None) -> SetSummary:
    """Judge a closed set (final reps from SetEnded) against its targets; `rank` ranks the calibrated
    bands and stacks to name in band advice (`taut.calibration.advice.ranker`)."""
    reps = list(rep_set.reps)
    kinds = [rep_cue_kinds(r, targets) for r in reps]
    counts = {k: sum(k in ks for ks in kinds) for k in REP_CUE_KINDS}
    form = losing_form(reps)
    counts["losing-form"] = int(form is not None)
    verdict = band_verdict(reps, targets)
    band = suggest_band(rank, verdict.verdict, reps, targets.tension_n)
    med = (lambda a: float(np.median([getattr(r, a) for r in reps])) if reps else 0.0)
    tempo = Tempo(med("eccentric_s"), float(np.median([r.pause_s for r in reps if r.pause_s is not None]))
                  if any(r.pause_s is not None for r in reps) else 0.0, med("concentric_s"), med("hold_s"))
    good = sum(not ks for ks in kinds)
    return SetSummary(
        rep_set.index, targets.exercise or rep_set.exercise, len(reps), good, counts, str(tempo),
        str(targets.tempo), med("hold_s"), targets.hold_s, verdict.verdict, verdict.signs,
        None if form is None else form[0], None if form is None else form[1], band,
        advice(verdict.verdict, band, counts, form, len(reps), targets),
        tuple(rep_mark(ks) for ks in kinds), targets.tension_n,
    )


def with_summary(rep_set: RepSet, targets: CoachTargets, *, rank: Rank | None = None) -> RepSet:
    """The set with its summary in `coach` (a JSON-ready dict: the workout log stores it)."""
    return replace(rep_set, coach=summarize(rep_set, targets, rank=rank).as_dict())


def logged_summary(rep_set: RepSet) -> SetSummary | None:
    """The summary a logged set carries, or None (none logged, or not readable)."""
    d = rep_set.coach
    if not isinstance(d, dict):
        return None
    try:
        return SetSummary.from_dict(d)
    except (TypeError, ValueError):
        return None


def advice(verdict: str, band: str | None, counts: dict[str, int], form: tuple[int, str] | None, n_reps: int,
           targets: CoachTargets) -> str:
    """One sentence: the most important thing to change next set."""
    if verdict == "too heavy":
        return f"Go lighter{f' (try {band})' if band else ''}: range, holds and the way back gave way as the set went on."
    if verdict == "too light":
        return f"Go heavier{f' (try {band})' if band else ''}: every rep was clean and well under your target tension."
    if form is not None:
        what = {"hold": "squeeze", "tempo": "tempo", "range": "range"}[form[1]]
        return f"Your {what} faded from rep {form[0] + 1}: end the set there next time, or rest longer."
    half = max(n_reps / 2, 1)
    t = targets.tempo
    if counts["too-fast-concentric"] + counts["too-fast-eccentric"] >= half:
        return f"Slow down: {t.concentric_s:g} s up, {t.eccentric_s:g} s back, controlled."
    if counts["no-squeeze"] >= half:
        return f"Squeeze at the top: hold {targets.hold_s:g} s before you let go."
    if counts["short-range"] >= 2:
        return "Move through the full range on every rep."
    if any(counts[k] for k in REP_CUE_KINDS):
        return "Good set; watch the reps marked above."
    return "Good set: slow, controlled and full range."
