"""What the analysis finds: repetitions and sets, as plain typed records.

Shared by the analysis engine (producer), the workout log, the live view and the CLI
(consumers). Field names follow docs/analysis.md; new fields may be added, none renamed.
All times are seconds on the recording's clock, tensions in newtons.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field

from taut.exercises import Tempo


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
class RepField:
    """One measure of a rep as every output names it: the log's columns, `export`, `analyze --json`."""

    name: str  # column and key name
    kind: type  # int, float or bool
    unit: str = ""  # SI unit ("" for an index, a flag or a fraction)
    optional: bool = False  # may be None: a set's last pause, hand travel without a calibrated band
    derived: bool = False  # a `Rep` property (stored for queries, never read back)
    attr: str = ""  # the `Rep` attribute when it is named otherwise

    def value(self, rep: Rep) -> int | float | bool | None:
        return getattr(rep, self.attr or self.name)


# The one list of a rep's fields, in the order `export` gives them (docs/export.md). The `Rep`
# constructor's fields appear in their own order; the log's `reps` columns carry every one.
REP_FIELDS: tuple[RepField, ...] = (
    RepField("rep_index", int, attr="index"),
    RepField("start_s", float, "s"),
    RepField("top_start_s", float, "s"),
    RepField("top_end_s", float, "s"),
    RepField("end_s", float, "s"),
    RepField("concentric_s", float, "s", derived=True),
    RepField("hold_s", float, "s", derived=True),
    RepField("eccentric_s", float, "s", derived=True),
    RepField("tut_s", float, "s", derived=True),
    RepField("bottom_n", float, "N"),
    RepField("peak_n", float, "N"),
    RepField("mean_n", float, "N"),
    RepField("impulse_ns", float, "N*s"),
    RepField("range_fraction", float),
    RepField("partial", bool),
    RepField("pause_s", float, "s", optional=True),
    RepField("range_cm", float, "cm", optional=True),
)
REP_INIT_FIELDS = tuple(f for f in REP_FIELDS if not f.derived)  # what builds a `Rep`, in its order
# `taut analyze --json` gives these, in this order (docs/analysis.md).
ANALYSIS_REP_KEYS = (
    "start_s", "end_s", "concentric_s", "hold_s", "eccentric_s", "peak_n", "partial", "tut_s", "pause_s", "bottom_n",
    "mean_n", "impulse_ns", "range_fraction", "range_cm",
)  # fmt: skip


def rep_fields(*names: str) -> tuple[RepField, ...]:
    """The fields called `names`, in that order (KeyError naming an unknown one)."""
    by_name = {f.name: f for f in REP_FIELDS}
    return tuple(by_name[n] for n in names)


def rep_from_values(values: dict) -> Rep:
    """A `Rep` from its constructor fields by output name (`rep_index`, …); derived ones are ignored."""
    return Rep(**{f.attr or f.name: values[f.name] for f in REP_INIT_FIELDS})


@dataclass(frozen=True, slots=True)
class PlannedSet:
    """What the simulator planned for a set, beside its measured truth (`taut.sim`'s truth sets only)."""

    range_m: tuple[float, ...]  # each rep's hand travel
    planned_partial: tuple[bool, ...]  # each rep: planned as a partial
    tags: tuple[str, ...]  # what makes the set hard, for scoring by category


@dataclass(frozen=True, slots=True)
class RepSet:
    """A set: reps separated from other sets by rest, with what the analysis, the log and the coach add.

    Only index, reps and exercise count for equality; the rest says where the set has been.
    """

    index: int
    reps: tuple[Rep, ...]
    exercise: str | None = None
    _: KW_ONLY
    # From the analysis (defaults when the set was not analysed here, e.g. read back from the log):
    tempo: Tempo | None = field(default=None, compare=False)  # medians: eccentric-pause-concentric-hold
    tut_cv: float | None = field(default=None, compare=False)  # coefficient of variation of rep TUT
    peak_cv: float | None = field(default=None, compare=False)  # ... of peak tension
    range_cv: float | None = field(default=None, compare=False)  # ... of range (in `range_unit`)
    setup_movements: int = field(default=0, compare=False)  # leading setup movements left out
    rest_loads: int = field(default=0, compare=False)  # movements left out as load held during the rest
    reference_range: float | None = field(default=None, compare=False)  # the set's median range
    range_unit: str | None = field(default=None, compare=False)  # "N" (tension excursion) or "cm" (hand travel)
    gap_reps: tuple[int, ...] = field(default=(), compare=False)  # reps with a crossing inside lost samples
    # From the workout log (None when the set was not read from it):
    log_id: int | None = field(default=None, compare=False)  # the set's row
    complete: bool | None = field(default=None, compare=False)  # ended, not cut short
    analysis: str | None = field(default=None, compare=False)  # what produced it: "live", "reanalyze 0.x", ...
    # The coach's after-set summary as the log keeps it: a JSON object that `taut.coach` reads
    # (`logged_summary`); the records do not know its fields, as the log does not know a band curve.
    coach: dict | None = field(default=None, compare=False)
    planned: PlannedSet | None = field(default=None, compare=False)

    @property
    def start_s(self) -> float:
        return self.reps[0].start_s

    @property
    def end_s(self) -> float:
        return self.reps[-1].end_s

    @property
    def tut_s(self) -> float:
        return sum(r.tut_s for r in self.reps)
