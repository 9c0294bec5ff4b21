"""Maps the band's clock (ticks_us, modulo 2**30) to host seconds, correcting offset and drift.

Each packet the assembler trusts gives a pair (device time of its last sample, host arrival time;
held suspects never do). Arrival is device time plus a fixed offset, the clock drift, and a
latency that is never negative: the lower envelope of (arrival - device time) is the offset. It is
fitted per bucket of device time (minimum per bucket, then the lower-hull line under all the
minima), so drift of tens of ppm is followed and queueing delays do not shift the samples.
"""

from __future__ import annotations

from collections import deque

import numpy as np

TICKS_PERIOD_US = 1 << 30
_HALF_PERIOD_US = TICKS_PERIOD_US // 2
# ticks_us runs on the ESP32's crystal (tens of ppm with temperature and age): a steeper slope is
# the jitter of minima from buckets that got a packet or two, and extrapolated it moves samples by
# tens of ms (40 ms of jitter over 2 s is 20,000 ppm).
MAX_DRIFT_PPM = 1000.0


def ticks_delta_us(from_ticks: int, from_host_s: float, to_ticks: int, to_host_s: float) -> int:
    """Device microseconds from one tick value to another seen later on the host (may be < 0).

    Within half a tick period of host time the shorter way round the wrap wins (a stamp slightly
    older than the last one comes out negative); after a longer silence the host clock counts
    the whole wraps.
    """
    delta = (to_ticks - from_ticks) % TICKS_PERIOD_US
    elapsed_us = (to_host_s - from_host_s) * 1e6
    if elapsed_us > _HALF_PERIOD_US:
        delta += round((elapsed_us - delta) / TICKS_PERIOD_US) * TICKS_PERIOD_US
    elif delta > _HALF_PERIOD_US:
        delta -= TICKS_PERIOD_US
    return delta


class DeviceClock:
    """Unwraps device ticks and maps them to host time; one instance per device time base."""

    def __init__(self, *, bucket_s: float = 2.0, window_buckets: int = 60, not_before_s: float = -np.inf) -> None:
        self._bucket_s = bucket_s
        self._buckets: deque[tuple[float, float]] = deque(maxlen=window_buckets)  # (device_s, min host-device)
        self._bucket_start_s: float | None = None
        self._last_ticks: int | None = None
        self._last_host_s = 0.0
        self._unwrapped_us = 0
        self._origin_s: float | None = None  # device seconds of the first packet (keeps floats small)
        self._slope = 0.0
        self._intercept = 0.0
        self._last_out_s = not_before_s

    @property
    def drift_ppm(self) -> float:
        """Estimated rate error of the device clock against the host's (positive: device slow)."""
        return self._slope * 1e6

    def unwrap(self, ticks_us: int, host_s: float) -> float:
        """Device seconds since this clock's origin for a packet's `t0_us` received at `host_s`."""
        if self._last_ticks is None:
            self._unwrapped_us = 0
            self._origin_s = ticks_us / 1e6
        else:
            self._unwrapped_us += ticks_delta_us(self._last_ticks, self._last_host_s, ticks_us, host_s)
        self._last_ticks = ticks_us
        self._last_host_s = host_s
        return self._unwrapped_us / 1e6

    def observe(self, device_s: float, host_s: float) -> None:
        """Feeds one (device time, arrival time) pair: updates the offset and drift fit."""
        lag = host_s - device_s
        if self._bucket_start_s is None or device_s - self._bucket_start_s >= self._bucket_s:
            self._bucket_start_s = device_s
            self._buckets.append((device_s, lag))
            self._fit()
        elif lag < self._buckets[-1][1]:
            self._buckets[-1] = (device_s, lag)
            # Refit only when the line no longer stays under the new minimum (cheap per packet).
            if lag < self._intercept + self._slope * device_s:
                self._fit()

    def _fit(self) -> None:
        n = len(self._buckets)
        if n < 3:
            self._slope = 0.0
            self._intercept = min(b[1] for b in self._buckets)
            return
        # The line under the minima of the complete buckets that is closest to them all (least
        # total distance): the edge of their lower convex hull above their mean device time. A
        # least-squares line through the minima is biased when the envelope is not straight (the
        # latency floor is quantised by connection events, and its phase slides with the drift).
        # The bucket being filled has too few packets to show the floor: it only bounds the line.
        done = list(self._buckets)[:-1]
        hull: list[tuple[float, float]] = []
        for point in done:
            while len(hull) >= 2 and _cross(hull[-2], hull[-1], point) <= 0.0:
                hull.pop()
            hull.append(point)
        mean_d = sum(b[0] for b in done) / len(done)
        k = next((k for k in range(1, len(hull)) if hull[k][0] >= mean_d), len(hull) - 1)
        # Two minima close in device time (a bucket's minimum at its end, the next one's at its
        # start, or a bucket that got one packet when the rest were lost) turn their jitter into
        # any slope at all: the slope is measured over at least one bucket of device time, the
        # edge widened to the nearest hull vertices that far apart; closer than that, no drift.
        i0, i1 = k - 1, k
        while hull[i1][0] - hull[i0][0] < self._bucket_s and (i0 > 0 or i1 < len(hull) - 1):
            left_s = hull[i0][0] - hull[i0 - 1][0] if i0 > 0 else np.inf
            right_s = hull[i1 + 1][0] - hull[i1][0] if i1 < len(hull) - 1 else np.inf
            i0, i1 = (i0 - 1, i1) if left_s <= right_s else (i0, i1 + 1)
        (d0, lag0), (d1, lag1) = hull[i0], hull[i1]
        slope = (lag1 - lag0) / (d1 - d0) if d1 - d0 >= self._bucket_s else 0.0
        slope = min(max(slope, -MAX_DRIFT_PPM * 1e-6), MAX_DRIFT_PPM * 1e-6)
        # Under every minimum, the one being filled included (latency is never negative).
        intercept = min(lag - slope * d for d, lag in self._buckets)
        self._slope, self._intercept = slope, intercept

    def to_host(self, device_s: np.ndarray) -> np.ndarray:
        """Host seconds for device seconds (same origin as `unwrap`), strictly increasing."""
        out = device_s + self._intercept + self._slope * device_s
        # Refits may move the mapping back by a little: never emit a time before the last one.
        if len(out) and out[0] <= self._last_out_s:
            out = out + (self._last_out_s - out[0] + 1e-6)
        if len(out):
            self._last_out_s = float(out[-1])
        return out

    def predict_device_s(self, host_s: float) -> float:
        """Where this clock's device time should be at `host_s` (to tell a reboot from a pause)."""
        return (host_s - self._intercept) / (1.0 + self._slope)

    def ticks_to_device_s(self, ticks_us: int, host_s: float) -> float:
        """Device seconds for a tick value seen after a pause, without changing the clock state."""
        assert self._last_ticks is not None
        delta = (ticks_us - self._last_ticks) % TICKS_PERIOD_US
        elapsed_us = (host_s - self._last_host_s) * 1e6
        delta += round((elapsed_us - delta) / TICKS_PERIOD_US) * TICKS_PERIOD_US
        return (self._unwrapped_us + delta) / 1e6

    @property
    def started(self) -> bool:
        return self._last_ticks is not None


def _cross(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> float:
    """z of (b - a) x (c - a): positive when a, b, c turn left (c above the line through a and b)."""
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
