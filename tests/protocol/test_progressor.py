"""host/taut/progressor.py against tests/vectors/progressor.json (the firmware passes the same file)."""

import json
import struct
from pathlib import Path

import pytest

from taut import progressor as pg
from taut import protocol as p

VECTORS = json.loads((Path(__file__).resolve().parents[1] / "vectors" / "progressor.json").read_text())


def ids(cases):
    return [c["name"] for c in cases]


@pytest.mark.parametrize("case", VECTORS["weights"], ids=ids(VECTORS["weights"]))
def test_weight_frame_decodes_to_the_samples(case):
    frame = pg.decode(bytes.fromhex(case["hex"]))
    assert isinstance(frame, pg.WeightFrame)
    assert list(frame.time_us) == [t for t, _ in case["samples"]]
    for kg, n, (_, cn), kg_hex in zip(frame.kg, frame.tension_n, case["samples"], case["kg_hex"], strict=True):
        assert struct.pack("<f", kg).hex() == kg_hex
        # float32 keeps 24 bits: the force comes back within half an ulp of the float32 (2**-24 relative)
        assert n == pytest.approx(cn / 100, rel=2**-23, abs=1e-9)
    assert frame.to_bytes().hex() == case["hex"]
    assert len(bytes.fromhex(case["hex"])) <= case["mtu"] - 3


@pytest.mark.parametrize("case", VECTORS["responses"], ids=ids(VECTORS["responses"]))
def test_command_response_decodes(case):
    frame = pg.decode(bytes.fromhex(case["hex"]))
    assert isinstance(frame, pg.CommandResponse)
    if case["command"] == "battery":
        assert frame.battery_mv() == case["value"]
    elif case["command"] == "progressor_id":
        assert frame.payload[::-1].hex().upper() == case["value"]
    else:
        assert frame.text() == case["value"]
    assert frame.to_bytes().hex() == case["hex"]


@pytest.mark.parametrize("case", VECTORS["commands"], ids=ids(VECTORS["commands"]))
def test_command_encodes(case):
    assert pg.command_bytes(case["command"]).hex() == case["hex"]


@pytest.mark.parametrize("case", VECTORS["malformed"], ids=ids(VECTORS["malformed"]))
def test_malformed_frame_raises(case):
    err = getattr(p, case["error"])
    with pytest.raises(err):
        pg.decode(bytes.fromhex(case["hex"]))


def test_battery_response_of_the_wrong_size_is_an_error():
    with pytest.raises(p.BadLength):
        pg.CommandResponse(b"\x01\x02").battery_mv()


def test_unknown_command_name_is_an_error():
    with pytest.raises(ValueError, match="no Progressor command 'calibrate'"):
        pg.command_bytes("calibrate")


def test_taut_mark():
    assert pg.is_taut_mark({0xFFFF: b"TAUT"})
    assert not pg.is_taut_mark({0xFFFF: b"TAU"})
    assert not pg.is_taut_mark({0x0059: b"TAUT"})
