"""taut.protocol against the shared vectors in tests/vectors (the firmware passes the same files)."""

import json
from pathlib import Path

import numpy as np
import pytest

from taut import protocol as p

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def load(name):
    return json.loads((VECTORS / name).read_text())


STREAM = load("stream.json")
CONTROL = load("control.json")
STATUS = load("status.json")


def ids(cases):
    return [c["name"] for c in cases]


@pytest.mark.parametrize("case", STREAM["valid"], ids=ids(STREAM["valid"]))
def test_stream_valid_decodes_and_encodes(case):
    data = bytes.fromhex(case["hex"])
    pkt = p.StreamPacket.from_bytes(data)
    samples = np.array(case["samples"])
    assert pkt.version == 1
    assert int(pkt.flags) == case["flags"]
    assert pkt.seq == case["seq"]
    assert pkt.t0_us == case["t0_us"]
    assert pkt.offsets_10us.dtype == np.uint16
    assert pkt.offsets_10us.tolist() == samples[:, 0].tolist()
    assert pkt.tension_cn.tolist() == samples[:, 1].tolist()
    assert len(pkt) <= p.batch_capacity(case["mtu"])
    assert len(data) <= case["mtu"] - 3
    assert pkt.to_bytes() == data
    again = p.StreamPacket(case["seq"], case["t0_us"], samples[:, 0], samples[:, 1], p.StreamFlags(case["flags"]))
    assert bytes(again) == data


@pytest.mark.parametrize("case", STREAM["malformed"], ids=ids(STREAM["malformed"]))
def test_stream_malformed_raises_typed_error(case):
    err = getattr(p, case["error"])
    with pytest.raises(err) as info:
        p.StreamPacket.from_bytes(bytes.fromhex(case["hex"]))
    assert type(info.value) is err
    assert isinstance(info.value, p.ProtocolError)
    assert "stream packet" in str(info.value)


def test_stream_physical_units_and_time():
    case = next(c for c in STREAM["valid"] if "overload" in c["name"])
    pkt = p.StreamPacket.from_bytes(bytes.fromhex(case["hex"]))
    assert pkt.overload.tolist() == [True, True, False, False]
    t = pkt.tension_n
    assert np.isnan(t[:2]).all()
    assert t[2:].tolist() == [83886.06, -83886.07]
    wrap = p.StreamPacket.from_bytes(bytes.fromhex(STREAM["valid"][1]["hex"]))
    assert wrap.time_us.tolist() == [0x3FFFFFF0, (0x3FFFFFF0 + 50) % (1 << 30)]


def _command(case):
    cls = getattr(p, case["command"])
    return cls(**case["fields"])


@pytest.mark.parametrize("case", CONTROL["requests"], ids=ids(CONTROL["requests"]))
def test_request_encodes_and_decodes(case):
    data = bytes.fromhex(case["hex"])
    req = p.ControlRequest(data[1], _command(case))
    assert req.to_bytes() == data
    back = p.ControlRequest.from_bytes(data)
    assert back == req
    assert back.opcode == data[0]
    assert len(data) <= 20, "every request must fit one write at MTU 23"


@pytest.mark.parametrize("case", CONTROL["malformed_requests"], ids=ids(CONTROL["malformed_requests"]))
def test_malformed_request_raises_with_the_device_result(case):
    err = getattr(p, case["error"])
    with pytest.raises(err) as info:
        p.ControlRequest.from_bytes(bytes.fromhex(case["hex"]))
    assert info.value.result == case["result"]
    resp = p.ControlResponse.from_bytes(bytes.fromhex(case["response"]))
    assert resp.result == case["result"] and resp.value is None


def _expected_value(case):
    v = case["value"]
    if isinstance(v, dict):
        return p.Settings(**v)
    return v


@pytest.mark.parametrize("case", CONTROL["responses"], ids=ids(CONTROL["responses"]))
def test_response_decodes_and_encodes(case):
    data = bytes.fromhex(case["hex"])
    resp = p.ControlResponse.from_bytes(data)
    assert (resp.opcode, resp.req_id, int(resp.result)) == (case["opcode"], case["req_id"], case["result"])
    assert resp.value == _expected_value(case)
    if case["result"] == 0:
        assert resp.check() == resp.value
    else:
        with pytest.raises(p.CommandFailed) as info:
            resp.check()
        assert info.value.result == case["result"]
        assert type(info.value) is p.COMMAND_ERRORS[p.Result(case["result"])]
    if not case.get("host_only"):
        assert resp.to_bytes() == data


@pytest.mark.parametrize("case", CONTROL["malformed_responses"], ids=ids(CONTROL["malformed_responses"]))
def test_malformed_response_raises(case):
    err = getattr(p, case["error"])
    with pytest.raises(err) as info:
        p.ControlResponse.from_bytes(bytes.fromhex(case["hex"]))
    assert type(info.value) is err


@pytest.mark.parametrize("case", STATUS["valid"], ids=ids(STATUS["valid"]))
def test_status_valid(case):
    data = bytes.fromhex(case["hex"])
    st = p.Status.from_bytes(data)
    assert int(st.flags) == case["flags"]
    assert st.battery_pct == (None if case["battery_pct"] == 255 else case["battery_pct"])
    assert st.rate_hz == case["rate_hz"]
    assert st.streaming == bool(case["flags"] & 1)
    assert st.calibrated == (not case["flags"] & 4)
    if not case.get("host_only"):
        assert st.to_bytes() == data


@pytest.mark.parametrize("case", STATUS["malformed"], ids=ids(STATUS["malformed"]))
def test_status_malformed(case):
    err = getattr(p, case["error"])
    with pytest.raises(err):
        p.Status.from_bytes(bytes.fromhex(case["hex"]))


def test_vectors_cover_every_opcode_and_result():
    assert {bytes.fromhex(c["hex"])[0] for c in CONTROL["requests"]} == {int(o) for o in p.Opcode}
    results = {c["result"] for c in CONTROL["responses"]} | {c["result"] for c in CONTROL["malformed_requests"]}
    assert results == {int(r) for r in p.Result}


def test_vectors_are_what_the_generator_writes(tmp_path):
    import subprocess
    import sys

    subprocess.run([sys.executable, str(VECTORS / "make_vectors.py"), str(tmp_path)], check=True)
    for name in ("stream.json", "control.json", "status.json"):
        assert (tmp_path / name).read_text() == (VECTORS / name).read_text(), name
