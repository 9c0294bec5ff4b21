"""Every control command round-trips through the firmware, with typed errors from result codes."""

from __future__ import annotations

import asyncio

import pytest
from ble.helpers import Load, start_band

from taut import protocol
from taut.ble import BandClient, find_band, scan, virtual
from taut.twin.virtual_time import run


async def _connected(load: Load, seed: int = 0):
    band, _ = await start_band(load, seed=seed)
    backend = virtual()
    client = BandClient(await find_band(band.name, backend=backend), backend=backend)
    await client.connect()
    return band, client, backend


def test_tare_calibrate_and_their_refusals() -> None:
    async def main():
        load = Load(0.0)
        band, client, _ = await _connected(load)
        out = {}
        with pytest.raises(protocol.NotCalibrated):  # calibrate needs a tare since boot
            await client.calibrate(100.0)
        out["offset"] = await client.tare()
        load.tension_n = 100.0
        await asyncio.sleep(0.2)
        out["cpn"] = await client.calibrate(100.0)
        with pytest.raises(protocol.ValueOutOfRange):  # beyond the 1961 N load cell
            await client.calibrate(5000.0)
        load.wobble_n = 20.0
        with pytest.raises(protocol.BandMoving):
            await client.tare(16)
        out["settings"] = await client.get_settings()
        await client.disconnect()
        await band.close()
        return band, out

    band, out = run(main())
    assert out["offset"] == pytest.approx(band.loadcell.offset_raw, abs=20)
    assert out["cpn"] == pytest.approx(band.loadcell.counts_per_n, rel=0.002)
    s = out["settings"]
    assert s.calibrated and s.offset_raw == out["offset"] and s.counts_per_n == pytest.approx(out["cpn"], rel=1e-6)
    assert s.capacity_cn == 196_100
    assert band.errors == []


def test_rate_overload_calibration_rename_and_factory_reset() -> None:
    async def main():
        band, client, backend = await _connected(Load(10.0), seed=1)
        out = {}
        await client.set_rate(10)
        await asyncio.sleep(0.3)
        out["status"] = await client.read_status()
        await client.set_overload(500)
        await client.set_calibration(1234, 1000.0)
        out["settings"] = await client.get_settings()
        await client.rename("Band-A")
        out["info"] = await client.read_info()
        await client.disconnect()
        await asyncio.sleep(0.3)
        out["scan"] = [a.name for a in await scan(0.5, backend=backend)]
        client = BandClient(await find_band("Band-A", backend=backend), backend=backend)
        await client.connect()
        band.hold_button(True)  # FACTORY_RESET needs someone at the band
        await asyncio.sleep(0.3)
        await client.factory_reset()
        band.hold_button(False)
        out["reset"] = await client.get_settings()
        await client.disconnect()
        out["flash"] = (band.flash.root / "settings.json").read_text()
        await band.close()
        return band, out

    band, out = run(main())
    assert out["status"].rate_hz == 10
    s = out["settings"]
    assert (s.rate_hz, s.overload_permille, s.offset_raw, s.counts_per_n) == (10, 500, 1234, 1000.0)
    assert out["info"].name == "Band-A"
    assert out["scan"] == ["Band-A"]
    r = out["reset"]
    assert (r.calibrated, r.rate_hz, r.overload_permille) == (False, 80, 900)
    assert band.name in out["flash"]  # the factory name is back on flash
    assert band.errors == []


def test_stream_start_stop_and_status_flags() -> None:
    async def main():
        band, client, _ = await _connected(Load(5.0), seed=2)
        packets: list[bytes] = []
        await client.subscribe_stream(lambda data, t: packets.append(data))
        await client.start_stream()
        await asyncio.sleep(1.0)
        streaming = await client.read_status()
        await client.stop_stream()
        n = len(packets)
        await asyncio.sleep(0.5)
        idle = await client.read_status()
        battery = await client.read_battery()
        await client.disconnect()
        await band.close()
        return packets, n, streaming, idle, battery

    packets, n, streaming, idle, battery = run(main())
    first = protocol.StreamPacket.from_bytes(packets[0])
    assert first.first and first.seq == 0
    assert len(packets) == n > 5  # nothing after STOP_STREAM
    assert streaming.streaming and not idle.streaming
    assert streaming.calibrated and streaming.battery_pct == battery
    assert 60 <= battery <= 80  # a 3.95 V cell
