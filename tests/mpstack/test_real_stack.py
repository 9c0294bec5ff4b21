"""The unchanged firmware on the real MicroPython (unix port, NimBLE host stack) over a Bumble
controller on a pty; the host on the same radio through the project's bleak backend. Real time."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from ble.helpers import collect

from taut import protocol as p
from taut.ble import BandClient, BleSource, ControlTimeout, scan, virtual
from taut.mpstack.band import STANDINS_DIR, MicroPythonBand
from taut.protocol import CommandFailed

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
TENSION_N = 42.0
STREAM_S = 60.0


def _run(coro, timeout_s: float = 120.0):
    async def bounded():
        async with asyncio.timeout(timeout_s):
            return await coro

    return asyncio.run(bounded())


def _ad_fields(data: bytes) -> dict[int, bytes]:
    out, i = {}, 0
    while i + 1 < len(data) and data[i]:
        out[data[i + 1]] = data[i + 2 : i + 1 + data[i]]
        i += 1 + data[i]
    return out


def test_advertises_name_in_scan_response_and_service_in_advertisement(runtime) -> None:
    async def main():
        band = MicroPythonBand(lambda t: 0.0, seed=1, factory_calibrated=False)
        try:
            await band.start()
            c = band.radio.controller
            adv = _ad_fields(bytes(c.le_legacy_advertiser.advertising_data))
            resp = _ad_fields(band.radio.scan_response())
            found = await scan(1.0, backend=virtual())
            return band.name, band.address, adv, resp, found
        finally:
            await band.close()

    name, address, adv, resp, found = _run(main())
    service = bytes.fromhex(p.SERVICE_UUID.replace("-", ""))[::-1]
    assert adv[0x07] == service, "the 128-bit service UUID is in the advertisement"
    assert resp[0x09].decode() == name and name.startswith("Taut-") and len(name) == 9
    assert [(a.name, a.address) for a in found] == [(name, address)]


@pytest.fixture(scope="module")
def stream_60_s(runtime):
    """One 60 s stream at 80 Hz, MTU 185, with the collector off (heap reported every second)."""

    async def main():
        band = MicroPythonBand(lambda t: TENSION_N + 3.0 * np.sin(t), seed=2, heap_ms=1000, gc=False)
        try:
            await band.start()
            source = BleSource(band.name, backend=virtual(mtu=185))
            info = await source.start()
            t, y = await collect(source, STREAM_S)
            end_s = band.feed.session_time_s()
            await source.close()
            await asyncio.sleep(1.2)  # one more heap report after the stream stopped
            alive = band.process.running
            sent = dict(band.radio.controller.notified)
            return band, info, source.stats, t, y, alive, sent, end_s
        finally:
            await band.close()

    return _run(main(), timeout_s=STREAM_S + 60)


def test_streams_60_s_at_80_hz_every_sample_accounted_for_mtu_185(stream_60_s) -> None:
    band, info, stats, t, y, alive, sent, _ = stream_60_s
    assert info.mtu == 185 and info.manufacturer == "Taut"
    assert alive and band.boots == 1 and band.watchdog_resets == 0
    # Ground truth from the radio: every notification NimBLE sent on the stream arrived, in order.
    stream = max(sent.values(), key=len)
    seqs = [int.from_bytes(v[2:4], "little") for v in stream]
    assert seqs == list(range(len(seqs))) and len(seqs) == stats.packets
    assert sum((len(v) - p.HEADER_BYTES) // p.SAMPLE_BYTES for v in stream) == stats.samples
    assert max(len(v) for v in stream) <= 185 - 3
    # Samples the sampler missed (conversions never read) are counted, not lost.
    assert stats.lost_packets == 0 and stats.malformed == 0 and stats.duplicates == 0
    assert stats.samples + stats.missed_samples >= STREAM_S * 80 * 0.99
    assert stats.missed_samples <= 0.02 * stats.samples, f"sampling missed {stats.missed_samples} conversions"
    assert np.all(np.diff(t) > 0)
    assert abs(np.median(np.diff(t)) - 1 / 80) < 0.001
    assert 38.5 < y.min() and y.max() < 45.5


def test_streaming_allocates_nothing_per_sample(stream_60_s) -> None:
    """With the collector off every byte allocated and kept shows in mem_alloc(): none is kept.

    Measured from the first heap report after the watchdog started (its object is made once, 10 s
    after boot) to the last one before the central stopped the stream (a BLE write's IRQ
    allocates); the battery is read in that window too (every 30 s). A report can catch frames of
    calls in flight (a bytecode frame over 11 words lives on the heap until the call returns):
    a few hundred bytes either way, where one 32-byte block kept per sample would be 128 kB."""
    band, end_s = stream_60_s[0], stream_60_s[-1]
    assert band.wdt_started_s is not None
    steady = [h for h in band.heap if band.wdt_started_s < h.time_s < end_s]
    assert len(steady) >= 40
    grown = steady[-1].alloc_bytes - steady[0].alloc_bytes
    reads = steady[-1].reads - steady[0].reads
    assert reads > 35 * 80
    assert abs(grown) <= 1024, f"{grown} B allocated over {reads} samples ({grown / reads:.2f} B/sample)"
    assert grown / reads < 0.25


def test_a_central_that_never_asks_for_mtu_gets_23(runtime) -> None:
    async def main():
        band = MicroPythonBand(lambda t: 10.0, seed=3)
        try:
            await band.start()
            source = BleSource(band.name, backend=virtual(exchange_mtu=False))
            info = await source.start()
            await collect(source, 4.0)
            await source.close()
            return info, source.stats
        finally:
            await band.close()

    info, stats = _run(main())
    assert info.mtu == 23
    assert stats.lost_packets == 0 and stats.samples > 3 * 80
    assert stats.samples <= 2 * stats.packets, "MTU 23 carries at most two samples per packet"


def test_every_control_opcode_and_every_bad_write(runtime) -> None:
    cases = json.loads((VECTORS / "control.json").read_text())["malformed_requests"]

    async def main():
        band = MicroPythonBand(lambda t: 20.0, seed=4)
        try:
            await band.start()
            client = BandClient(band.address, backend=virtual(mtu=185))
            await client.connect()
            out = {"settings0": await client.get_settings()}
            out["tare"] = await client.tare(8)
            await client.set_calibration(out["tare"], 2190.0)
            out["rate"] = await client.set_rate(10)
            await client.set_overload(800)
            await client.rename("Grün-Band")
            await client.start_stream()
            await asyncio.sleep(0.5)
            out["status"] = await client.read_status()
            await client.stop_stream()
            out["settings1"] = await client.get_settings()
            band.hold_button(True)  # FACTORY_RESET needs someone at the band
            await asyncio.sleep(0.3)
            await client.factory_reset()
            band.hold_button(False)
            out["settings2"] = await client.get_settings()
            # Bad writes straight onto the control point, answered as the vectors say.
            raw = client._client
            answers: list[str] = []
            await raw.start_notify(p.CONTROL_UUID, lambda _c, data: answers.append(bytes(data).hex()))
            got = []
            for case in cases:
                answers.clear()
                await raw.write_gatt_char(p.CONTROL_UUID, bytes.fromhex(case["hex"]), response=True)
                for _ in range(100):
                    if answers:
                        break
                    await asyncio.sleep(0.01)
                got.append(list(answers))
            await client.disconnect()
            saved = json.loads((band.flash_dir / "settings.json").read_text())
            return out, got, saved, band.process.running
        finally:
            await band.close()

    out, got, saved, alive = _run(main())
    assert out["settings0"].rate_hz == 80 and out["settings0"].calibrated
    assert abs(out["tare"] - 8400 - 20 * 2190) < 500
    assert out["status"].flags & p.StatusFlags.STREAMING
    s1 = out["settings1"]
    assert (s1.rate_hz, s1.overload_permille, s1.counts_per_n) == (10, 800, 2190.0)
    assert out["settings2"].rate_hz == 80 and not out["settings2"].calibrated
    for case, answer in zip(cases, got, strict=True):
        assert answer == [case["response"]], case["name"]
    assert saved["calibrated"] is False and alive


def test_disconnect_then_advertises_again_and_takes_a_new_connection(runtime) -> None:
    async def main():
        band = MicroPythonBand(lambda t: 5.0, seed=5)
        try:
            await band.start()
            first = BandClient(band.address, backend=virtual())
            await first.connect()
            was_advertising = band.radio.advertising()
            await first.disconnect()
            for _ in range(200):
                if band.radio.advertising():
                    break
                await asyncio.sleep(0.01)
            again = band.radio.advertising()
            second = BandClient(band.address, backend=virtual())
            await second.connect()
            info = await second.read_info()
            await second.disconnect()
            return was_advertising, again, info, band.process.running
        finally:
            await band.close()

    was_advertising, again, info, alive = _run(main())
    assert not was_advertising and again and alive
    assert info.manufacturer == "Taut"


def test_the_stand_in_watchdog_resets_a_starved_process(runtime, tmp_path) -> None:
    script = tmp_path / "starve.py"
    script.write_text("import machine, time\nw = machine.WDT(timeout=300)\nwhile True:\n    time.sleep_ms(50)\n")
    env = {"MICROPYPATH": f"{STANDINS_DIR}:{runtime.lib_dir}", "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen([str(runtime.binary), str(script)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        t0 = time.monotonic()
        lines = [proc.stdout.readline().strip(), proc.stdout.readline().strip()]
        waited_s = time.monotonic() - t0
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert lines == ["@taut wdt 300", "@taut wdt-reset"]
    assert 0.3 <= waited_s < 2.0


def test_a_watchdog_reset_reboots_the_band_and_the_stream_starts_over(runtime) -> None:
    async def main():
        band = MicroPythonBand(lambda t: 15.0, seed=6)
        try:
            await band.start()
            first_address = band.address
            band._on_message("wdt-reset")  # what the stand-in WDT says when starved
            for _ in range(500):
                if band.boots == 2 and band.radio.advertising() and band.process.running:
                    break
                await asyncio.sleep(0.01)
            source = BleSource(band.name, backend=virtual())
            await source.start()
            await collect(source, 1.0)
            await source.close()
            return band.boots, band.watchdog_resets, source.stats, first_address
        finally:
            await band.close()

    boots, resets, stats, _ = _run(main())
    assert (boots, resets) == (2, 1)
    assert stats.samples > 40 and stats.lost_packets == 0


def test_back_pressure_drops_notifications_as_gaps_and_never_crashes(runtime) -> None:
    async def main():
        band = MicroPythonBand(lambda t: 30.0, seed=7)
        try:
            await band.start()
            source = BleSource(band.name, backend=virtual(exchange_mtu=False))
            await source.start()
            await collect(source, 1.0)
            band.radio.congest(10.0)  # the link carries 10 packets/s; the stream needs 40
            await collect(source, 4.0)
            band.radio.congest(None)
            await asyncio.sleep(1.0)
            before = source.stats.samples
            await collect(source, 2.0)
            after = source.stats.samples
            await source.close()
            return source.stats, after - before, band.process.running, band.boots
        finally:
            await band.close()

    stats, recovered, alive, boots = _run(main())
    assert alive and boots == 1, "back-pressure never crashes or resets the band"
    assert stats.lost_packets > 0 and stats.gaps > 0, "dropped notifications show as sequence gaps"
    assert recovered > 1.5 * 80 * 0.9, "the stream recovers once the link clears"


def test_control_reply_and_status_survive_a_stalled_link(runtime) -> None:
    state = {"over": False}

    async def main():
        band = MicroPythonBand(lambda t: (30.0, state["over"]), seed=8)
        try:
            await band.start()
            client = BandClient(band.address, backend=virtual(exchange_mtu=False))
            await client.connect()
            statuses: list[p.Status] = []
            await client.subscribe_stream(lambda data, t: None)
            await client.subscribe_status(lambda data: statuses.append(p.Status.from_bytes(data)))
            await client.start_stream()
            await asyncio.sleep(1.0)
            tare = asyncio.create_task(client.tare(255))  # answered about 3.2 s later
            await asyncio.sleep(0.3)
            band.radio.congest(0)  # the link stalls: NimBLE's buffers fill, notifies meet ENOMEM
            await asyncio.sleep(2.0)  # NimBLE's pool is full by now
            state["over"] = True  # overload about 1 s later (the feed runs 1 s ahead): a status change
            await asyncio.sleep(3.0)
            band.radio.congest(None)
            try:
                async with asyncio.timeout(3.0):
                    await tare
                answered = True
            except (TimeoutError, ControlTimeout):
                answered = False
            except CommandFailed:  # an answer (the overload saturates the tare): delivered
                answered = True
            await asyncio.sleep(1.0)
            overload_seen = bool(statuses) and statuses[-1].overload
            alive = band.process.running and band.boots == 1
            await client.disconnect()
            return answered, overload_seen, alive
        finally:
            await band.close()

    answered, overload_seen, alive = _run(main())
    assert alive, "a stalled link never crashes or resets the band"
    assert answered, "the control reply that met ENOMEM is sent once the link clears"
    assert overload_seen, "the status change that met ENOMEM is sent once the link clears"
