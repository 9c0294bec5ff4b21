"""The twin's device clock: MicroPython's ticks from the event loop's clock, with drift and busy time.

`ticks_us()` = (boot tick + elapsed device µs) mod 2**30, where device µs run `drift_ppm` fast
or slow against the loop. On a `VirtualTimeLoop`, blocking firmware calls (`time.sleep_ms`,
busy-waiting on a pin) move virtual time forward instead of stalling.
"""

from __future__ import annotations

import asyncio
import time as _time

from taut.twin.virtual_time import VirtualTimeLoop

TICKS_PERIOD = 1 << 30
TICKS_MAX = TICKS_PERIOD - 1
_HALF = TICKS_PERIOD // 2


class TwinClock:
    """Device time for one twin; restarts at `boot()` (a reboot resets the tick counter)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, *, drift_ppm: float = 0.0, boot_ticks_us: int = 0) -> None:
        self._loop = loop
        self.drift_ppm = drift_ppm
        self._boot_ticks_us = boot_ticks_us
        self._boot_loop_s = loop.time()

    def boot(self, boot_ticks_us: int = 0) -> None:
        self._boot_ticks_us = boot_ticks_us
        self._boot_loop_s = self._loop.time()

    def elapsed_us(self) -> int:
        """Device microseconds since boot."""
        return int((self._loop.time() - self._boot_loop_s) * 1e6 * (1.0 + self.drift_ppm * 1e-6))

    def elapsed_s(self) -> float:
        return self.elapsed_us() / 1e6

    def loop_time_at(self, elapsed_us: float) -> float:
        """Loop seconds at which the device has been up `elapsed_us`."""
        return self._boot_loop_s + elapsed_us / 1e6 / (1.0 + self.drift_ppm * 1e-6)

    def ticks_us(self) -> int:
        return (self._boot_ticks_us + self.elapsed_us()) & TICKS_MAX

    def ticks_ms(self) -> int:
        return ((self._boot_ticks_us + self.elapsed_us()) // 1000) & TICKS_MAX

    def block_us(self, us: float) -> None:
        """The firmware spends `us` without yielding (busy-wait, sleep_us, bit-banging)."""
        if us <= 0:
            return
        if isinstance(self._loop, VirtualTimeLoop):
            self._loop.advance(us / 1e6)
        elif us >= 1000:
            _time.sleep(us / 1e6)


def ticks_add(ticks: int, delta: int) -> int:
    return (ticks + delta) & TICKS_MAX


def ticks_diff(a: int, b: int) -> int:
    return ((a - b + _HALF) & TICKS_MAX) - _HALF
