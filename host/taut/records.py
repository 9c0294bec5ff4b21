"""What the analysis finds: repetitions and sets, as plain typed records.

Shared by the analysis engine (producer), the workout log, the live view and the CLI
(consumers). Field names follow docs/analysis.md; new fields may be added, none renamed.
All times are seconds on the recording's clock, tensions in newtons.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Rep:
    """One repetition measured on the tension curve (definitions in docs/analysis.md)."""

    index: int  # 0-based within its set
    start_s: float  # onset: tension first above B + 0.1 E
    top_start_s: float  # first reaches B + 0.9 E
    top_end_s: float  # last above B + 0.9 E before the descent
    end_s: float  # first below B + 0.1 E after top_end
    bottom_n: float  # B: tension at the bottom just before the rep
    peak_n: float  # P
    mean_n: float  # mean tension between start and end
    impulse_ns: float  # integral of tension over start..end (N*s)
    range_fraction: float  # range of motion relative to the set's reference (median) range
    partial: bool  # range_fraction < 0.8
    pause_s: float | None = None  # bottom pause until the next rep's start; None for a set's last rep
    range_cm: float | None = None  # hand travel, when the band is calibrated

    @property
    def concentric_s(self) -> float:
        return self.top_start_s - self.start_s

    @property
    def hold_s(self) -> float:
        return self.top_end_s - self.top_start_s

    @property
    def eccentric_s(self) -> float:
        return self.end_s - self.top_end_s

    @property
    def tut_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class RepSet:
    """A set: reps separated from other sets by rest."""

    index: int
    reps: tuple[Rep, ...]
    exercise: str | None = None
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def start_s(self) -> float:
        return self.reps[0].start_s

    @property
    def end_s(self) -> float:
        return self.reps[-1].end_s

    @property
    def tut_s(self) -> float:
        return sum(r.tut_s for r in self.reps)
