"""The host's physics model feeding the MicroPython HX711 stand-in: raw readings through a file.

Slot s of the file is the load cell's reading (`taut.twin.loadcell.LoadCell`, counts at gain 128)
at session time s × 12.5 ms, where session time 0 is the file's epoch: the host's
CLOCK_MONOTONIC in µs, which is also what `time.ticks_us()` reads in the unix port, so both sides
agree on when each conversion finishes. A task keeps the file a little ahead of real time.
"""

from __future__ import annotations

import asyncio
import struct
import time
from pathlib import Path

from taut.twin.loadcell import LoadCell

MAGIC = b"TAUTFEED"
SLOT_US = 12_500
HEADER_BYTES = 20
AHEAD_S = 1.0


def monotonic_us() -> int:
    """CLOCK_MONOTONIC in µs: the unix port's `time.ticks_us()`."""
    return time.monotonic_ns() // 1000


class Feed:
    """The feed file for one MicroPython band; `fill()` writes every slot due within AHEAD_S."""

    def __init__(self, path: Path, loadcell: LoadCell, *, epoch_us: int | None = None) -> None:
        self.path = path
        self.loadcell = loadcell
        self.epoch_us = monotonic_us() if epoch_us is None else epoch_us
        self.slots = 0
        with path.open("wb") as f:
            f.write(MAGIC + struct.pack("<qi", self.epoch_us, SLOT_US))
        self._file = path.open("ab")

    def session_time_s(self) -> float:
        """Seconds since the epoch (the load model's clock)."""
        return (monotonic_us() - self.epoch_us) / 1e6

    def fill(self, ahead_s: float = AHEAD_S) -> None:
        """Writes readings for every slot up to `ahead_s` past now."""
        last = int((self.session_time_s() + ahead_s) * 1e6 // SLOT_US)
        if last < self.slots:
            return
        raws = [self.loadcell.raw_at(s * SLOT_US / 1e6) for s in range(self.slots, last + 1)]
        self._file.write(struct.pack(f"<{len(raws)}i", *raws))
        self._file.flush()
        self.slots = last + 1

    async def run(self, period_s: float = 0.2) -> None:
        """Keeps the file ahead of real time until cancelled."""
        while True:
            self.fill()
            await asyncio.sleep(period_s)

    def close(self) -> None:
        self._file.close()
