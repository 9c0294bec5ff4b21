"""A whole simulated recording in one call: `simulate_session(plan_or_seed, fs_hz=80)`.

Returns a `SimRecording`: the samples as delivered (time_s, tension_n with sensor effects, lost
samples absent), the same instants noise-free (clean_tension_n, hand_travel_m, elongation), the
truth per set (taut.records.RepSet, measured by the contract in taut.sim.truth) and labelled
intervals of setup, set, release, rest and idle time. Identical to concatenating
`SessionStream(plan).chunks(fs_hz)`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from taut.records import RepSet
from taut.sim.draw import NOISE_LEVELS_N, random_plan
from taut.sim.motion import Interval
from taut.sim.plan import SessionPlan
from taut.sim.sensor import SensorEffects
from taut.sim.stream import SessionStream, n_samples, sample_chunk


@dataclass(frozen=True, slots=True)
class SimRecording:
    """A simulated recording with its ground truth (arrays share one index: delivered samples)."""

    time_s: np.ndarray
    tension_n: np.ndarray  # measured
    overload: np.ndarray  # bool: clipped at the load cell's capacity
    clean_tension_n: np.ndarray  # physical band tension, no sensor effects
    hand_travel_m: np.ndarray
    elongation: np.ndarray
    sets: tuple[RepSet, ...]  # truth
    labels: tuple[Interval, ...]  # idle / setup / set / release / rest
    fs_hz: float
    plan: SessionPlan
    n_lost: int  # samples lost (gaps, dropped bursts)
    duration_s: float

    @property
    def reps(self) -> int:
        return sum(len(s.reps) for s in self.sets)

    @property
    def gaps(self) -> tuple[Interval, ...]:
        """Planned spans of lost samples ("gap" intervals; dropped bursts are not listed)."""
        return tuple(Interval("gap", t, t + d, None) for t, d in sorted(self.plan.sensor.gaps))

    @property
    def sensor_tags(self) -> tuple[str, ...]:
        """Sensor conditions of the recording, for scoring by category (e.g. "gaps", "clipped")."""
        m = self.plan.sensor
        tags = [f"noise-{_noise_name(m.noise_n)}"]
        for cond, tag in ((self.overload.any(), "clipped"), (bool(m.gaps), "gaps"), (m.burst_rate_hz > 0, "bursts"),
                          (m.spike_rate_hz > 0, "spikes"), (bool(m.offset_steps), "offset-steps"),
                          (m.jitter_frac > 0, "jitter"), (abs(m.drift_n_per_min) + m.wander_n > 0, "drift")):
            if cond:
                tags.append(tag)
        tags.append(f"{self.fs_hz:g}hz")
        return tuple(tags)

    def intervals(self, *kinds: str) -> tuple[Interval, ...]:
        """Labelled intervals of the given kinds (e.g. "setup", "rest")."""
        return tuple(iv for iv in self.labels if iv.kind in kinds)


def _noise_name(noise_n: float) -> str:
    for name, level in NOISE_LEVELS_N.items():
        if abs(level - noise_n) < 1e-12:
            return name
    return f"{noise_n:g}n"


def simulate_session(plan_or_seed: SessionPlan | int, fs_hz: float = 80.0, **plan_kwargs) -> SimRecording:
    """Simulate a session from a plan, or from a seed (a plan drawn by `random_plan(seed, **plan_kwargs)`)."""
    if isinstance(plan_or_seed, SessionPlan):
        if plan_kwargs:
            raise TypeError("plan options only apply when simulating from a seed")
        plan = plan_or_seed
    else:
        plan = random_plan(int(plan_or_seed), **plan_kwargs)
    stream = SessionStream(plan)
    sensor = SensorEffects(plan.sensor, plan.seed)
    sensor.set_rate(fs_hz)
    n = n_samples(stream.duration_s, fs_hz)
    c = sample_chunk(stream.timeline, sensor, np.arange(n), fs_hz)
    sets = stream.truth_until(stream.duration_s)
    return SimRecording(c.time_s, c.tension_n, c.overload, c.clean_tension_n, c.hand_travel_m, c.elongation,
                        sets, stream.timeline.labels, float(fs_hz), plan, c.lost, stream.duration_s)
