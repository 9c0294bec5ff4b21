"""The simulator as a stream: tension at increasing times, computed incrementally, plus truth so far.

`SessionStream(plan)` is what the virtual band drives its load cell with: it asks `read(t)` each
time the firmware samples (measured tension with sensor effects), or `clean_tension_n(t)` for the
physical tension alone. `chunks(fs_hz)` yields the same samples `simulate_session` returns, chunk
by chunk (jitter, noise and lost samples included), in bounded memory. Truth is available as
soon as it is final: `truth_until(t)` gives the sets completed by time t.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from taut.records import PlannedSet, RepSet
from taut.sim.motion import Interval, Timeline
from taut.sim.plan import SessionPlan
from taut.sim.sensor import SensorEffects
from taut.sim.truth import build_set, measure_rep, truth_grid


@dataclass(frozen=True, slots=True)
class SimChunk:
    """Consecutive delivered samples (lost ones absent): measured and noise-free."""

    time_s: np.ndarray
    tension_n: np.ndarray  # measured: noise, drift, spikes, clipping
    overload: np.ndarray  # bool: the reading clipped at the load cell's capacity
    clean_tension_n: np.ndarray
    hand_travel_m: np.ndarray
    elongation: np.ndarray
    first_index: int  # sample index (at the nominal rate) of the first sample asked for
    lost: int  # samples of this chunk's span that were lost

    def __len__(self) -> int:
        return len(self.time_s)


def set_truth(timeline: Timeline, set_index: int) -> RepSet | None:
    """Truth for one set of a timeline: each rep measured on a dense noise-free grid (None when
    the recording cuts every rep of the set)."""
    windows = [w for w in timeline.rep_windows if w.set_index == set_index and not w.cut]
    if not windows:
        return None
    measures, ranges = [], []
    for w in windows:
        grid = truth_grid(w.t_from_s, w.t_to_s)
        measures.append(measure_rep(grid, timeline.tension_n(grid)))
        ranges.append(w.top_m - w.bottom_before_m)
    sp = timeline.plan.sets[set_index]
    planned = PlannedSet(tuple(ranges), tuple(sp.reps[w.rep_index].partial for w in windows), set_tags(sp))
    return build_set(set_index, measures, ranges, sp.exercise, planned)


def set_tags(sp) -> tuple[str, ...]:
    """What makes a set hard, for scoring by category: the plan's tags plus what its numbers show."""
    tags = list(sp.tags)
    tags.append("slack" if sp.start_elongation <= 0 else "pretensioned")
    if len(sp.reps) == 1:
        tags.append("single-rep")
    if any(r.partial for r in sp.reps):
        tags.append("partial")
    if any(a.kind in ("tug", "grip") for a in sp.setup):
        tags.append("setup-actions")
    if sp.fatigue > 0:
        tags.append("fatigue")
    if any(r.dips for r in sp.reps):
        tags.append("hold-dips")
    if any(r.overshoot_m > 0 for r in sp.reps):
        tags.append("overshoot")
    tags.extend(a.kind for r in sp.reps for a in r.pause_actions)
    tags.extend(a.kind for a in sp.rest_actions)
    return tuple(dict.fromkeys(tags))


class SessionStream:
    """Incremental simulation of one session plan (see module doc)."""

    def __init__(self, plan: SessionPlan) -> None:
        self.plan = plan
        self.timeline = Timeline(plan)
        self._sensor = SensorEffects(plan.sensor, plan.seed)
        self._next_k = 0
        self._last_t = -math.inf
        self._truth: dict[int, RepSet] = {}
        # A set's truth is final once its last rep's window has passed.
        # (A recording that ends mid-set: the set is final at the recording's end.)
        self._set_done_s = [min(max((w.t_to_s for w in self.timeline.rep_windows if w.set_index == s),
                                    default=-math.inf), self.timeline.duration_s)
                            for s in range(len(plan.sets))]

    @property
    def duration_s(self) -> float:
        return self.timeline.duration_s

    def clean_tension_n(self, time_s):
        """Physical band tension (N) at time(s) s; a pure function of time."""
        if np.ndim(time_s) == 0:
            return self.timeline.evaluate_one(float(time_s))[0]
        return self.timeline.tension_n(time_s)

    def hand_travel_m(self, time_s):
        """Hand travel (m) from the set's start position at time(s) s (negative: band let go)."""
        x = self.timeline.evaluate(time_s)[1]
        return float(x[0]) if np.ndim(time_s) == 0 else x

    def read(self, time_s: float) -> tuple[float, bool]:
        """The load cell's next reading at time_s (s, increasing): (tension_n, overload).

        Sensor noise, drift, offset steps, spikes and clipping are applied; nothing is lost here
        (the link loses packets). Spike probability follows `set_rate` (default 80 Hz).
        """
        t = float(time_s)
        if not t > self._last_t:
            raise ValueError("read times must be strictly increasing" if t == t else "read time is NaN")
        k = self._next_k
        self._next_k += 1
        self._last_t = t
        return self._sensor.measure_one(k, t, self.timeline.evaluate_one(t)[0])

    def read_many(self, time_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Like `read` for several increasing times at once."""
        t = np.asarray(time_s, dtype=float)
        if t.size and (not np.all(np.diff(t) > 0) or t[0] <= self._last_t):
            raise ValueError("read times must be strictly increasing")
        if np.isnan(t).any():
            raise ValueError("read time is NaN")
        k = np.arange(self._next_k, self._next_k + t.size)
        self._next_k += t.size
        if t.size:
            self._last_t = float(t[-1])
        return self._sensor.measure(k, t, self.timeline.tension_n(t))

    def set_rate(self, fs_hz: float) -> None:
        """The sampling rate of `read` calls, for per-sample event probabilities."""
        self._sensor.set_rate(fs_hz)

    def chunks(self, fs_hz: float = 80.0, chunk_s: float = 1.0, until_s: float | None = None) -> Iterator[SimChunk]:
        """Sample the session at fs_hz (jitter, lost samples as `simulate_session`), chunk by chunk."""
        if not (math.isfinite(fs_hz) and fs_hz > 0):
            raise ValueError(f"fs_hz must be > 0, got {fs_hz}")
        if not chunk_s > 0:
            raise ValueError("chunk_s must be > 0")
        sensor = SensorEffects(self.plan.sensor, self.plan.seed)
        sensor.set_rate(fs_hz)
        end_s = self.duration_s if until_s is None else min(until_s, self.duration_s)
        n_total = n_samples(end_s, fs_hz)
        per = max(1, int(round(chunk_s * fs_hz)))
        for k0 in range(0, n_total, per):
            k = np.arange(k0, min(k0 + per, n_total))
            yield sample_chunk(self.timeline, sensor, k, fs_hz)

    def truth_until(self, time_s: float) -> tuple[RepSet, ...]:
        """Truth of every set whose last rep has ended by time_s (final: never changes later)."""
        out = []
        for s, done in enumerate(self._set_done_s):
            if done > time_s:
                break
            if s not in self._truth:
                self._truth[s] = set_truth(self.timeline, s)
            if self._truth[s] is not None:
                out.append(self._truth[s])
        return tuple(out)

    def labels_until(self, time_s: float) -> tuple[Interval, ...]:
        """Labelled intervals (setup, set, release, rest, idle) that have begun by time_s."""
        return tuple(iv for iv in self.timeline.labels if iv.start_s <= time_s)


def n_samples(duration_s: float, fs_hz: float) -> int:
    """Samples at fs_hz whose nominal time is before duration_s."""
    return int(math.ceil(duration_s * fs_hz - 1e-9))


def sample_chunk(timeline: Timeline, sensor: SensorEffects, k: np.ndarray, fs_hz: float) -> SimChunk:
    """Samples k at nominal rate fs_hz: times, loss, physics and sensor effects."""
    t = sensor.sample_times_s(k, fs_hz)
    keep = ~sensor.lost(k, t, fs_hz)
    t, kk = t[keep], k[keep]
    clean, travel, elong = timeline.evaluate(t) if t.size else (np.zeros(0),) * 3
    y, over = sensor.measure(kk, t, clean)
    return SimChunk(t, y, over, clean, travel, elong, int(k[0]) if k.size else 0, int((~keep).sum()))
