"""A guided session live: the plan's sets in order, cues, after-set summaries, rest countdowns.

`LiveCoach(plan).feed(time_s, tension_n, events)` is fed like the cue engine (events already in
the session's set numbering) and returns cues, including the guide's own (`GoalReached`, `SetDone`,
`RestOver`, `PlanDone`). A set starts with its first rep; when the detector closes it (a timed set:
when the session closes it at the plan's time, asked by `set_closing`), the set is judged
(`coached(rep_set)` returns it with its summary for the log) and the rest counts down from its
last rep's end. `state(now_s)` is what the views draw; it may be read from another thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from taut.coach.band_advice import Rank
from taut.coach.cues import (
    AboutRep, Cue, CueWithdrawn, HoldIt, InSet, LosingForm, NoSqueeze, RepMark, RepWithdrawn, Said, ShortRange,
    SqueezeDone, TooFast, cue_name,
)
from taut.coach.engine import CueEngine
from taut.coach.plan import Plan, PlanBlock
from taut.coach.summary import SetSummary, summarize, with_summary
from taut.records import RepSet
from taut.signal.events import RepCancelled, RepCompleted, RepStarted, SetEnded

BANNER_S = 2.5  # a cue's banner stays this long
TIME_UP_GRACE_S = 4.0  # a timed set is closed when its time is up and the rep under way is over, or this later
GOOD_KINDS = ("squeeze-done", "set-done", "rest-over", "plan-done", "hold-it", "goal")  # green banners; others: a fault


@dataclass(frozen=True, slots=True)
class SetDone(InSet):
    """A set closed and was judged."""

    summary: SetSummary
    kind = "set-done"


@dataclass(frozen=True, slots=True)
class GoalReached(InSet):
    """The set reached its planned reps or time: end it here. A set of reps rests when the detector
    closes it; a timed set is closed by the session at once (`LiveCoach.set_closing`)."""

    what: str  # "reps" or "time"
    kind = "goal"


@dataclass(frozen=True, slots=True)
class RestOver(Said):
    """The rest after a set is over: time for the next one."""

    kind = "rest-over"


@dataclass(frozen=True, slots=True)
class PlanDone(Said):
    """Every set of the plan is done."""

    kind = "plan-done"


@dataclass(frozen=True, slots=True)
class GuideState:
    """What a view shows of the coach at one moment."""

    exercise: str
    set_number: int  # 1-based over the whole plan
    sets_total: int
    phase: str  # "ready" (waiting for the first rep), "set", "rest", "done"
    reps_done: int
    reps_target: int | None
    seconds_target: float | None
    set_elapsed_s: float | None
    rest_left_s: float | None
    target_tempo: str
    target_hold_s: float
    last_tempo: str | None  # the last rep's measured concentric/hold/eccentric
    guide: tuple[str, float] | None  # the phase that should be happening now and its time left
    marks: tuple[tuple[str, ...], ...]  # this set's reps, in order
    countdown: float | None  # the squeeze's seconds left (hold it)
    banner: tuple[str, str] | None  # (kind, text) of the latest cue worth a banner
    summary: SetSummary | None  # the last set's


_BANNERS: dict[type, Callable[[Any], str]] = {
    TooFast: lambda c: f"Too fast {'up' if c.phase == 'concentric' else 'back'}: take {c.target_s:g} s",
    NoSqueeze: lambda c: f"Squeeze {c.target_s:g} s at the top",
    ShortRange: lambda c: "Full range",
    LosingForm: lambda c: f"Losing form ({c.what}) since rep {c.since_rep + 1}",
    HoldIt: lambda c: f"Hold it… {c.remaining_s:g}",
    SqueezeDone: lambda c: "Squeeze done",
    SetDone: lambda c: f"Set done: {c.summary.good_reps}/{c.summary.reps} good",
    RestOver: lambda c: "Rest over: next set",
    GoalReached: lambda c: "Set done: rest now" if c.what == "reps" else "Time: end the set",
    PlanDone: lambda c: "Plan done",
}


def banner_text(cue: object) -> str | None:
    """The words a cue is shown as (None: no banner)."""
    words = _BANNERS.get(type(cue))
    return None if words is None else words(cue)


class LiveCoach:
    """Plan progression, cues and summaries for one live session."""

    def __init__(self, plan: Plan, *, rank_for: Callable[[str], Rank | None] | None = None) -> None:
        self.plan = plan
        self._sets = plan.set_list()
        self._pos = 0
        self._rank_for = rank_for
        self._engine = CueEngine(self.block.targets)
        self._lock = threading.Lock()
        self._phase = "ready"
        self._set_index: int | None = None
        self._set_start_s: float | None = None
        self._rest_from_s: float | None = None
        self._rep_start_s: float | None = None
        self._marks: dict[int, tuple[str, ...]] = {}
        self._last_tempo: str | None = None
        self._countdown: float | None = None
        self._banner: tuple[str, str, float] | None = None
        self._banner_about: tuple[int, int, str] | None = None  # (set, rep, cue name) of a banner about a rep
        self._summary: SetSummary | None = None
        self._coached: dict[int, RepSet] = {}
        self._now = 0.0
        self._goal_told = False
        self._time_up_s: float | None = None  # a timed set's time ran out here; the set is to be closed
        self._closing_told = False

    @property
    def block(self) -> PlanBlock:
        return self._sets[min(self._pos, len(self._sets) - 1)][0]

    def feed(self, time_s: np.ndarray, tension_n: np.ndarray, events: Sequence[object] = ()) -> list[Cue | SetDone | RestOver | PlanDone]:
        """Cues for this batch (events in the session's set numbering)."""
        cues: list = list(self._engine.feed(time_s, tension_n, events))
        with self._lock:
            if len(time_s):
                self._now = float(time_s[-1])
            for ev in events:
                self._event(ev, cues)
            for c in cues:
                self._cue(c)
            self._check_goal(cues)
            if self._phase == "rest" and self._rest_from_s is not None \
                    and self._now - self._rest_from_s >= self.block.rest_s:
                self._phase = "ready"
                self._cue_into(RestOver(self._now), cues)
        return cues

    def _check_goal(self, cues: list) -> None:
        """Tell once per set when its planned reps are done or its time is up."""
        block = self.block
        if self._phase != "set" or self._goal_told or self._set_index is None:
            return
        if block.reps is not None and len(self._marks) >= block.reps:
            what = "reps"
        elif block.seconds is not None and self._set_start_s is not None and self._now - self._set_start_s >= block.seconds:
            what = "time"
        else:
            return
        self._goal_told = True
        if what == "time":
            self._time_up_s = self._now
        self._cue_into(GoalReached(self._now, self._set_index, what), cues)

    def set_closing(self) -> bool:
        """True once, when a timed set's time is up and the rep under way (if any) is over or
        TIME_UP_GRACE_S has passed: the session then closes the detector's set (the plan's clock
        ends a timed set, not the detector's rest rule)."""
        with self._lock:
            up = self._time_up_s
            if up is None or self._phase != "set" or self._closing_told:
                return False
            if self._rep_start_s is not None and self._now - up < TIME_UP_GRACE_S:
                return False
            self._closing_told = True
            return True

    def _cue_into(self, cue: object, cues: list) -> None:
        cues.append(cue)
        self._cue(cue)

    def _event(self, ev: object, cues: list) -> None:
        if isinstance(ev, RepStarted | RepCompleted):
            if self._phase in ("ready", "rest") or ev.set_index != self._set_index:
                self._phase, self._set_index, self._marks, self._goal_told = "set", ev.set_index, {}, False
                self._time_up_s, self._closing_told = None, False
                self._set_start_s = ev.time_s if isinstance(ev, RepStarted) else ev.rep.start_s
            self._rep_start_s = ev.time_s if isinstance(ev, RepStarted) else None
            if isinstance(ev, RepCompleted):
                r = ev.rep
                self._last_tempo = f"{r.concentric_s:.1f}/{r.hold_s:.1f}/{r.eccentric_s:.1f}"
                self._countdown = None
        elif isinstance(ev, RepCancelled) and ev.rep_index is None:
            self._rep_start_s = None
        elif isinstance(ev, SetEnded) and ev.rep_set.reps:
            block = self.block
            rank = self._rank_for(block.exercise) if self._rank_for is not None else None
            rs = ev.rep_set
            rs = replace(rs, exercise=rs.exercise or block.exercise)
            coached = with_summary(rs, block.targets, rank=rank)
            self._coached[rs.index] = coached
            self._summary = summarize(rs, block.targets, rank=rank)
            self._cue_into(SetDone(self._now, rs.index, self._summary), cues)
            self._pos += 1
            self._set_index = None
            if self._pos >= len(self._sets):
                self._phase = "done"
                self._cue_into(PlanDone(self._now), cues)
            else:
                # a timed set rests from its time up (the rep under way then may have been cut)
                self._phase, self._rest_from_s = "rest", max(rs.end_s, self._time_up_s or rs.end_s)
                same = (self.block.exercise, self.block.band) == (block.exercise, block.band)
                self._engine = CueEngine(self.block.targets,
                                         last_excursion_n=self._engine.last_excursion_n if same else None)

    def _cue(self, c: object) -> None:
        if isinstance(c, RepMark):
            self._marks[c.rep_index] = c.marks
        elif isinstance(c, RepWithdrawn | CueWithdrawn):
            if isinstance(c, RepWithdrawn):
                self._marks.pop(c.rep_index, None)
            about = self._banner_about
            if about is not None and about[:2] == (c.set_index, c.rep_index) \
                    and (isinstance(c, RepWithdrawn) or about[2] == c.what):
                self._banner = self._banner_about = None  # a cue taken back leaves the screen
        elif isinstance(c, HoldIt):
            self._countdown = c.remaining_s
        elif isinstance(c, SqueezeDone):
            self._countdown = None
        text = banner_text(c)
        if text is not None:
            self._banner = (c.kind, text, self._now)
            self._banner_about = (c.set_index, c.rep_index, cue_name(c)) if isinstance(c, AboutRep) else None

    def coached(self, rep_set: RepSet) -> RepSet:
        """The closed set with its summary (as judged when the detector closed it), for the log."""
        with self._lock:
            return self._coached.get(rep_set.index, rep_set)

    def state(self, now_s: float | None = None) -> GuideState:
        """What the views draw at now_s (default: the last sample's time)."""
        with self._lock:
            now = self._now if now_s is None else now_s
            block = self.block
            t = block.targets
            guide = None
            if self._phase == "set" and self._rep_start_s is not None:
                guide = _phase_guide(now - self._rep_start_s, t.tempo.concentric_s, t.hold_s, t.tempo.eccentric_s)
            elif self._phase in ("set", "ready"):
                guide = ("pull", 0.0)
            banner = None
            if self._banner is not None and now - self._banner[2] <= BANNER_S:
                banner = self._banner[:2]
            return GuideState(
                block.exercise, min(self._pos + 1, len(self._sets)), len(self._sets), self._phase,
                len(self._marks) if self._phase == "set" else 0, block.reps, block.seconds,
                now - self._set_start_s if self._phase == "set" and self._set_start_s is not None else None,
                max(block.rest_s - (now - self._rest_from_s), 0.0) if self._phase == "rest" and self._rest_from_s is not None else None,
                str(t.tempo), t.hold_s, self._last_tempo, guide,
                tuple(self._marks[k] for k in sorted(self._marks)) if self._phase == "set" else (),
                self._countdown, banner, self._summary,
            )


def _phase_guide(elapsed_s: float, con_s: float, hold_s: float, ecc_s: float) -> tuple[str, float]:
    """Which phase of the target tempo should be happening elapsed_s after the rep began, and its time left."""
    for name, dur in (("up", con_s), ("squeeze", hold_s), ("back", ecc_s)):
        if elapsed_s < dur:
            return name, dur - elapsed_s
        elapsed_s -= dur
    return ("next rep", 0.0)
