"""Where tension samples come from: one interface for a band over BLE, the virtual band and replay.

A source is an async iterator of `SampleBatch` (and may also report `LinkEvent`s through a
callback). Consumers (analysis, live view, log) never know which kind they read.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Protocol

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


@dataclass(frozen=True, slots=True)
class LinkEvent:
    """Something that happened to the link or the device, for status lines and logs.

    kind: "connected", "disconnected", "reconnecting", "gap", "malformed", "reboot", "status".
    """

    kind: str
    time_s: float
    detail: dict = field(default_factory=dict)


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
