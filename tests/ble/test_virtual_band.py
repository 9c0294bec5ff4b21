"""End to end over the Bumble link: the unchanged firmware on the twin, the host client on bleak."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from ble.helpers import Load, collect, start_band

from taut.ble import BleSource, scan, virtual
from taut.twin.virtual_time import run

PERIOD_80_S = 1 / 80


def test_scan_finds_the_virtual_band_by_service() -> None:
    async def main():
        band, _ = await start_band(seed=3, rssi_dbm=-61)
        found = await scan(1.0, backend=virtual())
        await band.close()
        return band, found

    band, found = run(main())
    assert [(a.name, a.address, a.rssi_dbm) for a in found] == [(band.name, band.address, -61)]
    assert band.name.startswith("Taut-") and band.errors == []


def test_stream_12_s_at_80_hz_every_sample_accounted_for() -> None:
    async def main():
        load = Load(42.0)
        load.wobble_n = 5.0
        band, _ = await start_band(load, seed=4, drift_ppm=40.0)
        source = BleSource(band.name, backend=virtual())
        info = await source.start()
        t, y = await collect(source, 12.0)
        await source.close()
        await band.close()
        return band, source, info, t, y

    band, source, info, t, y = run(main())
    assert info.name == band.name and info.manufacturer == "Taut" and info.mtu == 247
    stats = source.stats
    assert band.sent.samples >= 12 * 80 - 10
    assert stats.samples == band.sent.samples  # every sample sent arrived
    assert stats.gaps == stats.malformed == stats.lost_samples == 0
    assert band.sent.seqs == list(range(len(band.sent.seqs)))
    assert np.all(np.diff(t) > 0)
    assert (t[-1] - t[0]) / (len(t) - 1) == pytest.approx(PERIOD_80_S, rel=0.01)
    # Tensions are what the load cell measured, through the firmware's fixed-point scaling.
    history = band.loadcell.history[-len(y) :]
    expected = np.array([(raw - band.loadcell.offset_raw) / band.loadcell.counts_per_n for _, _, raw in history])
    assert np.max(np.abs(y[-len(history) :] - expected)) <= 0.011
    assert 36.0 < y.min() and y.max() < 48.0
    assert band.errors == []


def test_stream_at_mtu_23_packs_two_samples_per_packet() -> None:
    async def main():
        band, _ = await start_band(seed=5)
        source = BleSource(backend=virtual(exchange_mtu=False))
        info = await source.start()
        t, _ = await collect(source, 3.0)
        await source.close()
        await band.close()
        return band, source, info, t

    band, source, info, t = run(main())
    assert info.mtu == 23
    assert source.stats.samples == band.sent.samples
    assert band.sent.samples <= 2 * band.sent.packets
    assert (t[-1] - t[0]) / (len(t) - 1) == pytest.approx(PERIOD_80_S, rel=0.01)


@pytest.fixture(scope="module")
def slow_clock_stream():
    async def main():
        band, _ = await start_band(seed=6, drift_ppm=-300.0)
        source = BleSource(backend=virtual())
        await source.start()
        t, _ = await collect(source, 20.0)
        await source.close()
        await band.close()
        return source, t

    return run(main())


def test_device_clock_drift_is_estimated(slow_clock_stream) -> None:
    source, _ = slow_clock_stream
    # The latency floor is quantised by connection events and its phase slides with the drift, so
    # the bucket minima are no straight line early on; their lower hull finds the drift.
    assert source.assembler.clock.drift_ppm == pytest.approx(300.0, abs=10.0)


def test_device_clock_drift_is_corrected(slow_clock_stream) -> None:
    source, t = slow_clock_stream
    # The twin's HX711 converts every 12.5 ms of device time; with the device clock 300 ppm slow
    # that is 12.5 / (1 - 300e-6) ms of host time once the drift is fitted (the last second: the
    # envelope's floor only shows the drift after ~8 s, and the fit follows it ~10 s later).
    late = t[-80:]
    spacing = (late[-1] - late[0]) / (len(late) - 1)
    assert spacing == pytest.approx(PERIOD_80_S / (1 - 300e-6), rel=2e-5)
    assert np.all(np.diff(t) > 0)


def test_rate_change_mid_stream_is_not_mistaken_for_holes() -> None:
    async def main():
        band, _ = await start_band(Load(20.0), seed=7)
        source = BleSource(band.address, backend=virtual())  # by address this time
        await source.start()
        loop = asyncio.get_running_loop()
        t_switch = loop.time() + 2.0
        switched = False
        times = []
        async for batch in source.batches():
            times.append(batch.time_s)
            if not switched and loop.time() >= t_switch:
                switched = True
                await source.band.set_rate(10)
            if loop.time() >= t_switch + 3.0:
                break
        await source.close()
        await band.close()
        return source, np.concatenate(times), t_switch

    source, t, t_switch = run(main())
    assert source.stats.gaps == 0 and source.stats.missed_samples == 0
    late = t[t > t_switch + 0.5]
    assert np.median(np.diff(late)) == pytest.approx(0.1, abs=0.002)
    assert source.assembler.rate_hz == 10


def test_same_seed_same_recording() -> None:
    from taut.twin.faults import Faults

    async def once():
        band, load = await start_band(Load(25.0), seed=31)
        load.wobble_n = 8.0
        Faults(band, seed=31).lose_randomly(0.05)
        source = BleSource(backend=virtual(), seed=31)
        await source.start()
        loop = asyncio.get_running_loop()
        t_end = loop.time() + 3.0
        times, values = [], []
        async for batch in source.batches():
            times.append(batch.time_s)
            values.append(batch.tension_n)
            if loop.time() >= t_end:
                break
        await source.close()
        await band.close()
        return np.concatenate(times), np.concatenate(values), source.stats.lost_packets

    a, b = run(once()), run(once())
    assert a[2] > 0 and a[2] == b[2]
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
