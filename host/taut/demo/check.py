"""What the demo found next to the virtual band's truth, set by set, with the match rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from taut.records import Rep

TUT_TOLERANCE = 0.05  # a set's TUT "matches" within 5 % of the truth (the analysis aims at 2 % median)


@dataclass(frozen=True)
class SetTotals:
    """What the summary shows of a set: counts, TUT and the mean tempo phases."""

    reps: int
    partials: int
    tut_s: float
    concentric_s: float
    hold_s: float
    eccentric_s: float

    @classmethod
    def of(cls, reps: Sequence[Rep]) -> SetTotals:
        n = max(1, len(reps))
        return cls(
            reps=len(reps),
            partials=sum(bool(r.partial) for r in reps),
            tut_s=float(sum(r.tut_s for r in reps)),
            concentric_s=sum(r.concentric_s for r in reps) / n,
            hold_s=sum(r.hold_s for r in reps) / n,
            eccentric_s=sum(r.eccentric_s for r in reps) / n,
        )


@dataclass(frozen=True)
class SetCheck:
    """One demo set: what the chain found next to the virtual band's truth."""

    exercise: str
    band: str
    found: SetTotals
    truth: SetTotals
    sets_found: int  # sets the detector reported (1 when all is well)
    session_id: int | None
    cues_found: dict = field(default_factory=dict)  # cue kind -> reps the coach gave it (after-set summary)
    cues_truth: dict = field(default_factory=dict)  # ... the model's truth
    band_found: str = ""  # the coach's verdict on the band ("ok", "too heavy", "too light")
    band_truth: str = ""
    habit: str | None = None

    @property
    def reps_match(self) -> bool:
        return self.found.reps == self.truth.reps

    @property
    def partials_match(self) -> bool:
        return self.found.partials == self.truth.partials

    @property
    def tut_match(self) -> bool:
        return abs(self.found.tut_s - self.truth.tut_s) <= TUT_TOLERANCE * self.truth.tut_s

    @property
    def cues_match(self) -> bool:
        return self.cues_found == self.cues_truth and self.band_found == self.band_truth

    @property
    def matches(self) -> bool:
        return self.reps_match and self.partials_match and self.tut_match and self.sets_found == 1

    @property
    def mismatches(self) -> tuple[str, ...]:
        """Names of what differs ('reps', 'partials', 'TUT', 'sets')."""
        names = ("reps", "partials", "TUT", "sets")
        oks = (self.reps_match, self.partials_match, self.tut_match, self.sets_found == 1)
        return tuple(n for n, ok in zip(names, oks) if not ok)




@dataclass
class DemoResult:
    """The checks of the sets that ran; `stopped_by_user` when the demo ended early."""

    checks: list[SetCheck] = field(default_factory=list)
    stopped_by_user: bool = False

    @property
    def all_match(self) -> bool:
        return bool(self.checks) and all(c.matches for c in self.checks)
