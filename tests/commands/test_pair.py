"""`taut pair` and `taut unpair` against the virtual band (a fresh band, not paired yet)."""

from __future__ import annotations

import json

from taut.ble import client as ble_client
from taut.ble.errors import PairingFailed
from taut.cli import main


def test_pair_then_unpair_on_the_virtual_band(capsys, _ble_key_store) -> None:
    assert main(["pair", "--virtual", "row", "--seed", "3", "--fast"]) == 0
    paired = capsys.readouterr().out
    hosts = json.loads(_ble_key_store.read_text())
    assert main(["unpair", "--virtual", "row", "--seed", "3", "--fast"]) == 0
    unpaired = capsys.readouterr().out
    left = json.loads(_ble_key_store.read_text())
    assert paired.startswith("paired with Taut-") and "calibrate" in paired
    assert unpaired.startswith("unpaired from Taut-") and "taut pair" in unpaired
    (keys,) = hosts.values()
    assert len(keys) == 1, "the host keeps one bond: the band's"
    assert all(not v for v in left.values()), "unpair forgot it"


def test_a_refused_pairing_is_one_error_line_and_exit_2(capsys, monkeypatch) -> None:
    async def refuse(self) -> None:
        raise PairingFailed("the band did not pair: it accepts new pairings only within 60 s of being switched on")

    monkeypatch.setattr(ble_client.BandClient, "pair", refuse)
    assert main(["pair", "--virtual", "row", "--fast"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "60 s" in err[0]
