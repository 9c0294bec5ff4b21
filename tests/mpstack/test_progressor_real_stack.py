"""Progressor-compatible mode on the real MicroPython with NimBLE (real time): the GATT table with
four services, the 29-byte advertisement, weights and replies as a Progressor client reads them,
and the switch back to Taut mode, which restarts the band."""

from __future__ import annotations

import asyncio

from taut import progressor
from taut.ble import BandClient, scan, virtual
from taut.mpstack.band import MicroPythonBand

TENSION_N = 30.0


def test_progressor_mode_on_nimble_and_back(runtime) -> None:
    async def main():
        band = MicroPythonBand(lambda t: TENSION_N, seed=6, mode="progressor")
        try:
            await band.start()
            found = await scan(1.0, backend=virtual())
            client = BandClient(band.address, backend=virtual(mtu=185))
            await client.connect()
            raw = client._client
            frames: list[bytes] = []
            await raw.start_notify(progressor.DATA_UUID, lambda _c, data: frames.append(bytes(data)))

            async def command(op) -> None:
                await raw.write_gatt_char(progressor.CONTROL_UUID, progressor.command_bytes(op), response=True)
                await asyncio.sleep(0.2)

            await command("battery")
            await command("firmware_version")
            await command("start")
            await asyncio.sleep(1.5)
            await command("stop")
            await command("back_to_taut")
            boots = band.boots
            for _ in range(100):  # the band restarts into Taut mode
                await asyncio.sleep(0.1)
                after = await scan(0.5, backend=virtual())
                if after and after[0].mode == "taut":
                    break
            await client.disconnect()
            return found, frames, boots, after, band.boots
        finally:
            await band.close()

    async def bounded():
        async with asyncio.timeout(90):
            return await main()

    found, frames, boots_before, after, boots_after = asyncio.run(bounded())
    assert [(a.mode, a.name.startswith("Progressor_Taut-")) for a in found] == [("progressor", True)]
    decoded = [progressor.decode(f) for f in frames]
    replies = [d for d in decoded if isinstance(d, progressor.CommandResponse)]
    weights = [k for d in decoded if isinstance(d, progressor.WeightFrame) for k in d.kg]
    assert replies[0].battery_mv() > 3000 and replies[1].text() == "0.1.0"
    assert replies[-1].payload == b"TAUT"
    assert 80 <= len(weights) <= 140  # 1.5 s at 80 samples/s, real time
    assert all(abs(k * progressor.STANDARD_GRAVITY - TENSION_N) < 1.0 for k in weights)
    assert [a.mode for a in after] == ["taut"] and boots_after == boots_before + 1
