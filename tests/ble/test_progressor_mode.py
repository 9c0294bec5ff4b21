"""The virtual band (firmware on CPython over Bumble) in Progressor-compatible mode, read with bleak
through the Progressor service, and switched between modes from the CLI."""

from __future__ import annotations

import asyncio
import math

from ble.helpers import Load, start_band
from bleak import BleakClient

from taut import ble, progressor, protocol
from taut.cli import main
from taut.twin.virtual_time import run


def test_progressor_stream_carries_the_taut_streams_samples() -> None:
    """Both services stream from one sampler: the Progressor's kg are the Taut stream's N, in order."""

    async def go():
        band, load = await start_band(Load(120.0), seed=4, mode="progressor")
        load.wobble_n = 40.0
        backend = ble.virtual()
        adverts = await ble.scan(0.5, backend=backend)
        client = ble.BandClient(await ble.find_band(None, timeout_s=2.0, backend=backend), backend=backend)
        await client.connect()
        bleak: BleakClient = client._client
        frames: list[bytes] = []
        packets: list[bytes] = []
        await bleak.start_notify(progressor.DATA_UUID, lambda _c, data: frames.append(bytes(data)))
        await client.subscribe_stream(lambda data, _t: packets.append(data))

        async def command(op: progressor.Command | str) -> None:
            await bleak.write_gatt_char(progressor.CONTROL_UUID, progressor.command_bytes(op), response=False)
            await asyncio.sleep(0.05)

        await command(progressor.Command.BATTERY)
        await command(progressor.Command.FIRMWARE_VERSION)
        await client.start_stream()
        await asyncio.sleep(0.3)
        await command(progressor.Command.START)
        await asyncio.sleep(2.0)
        await command(progressor.Command.STOP)
        await asyncio.sleep(0.3)
        await client.stop_stream()
        await client.disconnect()
        await band.close()
        return adverts, frames, packets

    adverts, frames, packets = run(go())
    assert [(a.mode, a.name.startswith("Progressor_Taut-")) for a in adverts] == [("progressor", True)]
    decoded = [progressor.decode(f) for f in frames]
    replies = [d for d in decoded if isinstance(d, progressor.CommandResponse)]
    assert replies[0].battery_mv() > 3000 and replies[1].text() == "0.1.0"
    weights = [d for d in decoded if isinstance(d, progressor.WeightFrame)]
    kg = [k for w in weights for k in w.kg]
    times_us = [t for w in weights for t in w.time_us]
    assert 150 <= len(kg) <= 170  # 2 s at 80 samples/s
    assert all(0 < b - a < 20_000 for a, b in zip(times_us, times_us[1:]))
    taut_n = [s / 100 for p in packets for s in protocol.StreamPacket.from_bytes(p).tension_cn.tolist()]
    n = [k * progressor.STANDARD_GRAVITY for k in kg]
    # the Progressor's samples are a run of the Taut stream's, within float32 resolution
    start = min(range(len(taut_n) - 1), key=lambda i: abs(taut_n[i] - n[0]) + abs(taut_n[i + 1] - n[1]))
    for got, want in zip(n, taut_n[start : start + len(n)], strict=True):
        assert math.isclose(got, want, rel_tol=2**-23, abs_tol=1e-9)
    assert max(n) - min(n) > 40.0  # the band moved: the comparison is not of a constant


def test_cli_switches_modes_and_scan_tells_them(capsys) -> None:
    args = ["--virtual", "row", "--seed", "3", "--fast"]
    assert main(["scan", *args, "--progressor", "--scan-timeout", "0.5"]) == 0
    scan_out = capsys.readouterr().out
    assert main(["info", *args, "--progressor"]) == 0
    info_out = capsys.readouterr().out
    assert main(["firmware", "mode", "taut", *args, "--progressor"]) == 0
    back_out = capsys.readouterr().out
    assert main(["firmware", "mode", "progressor", *args]) == 0
    there_out = capsys.readouterr().out
    assert main(["firmware", "mode", "taut", *args]) == 0
    same_out = capsys.readouterr().out
    assert scan_out.splitlines()[1].split()[0].startswith("Progressor_Taut-")
    assert scan_out.splitlines()[1].split()[-1] == "progressor"
    assert "mode          progressor" in info_out
    assert back_out.strip().endswith("progressor mode -> taut mode")
    assert there_out.strip().endswith("taut mode -> progressor mode")
    assert same_out.strip().endswith("already in taut mode")


def test_progressor_flag_needs_the_virtual_band(capsys) -> None:
    assert main(["scan", "--progressor", "--scan-timeout", "0.5"]) == 2
    assert "--progressor needs the virtual band" in capsys.readouterr().err
