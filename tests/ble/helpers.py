"""Shared set-up for the BLE, twin and backend tests: a virtual bluetooth module on the event loop's radio."""

from __future__ import annotations

import asyncio
import math

import numpy as np

from taut.bumble_backend import radio
from taut.sources import Gap
from taut.twin import bluetooth_shim


def shim_module(address: str = "D0:00:00:00:00:01") -> tuple[object, bluetooth_shim.BLE]:
    """A `bluetooth` module over a fresh Bumble peripheral on this loop's radio."""
    device = radio().new_device(address, name="peripheral")
    loop = asyncio.get_running_loop()
    ble = bluetooth_shim.BLE(device, mac=bytes.fromhex(address.replace(":", "")), schedule=loop.call_soon)
    return bluetooth_shim.make_module(ble), ble


class Load:
    """A settable force on the band (N): still unless a test moves it."""

    def __init__(self, tension_n: float = 0.0) -> None:
        self.tension_n = tension_n
        self.wobble_n = 0.0

    def __call__(self, time_s: float) -> float:
        return self.tension_n + self.wobble_n * math.sin(2 * math.pi * 2.0 * time_s)


async def start_band(load=None, **kwargs):
    """A booted virtual band on this loop's radio (firmware unchanged) and its load."""
    from taut.twin.band import VirtualBand

    load = load if load is not None else Load()
    band = VirtualBand(load, **kwargs)
    await band.start()
    return band, load


async def collect(source, seconds: float, during=None) -> tuple[np.ndarray, np.ndarray]:
    """Reads a BleSource's batches for `seconds` of host time; `during(t_s)` is called at every batch."""
    loop = asyncio.get_running_loop()
    t_end = loop.time() + seconds
    times, values = [], []
    async for batch in source.batches():
        times.append(batch.time_s)
        values.append(batch.tension_n)
        if during is not None:
            await during(loop.time())
        if loop.time() >= t_end:
            break
    return np.concatenate(times), np.concatenate(values)


def silent_holes(times_s, events, period_s: float) -> list[tuple[float, float]]:
    """Spacings over 1.5 sample periods that no `gap` event covers (silent data loss)."""
    t = np.asarray(times_s)
    gaps = [(e.start_s, e.end_s) for e in events if isinstance(e, Gap)]
    holes = []
    for i in np.nonzero(np.diff(t) > 1.5 * period_s)[0]:
        a, b = float(t[i]), float(t[i + 1])
        if not any(abs(a - s) < 1e-6 and abs(b - e) < 1e-6 for s, e in gaps):
            holes.append((a, b))
    return holes
