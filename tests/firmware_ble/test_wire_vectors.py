"""firmware/wire.py in the MicroPython VM against the shared vectors in tests/vectors."""

import json
from pathlib import Path

import pytest

import mpvm

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
FILES = {f"/vectors/{p.name}": p.read_bytes() for p in VECTORS.glob("*.json")}

_SCRIPT = """
import json, wire, codes
from binascii import hexlify, unhexlify
def hx(b): return hexlify(bytes(b)).decode()
out = {"stream": [], "requests": [], "malformed": [], "responses": [], "status": []}
stream = json.load(open("/vectors/stream.json"))
for c in stream["valid"]:
    sent = []
    pk = wire.StreamPacker(lambda v: sent.append(hx(v)))
    pk.set_mtu(c["mtu"])
    if c["flags"] & wire.F_FIRST:
        pk.start()
    else:
        pk.seq = c["seq"]
    pk.uncalibrated = bool(c["flags"] & wire.F_UNCALIBRATED)
    for off, v in c["samples"]:
        pk.add((c["t0_us"] + 10 * off) & 0x3FFFFFFF, v)
    pk.flush()
    out["stream"].append([sent, pk.n_max, pk.seq])
control = json.load(open("/vectors/control.json"))
for c in control["requests"]:
    out["requests"].append(list(wire.decode_request(unhexlify(c["hex"]))))
for c in control["malformed_requests"]:
    data = unhexlify(c["hex"])
    try:
        wire.decode_request(data)
        out["malformed"].append(["accepted", None])
    except codes.DeviceError as e:
        out["malformed"].append([e.code, hx(wire.encode_error_for(data, e.code))])
for c in control["responses"]:
    if c.get("host_only"):
        out["responses"].append(None)
        continue
    v = c["value"]
    payload = b""
    if isinstance(v, dict):
        payload = wire.encode_settings(v["rate_hz"], v["calibrated"], v["offset_raw"], v["counts_per_n"],
                                       v["overload_permille"], v["capacity_cn"], v.get("mode", "taut"))
    elif isinstance(v, float):
        payload = wire.encode_f32(v)
    elif isinstance(v, int):
        payload = wire.encode_i32(v)
    out["responses"].append(hx(wire.encode_response(c["opcode"], c["req_id"], c["result"], payload)))
status = json.load(open("/vectors/status.json"))
buf = bytearray(wire.STATUS_BYTES)
for c in status["valid"]:
    wire.pack_status(buf, c["flags"], c["battery_pct"], c["rate_hz"])
    out["status"].append(hx(buf))
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def vm_out():
    return mpvm.run(_SCRIPT, files=FILES).last


def load(name):
    return json.loads((VECTORS / name).read_text())


def test_stream_packets_match_vectors(vm_out):
    cases = load("stream.json")["valid"]
    assert len(vm_out["stream"]) == len(cases)
    for case, (sent, n_max, seq_after) in zip(cases, vm_out["stream"]):
        assert sent == [case["hex"]], case["name"]
        assert n_max == (case["mtu"] - 11) // 5
        assert seq_after == (case["seq"] + 1) % 65536, case["name"]


def test_requests_decode_like_the_host(vm_out):
    cases = load("control.json")["requests"]
    for case, got in zip(cases, vm_out["requests"], strict=True):
        data = bytes.fromhex(case["hex"])
        assert got == [data[0], data[1], *case["device_args"]], case["name"]


def test_malformed_requests_get_the_documented_result(vm_out):
    cases = load("control.json")["malformed_requests"]
    for case, (code, response) in zip(cases, vm_out["malformed"], strict=True):
        assert code == case["result"], case["name"]
        assert response == case["response"], case["name"]


def test_responses_encode_like_the_vectors(vm_out):
    cases = load("control.json")["responses"]
    checked = 0
    for case, got in zip(cases, vm_out["responses"], strict=True):
        if case.get("host_only"):
            continue
        assert got == case["hex"], case["name"]
        assert len(bytes.fromhex(got)) <= 20
        checked += 1
    assert checked >= 10


def test_status_packs_like_the_vectors(vm_out):
    cases = [c for c in load("status.json")["valid"]]
    for case, got in zip(cases, vm_out["status"], strict=True):
        if not case.get("host_only"):
            assert got == case["hex"], case["name"]
