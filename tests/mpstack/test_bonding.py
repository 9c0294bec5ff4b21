"""Bonding for control on the real MicroPython with NimBLE: its SMP against Bumble's (LE Secure
Connections, Just Works), its own check of FLAG_WRITE_ENCRYPTED, the firmware's bond store."""

from __future__ import annotations

import asyncio
import json

import pytest

from taut import protocol as p
from taut.ble import BandClient, NotPaired, PairingFailed, virtual
from taut.mpstack.band import MicroPythonBand

STRANGER = "C0:DE:00:00:00:98"
WINDOW_MS = 3000  # the band's copy of security.py: wall-clock time is real here


def _run(coro, timeout_s: float = 90.0):
    async def bounded():
        async with asyncio.timeout(timeout_s):
            return await coro

    return asyncio.run(bounded())


async def _client(band, host: str | None = None) -> BandClient:
    client = BandClient(band.address, backend=virtual(host_address=host) if host else virtual())
    await client.connect()
    return client


def test_stranger_fails_bonded_succeeds_and_the_bond_survives_a_reboot(runtime) -> None:
    async def main():
        band = MicroPythonBand(lambda t: 10.0, seed=11, pairing_window_ms=WINDOW_MS)
        try:
            await band.start()  # the default host bonds within the window
            stranger = await _client(band, STRANGER)
            with pytest.raises(NotPaired) as refused:
                await stranger.set_calibration(0, 1.0)
            await stranger.disconnect()
            owner = await _client(band)
            await owner.set_rate(10)
            await owner.disconnect()
            address = band.address
            await band.reboot()
            owner = await _client(band)
            rate = (await owner.get_settings()).rate_hz
            await owner.disconnect()
            bonds = json.loads((band.flash_dir / "bonds.json").read_text())
            return refused.value, rate, address == band.address, bonds, band.process.running
        finally:
            await band.close()

    refused, rate, same_address, bonds, alive = _run(main())
    assert refused.att_error == 0x05 and "taut pair" in str(refused)
    assert rate == 10, "the bonded host's writes work, before and after the reboot"
    assert same_address
    assert {t for t, _k, _v in bonds["secrets"]} >= {1, 2}, "NimBLE's OUR and PEER secrets on flash"
    assert alive


def test_pairing_outside_the_window_fails_and_leaves_no_bond(runtime) -> None:
    async def main():
        band = MicroPythonBand(lambda t: 10.0, seed=12, pairing_window_ms=WINDOW_MS, pair_host=False)
        try:
            await band.start()
            await asyncio.sleep(WINDOW_MS / 1000 + 0.5)
            host = await _client(band)
            with pytest.raises(PairingFailed) as late:
                await host.pair()
            await host.disconnect()
            path = band.flash_dir / "bonds.json"
            hosts = len(json.loads(path.read_text())["secrets"]) if path.exists() else 0
            host = await _client(band)
            with pytest.raises(NotPaired) as refused:
                await host.get_settings()
            await host.disconnect()
            band.hold_button(True)
            await asyncio.sleep(0.3)
            band.hold_button(False)
            host = await _client(band)
            await host.pair()  # the button opened the window again
            settings = await host.get_settings()
            await host.disconnect()
            return late.value, hosts, refused.value, settings, band.process.running
        finally:
            await band.close()

    late, hosts, refused, settings, alive = _run(main())
    assert "pairing" in str(late) or "pair" in str(late)
    assert hosts == 0
    assert refused.att_error == 0x05
    assert isinstance(settings, p.Settings) and alive
