"""The streaming cue engine: samples and the rep detector's events in, typed cues out.

Feed each batch of samples with the events the detector returned for it (`feed`). Each cue is
given as soon as it is true: "too fast" (concentric) at the detector's TopReached, "no squeeze"
when the tension leaves the top short of the target hold, the hold-it countdown from the top's
start; the rest with the rep's RepCompleted (the detector gives it within 150 ms of the rep's end).
An early cue the completed rep does not earn, or whose movement was no rep, is taken back
(CueWithdrawn); a rep the detector withdraws (a setup tug) is answered by RepWithdrawn. Until a
set has a rep that could not be a setup tug (unheld, and brief or small against the last set or the
plan), early cues are given only to a movement whose rise is beyond a tug's (`_rep_sized`), and
such reps' cues wait for one (thresholds.TUG_*), so a tug earns no "too fast", or for a run of them alike
and in rhythm (a set of quick reps: thresholds.REP_RUN). A TopReached told again for the same movement
(its rise went on) replaces the last: its early cues are judged again. Needs neither bleak nor Qt.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from taut.coach.cues import AboutRep, Cue, CueWithdrawn, LosingForm, NoSqueeze, RepMark, RepWithdrawn, ShortRange, TooFast
from taut.coach.form import losing_form
from taut.coach.hold import HoldCountdown, expected_rise_n
from taut.coach.rep_cues import rep_cue_kinds, rep_mark
from taut.coach.targets import CoachTargets
from taut.coach.thresholds import (FAST_FRACTION, FIRST_TOP_FRACTION, REP_RISE_FRACTION, REP_RISE_TO_BOTTOM, REP_RUN,
                                   RUN_RHYTHM_FRACTION, RUN_RISE_TO_BOTTOM, SLOW_RISE_FRACTION, SQUEEZE_FRACTION,
                                   STRETCHED_BOTTOM_N, TUG_HOLD_S, TUG_RISE_FRACTION, TUG_RUN, TUG_TUT_S)
from taut.records import Rep
from taut.signal.events import RepCancelled, RepCompleted, RepStarted, SetEnded, TopReached
from taut.signal.levels import PARTIAL_FRACTION

SAME_REP_S = 0.5  # an early cue belongs to the completed rep whose start is this close to its estimate


class CueEngine:
    """Cues for one exercise's sets; `feed(time_s, tension_n, events) -> list[Cue]`."""

    def __init__(self, targets: CoachTargets, *, last_excursion_n: float | None = None) -> None:
        """`last_excursion_n`: the typical excursion of the session's last set of this exercise and
        band, if any (a guide to the next set's first movement: rep or setup tug)."""
        self.targets = targets
        self.last_excursion_n = last_excursion_n  # updated as each set ends
        self._hold = HoldCountdown(targets.hold_s, targets.tension_n, last_excursion_n)
        self._reps: dict[tuple[int, int], Rep] = {}  # (set, rep index) -> the rep as completed
        self._form_told: set[int] = set()  # sets whose losing-form cue was given
        self._real: set[int] = set()  # sets that have had a rep that is no possible tug
        self._runs: set[int] = set()  # ... shown by a run of reps (`_a_run`), whose reps then guide the top
        self._rep_sized: set[tuple[int, int]] = set()  # movements whose rise was beyond a tug's (_rep_sized)
        self._held: list[tuple[int, int, list[Cue]]] = []  # tug-like reps' cues, waiting
        self._top: TopReached | None = None  # the open movement's top, once the detector told it
        # cues given early, by (set, rep index the detector expects), each by REP_CUE_KINDS name; they
        # stand until the rep's RepCompleted settles them, or its movement is no rep, or the set ends
        self._early: dict[tuple[int, int], dict[str, AboutRep]] = {}
        self._told_early: set[tuple[int, int]] = set()  # reps whose early cues stood (a held tug's too)
        self._last_t = 0.0

    def feed(self, time_s: np.ndarray, tension_n: np.ndarray, events: Sequence[object] = ()) -> list[Cue]:
        """Cues for this batch of samples and the detector's events for it (in that order)."""
        out: list[Cue] = []
        t_arr = np.asarray(time_s, dtype=float)
        for t, x in zip(t_arr.tolist(), np.asarray(tension_n, dtype=float).tolist()):
            self._hold.step(t, x, out)
        if len(t_arr):
            self._last_t = float(t_arr[-1])
        self._hold_left(out)
        for ev in events:
            self._event(ev, out)
        self._release(out)
        return out

    def _hold_left(self, out: list[Cue]) -> None:
        """The top was left short of the target hold: "no squeeze" now, not at the rep's end."""
        left, self._hold.left = self._hold.left, None
        top, tg = self._top, self.targets
        if left is None or top is None or not tg.hold_s > 0:
            return
        # from the top line's first crossing if the countdown began below it (a rise paused under the top), and
        # from this movement's top estimate (a restart may follow a held plateau)
        hold_s = max(left[2] - max(top.top_start_s, left[1] if left[1] is not None else -math.inf), 0.0)
        if hold_s >= SQUEEZE_FRACTION * tg.hold_s:
            return
        # a set's first reps may be setup tugs: early only once the movement cannot be one, or rose as a rep
        if (top.set_index in self._real or (top.set_index, top.rep_index) in self._rep_sized
                or left[0] - top.start_s >= TUG_TUT_S or hold_s >= TUG_HOLD_S):
            self._give_early(NoSqueeze(self._last_t, top.set_index, top.rep_index, top.start_s, hold_s, tg.hold_s),
                             "no-squeeze", out)

    def _give_early(self, cue: AboutRep, name: str, out: list[Cue]) -> None:
        told = self._early.setdefault((cue.set_index, cue.rep_index), {})
        if name not in told:
            told[name] = cue
            out.append(cue)

    def _take_back(self, key: tuple[int, int], keep: tuple[str, ...], out: list[Cue]) -> None:
        """Withdraw the early cues of rep `key` not in `keep`, and forget them."""
        for name, c in self._early.pop(key, {}).items():
            if name not in keep:
                out.append(CueWithdrawn(self._last_t, c.set_index, c.rep_index, c.rep_start_s, name))

    def _withdraw(self, key: tuple[int, int], name: str, out: list[Cue]) -> None:
        """Withdraw rep `key`'s early cue `name`, if given."""
        c = self._early.get(key, {}).pop(name, None)
        if c is not None:
            out.append(CueWithdrawn(self._last_t, c.set_index, c.rep_index, c.rep_start_s, name))

    def _release(self, out: list[Cue], *, force: bool = False) -> None:
        """Give the waiting cues of tug-like reps that were not withdrawn, once the set has shown a
        real rep or a run of reps (`_a_run`: the set then counts as real), or TUG_RUN such reps, or it ended."""
        if not self._held:
            return
        s = self._held[0][0]
        if s not in self._real and self._a_run([self._reps[(si, i)] for si, i, _ in self._held[-REP_RUN:]]):
            self._real.add(s)
            self._runs.add(s)
        if force or s in self._real or len(self._held) >= TUG_RUN:
            for si, i, cues in self._held:
                if (si, i) in self._reps:
                    out.extend(replace(c, time_s=self._last_t) for c in cues)
            self._held = []

    def _a_run(self, reps: Sequence[Rep]) -> bool:
        """Are `reps` (tug-like, in a row) a set of quick reps? REP_RUN of them, the same size, in rhythm, each
        beyond the sway of a static load and not small against the expected rise (thresholds.REP_RUN)."""
        if len(reps) < REP_RUN:
            return False
        rise_n = np.array([r.peak_n - r.bottom_n for r in reps])
        gaps_s = np.diff([r.start_s for r in reps])
        gap_s = float(np.median(gaps_s))
        for r, rise in zip(reps, rise_n.tolist()):
            expected_n = expected_rise_n(r.bottom_n, self.targets.tension_n, self.last_excursion_n)
            if rise < RUN_RISE_TO_BOTTOM * r.bottom_n or (expected_n is not None and rise < REP_RISE_FRACTION * expected_n):
                return False
        return bool(rise_n.min() >= PARTIAL_FRACTION * np.median(rise_n)
                    and np.all(np.abs(gaps_s - gap_s) <= RUN_RHYTHM_FRACTION * gap_s))

    def _event(self, ev: object, out: list[Cue]) -> None:
        t = self._last_t
        if isinstance(ev, RepStarted):
            self._hold.rep_started(ev.set_index)
        elif isinstance(ev, TopReached):
            key = (ev.set_index, ev.rep_index)
            tg = self.targets
            fast = ev.concentric_s < FAST_FRACTION * tg.tempo.concentric_s
            again = self._top is not None and (self._top.set_index, self._top.rep_index) == key
            if again and not fast:  # told again, higher (the rise had paused on its way): the pause was no top
                self._withdraw(key, "too-fast-concentric", out)
            self._top = ev
            if ev.set_index not in self._real:  # the expected excursion may be a setup tug's
                if not _rep_sized(ev, tg, self.last_excursion_n, paused=again):
                    return
                self._rep_sized.add(key)  # taken back if it turns out a tug
            self._hold.top_reached(ev.top_start_s, ev.bottom_n, ev.peak_n, t, out)
            if fast:
                self._give_early(TooFast(t, ev.set_index, ev.rep_index, ev.start_s, "concentric", ev.concentric_s,
                                         tg.tempo.concentric_s), "too-fast-concentric", out)
        elif isinstance(ev, RepCompleted):
            self._rep(t, ev.set_index, ev.rep, out)
        elif isinstance(ev, RepCancelled) and ev.rep_index is None:
            self._hold.cancelled()
            if self._top is not None:  # the movement was no rep
                self._take_back((self._top.set_index, self._top.rep_index), (), out)
                self._top = None
        elif isinstance(ev, RepCancelled) and ev.rep_index is not None:
            key = (ev.set_index, ev.rep_index)
            self._early.pop(key, None)  # RepWithdrawn takes them back with the rest
            held = [h for h in self._held if (h[0], h[1]) == key and key not in self._told_early]
            if self._reps.pop(key, None) is not None and not held:
                out.append(RepWithdrawn(t, ev.set_index, ev.rep_index))
            self._held = [h for h in self._held if (h[0], h[1]) != key]  # held: nothing more to take back
        elif isinstance(ev, SetEnded):
            self._release(out, force=True)
            s = ev.rep_set.index
            for key in [k for k in self._early if k[0] == s]:
                self._take_back(key, (), out)  # never confirmed as a rep
            self._told_early = {k for k in self._told_early if k[0] != s}
            self._rep_sized = {k for k in self._rep_sized if k[0] != s}
            self._reps = {k: v for k, v in self._reps.items() if k[0] != s}
            typical_n = self._typical_excursion_n(ev.rep_set.reps, s in self._runs)
            if typical_n is not None:
                self.last_excursion_n = typical_n
            self._hold.set_ended(self.last_excursion_n)

    def _rep(self, t: float, s: int, rep: Rep, out: list[Cue]) -> None:
        self._reps[(s, rep.index)] = rep
        tug_like = self._tug_like(rep)
        if not tug_like:
            self._real.add(s)
        mine: list[Cue] = []
        self._rep_cues(t, s, rep, mine)
        if tug_like and s not in self._real:
            self._held.append((s, rep.index, mine))
        else:
            out.extend(mine)
        reps = [r for (si, _), r in sorted(self._reps.items()) if si == s]
        self._hold.rep_completed(s, self._typical_excursion_n(reps, s in self._runs))
        if s not in self._form_told:
            found = losing_form(reps)
            if found is not None:
                self._form_told.add(s)
                out.append(LosingForm(t, s, found[0], found[1], reps[found[0]].start_s))

    def _typical_excursion_n(self, reps: Sequence[Rep], run: bool = False) -> float | None:
        """The median excursion of `reps` that could be no setup tug (a tug is no guide to the top), or None;
        with `run` (a set shown by a run of quick reps), of them all if none is."""
        real = [r.peak_n - r.bottom_n for r in reps if not self._tug_like(r)]
        if run and not real:
            real = [r.peak_n - r.bottom_n for r in reps]
        return float(np.median(real)) if real else None

    def _tug_like(self, rep: Rep) -> bool:
        """Could `rep` be a setup tug? (its size judged by the last set's excursion or the plan's tension, if any)"""
        return _tug_like(rep, expected_rise_n(rep.bottom_n, self.targets.tension_n, self.last_excursion_n))

    def _rep_cues(self, t: float, s: int, rep: Rep, out: list[Cue]) -> None:
        """The rep's cues not given early (those it does not earn are taken back), then its mark."""
        tg = self.targets
        kinds = rep_cue_kinds(rep, tg)
        if "no-squeeze" in kinds and rep.top_start_s <= self._hold.squeeze_done_s <= rep.end_s:
            # the countdown saw the squeeze held to the end (above the leave line): a hold the
            # contract measures short is a top line blurred by noise or a slow sag, not a skipped squeeze
            # (a SqueezeDone before the rep's top start was another hold's, run into this rep's rise)
            kinds = tuple(k for k in kinds if k != "no-squeeze")
        early = self._early.get((s, rep.index), {})
        told = tuple(k for k in kinds if k in early and abs(early[k].rep_start_s - rep.start_s) <= SAME_REP_S)
        self._take_back((s, rep.index), told, out)
        if told:
            self._told_early.add((s, rep.index))
        for k in kinds:
            if k in told:
                continue
            if k == "too-fast-concentric":
                out.append(TooFast(t, s, rep.index, rep.start_s, "concentric", rep.concentric_s, tg.tempo.concentric_s))
            elif k == "too-fast-eccentric":
                out.append(TooFast(t, s, rep.index, rep.start_s, "eccentric", rep.eccentric_s, tg.tempo.eccentric_s))
            elif k == "no-squeeze":
                out.append(NoSqueeze(t, s, rep.index, rep.start_s, rep.hold_s, tg.hold_s))
            else:
                out.append(ShortRange(t, s, rep.index, rep.start_s, rep.range_fraction))
        out.append(RepMark(t, s, rep.index, rep.start_s, rep_mark(kinds)))


def _rep_sized(top: TopReached, targets: CoachTargets, last_excursion_n: float | None, *, paused: bool = False) -> bool:
    """A set's first movement is a rep, not a setup tug (brief, 10-30 % of a rep; the grab rises from
    slack to a fraction of a rep), when its rise is REP_RISE_FRACTION of the last set's typical
    excursion; with no last set, when the rise is beyond a tug's by size, shape or pace: REP_RISE_FRACTION
    of the rise to the plan's end-range tension; from a stretched band up by REP_RISE_TO_BOTTOM of its
    start tension; or as slow as a controlled rep (SLOW_RISE_FRACTION of the target concentric) and not
    from slack. With a plan, the last two need TUG_RISE_FRACTION and FIRST_TOP_FRACTION of its rise. A top
    told again (`paused`: the rise went on after a stall) goes by size or shape only (its concentric counts
    the pause), and never from slack (a paused rise from slack is the grab as often as a rep)."""
    rise_n = top.peak_n - top.bottom_n
    stretched = top.bottom_n >= STRETCHED_BOTTOM_N
    if paused and not stretched:
        return False
    if last_excursion_n is not None:
        return rise_n >= REP_RISE_FRACTION * last_excursion_n
    shaped = stretched and rise_n >= REP_RISE_TO_BOTTOM * top.bottom_n
    slow = top.concentric_s >= SLOW_RISE_FRACTION * targets.tempo.concentric_s and not paused
    if targets.tension_n is None:
        return shaped or (slow and stretched)
    planned_n = targets.tension_n - top.bottom_n
    return (rise_n >= REP_RISE_FRACTION * planned_n > 0 or (shaped and rise_n >= TUG_RISE_FRACTION * planned_n)
            or (slow and rise_n >= FIRST_TOP_FRACTION * planned_n))


def _tug_like(rep: Rep, expected_n: float | None = None) -> bool:
    """Unheld, and brief or (under REP_RISE_FRACTION of `expected_n`, the rise a rep is expected to
    make) small; or, held or not, under FIRST_TOP_FRACTION of it (a re-grip, the band taken up to its
    pre-tension): it could be a setup movement (thresholds.TUG_*)."""
    rise_n = rep.peak_n - rep.bottom_n
    if expected_n is not None and rise_n < FIRST_TOP_FRACTION * expected_n:
        return True
    small = expected_n is not None and rise_n < REP_RISE_FRACTION * expected_n
    return rep.hold_s < TUG_HOLD_S and (rep.tut_s < TUG_TUT_S or small)
