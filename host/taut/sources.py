"""Where tension samples come from: one interface for a band over BLE, the virtual band and replay.

A source is an async iterator of `SampleBatch` (and may also report `LinkEvent`s through a
callback). Consumers (analysis, live view, log) never know which kind they read.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol

import numpy as np


@dataclass(frozen=True, slots=True)
class SampleBatch:
    """Consecutive samples: host-clock seconds (monotonic within a session) and newtons.

    Overload samples are NaN in `tension_n` and flagged in `overload`.
    """

    time_s: np.ndarray
    tension_n: np.ndarray
    overload: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.time_s)


# -- link events: what happened to the link or the device, for status lines and logs ------------
# One small record per kind; `time_s` is the host time it happened, `kind` names it on a status line.


@dataclass(frozen=True, slots=True)
class Connected:
    """Connected and streaming (again, after a reconnect)."""

    kind: ClassVar[str] = "connected"
    time_s: float
    address: str
    name: str
    mtu: int


@dataclass(frozen=True, slots=True)
class Disconnected:
    """The link dropped."""

    kind: ClassVar[str] = "disconnected"
    time_s: float


@dataclass(frozen=True, slots=True)
class Reconnecting:
    """Attempt `attempt` at reconnecting starts after `delay_s`."""

    kind: ClassVar[str] = "reconnecting"
    time_s: float
    attempt: int
    delay_s: float


# Why samples are missing: "lost" (packets lost on the link), "reconnect" (the link was down),
# "restart" (the stream restarted), "reboot" (the band restarted), "time-jump" (the device clock
# moved), "sampling" (the band's sampler missed them: they never existed).
GapReason = Literal["lost", "reconnect", "restart", "reboot", "time-jump", "sampling"]


@dataclass(frozen=True, slots=True)
class Gap:
    """No samples from `start_s` to `end_s` (host times); `time_s` is `end_s`."""

    kind: ClassVar[str] = "gap"
    time_s: float
    reason: GapReason
    start_s: float
    end_s: float
    duration_s: float
    lost_packets: int | None  # None: not countable (a new epoch)
    lost_samples: int | None  # None: the rate is not known yet


@dataclass(frozen=True, slots=True)
class Malformed:
    """A packet was dropped: it did not parse (`error`: the exception's name) or did not fit the stream."""

    kind: ClassVar[str] = "malformed"
    time_s: float
    error: str
    message: str
    length: int  # bytes


@dataclass(frozen=True, slots=True)
class Reboot:
    """The band's clock restarted: it rebooted."""

    kind: ClassVar[str] = "reboot"
    time_s: float
    seq: int  # the first packet's sequence number after it


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """The band's status characteristic changed."""

    kind: ClassVar[str] = "status"
    time_s: float
    flags: int
    battery_pct: int | None  # None: unknown
    rate_hz: int


LinkEvent = Connected | Disconnected | Reconnecting | Gap | Malformed | Reboot | DeviceStatus


class SampleSource(Protocol):
    """Anything that yields sample batches until stopped."""

    def batches(self) -> AsyncIterator[SampleBatch]: ...

    async def close(self) -> None: ...


class ReplaySource:
    """Replays arrays as batches, in real time (`speed=1`) or faster (`speed=0`: no waiting)."""

    def __init__(
        self,
        time_s: np.ndarray,
        tension_n: np.ndarray,
        *,
        batch: int = 4,
        speed: float = 1.0,
        on_event: Callable[[LinkEvent], None] | None = None,
    ) -> None:
        if len(time_s) != len(tension_n):
            raise ValueError("time_s and tension_n differ in length")
        if batch < 1:
            raise ValueError("batch must be at least 1")
        self._time_s = np.asarray(time_s, dtype=float)
        self._tension_n = np.asarray(tension_n, dtype=float)
        self._batch = batch
        self._speed = speed
        self._on_event = on_event
        self._closed = False

    async def batches(self) -> AsyncIterator[SampleBatch]:
        loop = asyncio.get_running_loop()
        t_wall0 = loop.time()
        t_data0 = float(self._time_s[0]) if len(self._time_s) else 0.0
        for i in range(0, len(self._time_s), self._batch):
            if self._closed:
                return
            t = self._time_s[i : i + self._batch]
            if self._speed > 0:
                due = t_wall0 + (float(t[-1]) - t_data0) / self._speed
                await asyncio.sleep(max(0.0, due - loop.time()))
            else:
                await asyncio.sleep(0)
            yield SampleBatch(t.copy(), self._tension_n[i : i + self._batch].copy())

    async def close(self) -> None:
        self._closed = True
