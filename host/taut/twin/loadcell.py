"""The twin's load cell and HX711 front end: tension in newtons -> raw 24-bit counts.

A 2 mV/V cell on channel A gain 128 gives about 2**31 * 0.002 counts at its rated load (the
HX711 is ratiometric), i.e. 2190 counts/N for the 1961 N cell; the bridge has a zero offset and
the converter white noise. Reproducible: noise is drawn from a seeded generator per conversion.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

RAW_MAX = 0x7FFFFF
RAW_MIN = -0x800000


class LoadCell:
    """raw_at(time_s) = offset + counts_per_n * tension_n(time_s) + noise, saturating like the chip.

    `tension_n(time_s)` returns newtons, or (newtons, overload) where overload saturates the chip.
    """

    def __init__(
        self,
        tension_n: Callable[[float], float | tuple[float, bool]],
        *,
        counts_per_n: float = 2190.0,
        offset_raw: int = 8_400,
        noise_counts: float = 20.0,
        seed: int = 0,
    ) -> None:
        self.tension_n = tension_n
        self.counts_per_n = counts_per_n
        self.offset_raw = offset_raw
        self.noise_counts = noise_counts
        self._rng = np.random.default_rng(seed)
        self.history: list[tuple[float, float, int]] = []  # (device time_s, tension_n, raw)
        self.keep_history = True

    def raw_at(self, time_s: float) -> int:
        value = self.tension_n(time_s)
        overload = False
        if isinstance(value, tuple):
            value, overload = value
        tension = float(value)
        noise = self._rng.normal(0.0, self.noise_counts) if self.noise_counts else 0.0
        raw = int(round(self.offset_raw + self.counts_per_n * tension + noise))
        raw = RAW_MAX if overload else max(RAW_MIN, min(RAW_MAX, raw))
        if self.keep_history:
            self.history.append((time_s, tension, raw))
        return raw
