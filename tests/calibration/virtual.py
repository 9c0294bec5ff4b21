"""A virtual user and sensor for driving the calibration wizards: SIM's band model, a simulated
HX711 load cell, and a person who follows the prompts (with tremor, a swinging mass, mistakes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from taut.calibration.wizard import COLLECT, CONFIRM
from taut.sim.band import Band

FS_HZ = 80.0


def band_force_path(band: Band, e: np.ndarray) -> np.ndarray:
    """Force along an elongation path, following SIM's reversal model segment by segment."""
    e = np.asarray(e, dtype=float)
    f = np.empty_like(e)
    d = np.sign(np.diff(e, prepend=e[0]))
    # carry the direction through flat stretches
    for i in range(1, len(d)):
        if d[i] == 0:
            d[i] = d[i - 1]
    if len(d) and d[0] == 0:
        d[0] = 1.0
    starts = np.flatnonzero(np.concatenate(([True], d[1:] != d[:-1])))
    ends = np.concatenate((starts[1:], [len(e)]))
    e_r, f_r = 0.0, 0.0
    for a, b in zip(starts, ends):
        loading = d[a] > 0
        seg = np.clip(e[a:b], -1.0, 3.0)
        f[a:b] = band.force_after_reversal_n(seg, loading, e_r, f_r)
        e_r, f_r = float(seg[-1]), float(f[b - 1])
    return f


def ramp(e_from: float, e_to: float, duration_s: float) -> np.ndarray:
    n = max(2, int(round(duration_s * FS_HZ)))
    u = np.linspace(0.0, 1.0, n)
    return e_from + (e_to - e_from) * 0.5 * (1.0 - np.cos(np.pi * u))


@dataclass
class VirtualBandUser:
    """Follows the band wizard: holds at marks with tremor; can be told to make one mistake."""

    band: Band
    rest_length_m: float
    rng: np.random.Generator
    noise_n: float = 0.03
    tremor_m: float = 0.0015
    t_s: float = 0.0
    e: float = -0.05
    history_e: list = field(default_factory=list)

    def _emit(self, path_e: np.ndarray, tremor: bool) -> tuple[np.ndarray, np.ndarray]:
        n = len(path_e)
        e = path_e.copy()
        if tremor:
            tt = np.arange(n) / FS_HZ
            wob = self.tremor_m * (np.sin(2 * np.pi * 7.3 * tt + self.rng.uniform(0, 6)) * 0.7
                                   + np.sin(2 * np.pi * 2.1 * tt + self.rng.uniform(0, 6)) * 0.3)
            e = e + wob / self.rest_length_m
        self.history_e.extend(e.tolist())
        whole = band_force_path(self.band, np.array(self.history_e))
        f = whole[-n:]
        f = np.round((f + self.rng.normal(0, self.noise_n, n)) * 100) / 100
        t = self.t_s + np.arange(1, n + 1) / FS_HZ
        self.t_s = float(t[-1])
        self.e = float(path_e[-1])
        return t, f

    def move_hold(self, e_target: float, move_s: float, hold_s: float) -> tuple[np.ndarray, np.ndarray]:
        path = np.concatenate((ramp(self.e, e_target, move_s), np.full(int(hold_s * FS_HZ), e_target)))
        return self._emit(path, tremor=True)

    def sweep(self, marks_e: list[float], *, pause_s: float = 2.5, skip_pause: int | None = None,
              up_s: float = 6.0) -> tuple[np.ndarray, np.ndarray]:
        parts = [ramp(self.e, -0.05, 1.0), ramp(-0.05, marks_e[-1], up_s), np.full(int(0.8 * FS_HZ), marks_e[-1])]
        cur = marks_e[-1]
        for k in range(len(marks_e) - 2, -1, -1):
            parts.append(ramp(cur, marks_e[k], 1.5))
            if k != skip_pause:
                parts.append(np.full(int(pause_s * FS_HZ), marks_e[k]))
            cur = marks_e[k]
        parts += [ramp(cur, -0.05, 1.5), np.full(int(1.5 * FS_HZ), -0.05)]
        return self._emit(np.concatenate(parts), tremor=True)


@dataclass
class VirtualLoadCell:
    """An HX711 on a load cell: raw = offset + counts_per_n·F + noise; streams N under the device's calibration."""

    true_offset_raw: float = 84_000.0
    true_counts_per_n: float = 7_350.0
    device_offset_raw: int = 0
    device_counts_per_n: float = 7_000.0
    noise_counts: float = 40.0
    capacity_n: float = 490.0
    nonlinearity: float = 0.0  # raw gets + nonlinearity·counts_per_n·F²/capacity

    def tension_n(self, force_n: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        f = np.asarray(force_n, dtype=float)
        raw = (self.true_offset_raw + self.true_counts_per_n * f
               + self.nonlinearity * self.true_counts_per_n * f * f / self.capacity_n
               + rng.normal(0, self.noise_counts, f.shape))
        raw = np.round(raw)
        return np.round((raw - self.device_offset_raw) / self.device_counts_per_n * 100) / 100


def hanging_force(mass_kg: float, duration_s: float, rng: np.random.Generator, *, swing: float = 0.02,
                  decay_s: float = 1.0, g: float = 9.80665) -> np.ndarray:
    """Force of a mass hung at t = 0: a swing that dies out (fraction `swing` of its weight)."""
    tt = np.arange(int(duration_s * FS_HZ)) / FS_HZ
    return mass_kg * g * (1.0 + swing * np.exp(-tt / decay_s) * np.sin(2 * np.pi * 1.4 * tt))


def feed_until_change(wizard, t: np.ndarray, f: np.ndarray, batch: int = 4):
    """Feed batches while the wizard collects; returns the prompt when it stops collecting."""
    step = wizard.prompt.step
    for i in range(0, len(t), batch):
        p = wizard.feed(t[i : i + batch], f[i : i + batch])
        if p.step != step or p.action != COLLECT:
            return p
    return wizard.prompt


__all__ = ["CONFIRM", "COLLECT", "VirtualBandUser", "VirtualLoadCell", "band_force_path", "feed_until_change",
           "hanging_force", "ramp"]
