"""The load cell and its link as the simulator sees them: sampling times, noise, drift, faults.

Every random draw is a pure function of (seed, stream, sample index), generated in fixed blocks,
so a recording computed in one go and one computed sample by sample or in chunks are identical.

Sample k is taken at t_k = k / fs + jitter_k (|jitter| <= 0.3 / fs, so times stay increasing)
and reads clean(t_k) + offset + drift(t_k) + steps(t_k) + noise_k + spike_k, rounded to
resolution_n if set, clipped to ±capacity_n (clipped samples flagged as overload). Samples inside `gaps` or in a dropped burst
are lost (absent from the recording).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

_BLOCK = 4096
# Independent random streams, by purpose.
_NOISE, _JITTER, _SPIKE_AT, _SPIKE_SIZE, _BURST_AT, _WANDER = range(6)


@dataclass(frozen=True, slots=True)
class SensorModel:
    """Sensor and link imperfections. All zero/empty = a perfect sensor sampled exactly."""

    noise_n: float = 0.05  # white noise, standard deviation
    offset_n: float = 0.0  # constant tare error
    drift_n_per_min: float = 0.0  # linear drift
    wander_n: float = 0.0  # slow wander (periods of minutes), amplitude
    offset_steps: tuple[tuple[float, float], ...] = ()  # (time_s, step_n): the offset jumps
    spike_rate_hz: float = 0.0  # single-sample spikes per second
    spike_n: float = 40.0  # typical spike size (0.5x..1.5x, either sign)
    capacity_n: float = 1000.0  # the reading clips at ±capacity (overload)
    jitter_frac: float = 0.0  # sampling-time jitter, standard deviation as a fraction of the period
    gaps: tuple[tuple[float, float], ...] = ()  # (start_s, duration_s): every sample lost
    burst_rate_hz: float = 0.0  # dropped bursts (lost notifications) per second
    burst_samples: int = 4  # samples lost per burst
    resolution_n: float = 0.0  # readings rounded to this step (0.01 N on the wire); 0 = not rounded

    def __post_init__(self) -> None:
        for name in ("noise_n", "wander_n", "spike_rate_hz", "spike_n", "jitter_frac", "burst_rate_hz",
                     "resolution_n"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise ValueError(f"sensor {name} must be finite and >= 0, got {v}")
        if not (math.isfinite(self.capacity_n) and self.capacity_n > 0):
            raise ValueError(f"sensor capacity_n must be > 0, got {self.capacity_n}")
        if self.burst_samples < 1:
            raise ValueError("sensor burst_samples must be >= 1")
        for t, d in self.gaps:
            if not (d > 0 and math.isfinite(t)):
                raise ValueError(f"sensor gap ({t}, {d}): duration must be > 0")


class KeyedRandom:
    """Random numbers indexed by sample: value k of a stream is the same however it is asked for."""

    def __init__(self, seed: int, cache_blocks: int = 8) -> None:
        self._seed = int(seed)
        self._cache: dict[tuple[int, int], np.ndarray] = {}
        self._cache_blocks = cache_blocks

    def _block(self, stream: int, b: int) -> np.ndarray:
        key = (stream, b)
        blk = self._cache.get(key)
        if blk is None:
            rng = np.random.default_rng([self._seed, 0x7A07, stream, b])
            blk = rng.random(_BLOCK) if stream in (_SPIKE_AT, _BURST_AT) else rng.standard_normal(_BLOCK)
            if len(self._cache) >= self._cache_blocks * 6:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = blk
        return blk

    def at(self, stream: int, k: np.ndarray) -> np.ndarray:
        """Draws for sample indices k (non-negative ints): uniforms for event streams, else normals."""
        k = np.asarray(k, dtype=np.int64)
        out = np.empty(k.shape, dtype=float)
        if k.size == 0:
            return out
        blocks = k // _BLOCK
        for b in np.unique(blocks):
            m = blocks == b
            out[m] = self._block(stream, int(b))[k[m] - b * _BLOCK]
        return out


class SensorEffects:
    """Applies a SensorModel to clean tension at given sample indices and times."""

    def __init__(self, model: SensorModel, seed: int) -> None:
        self.model = model
        self._rand = KeyedRandom(seed)
        rng = np.random.default_rng([int(seed), 0x5E45])
        self._wander_f_hz = rng.uniform(1 / 400, 1 / 90, 3)
        self._wander_phase = rng.uniform(0, 2 * math.pi, 3)

    def sample_times_s(self, k: np.ndarray, fs_hz: float) -> np.ndarray:
        """Actual sampling instants of samples k at nominal rate fs_hz (with jitter)."""
        k = np.asarray(k, dtype=np.int64)
        t = k / fs_hz
        if self.model.jitter_frac > 0:
            j = np.clip(self._rand.at(_JITTER, k) * self.model.jitter_frac, -0.3, 0.3) / fs_hz
            t = np.maximum(t + j, 0.0)
        return t

    def lost(self, k: np.ndarray, time_s: np.ndarray, fs_hz: float) -> np.ndarray:
        """True for samples that never arrive (gaps, dropped bursts)."""
        k = np.asarray(k, dtype=np.int64)
        time_s = np.asarray(time_s, dtype=float)
        lost = np.zeros(k.shape, dtype=bool)
        for start, dur in self.model.gaps:
            lost |= (time_s >= start) & (time_s < start + dur)
        if self.model.burst_rate_hz > 0:
            p = self.model.burst_rate_hz / fs_hz
            for back in range(self.model.burst_samples):
                kb = k - back
                ok = kb >= 0
                hit = np.zeros(k.shape, dtype=bool)
                hit[ok] = self._rand.at(_BURST_AT, kb[ok]) < p
                lost |= hit
        return lost

    def offset_n(self, time_s) -> np.ndarray:
        """Slow errors: tare offset, drift, wander and offset steps at times (s)."""
        m = self.model
        t = np.asarray(time_s, dtype=float)
        off = m.offset_n + m.drift_n_per_min * t / 60.0
        if m.wander_n > 0:
            w = sum(np.sin(2 * math.pi * f * t + ph) for f, ph in zip(self._wander_f_hz, self._wander_phase))
            off = off + m.wander_n * w / 3.0
        for ts, step in m.offset_steps:
            off = off + np.where(t >= ts, step, 0.0)
        return off + np.zeros_like(t)

    def measure(self, k: np.ndarray, time_s: np.ndarray, clean_n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Measured tension (N) and overload flags for samples k taken at time_s."""
        m = self.model
        k = np.asarray(k, dtype=np.int64)
        y = np.asarray(clean_n, dtype=float) + self.offset_n(time_s)
        if m.noise_n > 0:
            y = y + m.noise_n * self._rand.at(_NOISE, k)
        if m.spike_rate_hz > 0:
            # Event probability per sample from the nominal rate implied by the index and time.
            u = self._rand.at(_SPIKE_AT, k)
            size = self._rand.at(_SPIKE_SIZE, k)
            hit = u < m.spike_rate_hz * self._period_s
            y = y + np.where(hit, np.sign(size) * m.spike_n * (0.5 + np.minimum(np.abs(size), 2.0) / 2.0), 0.0)
        over = np.abs(y) >= m.capacity_n
        if m.resolution_n > 0:
            y = np.floor(y / m.resolution_n + 0.5) * m.resolution_n
        return np.clip(y, -m.capacity_n, m.capacity_n), over

    def measure_one(self, k: int, time_s: float, clean_n: float) -> tuple[float, bool]:
        """Scalar `measure` for sample k (the per-sample streaming path; equal to within rounding)."""
        m = self.model
        y = clean_n + float(self.offset_n(time_s))
        if m.noise_n > 0:
            y += m.noise_n * self._one(_NOISE, k)
        if m.spike_rate_hz > 0 and self._one(_SPIKE_AT, k) < m.spike_rate_hz * self._period_s:
            size = self._one(_SPIKE_SIZE, k)
            y += math.copysign(1.0, size) * m.spike_n * (0.5 + min(abs(size), 2.0) / 2.0) if size else 0.0
        cap = m.capacity_n
        over = abs(y) >= cap
        if m.resolution_n > 0:
            y = math.floor(y / m.resolution_n + 0.5) * m.resolution_n
        return min(max(y, -cap), cap), over

    def _one(self, stream: int, k: int) -> float:
        return float(self._rand._block(stream, k // _BLOCK)[k % _BLOCK])

    _period_s: float = 1.0 / 80.0

    def set_rate(self, fs_hz: float) -> None:
        """Nominal sampling rate: sets per-sample event probabilities (spikes)."""
        if not (math.isfinite(fs_hz) and fs_hz > 0):
            raise ValueError(f"fs_hz must be > 0, got {fs_hz}")
        self._period_s = 1.0 / fs_hz
