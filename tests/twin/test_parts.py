"""The twin's parts on their own: the firmware's HX711 driver on the bit-level chip, the
MicroPython clock, several isolated twins side by side, the watchdog."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from ble.helpers import Load, start_band

from taut.ble import BleSource, scan, virtual
from taut.twin.clock import TICKS_PERIOD, TwinClock, ticks_add, ticks_diff
from taut.twin.loader import FirmwareLoader
from taut.twin.machine_shim import HX711Chip, make_machine
from taut.twin.mpy_modules import make_micropython, make_time
from taut.twin.virtual_time import run


def _driver(raw_at):
    """firmware/hx711.py, unchanged, on a chip whose input is raw_at(device_s)."""
    loop = asyncio.get_running_loop()
    clock = TwinClock(loop)
    chip = HX711Chip(clock, raw_at)
    machine = make_machine(clock, hx711=chip, dout_pin=33, sck_pin=32, rate_pin=27)
    shims = {"machine": machine, "time": make_time(clock), "micropython": make_micropython(loop.call_soon)}
    hx711 = FirmwareLoader(shims).load("hx711")
    hx = hx711.HX711(machine.Pin(33, machine.Pin.IN), machine.Pin(32, machine.Pin.OUT))
    return hx, chip, machine, hx711


def test_firmware_hx711_driver_reads_the_simulated_chip_bit_by_bit() -> None:
    async def main():
        values = iter([123_456, -654_321, 0x7FFFFF + 5, -0x800000 - 9])
        hx, chip, machine, hx711 = _driver(lambda t: next(values, 1000))
        machine.Pin(27, machine.Pin.OUT).value(1)  # RATE high: 80 samples/s
        out = []
        for _ in range(4):
            while not hx.is_ready():
                await asyncio.sleep(0.001)
            out.append((hx.read_raw(), hx.saturated))
        hx.set_gain(64)
        await asyncio.sleep(0.02)
        hx.read_raw()  # selects gain 64 for the next conversion
        await asyncio.sleep(0.02)
        gained = hx.read_raw()
        hx.power_down()
        await asyncio.sleep(0.001)
        assert not hx.is_ready()  # DOUT high while powered down
        powered_down = chip.power_downs
        hx.power_up()
        early = hx.is_ready()  # settling: 4 periods
        await asyncio.sleep(0.06)
        return out, gained, powered_down, early, hx.is_ready(), chip

    out, gained, powered_down, early, later, chip = run(main())
    assert out == [(123_456, False), (-654_321, False), (0x7FFFFF, True), (-0x800000, True)]
    assert gained == 500  # 1000 counts at gain 64
    assert powered_down == 1 and not early and later
    assert chip.period_us == 12_500


def test_stuck_dout_is_a_sensor_fault_not_a_hang() -> None:
    async def main():
        hx, chip, _, hx711 = _driver(lambda t: 1)
        chip.stuck = 1
        with pytest.raises(Exception) as err:
            hx.read_raw(timeout_ms=50)
        return err.value, hx711

    err, hx711 = run(main())
    assert err.code == 0x07  # codes.SENSOR_FAULT, raised by the firmware's driver


def test_ticks_wrap_like_micropython_and_drift() -> None:
    async def main():
        loop = asyncio.get_running_loop()
        clock = TwinClock(loop, drift_ppm=1000.0, boot_ticks_us=TICKS_PERIOD - 5_000)
        a = clock.ticks_us()
        await asyncio.sleep(1.0)
        return a, clock.ticks_us()

    a, b = run(main())
    assert b < a  # wrapped
    assert ticks_diff(b, a) == pytest.approx(1_001_000, abs=2)  # 1000 ppm fast
    assert ticks_add(TICKS_PERIOD - 1, 2) == 1 and ticks_diff(1, TICKS_PERIOD - 1) == 2


def test_two_twins_side_by_side_are_isolated() -> None:
    async def main():
        one, _ = await start_band(Load(10.0), seed=21)
        two, _ = await start_band(Load(90.0), seed=22)
        found = sorted(a.name for a in await scan(0.5, backend=virtual()))
        source = BleSource(two.name, backend=virtual())
        await source.start()
        values = []
        async for batch in source.batches():
            values.extend(batch.tension_n)
            if len(values) > 100:
                break
        await source.close()
        assert one.loader.modules["app"] is not two.loader.modules["app"]
        await one.close()
        await two.close()
        return one, two, found, values

    one, two, found, values = run(main())
    assert found == sorted([one.name, two.name])
    assert sum(values) / len(values) == pytest.approx(90.0, abs=0.1)
    assert one.sent.samples == 0 and two.sent.samples > 100


def test_a_dead_firmware_task_starves_the_watchdog_and_the_band_reboots() -> None:
    async def main():
        band, _ = await start_band(Load(0.0), seed=23)
        sampler_task = next(t for t in band._tasks if "Sampler.run" in repr(t.get_coro().cr_frame.f_locals["coro"]))
        sampler_task.cancel()
        await asyncio.sleep(12.0)
        boots = band.boots
        await band.close()
        return boots, band

    boots, band = run(main())
    assert boots == 2 and band.watchdog_resets == 1


def test_samples_are_stamped_at_the_conversion_edge_on_a_10ms_tick() -> None:
    """With asyncio held to the ESP32's 100 Hz tick, the firmware still stamps each sample at
    DOUT's falling edge: every timestamp within 1 ms of its conversion."""
    from taut import protocol

    async def main():
        band, _ = await start_band(Load(30.0), seed=8, os_tick_ms=10)
        stream_h = band.handle_of(protocol.STREAM_UUID)
        stamps: list[int] = []

        def grab(handle: int, pdu: bytes) -> bytes:
            if handle == stream_h:
                stamps.extend(int(t) for t in protocol.StreamPacket.from_bytes(pdu[3:]).time_us)
            return pdu

        band.add_pdu_filter(grab)
        source = BleSource(band.name, backend=virtual())
        await source.start()
        async for _ in source.batches():
            if len(stamps) >= 200:
                break
        await source.close()
        await band.close()
        return band, stamps

    band, stamps = run(main())
    boot = band.clock._boot_ticks_us
    edges = np.array([(boot + round(t * 1e6)) % TICKS_PERIOD for t in band.hx711.conversion_times_s])
    worst = max(int(np.min(np.abs(edges - t))) for t in stamps)
    assert worst <= 1000, f"a sample stamped {worst} us from its conversion"
    assert band.errors == []


def test_full_notification_buffers_cost_stream_packets_as_gaps_not_the_link() -> None:
    """The twin's stack raises ENOMEM when notifications outrun the link; the firmware drops
    stream packets (the host sees sequence gaps), keeps its control replies and never crashes."""

    async def main():
        band, _ = await start_band(Load(20.0), seed=9)
        source = BleSource(band.name, backend=virtual())
        await source.start()
        loop = asyncio.get_running_loop()
        n = 0
        async for _ in source.batches():
            n += 1
            if n == 20:
                band.ble.notify_buffers, band.ble.notify_rate_hz = 2, 8.0
                choked_until = loop.time() + 2.0
            if n > 20 and loop.time() > choked_until:
                band.ble.notify_buffers, band.ble.notify_rate_hz = 64, 1000.0
                break
        recovered = 0
        async for batch in source.batches():
            recovered += len(batch.tension_n)
            if recovered > 160:
                break
        assert source.band is not None
        settings = await source.band.get_settings()
        await source.close()
        await band.close()
        return band, source, settings

    band, source, settings = run(main())
    assert band.ble.enomem > 0
    assert source.stats.gaps > 0 and source.stats.lost_samples > 0
    assert settings.rate_hz == 80, "control replies still get through"
    assert band.errors == []
