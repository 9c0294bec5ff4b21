"""The streaming rep detector: causal, fed chunks of any size, bounded memory, O(1) per sample.

The opening samples set the sampling rate (which picks the detection filter) and the noise level:
12 of them and 0.4 s (at most 32: at 80 Hz all 32, at 10 Hz 1.2 s) are held for a provisional
estimate that errs high, the first decision waits for them, and from the 32nd sample on the
estimate from all 32 is used. The rate is watched after that: when the sampling interval moves by
half or more (an opening burst at another rate), the filter is derived again from that sample on;
and a quantized sensor's noise is never read under its step's q/sqrt(12). Then two states. BOTTOM tracks a baseline (a running minimum that leaks slowly upward, so
drift is followed) and opens a candidate when the tension rises clearly above it. UP tracks the
peak and closes the candidate when the tension falls back below bottom + 10 % of the excursion (a
lone low sample straight from the top is a spike and needs one more sample to confirm); a plateau
followed by a clear rise restarts the candidate from the plateau (a band taken up to a
pre-tension, a grip re-set), and a candidate open longer than `max_rep_s` is abandoned. A closed
candidate is measured on the buffered samples (`measure_rep`) and kept as a rep when large and
long enough. Sets are cut where a rest is longer than `rest_s`.

Every step works on whole blocks (numpy for the per-block filters, the compiled scans of
`kernels.py` for the per-candidate searches) and carries explicit state between calls, and every
decision depends only on samples up to the one that triggers it, so any chunking of a recording
gives the same events as the whole array at once (`analyze` is exactly that).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from taut.exercises import get_exercise
from taut.signal.events import Event, RepCancelled, RepCompleted, RepStarted, SetEnded, TopReached
from taut.signal.filters import median_of, noise_scale_n, tension_fill_invalid
from taut.signal.kernels import (
    Signal, UpCandidate, UpFound, UpRules, bottom_level, bottom_scan, detection_block, median_interval, up_scan,
)
from taut.signal.levels import ONSET_FRACTION
from taut.signal.measure import SMOOTH_S, RepShape, measure_rep, split_at_hidden_trough
from taut.signal.top import TopWatch
from taut.signal.sets import (
    TravelFn,
    _ramps_s,
    _reference_range,
    build_rep,
    close_set,
    judged_ranges,
    counted_movements,
    rep_range,
)

log = logging.getLogger(__name__)

_BOTTOM = 0
_UP = 1
_BLOCK = 2048  # samples per internal block (bounded per-block arrays)
_SCAN = 512  # samples per search stretch within a block
_HIST = 64  # samples of history kept for the stillness window (its longest span)
_NOISE_WARMUP = 32  # samples of the opening noise estimate (a provisional one decides until the 32nd)
_WARMUP_MIN = 12  # samples held for the provisional estimate: no decision before them...
_WARMUP_S = 0.4  # ...nor before this much time (at 80 Hz all _NOISE_WARMUP samples, as before)
_RATE_SPAN = 9  # intervals in the running rate: its median moves only when 5 of 9 moved (a lost sample, a few late ones cannot)...
_RATE_RUN = 4  # ...or when this many in a row moved the same way (sooner: a rep can begin 0.4 s after a burst)
_RATE_CHANGE = 1.5  # a running interval this far from the filter's (either way) re-derives it: an opening burst, a rate switch
_QUANTUM_MIN_N = 1e-6  # steps below this are float rounding, not a sensor's quantum
_QUANTUM_SIGMA = 1.0 / math.sqrt(12.0)  # a reading rounded to a step q is off by up to q/2: rms q/sqrt(12)
_A0 = UpRules._fields.index("still_a0")


class _Block(NamedTuple):
    """One block's detection signal and what the BOTTOM scan needs besides."""

    g0: int  # global index of the block's first sample
    sig: Signal
    hi_leak: np.ndarray  # hi - leak·t (the running minimum's input)
    leak_t: np.ndarray  # leak·t


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    """Tuning of the detector; defaults fit every band from extra light to the heaviest."""

    start_floor_n: float = 0.3  # a candidate needs at least this rise above the baseline...
    start_noise_k: float = 6.0  # ...and this many noise sigmas...
    start_noise_k_in_set: float = 4.5  # (inside a set, where reps are expected, fewer sigmas suffice)
    start_ref_fraction: float = 0.2  # ...and this fraction of the open set's median excursion
    end_confirm_fraction: float = 0.7  # a low sample confirms the end if the one before is below this
    min_excursion_n: float = 1.0  # a rep moves the tension by at least this much...
    min_excursion_noise_k: float = 4.5  # ...and this many noise sigmas...
    min_excursion_noise_k_in_set: float = 3.5  # (inside a set, within rest_s of its last rep)
    min_excursion_ref_fraction: float = 0.15  # ...and this fraction of the open set's median excursion
    min_tut_s: float = 0.2  # shorter rises are tugs or spikes
    max_rep_s: float = 30.0  # a candidate open longer is abandoned (band held, offset step)
    rest_s: float = 10.0  # no new rep within this time after the last one ends the set
    restart_noise_k: float = 4.0  # rise above a plateau's top, in noise sigmas, that restarts a candidate
    still_s: float = 0.4  # a plateau this long, then a clear rise: the rep starts from the plateau
    still_floor_n: float = 0.3  # a plateau wanders by less than this...
    still_noise_k: float = 3.0  # ...or this many noise sigmas...
    still_fraction: float = 0.1  # ...or this fraction of the candidate's excursion so far
    valley_noise_k: float = 2.0  # a dip within this many noise sigmas of B + 0.1 E...
    valley_allow_fraction: float = 0.1  # (outside a set, at most this fraction of E: offset steps)
    valley_floor_fraction_in_set: float = 0.1  # (in a set, a valley this fraction of E above the line counts too: an incomplete release)
    valley_rise_fraction: float = 0.2  # ...then a rise by this fraction of E (and a restart's rise) ends the rep
    step_level_fraction: float = 0.25  # a restart from a plateau this low (in E) ends the rep there (offset step)
    step_spike_fraction: float = 0.1  # (unless it held its top, it must settle this low: a spike on a plateau is no rep)
    restart_top_fraction: float = 0.75  # a restart needs its plateau this high in E (or that low): a dip between is inside the hold...
    hold_ref_fraction: float = 0.5  # ...of an effort in a set at least this fraction of its median excursion
    hold_noise_k: float = 40.0  # (before a set: of an effort at least this many noise sigmas)
    peak_vote_spike_noise_k: float = 5.0  # 10 Hz: a lone top sample beyond this many sigmas of its median is a spike
    detect_smooth_s: float = 0.04  # moving average of the detection signal when sampling fast
    settle_s: float = 0.025  # wait after the end is confirmed before measuring (half the 50 ms smoothing)
    pre_window_s: float = 1.5  # where the bottom before a rep is looked for
    pre_window_samples: int = 256  # (at most this many samples back)
    noise_quiet_samples: int = 12  # a quiet stretch this long before a rise updates the noise estimate...
    noise_update_weight: float = 0.2  # ...by this weight...
    noise_growth_max: float = 1.1  # ...growing by at most this factor per rep (motion never inflates it)
    baseline_leak_n_per_s: float = 0.05  # how fast the baseline may rise (drift following)
    rest_set_max_reps: int = 2  # a set of at most this many bumps...
    rest_ref_fraction: float = 0.15  # ...all smaller than this fraction of the last set's median excursion
    rest_max_hold_s: float = 0.5  # ...and none held this long (an effort holds) is rest activity...
    rest_step_min_hold_s: float = 1.5  # ...besides level steps: held this long and more...
    rest_step_ramp_fraction: float = 0.5  # ...with ramps (rise + fall, judged through the noise) under this fraction of the hold
    rest_max_steps: int = 2  # (at most this many level steps beside the bumps)
    rest_bump_gap_s: float = 2.0  # (more bumps when each starts this long after the movement before: no run of reps)
    buffer_samples: int = 8192  # samples kept for measuring reps (bounded memory)


class RepDetector:
    """Streaming detector: `feed(time_s, tension_n)` returns the events each chunk completes.

    NaN tension marks invalid samples (overload); they are bridged with the last valid value.
    Times must increase strictly across all calls. `live_reps=False` leaves out the RepCompleted
    events (the sets are the same; offline analysis needs only those); `top_events=True` adds a
    TopReached when a movement's rise is over (the coach's early cues; `taut.signal.top`). `travel_cm` (tension N -> hand travel cm, from
    a calibrated band) makes range and partial flags use true range instead of tension excursion.
    """

    def __init__(
        self,
        exercise: str | None = None,
        *,
        travel_cm: TravelFn | None = None,
        config: DetectorConfig | None = None,
        live_reps: bool = True,
        top_events: bool = False,
    ) -> None:
        self.profile = None if exercise is None else get_exercise(exercise)  # unknown ids fail here
        self.exercise = exercise
        self.config = cfg = config or DetectorConfig()
        self._travel_cm = travel_cm
        self._live_reps = live_reps  # RepCompleted with provisional figures (offline needs only sets)
        self._buf = _SampleBuffer(cfg.buffer_samples)
        self._n_seen = 0  # global index of the next sample
        self._last_t = -np.inf
        self._last_valid = np.nan
        self._noise_n: float | None = None  # noise sigma of the detection signal
        self._noise_gain = 1.0  # detection-signal noise per raw noise
        self._quantum_n = math.inf  # smallest step between readings seen where the noise was estimated
        self._rate_dt_s = 0.0  # the sampling interval the detection filter was derived for
        self._rate_from_g = 0  # first sample at that interval (a candidate's rate is read from here on)
        self._off_g = 0  # the last sample whose interval lay off the filter's (the running rate needs no look before _RATE_SPAN more)
        self._smooth_w = 1  # moving-average span of the detection signal (samples)
        self._bottom_w = 1  # moving-average span of the bottom before a rise (samples)
        self._warm: list[tuple[np.ndarray, np.ndarray]] = []
        self._opening = np.empty(0)  # the first _NOISE_WARMUP samples (the opening noise estimate)
        self._n_held = 0  # opening samples held before the first decision (the provisional estimate's)
        self._raw_hist = np.zeros(_HIST)  # the last _HIST raw samples (filled with the first sample at the start)
        self._med_hist = np.zeros(_HIST)
        self._y_last = 0.0
        self._state = _BOTTOM
        self._base_d = np.inf  # running min of (hi - leak * t)
        self._base_n = 0.0  # baseline frozen at the trigger
        self._peak_n = -np.inf
        self._trigger_g = -1
        self._trigger_t = 0.0
        self._last_end_g = -1
        self._floor_g = -1  # the candidate's bottom is looked for after this index
        self._lo_hist = np.zeros(_HIST)  # the last _HIST values of lo and hi
        self._hi_hist = np.zeros(_HIST)
        self._dt_s = 0.0  # sampling interval at the open candidate's start
        self._still_w = 3  # stillness window (samples) of the open candidate
        self._still_k = self.config.still_noise_k  # and its noise allowance, in sigmas
        self._still_top = np.inf  # level of the candidate's latest plateau
        self._still_bottom = np.inf
        self._still_from_g = -1
        self._pending_g = -1  # global index at which an ended rep is measured and reported
        self._suspended: tuple[int, float, float, float, int] | None = None  # candidate a restart set aside
        self._valley_n = np.inf  # lowest hi since the open candidate's peak...
        self._valley_g = -1  # ...and where
        self._held_n = -np.inf  # the highest plateau the open candidate held
        self._rules_head: tuple = ()  # the open candidate's UpRules before and after still_a0
        self._rules_tail: tuple = ()
        # the open set
        self._set_index = 0
        self._set_shapes: list[RepShape] = []
        self._set_ranges: list[float] = []
        self._set_ranges_cm: list[float | None] = []
        self._set_plateaus: list[float] = []  # median tension over each small movement's top (NaN: not taken)
        self._set_shown: list[bool] = []  # which of the open set's movements are shown live as reps
        self._last_end_s = -np.inf
        self._set_median_cache: float | None = None
        self._last_set_excursion_n = 0.0  # median excursion of the last set reported (rest activity is judged by it)
        self._finished = False
        self._top = TopWatch() if top_events else None

    # ---------------------------------------------------------------- public API
    def feed(self, time_s: np.ndarray, tension_n: np.ndarray) -> list[Event]:
        """Process a chunk (any length, 1 sample too); returns the events it completes, in order."""
        if self._finished:
            raise RuntimeError("RepDetector.feed after finish()")
        t = np.ascontiguousarray(time_s, dtype=float).ravel()  # contiguous: one compiled variant
        x = np.ascontiguousarray(tension_n, dtype=float).ravel()
        if t.shape != x.shape:
            raise ValueError(f"time_s and tension_n differ in length ({t.size} vs {x.size})")
        if t.size == 0:
            return []
        last = float(t[-1])
        if not (t[0] > self._last_t and math.isfinite(last)) or (t.size > 1 and (t[1:] <= t[:-1]).any()):
            if not np.isfinite(t).all():
                raise ValueError("time_s contains a non-finite value")
            raise ValueError("time_s must increase strictly (across chunks too)")
        if not np.isfinite(x).all():
            if np.isinf(x).any():
                raise ValueError("tension_n contains an infinite value (use NaN for invalid samples)")
            x = tension_fill_invalid(x, self._last_valid)
        self._last_t = last
        if np.isnan(x[0]):  # nothing valid seen yet: drop the leading invalid samples
            ok = ~np.isnan(x)
            if not ok.any():
                return []
            first = int(np.argmax(ok))
            t, x = t[first:], x[first:]
        self._last_valid = float(x[-1])
        if self._noise_n is None:  # hold the opening samples until rate and noise are known
            self._warm.append((t, x))
            t = np.concatenate([c[0] for c in self._warm])
            x = np.concatenate([c[1] for c in self._warm])
            n0 = _warmup_samples(t)
            if n0 > len(t):
                return []
            self._warm = []
            self._init_from(t[:n0], x[:n0])
            self._n_held = n0
            if n0 < _NOISE_WARMUP:
                self._noise_n = max(_provisional_noise_n(x[:n0]), self._noise_floor_n()) * self._noise_gain
        events: list[Event] = []
        if self._n_seen < _NOISE_WARMUP:
            self._opening_feed(t, x, events)
        else:
            self._blocks(t, x, events)
        return events

    def _opening_feed(self, t: np.ndarray, x: np.ndarray, events: list[Event]) -> None:
        """The opening samples: up to `_NOISE_WARMUP` decided with the provisional noise estimate, the
        rest with the estimate from all `_NOISE_WARMUP` (split there, whatever the chunking)."""
        k = _NOISE_WARMUP - self._n_seen
        self._opening = np.concatenate([self._opening, x[:k]])
        if len(t) < k:
            self._blocks(t, x, events)
            return
        self._blocks(t[:k], x[:k], events)
        if self._n_held < _NOISE_WARMUP:  # (else the estimate is this one already)
            self._noise_n = self._noise_estimate_n(self._opening) * self._noise_gain
        self._blocks(t[k:], x[k:], events)

    def finish(self) -> list[Event]:
        """End of stream: drop an unfinished candidate and close the open set."""
        events: list[Event] = []
        if self._finished:
            return events
        if self._warm:  # a stream shorter than the warm-up
            t = np.concatenate([c[0] for c in self._warm])
            x = np.concatenate([c[1] for c in self._warm])
            self._warm = []
            self._init_from(t, x)
            self._blocks(t, x, events)
        self._finished = True
        if self._pending_g >= 0:
            self._pending_g = -1
            self._complete(self._n_seen - 1, self._last_t, events)
        if self._state == _UP:
            events.append(RepCancelled(self._last_t, self._current_set_index(self._trigger_t)))
            self._state = _BOTTOM
        self._close_set(events)
        return events

    # ---------------------------------------------------------------- internals
    def _init_from(self, t: np.ndarray, x: np.ndarray) -> None:
        """Choose the detection filter from the sampling rate and estimate the noise."""
        self._set_rate(median_of(np.diff(t)) if len(t) > 1 else 0.1)
        self._noise_n = self._noise_estimate_n(x) * self._noise_gain

    def _set_rate(self, dt_s: float) -> None:
        """The detection filter for a sampling interval (and the noise it passes, rescaled)."""
        self._rate_dt_s = dt_s
        w = int(round(self.config.detect_smooth_s / dt_s)) if dt_s > 0 else 1
        smooth_w = min(max(w, 1), 16) if dt_s < 0.03 else 1
        if smooth_w > 1 and self._smooth_w == 1 and self._n_seen:  # its median-of-3 history, from the raw one
            r = self._raw_hist
            self._med_hist = np.concatenate([r[:2], np.maximum(np.minimum(r[:-2], r[1:-1]), np.minimum(np.maximum(r[:-2], r[1:-1]), r[2:]))])
        gain = _noise_gain(smooth_w)
        if self._noise_n is not None:
            self._noise_n *= gain / self._noise_gain
        self._smooth_w, self._noise_gain = smooth_w, gain
        # the bottom before a rise is taken as smooth as `measure_rep` takes it (50 ms), so that
        # the end test's B + 0.1 E is the line the reported end crosses
        self._bottom_w = (int(round(SMOOTH_S / dt_s)) | 1) if self._smooth_w > 1 else 1

    def _noise_estimate_n(self, x: np.ndarray) -> float:
        """The raw noise of readings x (`noise_scale_n`), never under the quantum's (x's steps are seen)."""
        self._quantum_n = min(self._quantum_n, _quantum_n(x))
        return max(noise_scale_n(x), self._noise_floor_n())

    def _noise_floor_n(self) -> float:
        """The raw noise a quantized sensor has at least: a quiet one reads one level, flickering a
        step now and then, and the quartile of its second differences reads 0."""
        return self._quantum_n * _QUANTUM_SIGMA if math.isfinite(self._quantum_n) else 0.0

    def _blocks(self, t: np.ndarray, x: np.ndarray, events: list[Event]) -> None:
        """A chunk in blocks of at most `_BLOCK` samples (bounded per-block arrays), split where the
        running rate moves away from the filter's: from that sample on, the filter is the new rate's."""
        while len(t):
            j, dt_s, run = self._rate_change_at(t)
            for b0 in range(0, j, _BLOCK):
                self._block(t[b0 : min(b0 + _BLOCK, j)], x[b0 : min(b0 + _BLOCK, j)], events)
            if j == len(t):
                return
            self._set_rate(dt_s)
            self._rate_from_g = self._n_seen - run
            self._off_g = self._n_seen  # (the intervals before were judged by the old rate: look again)
            log.debug("sampling interval %.1f ms from %.2f s", 1e3 * dt_s, t[j])
            self._block(t[j : j + 1], x[j : j + 1], events)
            t, x = t[j + 1 :], x[j + 1 :]

    def _rate_change_at(self, t: np.ndarray) -> tuple[int, float, int]:
        """The first sample of t where the sampling interval has moved `_RATE_CHANGE` away from the
        filter's: the last `_RATE_RUN` intervals all one way, or the median of the last `_RATE_SPAN`;
        that sample, the new interval (their median) and how many intervals back it began ((len(t),
        0, 0) if none)."""
        lo, hi = self._rate_dt_s / _RATE_CHANGE, self._rate_dt_s * _RATE_CHANGE
        g0 = self._n_seen  # (t is not in the buffer yet)
        t_prev = float(self._buf.t[self._buf.n - 1]) if self._buf.n else -math.inf
        if len(t) == 1:  # (fed sample by sample: one test in plain floats)
            quiet = lo <= float(t[0]) - t_prev <= hi
        else:
            d = np.diff(t, prepend=t_prev)
            quiet = bool(((d >= lo) & (d <= hi)).all())
        if quiet and g0 - self._off_g >= _RATE_SPAN:  # every window in the filter's band: no change
            return len(t), 0.0, 0
        tb, _ = self._buf.window(max(self._buf.first_g, g0 - _RATE_SPAN), g0 - 1)
        d = np.diff(np.concatenate([tb, t]))
        off = (d < lo) | (d > hi)
        e0 = len(tb) - 1  # d's index of the interval ending at t[0]
        for j in range(len(t)):
            e = e0 + j + 1  # d[:e] ends with the interval ending at t[j]
            if e >= 1 and off[e - 1]:
                self._off_g = g0 + j
            if e < _RATE_RUN or g0 + j - self._off_g >= _RATE_SPAN:  # (the last 9 all in the band: no change)
                continue
            run = d[e - _RATE_RUN : e]
            if (run < lo).all() or (run > hi).all():
                return j, float(np.median(run)), _RATE_RUN
            if e < _RATE_SPAN or 2 * int(off[e - _RATE_SPAN : e].sum()) < _RATE_SPAN:
                continue
            m = float(np.median(d[e - _RATE_SPAN : e]))
            if not lo <= m <= hi:
                return j, m, _RATE_SPAN // 2 + 1  # (5 of the 9 intervals were the new rate's)
        return len(t), 0.0, 0

    def _in_set(self, time_s: float) -> bool:
        """Within `rest_s` of the open set's last rep, where reps are expected."""
        return bool(self._set_shapes) and time_s - self._last_end_s <= self.config.rest_s

    def _current_set_index(self, time_s: float) -> int:
        if self._in_set(time_s):
            return self._set_index
        return self._set_index + (1 if self._set_shapes else 0)

    def _block(self, t: np.ndarray, x: np.ndarray, events: list[Event]) -> None:
        """One block: filter it into the detection signal, then let the state handlers walk it."""
        blk = self._detection_signal(t, x)
        i = 0
        while i is not None and i < len(x):
            if self._state == _BOTTOM and self._pending_g >= 0:
                i = self._on_pending(blk, i, events)
            elif self._state == _BOTTOM:
                i = self._on_bottom(blk, i, events)
            else:
                i = self._on_up(blk, i, events)

    def _detection_signal(self, t: np.ndarray, x: np.ndarray) -> _Block:
        """Append a block to the buffer and derive its detection signal (chunking-independent)."""
        cfg = self.config
        n = len(x)
        g0 = self._n_seen
        self._buf.append(t, x)
        self._n_seen += n
        # fast sampling: causal median of 3 (spikes) then a short moving average (noise); slow
        # sampling: no delay allowed, and a lone sample cannot move min/max of two
        raw_ext, med_ext, y, prev, lo, hi, lo_ext, hi_ext, leak_t, hi_leak = detection_block(
            t, x, self._raw_hist, self._med_hist, self._lo_hist, self._hi_hist, self._smooth_w, self._y_last,
            g0 == 0, cfg.baseline_leak_n_per_s,
        )
        self._raw_hist, self._med_hist = raw_ext[-_HIST:], med_ext[-_HIST:]
        self._lo_hist, self._hi_hist = lo_ext[-_HIST:], hi_ext[-_HIST:]
        self._y_last = float(y[-1])
        return _Block(g0, Signal(t, lo, hi, y, prev, lo_ext, hi_ext, raw_ext, _HIST), hi_leak, leak_t)

    def _on_pending(self, blk: _Block, i: int, events: list[Event]) -> int | None:
        """BOTTOM with an ended rep waiting a few samples, so its end is measured on settled samples."""
        sig, g0 = blk.sig, blk.g0
        n = len(sig.t)
        kp = self._pending_g - g0
        stop = min(kp, n - 1)
        if stop >= i:
            self._base_d = bottom_scan(sig.t, sig.lo, blk.hi_leak, blk.leak_t, i, stop + 1, self._base_d, np.inf, np.inf).d_last
        if kp >= n:
            return None
        self._pending_g = -1
        self._complete(g0 + kp, float(sig.t[kp]), events)
        return max(i, kp + 1)

    def _on_bottom(self, blk: _Block, i: int, events: list[Event]) -> int:
        """BOTTOM: follow the baseline; close the set after a long rest; open a candidate on a clear rise."""
        sig, g0 = blk.sig, blk.g0
        e = min(len(sig.t), i + _SCAN)  # short search stretches: a decision costs O(stretch), not O(block)
        # a rest longer than rest_s closes the open set (and lowers the start threshold)
        rest_at_s = self._last_end_s + self.config.rest_s if self._set_shapes else np.inf
        found = bottom_scan(sig.t, sig.lo, blk.hi_leak, blk.leak_t, i, e, self._base_d, self._start_threshold_n(), rest_at_s)
        if self._set_shapes and found.j_rest < e and found.j_rest <= found.k:
            self._close_set(events)
            self._base_d = found.d_rest
            return found.j_rest
        if found.k >= e:
            self._base_d = found.d_last
            return e
        k = found.k
        self._base_d = found.d_k
        self._suspended = None
        self._peak_n = float(sig.lo[k])
        self._trigger_g = g0 + k
        self._floor_g = self._last_end_g
        self._base_n = self._bottom_before(g0 + k, float(sig.t[k]), found.base_k)
        self._trigger_t = float(sig.t[k])
        self._state = _UP
        self._start_still_tracking()
        events.append(RepStarted(self._trigger_t, self._current_set_index(self._trigger_t)))
        return k

    def _fix_up_rules(self) -> None:
        """The UP scan's thresholds for the open candidate, fixed when it opens (noise, set and
        trigger do not change while it is open); only the plateau window's first offset moves."""
        cfg = self.config
        restart_n = self._restart_threshold_n()
        in_set = self._in_set(self._trigger_t)
        rules = UpRules(
            end_confirm_fraction=cfg.end_confirm_fraction,
            max_rep_s=cfg.max_rep_s,
            still_w=self._still_w,
            still_a0=0,  # set per stretch by _up_rules
            still_abs_n=max(self._noise_n * self._still_k, cfg.still_floor_n),
            still_fraction=cfg.still_fraction,
            restart_n=restart_n,
            restart_top_fraction=cfg.restart_top_fraction,
            step_level_fraction=cfg.step_level_fraction,
            hold_min_excursion_n=(
                cfg.hold_ref_fraction * self._set_median_excursion() if in_set else cfg.hold_noise_k * self._noise_n
            ),
            valley_allow_n=cfg.valley_noise_k * self._noise_n,
            valley_allow_fraction=np.inf if in_set else cfg.valley_allow_fraction,
            valley_rise_n=restart_n,
            valley_rise_fraction=cfg.valley_rise_fraction,
            peak_votes=self._smooth_w == 1,
            spike_n=cfg.peak_vote_spike_noise_k * self._noise_n,
            valley_floor_fraction=cfg.valley_floor_fraction_in_set if in_set else 0.0,
            dip_margin_n=restart_n if in_set else np.inf,
        )
        self._rules_head, self._rules_tail = rules[:_A0], rules[_A0 + 1 :]

    def _up_rules(self, g0: int, i: int) -> UpRules:
        """The open candidate's UP rules, scanning from block index i (a tuple built, not _replace:
        this runs once per stretch, thousands of times a minute when fed sample by sample)."""
        a0 = self._trigger_g + self._still_w - 1 - (g0 + i)  # the window must lie inside the candidate
        return UpRules(*self._rules_head, a0, *self._rules_tail)

    def _on_up(self, blk: _Block, i: int, events: list[Event]) -> int:
        """UP: one search stretch of the open candidate, then the handler of what it found.

        Checked in this order: a restart (a plateau, then a clear rise), an abandon (open longer than
        `max_rep_s`, decided first so nothing after that moment changes the outcome), the end at a
        valley, the end by a fall below B + 0.1 E; otherwise the candidate goes on.
        """
        sig, g0 = blk.sig, blk.g0
        e = min(len(sig.t), i + _SCAN)
        cand = UpCandidate(
            self._peak_n, self._base_n, self._trigger_t, self._still_top, self._valley_n, self._valley_g - g0, self._held_n
        )
        found = up_scan(sig, i, e, cand, self._up_rules(g0, i))
        if self._top is not None:
            self._top_reached(blk, i, found.j_rise if found.j_rise >= 0 else min(found.k, e), events)
        self._held_n = found.held_n
        self._valley_n, self._valley_g = found.valley_n, g0 + found.valley_k
        if found.j_rise >= 0:
            return self._on_restart(blk, found, events)
        if found.m_still >= 0:
            self._still_top = found.level
            self._still_bottom = found.still_min
            self._still_from_g = g0 + found.m_still - (self._still_w - 1)
        if found.late:
            return self._on_abandon(blk, found.k, events)
        if found.k >= e:
            self._peak_n = found.p_end
            return e
        if found.by_valley:
            return self._on_valley_end(found.k, events)
        return self._on_fall_end(blk, found.k, events)

    def _on_restart(self, blk: _Block, found: UpFound, events: list[Event]) -> int:
        """A plateau inside the candidate, then a clear rise: the rep starts from the plateau (band
        grabbed pre-tensioned, grip re-set); the earlier rise was no rep, or, when it came most of
        the way back first, a rep of its own that settled at a new level (offset step)."""
        sig, g0 = blk.sig, blk.g0
        if found.m_still >= 0:
            bottom, from_g = found.still_min, g0 + found.m_still - (self._still_w - 1)
        else:
            bottom, from_g = self._still_bottom, self._still_from_g
        kk = found.j_rise
        excursion_n = found.peak_before - self._base_n
        held_top = found.held_n - self._base_n >= self.config.restart_top_fraction * excursion_n
        if (
            found.level - self._base_n <= self.config.step_level_fraction * excursion_n
            and from_g > self._trigger_g
            and (held_top or found.level - self._base_n <= self.config.step_spike_fraction * excursion_n)
        ):
            # it rose, held, came most of the way back, then settled higher (offset step): a rep
            # that ends where it comes within 10 % of the new level. A spike that settles on a
            # plateau (an impact, a snatch) is no rep: the plateau is, if it ends.
            self._complete(from_g, float(sig.t[kk]), events, found.level + ONSET_FRACTION * excursion_n)
            self._last_end_g = from_g
            self._suspended = None
        else:
            events.append(RepCancelled(float(sig.t[kk]), self._current_set_index(self._trigger_t)))
            # kept until the new rise proves a rep: a blip on a held top (two spikes
            # in a row) must not cost the rep it interrupted
            self._suspended = (self._trigger_g, self._trigger_t, self._base_n, found.peak_before, self._floor_g)
        self._base_n = bottom
        self._peak_n = float(sig.lo[kk])
        self._trigger_g = g0 + kk
        self._floor_g = from_g
        self._trigger_t = float(sig.t[kk])
        self._start_still_tracking()
        events.append(RepStarted(self._trigger_t, self._current_set_index(self._trigger_t)))
        return kk

    def _on_abandon(self, blk: _Block, k: int, events: list[Event]) -> int:
        """Open longer than `max_rep_s`: a band held, an offset step; no rep."""
        events.append(RepCancelled(float(blk.sig.t[k]), self._current_set_index(self._trigger_t)))
        self._to_bottom(blk, k)
        log.debug("candidate at %.2f s abandoned after %.1f s", self._trigger_t, self.config.max_rep_s)
        return k + 1

    def _on_valley_end(self, k: int, events: list[Event]) -> int:
        """Ended at the valley near the bottom, decided at k by the rise out of it (the next rep's start)."""
        g_end = self._valley_g
        t_end = float(self._buf.t[g_end - self._buf.first_g])
        self._state = _BOTTOM
        self._base_d = self._valley_n - self.config.baseline_leak_n_per_s * t_end
        self._last_end_g = g_end
        self._complete(g_end, t_end, events)
        return k

    def _on_fall_end(self, blk: _Block, k: int, events: list[Event]) -> int:
        """Ended by the fall below B + 0.1 E: measured now, or after `settle_s` at fast rates."""
        g0 = blk.g0
        self._to_bottom(blk, k)
        settle = self._settle_samples(g0 + k)
        if settle == 0:
            self._complete(g0 + k, float(blk.sig.t[k]), events)
        else:
            self._pending_g = g0 + k + settle
        return k + 1

    def _bottom_before(self, g: int, t_s: float, fallback_n: float) -> float:
        """The bottom before a rise triggered at g, as `measure_rep` will see it (median of 3)."""
        g_pre = max(self._floor_g - 1, self._buf.first_index_at(t_s - self.config.pre_window_s, g), g - self.config.pre_window_samples)
        _, xb = self._buf.window(g_pre, g)
        if len(xb) < 3:
            return fallback_n
        # median of 3 (end samples have no neighbour to vote), then as smooth as the detection
        # signal so that noise does not bias it low
        return float(bottom_level(xb, self._bottom_w))

    def _start_still_tracking(self) -> None:
        self._valley_n, self._valley_g = np.inf, -1
        self._held_n = -np.inf
        g = self._trigger_g
        tb, xb = self._buf.window(max(g - 16, self._buf.first_g, self._rate_from_g), g)
        dt_s = float(median_interval(tb)) if len(tb) > 1 else 0.0
        self._dt_s = dt_s
        w = int(round(self.config.still_s / dt_s)) if dt_s > 0 else 3
        self._still_w = min(max(w, 3), _HIST)
        # the range of noise grows with the samples in the window (about a sigma per doubling at
        # the widths used): a long window at a fast rate needs more sigmas to pass a true plateau
        self._still_k = self.config.still_noise_k + 0.5 * max(0.0, math.log2(self._still_w / 4))
        self._still_top = np.inf
        self._still_bottom = np.inf
        self._still_from_g = -1
        self._fix_up_rules()
        if self._top is not None:
            in_set = self._in_set(self._trigger_t)
            before = [p.peak_n - p.bottom_n for p in self._set_shapes] if in_set else [self._last_set_excursion_n]
            # at slow rates the detection signal is the raw sample: the one before the rise is known
            prev_n = float(xb[-2]) if self._smooth_w == 1 and len(xb) > 1 else math.nan
            self._top.open(self._base_n, before, dt_s, self._start_threshold_n(), prev_n,
                           self._noise_n if self._noise_n is not None else math.inf)

    def _top_reached(self, blk: _Block, i: int, k: int, events: list[Event]) -> None:
        """TopReached at each sample of block stretch [i, k) where the open movement's rise is over: once,
        and again, higher, if the rise goes on (it had paused on its way)."""
        assert self._top is not None
        for j in self._top.tells(blk.sig.y[i:k]):
            g = blk.g0 + i + j
            g_pre = max(self._floor_g - 1, self._buf.first_index_at(self._trigger_t - self.config.pre_window_s, g))
            start_s, top_s = self._top.crossings(*self._buf.window(g_pre, g), self._bottom_w)
            in_set = self._in_set(self._trigger_t)
            events.append(TopReached(float(blk.sig.t[i + j]), self._current_set_index(self._trigger_t),
                                     len(self._set_shapes) if in_set else 0, start_s, top_s, self._base_n, self._top.peak_n))

    def _to_bottom(self, blk: _Block, k: int) -> None:
        self._state = _BOTTOM
        self._base_d = float(blk.sig.hi[k] - blk.leak_t[k])
        self._last_end_g = blk.g0 + k

    def _settle_samples(self, g_end: int) -> int:
        """Samples to wait after the end is confirmed: `settle_s` worth, at the recent rate."""
        g_from = max(g_end - 16, self._buf.first_g)
        tb, _ = self._buf.window(g_from, g_end)
        if len(tb) < 2:
            return 0
        dt_s = self._dt_s  # the rate at the candidate's start (a rep is far shorter than any rate change)
        return int(self.config.settle_s / dt_s) if dt_s > 0 else 0

    def _restart_threshold_n(self) -> float:
        """Rise above a plateau's top (already its highest sample) that restarts a candidate."""
        cfg = self.config
        floor = max(cfg.start_floor_n, cfg.restart_noise_k * (self._noise_n or 0.0))
        if self._set_shapes:
            floor = max(floor, cfg.start_ref_fraction * self._set_median_excursion())
        return floor

    def _start_threshold_n(self) -> float:
        cfg = self.config
        k = cfg.start_noise_k_in_set if self._set_shapes else cfg.start_noise_k
        floor = max(cfg.start_floor_n, k * (self._noise_n or 0.0))
        if self._set_shapes:
            floor = max(floor, cfg.start_ref_fraction * self._set_median_excursion())
        return floor

    def _set_median_excursion(self) -> float:
        if self._set_median_cache is None:
            self._set_median_cache = median_of(np.array([s.peak_n - s.bottom_n for s in self._set_shapes]))
        return self._set_median_cache

    def _complete(self, g_end: int, t_end: float, events: list[Event], end_level_n: float | None = None) -> None:
        cfg = self.config
        t_pre = self._trigger_t - cfg.pre_window_s
        g_pre = max(self._floor_g - 1, self._buf.first_index_at(t_pre, self._trigger_g), g_end - cfg.buffer_samples + 1)
        tb, xb = self._buf.window(g_pre, g_end)
        i_trigger = self._trigger_g - g_pre
        set_index = self._current_set_index(self._trigger_t)
        # noise: from the quiet stretch before the rise (if long enough); grows only slowly
        # so that coarsely sampled motion can never inflate it
        n_quiet = i_trigger
        noise_raw_n = (self._noise_n or 0.0) / self._noise_gain
        if n_quiet >= cfg.noise_quiet_samples:
            est = self._noise_estimate_n(xb[: n_quiet + 1]) * self._noise_gain
            old = self._noise_n or est
            wgt = cfg.noise_update_weight  # one short window never decides
            self._noise_n = min(cfg.noise_growth_max * old, (1.0 - wgt) * old + wgt * est)
        parts = split_at_hidden_trough(tb, xb, i_trigger, self._base_n, self._dt_s, noise_raw_n)
        kept = False
        for n_part, (tp, xp, ip) in enumerate(parts):
            if n_part:  # the next rep began inside the gap
                events.append(RepStarted(float(tp[ip]), self._current_set_index(float(tp[ip]))))
            last = n_part == len(parts) - 1
            shape = measure_rep(tp, xp, ip, self._dt_s or None, noise_raw_n, end_level_n if last else None)
            kept |= self._accept(shape, t_end, set_index, events, self._plateau_n(shape, tp, xp))
        suspended, self._suspended = self._suspended, None
        if suspended is not None and not kept and self._state == _BOTTOM and not self._finished:
            # the rise that set the candidate aside was no rep: the set-aside candidate goes on
            self._trigger_g, self._trigger_t, self._base_n, self._peak_n, self._floor_g = suspended
            self._state = _UP
            self._start_still_tracking()
            events.append(RepStarted(self._trigger_t, set_index))

    def _plateau_n(self, shape: RepShape | None, t: np.ndarray, x: np.ndarray) -> float:
        """Median tension over a movement's top (between its 90 % crossings), for the level-step test
        of rest activity: taken only for movements small enough to be rest activity (NaN otherwise)."""
        if shape is None or not shape.peak_n - shape.bottom_n < self.config.rest_ref_fraction * self._last_set_excursion_n:
            return math.nan
        top = x[(t >= shape.top_start_s) & (t <= shape.top_end_s)]
        return median_of(top) if len(top) else math.nan

    def _accept(self, shape: RepShape | None, t_end: float, set_index: int, events: list[Event],
                plateau_n: float = math.nan) -> bool:
        """Keep a measured candidate as a rep of the open set (or drop it, with the reason logged)."""
        cfg = self.config
        reason = self._reject_reason(shape)
        if reason:
            log.debug("candidate at %.2f s dropped: %s", self._trigger_t, reason)
            events.append(RepCancelled(t_end, set_index))
            return False
        assert shape is not None
        if self._set_shapes and shape.start_s - self._last_end_s > cfg.rest_s:
            self._close_set(events)
        rng, rng_cm = rep_range(shape, self._travel_cm)
        self._set_shapes.append(shape)
        self._set_median_cache = None
        self._set_ranges.append(rng)
        self._set_ranges_cm.append(rng_cm)
        self._set_plateaus.append(plateau_n)
        self._last_end_s = shape.end_s
        if not self._live_reps:
            return True
        # every new rep re-judges the open set: movements now seen as setup tugs or rest loads are
        # withdrawn, those no longer seen so come back (the live count is what SetEnded will say)
        ranges, ranges_cm, _ = judged_ranges(self._set_shapes, self._set_ranges, self._set_ranges_cm)
        counted = counted_movements(ranges, self._set_shapes)
        reference = _reference_range([r for r, c in zip(ranges, counted) if c])
        self._set_shown.append(False)
        for j, (now, shown) in enumerate(zip(counted, self._set_shown)):
            if now and not shown:
                rep = build_rep(j, self._set_shapes[j], ranges[j], ranges_cm[j], reference)
                events.append(RepCompleted(rep, self._set_index))
            elif shown and not now:
                events.append(RepCancelled(t_end, self._set_index, j))
        self._set_shown = counted
        return True

    def _reject_reason(self, shape: RepShape | None) -> str:
        cfg = self.config
        if shape is None:
            return "no complete rise and fall"
        exc = shape.peak_n - shape.bottom_n
        in_set = self._in_set(shape.start_s)
        k = cfg.min_excursion_noise_k_in_set if in_set else cfg.min_excursion_noise_k
        need = max(cfg.min_excursion_n, k * (self._noise_n or 0.0))
        if shape.steady_excursion_n < need:
            return f"steady excursion {shape.steady_excursion_n:.2f} N below {need:.2f} N (noise)"
        if in_set:
            need = max(need, cfg.min_excursion_ref_fraction * self._set_median_excursion())
        if exc < need:
            return f"excursion {exc:.2f} N below {need:.2f} N"
        tut = shape.end_s - shape.start_s
        if tut < cfg.min_tut_s:
            return f"too short ({tut:.2f} s)"
        if tut > cfg.max_rep_s:
            return f"too long ({tut:.1f} s)"
        return ""

    def _close_set(self, events: list[Event]) -> None:
        if not self._set_shapes:
            return
        if self._is_rest_activity():
            # a bump or a level step in a rest, alone in a "set" of its own: withdrawn, no set
            log.debug("set of %d movement(s) at %.2f s dropped: rest activity", len(self._set_shapes),
                      self._set_shapes[0].start_s)
            for j, shown in enumerate(self._set_shown):
                if shown:
                    events.append(RepCancelled(self._last_t, self._set_index, j))
        else:
            rep_set = close_set(
                self._set_index, self._set_shapes, self._set_ranges, self._set_ranges_cm, self.exercise
            )
            events.append(SetEnded(rep_set))
            self._set_index += 1
            self._last_set_excursion_n = self._set_median_excursion()
        self._set_shapes, self._set_ranges, self._set_ranges_cm = [], [], []
        self._set_plateaus = []
        self._set_shown = []
        self._set_median_cache = None

    def _is_rest_activity(self) -> bool:
        """A "set" whose movements are all smaller than `rest_ref_fraction` of the last real set's
        median excursion, each a bump (not held for `rest_max_hold_s`; at most `rest_set_max_reps`,
        or any number spread `rest_bump_gap_s` apart: fidgets, not a run of fast reps) or a level
        step (held `rest_step_min_hold_s` and more, its rise and fall together under
        `rest_step_ramp_fraction` of the rest of it, judged through the noise: `_ramps_by_area_s`;
        at most `rest_max_steps`): activity in a rest, no
        effort. (A lone light rep after a heavy set, with a different band, moves through a range:
        its ramps take about as long as its hold.)"""
        cfg = self.config
        if not self._last_set_excursion_n > 0:
            return False
        need = cfg.rest_ref_fraction * self._last_set_excursion_n
        shapes = self._set_shapes
        bumps = steps = 0
        for s, plateau_n in zip(shapes, self._set_plateaus):
            hold = s.top_end_s - s.top_start_s
            if not s.peak_n - s.bottom_n < need:
                return False
            ramps = _ramps_by_area_s(s, plateau_n)
            if hold < cfg.rest_max_hold_s:
                bumps += 1
            elif hold >= cfg.rest_step_min_hold_s and ramps < cfg.rest_step_ramp_fraction * (s.end_s - s.start_s - ramps):
                steps += 1
            else:
                return False
        if steps > cfg.rest_max_steps:
            return False
        return bumps <= cfg.rest_set_max_reps or all(
            b.start_s - a.end_s >= cfg.rest_bump_gap_s for a, b in zip(shapes[:-1], shapes[1:])
        )


def _ramps_by_area_s(shape: RepShape, plateau_n: float) -> float:
    """A movement's rise and fall together, judged through the noise: its crossings of the 10 % and
    90 % lines wander when the excursion is a few noise sigmas (a noisy peak sets the 90 % line), but
    its mean and the median over its top do not. A plateau at B + E held between ramps that take R of
    the TUT T has the mean B + E (T - R/2) / T, so R = 2 T (1 - (mean - B) / E), with E the median
    over the top less B; never more than the crossings measure."""
    tut = shape.end_s - shape.start_s
    crossed = _ramps_s(shape)
    level_n = plateau_n - shape.bottom_n
    if not level_n > 0:  # NaN too
        return crossed
    fill = (shape.mean_n - shape.bottom_n) / level_n
    return min(crossed, max(0.0, 2.0 * tut * (1.0 - fill)))


def _warmup_samples(t: np.ndarray) -> int:
    """How many opening samples are held before the first decision: `_WARMUP_MIN` and `_WARMUP_S`
    worth, at most `_NOISE_WARMUP` (more than len(t): keep holding)."""
    n = _WARMUP_MIN
    while n <= len(t) and n < _NOISE_WARMUP and t[n - 1] - t[0] < _WARMUP_S:
        n += 1
    return n


def _quantum_n(x: np.ndarray) -> float:
    """The smallest step between successive readings (inf if none): a quantized sensor's quantum."""
    d = np.abs(np.diff(x))
    d = d[d > _QUANTUM_MIN_N]
    return float(d.min()) if len(d) else math.inf


def _provisional_noise_n(x: np.ndarray) -> float:
    """The noise from a dozen opening samples, erring high: the lower quartile of ten second
    differences can read a fifth of the noise (a false start on the noise), their median cannot;
    motion in them reads high, which only delays decisions to the 32-sample estimate."""
    d2 = np.abs(np.diff(x, 2))
    return max(noise_scale_n(x), median_of(d2) / (0.6745 * math.sqrt(6.0)) if len(d2) else 0.0)


def _noise_gain(width: int) -> float:
    """Noise of (causal median of 3, then moving average of `width`) per unit white noise."""
    if width <= 1:
        return 1.0
    z = np.random.default_rng(12345).standard_normal(8192)
    med = np.maximum(np.minimum(z[:-2], z[1:-1]), np.minimum(np.maximum(z[:-2], z[1:-1]), z[2:]))
    y = np.convolve(med, np.ones(width) / width, mode="valid")
    return float(y.std())


class _SampleBuffer:
    """The most recent samples (at least `keep` before the current chunk), by global index."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.t = np.empty(2 * keep)
        self.x = np.empty(2 * keep)
        self.first_g = 0  # global index of element 0
        self.n = 0

    def append(self, t: np.ndarray, x: np.ndarray) -> None:
        m = len(t)
        if self.n + m > len(self.t):
            drop = max(0, self.n - self.keep)
            kept = self.n - drop
            if kept + m > len(self.t):
                size = max(2 * self.keep, kept + m)
                nt, nx = np.empty(size), np.empty(size)
                nt[:kept], nx[:kept] = self.t[drop : self.n], self.x[drop : self.n]
                self.t, self.x = nt, nx
            else:
                self.t[:kept] = self.t[drop : self.n]
                self.x[:kept] = self.x[drop : self.n]
            self.first_g += drop
            self.n = kept
        self.t[self.n : self.n + m] = t
        self.x[self.n : self.n + m] = x
        self.n += m

    def first_index_at(self, time_s: float, upto_g: int) -> int:
        """Global index of the first sample at or after `time_s` (searching up to `upto_g`)."""
        hi = upto_g - self.first_g + 1
        return self.first_g + int(np.searchsorted(self.t[:hi], time_s))

    def window(self, g0: int, g1: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = g0 - self.first_g, g1 - self.first_g + 1
        return self.t[a:b], self.x[a:b]
