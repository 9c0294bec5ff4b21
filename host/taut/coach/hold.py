"""The hold-it countdown: follows the tension sample by sample and counts a squeeze down at the top.

The top is entered at the detector's TopReached (from its estimated top start) or, when that is
later or missing, at B + TOP_ENTER_FRACTION of the set's typical excursion (B: the lowest smoothed
tension since the last completed rep); for a set's first rep, with no excursion to go by, a plateau
at the running peak marks the top. (Whether a rise that slows is over is the detector's judgement:
`taut.signal.top`.) The top is left below B + TOP_LEAVE_FRACTION of the peak since it began (a
hysteresis, so tremor does not stop a squeeze); while the hold so far is short of SQUEEZE_FRACTION
of the target, already once the tension is LEAVE_NOISE_K noise sigmas below the top line
(B + TOP_ENTER_FRACTION of that peak): a short hold is told as it ends. Left before the target
hold, `left` tells when, with the first and last times on the top line (within that noise margin of
it): the hold, for the early "no squeeze".
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from taut.coach import thresholds as th
from taut.coach.cues import HoldIt, SqueezeDone
from taut.signal.filters import noise_scale_n


def expected_rise_n(bottom_n: float, tension_n: float | None, last_excursion_n: float | None) -> float | None:
    """The rise a set's rep is expected to make from `bottom_n`: the last set's typical excursion, else
    up to the plan's end-range tension `tension_n`, else unknown (None)."""
    if last_excursion_n is not None:
        return last_excursion_n
    return tension_n - bottom_n if tension_n is not None else None


class HoldCountdown:
    """Feed samples with `step`; `rep_started`, `rep_completed` and `set_ended` keep it in step with the detector."""

    def __init__(self, hold_s: float, tension_n: float | None = None, last_excursion_n: float | None = None) -> None:
        self.hold_s = hold_s
        # a set's first top lies a share of the way to the plan's end-range tension, or of the last set's excursion
        self.tension_n = tension_n
        self.last_excursion_n = last_excursion_n
        self.set_index = 0
        self.excursion_n: float | None = None  # the set's typical excursion (None: no rep yet)
        self._win: deque[tuple[float, float]] = deque()
        self._sum = 0.0
        self._bottom = math.inf
        self._in_rep = False
        self._entered_s: float | None = None
        self._spent = False  # this rep's countdown is over (done or left early)
        self._shown: int | None = None
        self._peak = -math.inf
        self._near_since: float | None = None
        self._near_level = 0.0
        self._top_peak = -math.inf  # the highest smoothed tension since the top began
        self._last_high_s = 0.0  # the last time at or above the top line (B + 0.9 of that peak)
        self._raw: deque[float] = deque(maxlen=th.LEAVE_NOISE_SAMPLES)  # the latest samples: the noise
        self._top_of: float | None = None  # the countdown start the fields below belong to
        self._top_rise: list[tuple[float, float]] = []  # (time, smoothed tension) of each new peak since, and the sample before
        self._leave_margin_n = 0.0  # below the top line by this much, a short hold is over
        self._recent: deque[tuple[float, float]] = deque()  # (time, smoothed tension) over the last LEAVE_FALL_S
        self._prev = (-math.inf, math.inf)  # the last sample's (time, smoothed tension)
        # (time, first and last time on the top line) when the top was left short; the first is None
        # when the countdown began on the line already (the top's start is then the countdown's)
        self.left: tuple[float, float | None, float] | None = None
        self.squeeze_done_s = -math.inf  # when the last SqueezeDone was said

    def rep_started(self, set_index: int) -> None:
        self.set_index = set_index
        self._in_rep = True
        if self._spent and self._win and self._sum / len(self._win) < self._leave_line_n():
            self._rearm()  # a new movement below the last top, whose rep is not counted yet (it may be later)

    def rep_completed(self, set_index: int, excursion_n: float | None) -> None:
        """A rep ended; `excursion_n`: the set's typical excursion."""
        self.set_index = set_index
        self.excursion_n = excursion_n
        self._reset_rep()

    def cancelled(self) -> None:
        """The open movement was no rep (the grab, a tug, a spike): its countdown, run or spent, is
        forgotten, so the movement that follows gets its own."""
        self._reset_rep()

    def set_ended(self, last_excursion_n: float | None = None) -> None:
        self.excursion_n = None
        if last_excursion_n is not None:
            self.last_excursion_n = last_excursion_n
        self._reset_rep()

    def _reset_rep(self) -> None:
        self._in_rep = False
        self._bottom = self._sum / len(self._win) if self._win else math.inf
        self._rearm()

    def _rearm(self) -> None:
        """Ready for the next top (the bottom is kept)."""
        self._entered_s = None
        self._spent = False
        self._shown = None
        self._peak = -math.inf
        self._near_since = None
        self.left = None

    def top_reached(self, top_start_s: float, bottom_n: float, peak_n: float, t: float, out: list) -> None:
        """The detector's TopReached: the countdown runs from its top start, unless it already does."""
        if self.hold_s <= 0 or self._entered_s is not None or self._spent:
            return
        self._bottom = bottom_n
        self._entered_s, self._top_peak, self._last_high_s = top_start_s, peak_n, t
        self._tick(t, out)

    def step(self, t: float, x: float, out: list) -> None:
        """One sample; appends any HoldIt / SqueezeDone cue to `out`."""
        if not math.isfinite(x):
            return
        self._win.append((t, x))
        self._raw.append(x)
        self._sum += x
        while self._win and self._win[0][0] < t - th.SMOOTH_S:
            self._sum -= self._win.popleft()[1]
        s = self._sum / len(self._win)
        before, self._prev = self._prev, (t, s)
        if self.hold_s <= 0:
            return
        if self._entered_s is None:
            self._bottom = min(self._bottom, s)
            if self._spent:
                return
            if self.excursion_n is not None:
                if s >= self._bottom + th.TOP_ENTER_FRACTION * self.excursion_n:
                    self._enter(t, t, out)
            elif self._in_rep:
                self._plateau(t, s, out)
            return
        self._at_top(t, s, before, out)

    def _at_top(self, t: float, s: float, before: tuple[float, float], out: list) -> None:
        """At the top: follow its peak and the top line, tell when it is left (`left`), else tick."""
        assert self._entered_s is not None
        if self._top_of != self._entered_s:  # the first sample at this top
            self._top_of, self._top_rise, self._recent = self._entered_s, [before, (t, s)], deque([before])
            self._top_peak = max(self._top_peak, self._peak)  # a first rep's plateau: its peak came before
            self._leave_margin_n = th.LEAVE_NOISE_K * noise_scale_n(np.array(self._raw)) / math.sqrt(len(self._win))
        elif s > self._top_peak:
            self._top_rise.append((t, s))
        self._recent.append((t, s))
        while len(self._recent) > 1 and self._recent[1][0] <= t - th.LEAVE_FALL_S + 1e-9:
            self._recent.popleft()  # keep the latest at least LEAVE_FALL_S old
        self._top_peak = max(self._top_peak, s)
        # on the top line (B + TOP_ENTER_FRACTION of the peak): at it, or within its noise margin
        on_n = self._bottom + th.TOP_ENTER_FRACTION * (self._top_peak - self._bottom) - self._leave_margin_n
        if s >= on_n:
            self._last_high_s = t
        if s < self._leave_line_n() or (s < on_n and self._short_over(s, on_n)):
            # left before the target hold: the hold lasted until the last time on the top line
            self.left = (t, self._crossed_s(on_n), self._last_high_s)
            self._entered_s, self._spent = None, True
            return
        self._tick(t, out)

    def _short_over(self, s: float, on_n: float) -> bool:
        """Below the top line's noise margin (`on_n`), a hold short so far is over when the tension falls as
        in a return, not a sag: by the noise margin, and LEAVE_FALL_FRACTION of the excursion per second, over
        LEAVE_FALL_S."""
        assert self._entered_s is not None
        if self.excursion_n is None and self._bottom < th.STRETCHED_BOTTOM_N:
            return False  # the set's first top, risen from slack: the grab, which settles after its overshoot
        first = self._crossed_s(on_n)
        since = self._entered_s if first is None else max(self._entered_s, first)
        if self._last_high_s - since >= th.SQUEEZE_FRACTION * self.hold_s:
            return False
        rate = th.LEAVE_FALL_FRACTION * (self._top_peak - self._bottom)
        return self._recent[0][1] - s >= max(self._leave_margin_n, rate * th.LEAVE_FALL_S)

    def _leave_line_n(self) -> float:
        return self._bottom + th.TOP_LEAVE_FRACTION * (self._top_peak - self._bottom)

    def _crossed_s(self, line_n: float) -> float | None:
        """When the smoothed tension first reached `line_n` since the sample before the countdown began
        (interpolated between running peaks); None if it was there already (the countdown's start is the top's)."""
        rise = self._top_rise
        if rise[0][1] >= line_n:
            return None
        for (t0, s0), (t1, s1) in zip(rise, rise[1:]):
            if s1 >= line_n:
                return t0 + (line_n - s0) / (s1 - s0) * (t1 - t0)
        return None

    def _plateau(self, t: float, s: float, out: list) -> None:
        """A set's first rep: the top is where the tension stays within PLATEAU_FRACTION of the
        excursion so far, near its peak, for PLATEAU_S (the countdown then runs from its start), once
        the rise is FIRST_TOP_FRACTION of the one expected (the last set's, or to the plan's tension)."""
        self._peak = max(self._peak, s)
        expected_n = expected_rise_n(self._bottom, self.tension_n, self.last_excursion_n)
        if expected_n is not None and self._peak - self._bottom < th.FIRST_TOP_FRACTION * expected_n:
            return  # a tug's reach, or the band taken up from slack: no top yet
        band = th.PLATEAU_FRACTION * (self._peak - self._bottom)
        near = self._peak - s <= band and self._peak > self._bottom
        if not near or self._near_since is None or abs(s - self._near_level) > band:
            self._near_since, self._near_level = (t, s) if near else (None, s)
        elif t - self._near_since >= th.PLATEAU_S:
            self._enter(self._near_since, t, out)

    def _enter(self, since_s: float, t: float, out: list) -> None:
        self._entered_s, self._top_peak, self._last_high_s = since_s, -math.inf, t
        self._tick(t, out)

    def _tick(self, t: float, out: list) -> None:
        assert self._entered_s is not None
        remaining = self.hold_s - (t - self._entered_s)
        if remaining <= 0:
            out.append(SqueezeDone(t, self.set_index))
            self.squeeze_done_s = t
            self._entered_s, self._spent = None, True
            return
        n = math.ceil(remaining)
        if n != self._shown:
            self._shown = n
            out.append(HoldIt(t, self.set_index, float(n)))
