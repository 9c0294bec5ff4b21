"""The streaming cue engine: samples and the rep detector's events in, typed cues out.

Feed each batch of samples with the events the detector returned for it (`feed`); per-rep cues
come with the rep's RepCompleted (the detector gives it within 150 ms of the rep's end), the
hold-it countdown from the samples themselves. A rep the detector withdraws (a setup tug) is
answered by RepWithdrawn. Until a set has a rep that could not be a setup tug (brief and unheld),
such reps' cues wait for one (thresholds.TUG_*), so a tug earns no "too fast". Needs neither
bleak nor Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from taut.coach.cues import Cue, LosingForm, NoSqueeze, RepMark, RepWithdrawn, ShortRange, TooFast
from taut.coach.form import losing_form
from taut.coach.hold import HoldCountdown
from taut.coach.rep_cues import rep_cue_kinds, rep_mark
from taut.coach.targets import CoachTargets
from taut.coach.thresholds import TUG_HOLD_S, TUG_RUN, TUG_TUT_S
from taut.records import Rep
from taut.signal.events import RepCancelled, RepCompleted, RepStarted, SetEnded


class CueEngine:
    """Cues for one exercise's sets; `feed(time_s, tension_n, events) -> list[Cue]`."""

    def __init__(self, targets: CoachTargets) -> None:
        self.targets = targets
        self._hold = HoldCountdown(targets.hold_s)
        self._reps: dict[tuple[int, int], Rep] = {}  # (set, rep index) -> the rep as completed
        self._form_told: set[int] = set()  # sets whose losing-form cue was given
        self._real: set[int] = set()  # sets that have had a rep that is no possible tug
        self._held: list[tuple[int, int, list[Cue]]] = []  # tug-like reps' cues, waiting
        self._last_t = 0.0

    def feed(self, time_s: np.ndarray, tension_n: np.ndarray, events: Sequence[object] = ()) -> list[Cue]:
        """Cues for this batch of samples and the detector's events for it (in that order)."""
        out: list[Cue] = []
        t_arr = np.asarray(time_s, dtype=float)
        for t, x in zip(t_arr.tolist(), np.asarray(tension_n, dtype=float).tolist()):
            self._hold.step(t, x, out)
        if len(t_arr):
            self._last_t = float(t_arr[-1])
        for ev in events:
            self._event(ev, out)
        self._release(out)
        return out

    def _release(self, out: list[Cue], *, force: bool = False) -> None:
        """Give the waiting cues of tug-like reps that were not withdrawn, once the set has shown a
        real rep (or a run of TUG_RUN such reps, or it ended)."""
        if not self._held:
            return
        s = self._held[0][0]
        if force or s in self._real or len(self._held) >= TUG_RUN:
            for si, i, cues in self._held:
                if (si, i) in self._reps:
                    out.extend(replace(c, time_s=self._last_t) for c in cues)
            self._held = []

    def _event(self, ev: object, out: list[Cue]) -> None:
        t = self._last_t
        if isinstance(ev, RepStarted):
            self._hold.rep_started(ev.set_index)
        elif isinstance(ev, RepCompleted):
            self._rep(t, ev.set_index, ev.rep, out)
        elif isinstance(ev, RepCancelled) and ev.rep_index is not None:
            key = (ev.set_index, ev.rep_index)
            held = [h for h in self._held if (h[0], h[1]) == key]
            if self._reps.pop(key, None) is not None and not held:
                out.append(RepWithdrawn(t, ev.set_index, ev.rep_index))
            self._held = [h for h in self._held if (h[0], h[1]) != key]  # never told: nothing to take back
        elif isinstance(ev, SetEnded):
            self._release(out, force=True)
            s = ev.rep_set.index
            self._reps = {k: v for k, v in self._reps.items() if k[0] != s}
            self._hold.set_ended()

    def _rep(self, t: float, s: int, rep: Rep, out: list[Cue]) -> None:
        self._reps[(s, rep.index)] = rep
        tug_like = rep.tut_s < TUG_TUT_S and rep.hold_s < TUG_HOLD_S
        if not tug_like:
            self._real.add(s)
        mine: list[Cue] = []
        self._rep_cues(t, s, rep, mine)
        if tug_like and s not in self._real:
            self._held.append((s, rep.index, mine))
        else:
            out.extend(mine)
        reps = [r for (si, _), r in sorted(self._reps.items()) if si == s]
        self._hold.rep_completed(s, float(np.median([r.peak_n - r.bottom_n for r in reps])))
        if s not in self._form_told:
            found = losing_form(reps)
            if found is not None:
                self._form_told.add(s)
                out.append(LosingForm(t, s, found[0], found[1], reps[found[0]].start_s))

    def _rep_cues(self, t: float, s: int, rep: Rep, out: list[Cue]) -> None:
        tg = self.targets
        kinds = rep_cue_kinds(rep, tg)
        for k in kinds:
            if k == "too-fast-concentric":
                out.append(TooFast(t, s, rep.index, rep.start_s, "concentric", rep.concentric_s, tg.tempo.concentric_s))
            elif k == "too-fast-eccentric":
                out.append(TooFast(t, s, rep.index, rep.start_s, "eccentric", rep.eccentric_s, tg.tempo.eccentric_s))
            elif k == "no-squeeze":
                out.append(NoSqueeze(t, s, rep.index, rep.start_s, rep.hold_s, tg.hold_s))
            else:
                out.append(ShortRange(t, s, rep.index, rep.start_s, rep.range_fraction))
        out.append(RepMark(t, s, rep.index, rep.start_s, rep_mark(kinds)))
