"""When the open movement's rise is over: the live detector's `TopReached` (the coach's early cues).

Causal, per sample of the detection signal, state carried between calls (any chunking gives the
same answer). With an excursion to expect (the median of the
open set's movements at least half its largest, or the last set's median for a new set's first
movement), the top is reached at the first sample where either
- the signal reaches the bottom plus TOP_FRACTION of the expected excursion, the rise slowing
  (growth under LINE_SLOWING of its fastest) and never BEYOND_FRACTION of the expected (reaches: at
  its speed, within LINE_LEAD_SAMPLES of a sample; at slow rates, a sample every SLOW_DT_S or more,
  a sample's wait makes it late for a rep a little short of the expected, so there the signal at
  SLOW_LINE_FRACTION of the expected counts too, the growth under SLOW_LINE_SLOWING of its fastest), or
- the rise stalls: the running peak grew over the last STALL_S by at most STALL_FRACTION of its
  fastest growth over such a window so far, at STALL_MIN_FRACTION of the expected excursion or more
  (a session's first movement, with nothing to expect: above the start threshold; a rise may pause
  on its way, so this one is a rough guess). A stall below TRUST_FRACTION of the expected excursion
  (and of the last movement's, so a shrinking set's tops count lower) counts at once only when the
  rise was steep against the noise (its fastest growth at least CLEAR_NOISE_K sigmas: a short rep's
  top), and, from FIRM_FROM_FRACTION of the expected excursion up, the peak grew by at most
  FIRM_STALL_FRACTION of its fastest (a rise that only slows a moment there is often on its way to
  the top; a short rep's top stops flat); in a slow or noisy rise it is often noise pausing it on its
  way, so there it counts once the rise is over (the running peak grows by under STOP_FRACTION of
  the expected excursion in STOP_S), unless the line comes first. Either way a low stall counts only
  when the rise's forecast agrees: a parabola fitted to the rise so far (FORECAST_MIN_SAMPLES at
  least), its speed v slowing at a, runs out v²/2a further; the rise so far must be FORECAST_FRACTION
  of that forecast peak (a rise still going at speed, whose running peak tremor or noise holds still,
  is on its way; a stop after a steady rise is told once the fit bends, up to about 0.1 s later).
Once told, the top is told again, higher, each time the rise goes on (`tells`: the running peak
RESUME_FRACTION of the told excursion and RESUME_NOISE_K noise sigmas over the told top), at a firm
stall of the resumed rise or once it is over (no forecast: no parabola fits a rise that paused): a
rise that paused on its way (a set's first movement has nothing to expect but its setup tugs).
Growth is judged from the first sample when the sample before the rise is known (`prev_n`: at slow
rates a rushed rise may cross the line on its first sample). Then the contract's crossings (10 %,
90 %) are estimated on the buffered samples, smoothed as `measure_rep` smooths them, with the
excursion seen so far (or the expected one, if larger).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np

from taut.signal.levels import ONSET_FRACTION, TOP_FRACTION

STALL_S = 0.1
STALL_FRACTION = 0.5
LINE_SLOWING = 0.7  # the line counts once the rise slows (an expectation from smaller tugs comes too early)
LINE_LEAD_SAMPLES = 0.3  # the line is told when the rise at its speed crosses it this share of a sample on
BEYOND_FRACTION = 1.2  # a movement this far beyond the expected excursion is no guide for the line
STALL_MIN_FRACTION = 0.4  # a stall counts only this high in the expected excursion (a rise may pause lower)
TRUST_FRACTION = 0.85  # a stall lower than this in the expected (and last) excursion waits for the rise to be over
STOP_S = 0.1
STOP_FRACTION = 0.03  # over: the running peak grows by under this share of the expected excursion in STOP_S
CLEAR_NOISE_K = 16.0  # ... at once when the rise's fastest growth over STALL_S is this many noise sigmas
FIRM_FROM_FRACTION = 0.65  # ... and this high in the expected excursion, only when the peak grew by at most
FIRM_STALL_FRACTION = 0.3  # this share of its fastest growth (not a rise whose speed wobbles on its way)
FORECAST_FRACTION = 0.6  # a low stall counts only when the rise so far is this share of its forecast peak
FORECAST_MIN_SAMPLES = 10  # ... forecast from the rise's samples once it has this many (fewer: the stall alone)
RESUME_FRACTION = 0.25  # told, the rise goes on when the running peak passes the told top by this share of its excursion...
RESUME_NOISE_K = 4.0  # ... and this many noise sigmas: the top is watched for again, higher
SLOW_DT_S = 0.03  # sampling this slow (the detection signal is the raw sample): a second, lower line...
SLOW_LINE_FRACTION = 0.88  # ...at this share of the expected excursion, told on the sample that reaches it
SLOW_LINE_SLOWING = 0.6  # once the growth is under this share of its fastest (not a bigger rep in full swing)


def forecast_peak_n(y: np.ndarray, dt_s: float) -> tuple[float, float]:
    """(level now, forecast peak) of a rise sampled every `dt_s`, newest last: a parabola fitted to it,
    the peak where its speed v, slowing at a, runs out (v²/2a further); still speeding up: infinite
    (non-finite samples left out; under three: NaN)."""
    x = (np.arange(len(y)) - (len(y) - 1)) * dt_s
    ok = np.isfinite(y)
    if ok.sum() < 3:
        return math.nan, math.nan
    a2, v, now_n = np.polyfit(x[ok], y[ok], 2)
    if v <= 0:
        return float(now_n), float(now_n)
    return float(now_n), float(now_n + v * v / (-4 * a2)) if a2 < 0 else math.inf


class TopWatch:
    """One open movement's rise; `open` at each (re)start, `scan` each stretch of it."""

    def __init__(self) -> None:
        self.told = True  # nothing open: nothing to tell
        self.base_n = 0.0
        self.expected_n = 0.0
        self.peak_n = -math.inf  # the running peak where the top was told
        self._line_n = self._slow_line_n = self._stall_n = self._beyond_n = self._trust_n = math.inf
        self._hist = np.zeros(1)
        self._growth = 0.0
        self._stop_w = 1
        self._pending: list[float] = []  # running peaks since a low stall (empty: none)
        self._rise: list[float] = []  # the detection signal since the rise began (the forecast's samples)
        self._dt_s = 0.0
        self._noise_n = math.inf
        self._resume_n = math.inf  # told: the running peak over this, the rise went on (`tells`)

    def open(self, base_n: float, excursions_n: Sequence[float], dt_s: float, need_n: float,
             prev_n: float = math.nan, noise_n: float = math.inf) -> None:
        """A movement opened (or restarted) from `base_n`; `excursions_n`: those of the movements it
        follows (the open set's, or the last set's median; none: nothing to expect). The expected
        excursion is the median of those at least half the largest (setup tugs are no guide); with
        none, a stall above `need_n` (the start threshold) tells the top. `prev_n`: the detection
        signal on the sample before the rise, if known (NaN: growth judged after STALL_S); `noise_n`:
        its noise sigma (unknown: a low stall always waits for the rise to be over)."""
        exc = np.asarray(excursions_n, dtype=float)
        guide = exc[exc >= 0.5 * exc.max()] if len(exc) and exc.max() > 0 else exc[:0]
        expected_n = float(np.median(guide)) if len(guide) else 0.0
        w = max(1, int(round(STALL_S / dt_s))) if dt_s > 0 else 1
        self.told = False
        self.base_n = base_n
        self.expected_n = expected_n
        self._line_n = base_n + TOP_FRACTION * expected_n if expected_n > 0 else math.inf
        slow = expected_n > 0 and dt_s >= SLOW_DT_S
        self._slow_line_n = base_n + SLOW_LINE_FRACTION * expected_n if slow else math.inf
        self._stall_n = base_n + (STALL_MIN_FRACTION * expected_n if expected_n > 0 else need_n)
        self._beyond_n = base_n + BEYOND_FRACTION * expected_n
        self._trust_n = base_n + TRUST_FRACTION * min(expected_n, float(guide[-1])) if len(guide) else -math.inf
        self._stop_w = max(1, int(round(STOP_S / dt_s))) if dt_s > 0 else 1
        self._hist = np.full(w, np.nan)  # no history: no growth judged before w samples...
        self._hist[-1] = prev_n  # ...but from the sample before the rise, when known
        self._growth = 0.0
        self._clear_n = CLEAR_NOISE_K * noise_n
        self._firm_n = base_n + FIRM_FROM_FRACTION * expected_n if expected_n > 0 else math.inf
        self._pending = []
        self._rise = [] if math.isnan(prev_n) else [prev_n]
        self._dt_s = dt_s
        self._noise_n = noise_n
        self._resume_n = math.inf

    def _forecast_over(self, n: int) -> bool:
        """Whether the rise up to its sample `n` is (nearly) over by its forecast peak (a stall in a rise
        still going at speed is noise pausing it, or its speed wobbling, on its way)."""
        if n + 1 < FORECAST_MIN_SAMPLES or math.isfinite(self._resume_n):
            return True  # (a resumed rise paused once: no parabola fits it, the firm stall or its end tells)
        now_n, peak_n = forecast_peak_n(np.asarray(self._rise[: n + 1]), self._dt_s)
        return not now_n - self.base_n < FORECAST_FRACTION * (peak_n - self.base_n)  # (NaN: the stall alone)

    def scan(self, y: np.ndarray) -> int:
        """Index into `y` (the stretch's detection signal) where the top is reached, or -1."""
        if self.told or not len(y):
            return -1
        w = len(self._hist)
        n0 = len(self._rise)
        self._rise.extend(y.tolist())
        ext = np.fmax.accumulate(np.concatenate((self._hist, y)))
        peak = ext[w:]
        growth = peak - ext[:-w]
        fastest = np.fmax.accumulate(np.fmax(growth, self._growth))
        stall = (peak >= self._stall_n) & (growth <= STALL_FRACTION * fastest)
        ahead = y + np.nan_to_num(growth) * (LINE_LEAD_SAMPLES / w)
        line = (ahead >= self._line_n) & (peak <= self._beyond_n) & (growth <= LINE_SLOWING * fastest)
        line |= (y >= self._slow_line_n) & (peak <= self._beyond_n) & (growth <= SLOW_LINE_SLOWING * fastest)
        self._hist, self._growth = ext[-w:], float(fastest[-1])
        steep = (fastest >= self._clear_n) & ((peak < self._firm_n) | (growth <= FIRM_STALL_FRACTION * fastest))
        trusted = stall & (peak >= self._trust_n)
        at_once = stall & steep & ~trusted
        for k in np.flatnonzero(at_once):  # ...when the forecast agrees (else it waits, as below)
            if line[:k].any() or trusted[:k].any():
                break
            at_once[k] = self._forecast_over(n0 + k)
            if at_once[k]:
                break
        told = line | trusted | at_once
        k_told = int(told.argmax()) if told.any() else len(y)
        if self._pending or stall[:k_told].any():  # a low stall: is the rise over before then?
            k0 = 0 if self._pending else int(stall.argmax())
            for k in range(k0, k_told):
                self._pending.append(float(peak[k]))
                if len(self._pending) > self._stop_w and \
                        self._pending[-1] - self._pending[-1 - self._stop_w] < STOP_FRACTION * self.expected_n and \
                        self._forecast_over(n0 + k):
                    k_told = k
                    break
            del self._pending[: -self._stop_w - 1]  # (only the last STOP_S is needed)
        if k_told == len(y):
            return -1
        self.told = True
        self.peak_n = float(peak[k_told])
        return k_told

    def tells(self, y: np.ndarray) -> Iterator[int]:
        """Each index into `y` where the top is told (`peak_n` and `crossings` as of then, until the
        next): first as `scan` tells it, then again each time the rise resumes (the running peak
        RESUME_FRACTION of the told excursion, and RESUME_NOISE_K noise sigmas, over the told top) and
        its top is reached again, higher: a rise that paused on its way."""
        k0 = 0
        while k0 < len(y):
            if self.told:
                r = self._resumed(y[k0:])
                if r < 0:
                    break
                k0 += r
                continue
            hist = self._hist
            j = self.scan(y[k0:])
            if j < 0:
                break
            # the running peak up to the told sample (scan keeps it to the stretch's end)
            self._hist = np.fmax.accumulate(np.concatenate((hist, y[k0 : k0 + j + 1])))[-len(hist) :]
            margin_n = RESUME_NOISE_K * self._noise_n if math.isfinite(self._noise_n) else 0.0
            self._resume_n = self.peak_n + max(RESUME_FRACTION * (self.peak_n - self.base_n), margin_n)
            yield k0 + j
            k0 += j + 1

    def _resumed(self, z: np.ndarray) -> int:
        """Index into `z` where the running peak passes the resume line (the watch reopened there), or -1."""
        w = len(self._hist)
        if len(z) == 1:  # live, sample by sample: the same without building arrays
            m, v = float(self._hist[-1]), float(z[0])
            peak = v if v > m or m != m else m
            if not peak >= self._resume_n:
                self._hist[:-1] = self._hist[1:]
                self._hist[-1] = peak
                return -1
        ext = np.fmax.accumulate(np.concatenate((self._hist, z)))
        over = ext[w:] >= self._resume_n
        r = int(over.argmax()) if over.any() else len(z)
        self._hist = ext[r : r + w]  # the running peak of the w samples before r
        if r == len(z):
            return -1
        self.told = False
        self._pending = []
        self._stall_n = max(self._stall_n, self._resume_n)
        # the rise paused once: a stall is its top only when firm (the peak grew by at most FIRM_STALL_FRACTION
        # of the resumed rise's fastest), else once the rise is over (STOP_FRACTION of the excursion so far)
        self._growth = 0.0
        self._clear_n, self._firm_n, self._trust_n = 0.0, -math.inf, math.inf
        self.expected_n = max(self.expected_n, self._resume_n - self.base_n)
        return r

    def crossings(self, t: np.ndarray, x: np.ndarray, smooth_w: int) -> tuple[float, float]:
        """(start_s, top_start_s) estimated on the buffered raw samples up to the top."""
        if smooth_w > 1 and len(x) > smooth_w:
            s = np.convolve(x, np.ones(smooth_w) / smooth_w, mode="valid")
            t = t[smooth_w // 2 : smooth_w // 2 + len(s)]
        else:
            s = x
        exc = max(self.peak_n - self.base_n, self.expected_n if self.expected_n > 0 else 0.0)
        high = s >= self.base_n + TOP_FRACTION * exc
        k_top = int(high.argmax()) if high.any() else len(s) - 1
        low = np.flatnonzero(s[: k_top + 1] <= self.base_n + ONSET_FRACTION * exc)
        k_start = int(low[-1]) + 1 if len(low) else 0
        return float(t[min(k_start, k_top)]), float(t[k_top])
