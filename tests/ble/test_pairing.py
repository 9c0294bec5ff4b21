"""Bonding for control over Bumble's own SMP, with the firmware unchanged on the twin: who may
write the control point, when a band accepts a new pairing, and what survives a reboot."""

from __future__ import annotations

import asyncio
import json

import pytest
from ble.helpers import start_band

from taut import protocol
from taut.ble import BandClient, NotPaired, PairingFailed, virtual
from taut.twin.virtual_time import run

STRANGER = "C0:DE:00:00:00:99"
WINDOW_S = 60.0


def _bonded_hosts(band) -> int:
    """How many hosts the band's flash keeps a bond for."""
    path = band.flash.path("/bonds.json")
    if not path.exists():
        return 0
    return len({key for _type, key, _value in json.loads(path.read_text())["secrets"]})


async def _client(band, host: str | None = None) -> BandClient:
    client = BandClient(band.address, backend=virtual(host_address=host) if host else virtual())
    await client.connect()
    return client


def test_a_strangers_control_write_is_refused_and_the_bonded_hosts_succeeds() -> None:
    async def main():
        band, _ = await start_band(seed=3)  # bonds with the default host at first power-on
        stranger = await _client(band, STRANGER)
        with pytest.raises(NotPaired) as refused:
            await stranger.set_calibration(0, 1.0)  # a stranger's calibration write: every reading x2190
        await stranger.disconnect()
        owner = await _client(band)
        settings = await owner.get_settings()
        await owner.set_rate(10)
        rate = (await owner.get_settings()).rate_hz
        await owner.disconnect()
        await band.close()
        return refused.value, settings, rate

    refused, settings, rate = run(main())
    assert refused.att_error == 0x05, "no bond for the stranger: insufficient authentication"
    assert "taut pair" in str(refused) and "60 s" in str(refused), "the error says how to pair"
    assert settings.counts_per_n != 1.0, "the stranger's write never reached the firmware"
    assert rate == 10


def test_pairing_outside_the_window_fails_and_a_button_press_opens_it() -> None:
    async def main():
        band, _ = await start_band(seed=4, pair_host=False)
        await asyncio.sleep(WINDOW_S + 1)
        host = await _client(band)
        with pytest.raises(PairingFailed) as late:
            await host.pair()
        await host.disconnect()
        stored_after_refusal = _bonded_hosts(band)
        band.hold_button(True)  # someone at the band presses the pair button
        await asyncio.sleep(0.3)
        band.hold_button(False)
        await asyncio.sleep(5.0)  # the window stays open 60 s after the press
        host = await _client(band)
        await host.pair()
        await host.set_rate(10)
        await host.disconnect()
        await asyncio.sleep(WINDOW_S)  # the window closed again: the bond still works
        host = await _client(band)
        rate = (await host.get_settings()).rate_hz
        await host.disconnect()
        stored = _bonded_hosts(band)
        await band.close()
        return late.value, stored_after_refusal, rate, stored

    late, stored_after_refusal, rate, stored = run(main())
    assert "60 s" in str(late) and "button" in str(late)
    assert stored_after_refusal == 0, "a refused pairing leaves no bond on the band"
    assert (rate, stored) == (10, 1)


def test_a_bond_survives_a_reboot_of_the_band() -> None:
    async def main():
        band, _ = await start_band(seed=5)
        await band.reboot()
        await asyncio.sleep(WINDOW_S + 1)  # no pairing window to lean on
        host = await _client(band)
        await host.set_rate(10)
        rate = (await host.get_settings()).rate_hz
        await host.disconnect()
        await band.close()
        return rate, band.boots

    assert run(main()) == (10, 2)


def test_unpair_then_write_fails_with_the_typed_error() -> None:
    async def main():
        band, _ = await start_band(seed=6)
        host = await _client(band)
        await host.get_settings()
        await host.unpair()
        host = await _client(band)
        with pytest.raises(NotPaired) as refused:
            await host.get_settings()
        await host.disconnect()
        await band.close()
        return refused.value

    refused = run(main())
    assert refused.att_error == 0x0F, "the band still holds its bond: insufficient encryption"


def test_factory_reset_needs_the_button_and_a_long_hold_forgets_every_bond() -> None:
    async def main():
        band, _ = await start_band(seed=7)
        host = await _client(band)
        await host.rename("Mine")
        with pytest.raises(protocol.ButtonRequired):
            await host.factory_reset()
        kept = await host.get_settings()
        band.hold_button(True)
        await asyncio.sleep(0.3)
        await host.factory_reset()  # over the air, with someone holding the button
        after_reset = await host.get_settings()
        await asyncio.sleep(11.0)  # held 10 s: the band forgets every host and drops the link
        band.hold_button(False)
        await asyncio.sleep(WINDOW_S + 1)
        hosts = _bonded_hosts(band)
        host = await _client(band)
        with pytest.raises(NotPaired) as refused:
            await host.get_settings()
        await host.disconnect()
        await band.close()
        return kept, after_reset, hosts, refused.value

    kept, after_reset, hosts, refused = run(main())
    assert kept.calibrated and not after_reset.calibrated, "FACTORY_RESET worked only with the button held"
    assert hosts == 0
    assert refused.att_error == 0x05
