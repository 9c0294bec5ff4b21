"""Writes tests/vectors/*.json from byte-level definitions made with `struct` alone, independent of
both implementations (host/taut/protocol.py, firmware/wire.py). Edit here, run
`python tests/vectors/make_vectors.py`, review the JSON diff; tests/protocol checks that the
committed JSON is what this script writes.
"""

import json
import re
import struct
import sys
from pathlib import Path

OUT = (sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).resolve().parent)) + "/"
FIRST, UNCAL, OVER = 4, 2, 1  # stream flags


def i24(v):
    """A signed 24-bit little-endian integer."""
    return (v & 0xFFFFFF).to_bytes(3, "little")


def pkt(flags, seq, t0, samples, version=1):
    """A stream packet: header (version, flags, seq, t0_us) then [offset_10us, tension_cn] pairs."""
    return struct.pack("<BBHI", version, flags, seq, t0) + b"".join(struct.pack("<H", o) + i24(v) for o, v in samples)


def ramp(n, step=1250):
    """n samples at 80 Hz spacing with varied positive and negative tensions."""
    return [(i * step, (i * 3701) % 40000 - 20000) for i in range(n)]


valid = [
 dict(name="first packet at MTU 23: two samples 12.5 ms apart", mtu=23, flags=FIRST, seq=0, t0_us=1000000, samples=[[0, 12345], [1250, -250]]),
 dict(name="uncalibrated, t0 just below the 2**30 tick wrap, second sample after the wrap", mtu=23, flags=UNCAL, seq=1, t0_us=0x3FFFFFF0, samples=[[0, 0], [5, 1]]),
 dict(name="overload codes high and low with the largest valid values", mtu=64, flags=OVER, seq=7, t0_us=123456, samples=[[0, 8388607], [1250, -8388608], [2500, 8388606], [3750, -8388607]]),
 dict(name="seq 65535 (the next one wraps to 0), one sample", mtu=23, flags=0, seq=65535, t0_us=42, samples=[[0, 100]]),
 dict(name="full batch at MTU 64: 10 samples", mtu=64, flags=0, seq=300, t0_us=987654321, samples=ramp(10)),
 dict(name="full batch at MTU 247: 47 samples at 80 Hz", mtu=247, flags=FIRST | UNCAL, seq=0, t0_us=5, samples=ramp(47)),
 dict(name="largest offset 65535 (655.35 ms span)", mtu=23, flags=0, seq=2, t0_us=1, samples=[[0, -1], [65535, -200000]]),
 dict(name="10 Hz samples at MTU 247", mtu=247, flags=0, seq=9, t0_us=77777, samples=[[0, 1500], [10000, 1600], [20000, 1700]]),
]
for v in valid: v["hex"] = pkt(v["flags"], v["seq"], v["t0_us"], v["samples"]).hex()
good = pkt(0, 3, 1000, [[0, 5], [1250, 6]])
malformed = [
 dict(name="empty", hex="", error="BadLength"),
 dict(name="version 2", hex=pkt(0, 3, 1000, [[0, 5]], version=2).hex(), error="UnsupportedVersion"),
 dict(name="version 0", hex=pkt(0, 3, 1000, [[0, 5]], version=0).hex(), error="UnsupportedVersion"),
 dict(name="version 2 with a layout this host cannot parse", hex="02000000", error="UnsupportedVersion"),
 dict(name="header only, no sample", hex=good[:8].hex(), error="BadLength"),
 dict(name="one byte too many", hex=(good + b"\x00").hex(), error="BadLength"),
 dict(name="half a sample missing", hex=good[:-2].hex(), error="BadLength"),
 dict(name="reserved flag bit 3", hex=pkt(8, 3, 1000, [[0, 5]]).hex(), error="ReservedBitsSet"),
 dict(name="reserved flag bit 7", hex=pkt(0x80, 3, 1000, [[0, 5]]).hex(), error="ReservedBitsSet"),
 dict(name="t0_us bit 30 set", hex=pkt(0, 3, 1 << 30, [[0, 5]]).hex(), error="ReservedBitsSet"),
 dict(name="t0_us bit 31 set", hex=pkt(0, 3, (1 << 31) | 7, [[0, 5]]).hex(), error="ReservedBitsSet"),
 dict(name="FIRST with seq 5", hex=pkt(FIRST, 5, 1000, [[0, 5]]).hex(), error="BadSequence"),
 dict(name="first offset not 0", hex=pkt(0, 3, 1000, [[10, 5]]).hex(), error="BadTimestamps"),
 dict(name="equal offsets", hex=pkt(0, 3, 1000, [[0, 5], [1250, 6], [1250, 7]]).hex(), error="BadTimestamps"),
 dict(name="decreasing offsets", hex=pkt(0, 3, 1000, [[0, 5], [2500, 6], [1250, 7]]).hex(), error="BadTimestamps"),
 dict(name="overload code without the OVERLOAD flag", hex=pkt(0, 3, 1000, [[0, 8388607]]).hex(), error="FlagMismatch"),
 dict(name="OVERLOAD flag without an overload code", hex=pkt(OVER, 3, 1000, [[0, 5]]).hex(), error="FlagMismatch"),
]
json.dump({"about": "Tension stream notifications (docs/protocol.md). valid: firmware packs `samples` "
           "[offset_10us, tension_cn] at `mtu` into exactly `hex`; host decodes `hex` into the fields and "
           "encodes them back. malformed: host raises taut.protocol.<error>.",
           "valid": valid, "malformed": malformed}, open(OUT + "stream.json", "w"), indent=1)

# control
def req(op, rid, payload=b""): return bytes([op, rid]) + payload
R = []
def r(name, hexb, command, fields, device_args): R.append(dict(name=name, hex=hexb.hex(), command=command, fields=fields, device_args=device_args))
r("START_STREAM", req(1, 1), "StartStream", {}, [None, None])
r("STOP_STREAM", req(2, 2), "StopStream", {}, [None, None])
r("TARE with the default count (0 -> 32)", req(3, 3, b"\x00"), "Tare", {"n_samples": 0}, [32, None])
r("TARE 4 samples (smallest)", req(3, 4, b"\x04"), "Tare", {"n_samples": 4}, [4, None])
r("TARE 255 samples (largest)", req(3, 255, b"\xff"), "Tare", {"n_samples": 255}, [255, None])
r("CALIBRATE with 10.00 N", req(4, 5, struct.pack("<i", 1000)), "Calibrate", {"known_tension_cn": 1000}, [1000, None])
r("CALIBRATE with 2000.00 N", req(4, 6, struct.pack("<i", 200000)), "Calibrate", {"known_tension_cn": 200000}, [200000, None])
r("SET_CALIBRATION", req(5, 7, struct.pack("<if", -123456, 2048.5)), "SetCalibration", {"offset_raw": -123456, "counts_per_n": 2048.5}, [-123456, 2048.5])
r("SET_CALIBRATION inverted cell, limits", req(5, 8, struct.pack("<if", 8388607, -1.0)), "SetCalibration", {"offset_raw": 8388607, "counts_per_n": -1.0}, [8388607, -1.0])
r("SET_CALIBRATION largest factor", req(5, 9, struct.pack("<if", -8388608, 1e6)), "SetCalibration", {"offset_raw": -8388608, "counts_per_n": 1e6}, [-8388608, 1e6])
r("SET_RATE 10", req(6, 10, b"\x0a"), "SetRate", {"rate_hz": 10}, [10, None])
r("SET_RATE 80", req(6, 11, b"\x50"), "SetRate", {"rate_hz": 80}, [80, None])
r("GET_SETTINGS", req(7, 12), "GetSettings", {}, [None, None])
r("RENAME ASCII", req(8, 13, b"Back-Band"), "Rename", {"name": "Back-Band"}, ["Back-Band", None])
r("RENAME one byte", req(8, 14, b"X"), "Rename", {"name": "X"}, ["X", None])
n18 = "Zugband-Grün-4242"; assert len(n18.encode()) == 18, len(n18.encode())
r("RENAME 18 bytes of UTF-8 (longest)", req(8, 15, n18.encode()), "Rename", {"name": n18}, [n18, None])
r("FACTORY_RESET", req(9, 16, b"\xa5"), "FactoryReset", {"guard": 0xA5}, [None, None])
r("SET_OVERLOAD 100 permille", req(10, 17, struct.pack("<H", 100)), "SetOverload", {"overload_permille": 100}, [100, None])
r("SET_OVERLOAD 1000 permille", req(10, 18, struct.pack("<H", 1000)), "SetOverload", {"overload_permille": 1000}, [1000, None])
r("SET_MODE progressor", req(11, 19, b"\x01"), "SetMode", {"mode": "progressor"}, ["progressor", None])
r("SET_MODE taut", req(11, 20, b"\x00"), "SetMode", {"mode": "taut"}, ["taut", None])
BL, UO, OOR = 2, 1, 3
E = {2: "BadLength", 1: "UnknownOpcode", 3: "OutOfRange"}
M = []
def m(name, data, result):
    resp = bytes([data[0] if data else 0, data[1] if len(data) > 1 else 0, result])
    M.append(dict(name=name, hex=data.hex(), result=result, error=E[result], response=resp.hex()))
m("empty write", b"", BL)
m("opcode only", b"\x01", BL)
m("opcode 0", req(0, 7), UO)
m("opcode 0x0C", req(0x0C, 8), UO)
m("opcode 0xFF with payload", req(0xFF, 9, b"\x01\x02"), UO)
m("START_STREAM with a payload", req(1, 10, b"\x00"), BL)
m("STOP_STREAM with a payload", req(2, 11, b"\x00\x00"), BL)
m("TARE without count", req(3, 12), BL)
m("TARE with 2 bytes", req(3, 13, b"\x20\x00"), BL)
m("TARE 1 sample", req(3, 14, b"\x01"), OOR)
m("TARE 3 samples", req(3, 15, b"\x03"), OOR)
m("CALIBRATE 3 bytes", req(4, 16, b"\xe8\x03\x00"), BL)
m("CALIBRATE 0 N", req(4, 17, struct.pack("<i", 0)), OOR)
m("CALIBRATE negative", req(4, 18, struct.pack("<i", -1000)), OOR)
m("SET_CALIBRATION 7 bytes", req(5, 19, struct.pack("<if", 0, 100.0)[:7]), BL)
m("SET_CALIBRATION factor 0", req(5, 20, struct.pack("<if", 0, 0.0)), OOR)
m("SET_CALIBRATION factor 0.5", req(5, 21, struct.pack("<if", 0, 0.5)), OOR)
m("SET_CALIBRATION factor -2e6", req(5, 22, struct.pack("<if", 0, -2e6)), OOR)
m("SET_CALIBRATION factor NaN", req(5, 23, struct.pack("<i", 0) + bytes.fromhex("0000c07f")), OOR)
m("SET_CALIBRATION factor +inf", req(5, 24, struct.pack("<i", 0) + bytes.fromhex("0000807f")), OOR)
m("SET_CALIBRATION offset beyond 24 bits", req(5, 25, struct.pack("<if", 8388608, 100.0)), OOR)
m("SET_RATE 20", req(6, 26, b"\x14"), OOR)
m("SET_RATE 0", req(6, 27, b"\x00"), OOR)
m("SET_RATE 2 bytes", req(6, 28, b"\x50\x00"), BL)
m("GET_SETTINGS with a payload", req(7, 29, b"\x00"), BL)
m("RENAME empty", req(8, 30), BL)
m("RENAME 19 bytes", req(8, 31, b"A" * 19), OOR)
m("RENAME invalid UTF-8", req(8, 32, b"Band\xff\xfe"), OOR)
m("RENAME cut UTF-8 sequence", req(8, 33, "Grün".encode()[:3]), OOR)
m("RENAME escape sequence (terminal control)", req(8, 38, b"Band\x1b[2J"), OOR)
m("RENAME C1 control character", req(8, 39, "Band\x9b".encode()), OOR)
m("RENAME DEL", req(8, 40, b"Band\x7f"), OOR)
m("RENAME bidi override", req(8, 41, "Band\u202e".encode()), OOR)
m("FACTORY_RESET wrong guard", req(9, 34, b"\x00"), OOR)
m("FACTORY_RESET without guard", req(9, 35), BL)
m("SET_OVERLOAD 99", req(10, 36, struct.pack("<H", 99)), OOR)
m("SET_OVERLOAD 1001", req(10, 37, struct.pack("<H", 1001)), OOR)
m("SET_OVERLOAD 1 byte", req(10, 38, b"\x64"), BL)
m("SET_MODE 2 (no such mode)", req(11, 42, b"\x02"), OOR)
m("SET_MODE without a mode", req(11, 43), BL)

S = struct.Struct("<BBifHI")
MODES = ("taut", "progressor")
def settings(rate, cal, off, cpn, pm, cap, mode="taut"): return S.pack(rate, 1 if cal else 0, off, cpn, pm, cap) + bytes([MODES.index(mode)])
def sf(rate, cal, off, cpn, pm, cap, mode="taut"): return dict(rate_hz=rate, calibrated=cal, offset_raw=off, counts_per_n=cpn, overload_permille=pm, capacity_cn=cap, mode=mode)
V = []
def v(name, opcode, rid, result, value, payload=b"", host_only=False):
    d = dict(name=name, hex=(bytes([opcode, rid, result]) + payload).hex(), opcode=opcode, req_id=rid, result=result, value=value)
    if host_only: d["host_only"] = True
    V.append(d)
v("START_STREAM OK", 1, 1, 0, None)
v("TARE OK with offset", 3, 3, 0, -123456, struct.pack("<i", -123456))
v("CALIBRATE OK with factor", 4, 5, 0, 2048.5, struct.pack("<f", 2048.5))
v("GET_SETTINGS OK calibrated", 7, 12, 0, sf(80, True, -123456, 2048.5, 800, 200000), settings(80, True, -123456, 2048.5, 800, 200000))
v("GET_SETTINGS OK factory defaults", 7, 13, 0, sf(10, False, 0, 100.0, 1000, 400000), settings(10, False, 0, 100.0, 1000, 400000))
v("GET_SETTINGS OK in Progressor mode", 7, 15, 0, sf(80, True, 7, 2190.0, 900, 196100, "progressor"), settings(80, True, 7, 2190.0, 900, 196100, "progressor"))
v("GET_SETTINGS OK from firmware before the mode byte (16 bytes: taut)", 7, 16, 0, sf(80, True, 5, 4.0, 500, 50000), settings(80, True, 5, 4.0, 500, 50000)[:16], host_only=True)
v("GET_SETTINGS OK with bytes appended by a later minor version", 7, 14, 0, sf(80, True, 5, 4.0, 500, 50000), settings(80, True, 5, 4.0, 500, 50000) + b"\x01\x02", host_only=True)
v("TARE BUSY", 3, 7, 5, None)
v("CALIBRATE NOT_CALIBRATED", 4, 9, 4, None)
v("TARE MOVING", 3, 10, 6, None)
v("TARE SENSOR_FAULT", 3, 11, 7, None)
v("RENAME STORAGE_ERROR", 8, 12, 8, None)
v("SET_RATE OUT_OF_RANGE", 6, 13, 3, None)
v("FACTORY_RESET NEEDS_BUTTON", 9, 15, 9, None)
v("unknown opcode echoed", 0x0C, 14, 1, None)
v("answer to a write too short for a req_id", 0, 0, 2, None)
MR = [
 dict(name="empty", hex="", error="BadLength"),
 dict(name="two bytes", hex="0101", error="BadLength"),
 dict(name="unknown result 0x0A", hex="01010a", error="UnknownResult"),
 dict(name="unknown result 0xFF", hex="0101ff", error="UnknownResult"),
 dict(name="TARE OK with 3-byte payload", hex="030300" + "000000", error="BadLength"),
 dict(name="START_STREAM OK with a payload", hex="01010000", error="BadLength"),
 dict(name="failure with a payload", hex="03020500", error="BadLength"),
 dict(name="OK for unknown opcode", hex="0d0100", error="UnknownOpcode"),
 dict(name="settings record 15 bytes", hex=(bytes([7, 1, 0]) + settings(80, True, 0, 100.0, 800, 1)[:15]).hex(), error="BadLength"),
 dict(name="settings reserved flag bit", hex=(bytes([7, 1, 0]) + S.pack(80, 3, 0, 100.0, 800, 1)).hex(), error="ReservedBitsSet"),
 dict(name="settings rate 20", hex=(bytes([7, 1, 0]) + settings(20, True, 0, 100.0, 800, 1)).hex(), error="OutOfRange"),
 dict(name="settings overload 50 permille", hex=(bytes([7, 1, 0]) + settings(80, True, 0, 100.0, 50, 1)).hex(), error="OutOfRange"),
 dict(name="settings factor 0", hex=(bytes([7, 1, 0]) + settings(80, True, 0, 0.0, 800, 1)).hex(), error="OutOfRange"),
 dict(name="settings mode 7", hex=(bytes([7, 1, 0]) + settings(80, True, 0, 100.0, 800, 1)[:16] + b"\x07").hex(), error="OutOfRange"),
]
json.dump({"about": "Control point (docs/protocol.md). requests: host encodes `command`(`fields`) with req_id to `hex`; "
           "firmware wire.decode_request(`hex`) returns (opcode, req_id, *device_args). malformed_requests: firmware "
           "answers `response` (result code `result`), host decode raises taut.protocol.<error> whose .result is `result`. "
           "responses: firmware encodes, host decodes `hex` (host_only: only the host decodes it). malformed_responses: "
           "host raises taut.protocol.<error>.",
           "requests": R, "malformed_requests": M, "responses": V, "malformed_responses": MR}, open(OUT + "control.json", "w"), indent=1)

T = struct.Struct("<HBB")
SV = [
 dict(name="idle, calibrated, battery 87%, 80 Hz", flags=0, battery_pct=87, rate_hz=80),
 dict(name="streaming with overload", flags=0x3, battery_pct=100, rate_hz=80),
 dict(name="not calibrated, low battery, 10 Hz", flags=0xC, battery_pct=4, rate_hz=10),
 dict(name="sensor fault, battery unknown", flags=0x10, battery_pct=255, rate_hz=80),
 dict(name="every flag, empty battery", flags=0x1F, battery_pct=0, rate_hz=10),
]
for s in SV: s["hex"] = T.pack(s["flags"], s["battery_pct"], s["rate_hz"]).hex()
SV.append(dict(name="with 2 bytes appended by a later minor version", flags=1, battery_pct=50, rate_hz=80, hex=(T.pack(1, 50, 80) + b"\xaa\xbb").hex(), host_only=True))
SM = [
 dict(name="3 bytes", hex=T.pack(0, 50, 80)[:3].hex(), error="BadLength"),
 dict(name="reserved flag bit 5", hex=T.pack(0x20, 50, 80).hex(), error="ReservedBitsSet"),
 dict(name="reserved flag bit 15", hex=T.pack(0x8000, 50, 80).hex(), error="ReservedBitsSet"),
 dict(name="battery 101%", hex=T.pack(0, 101, 80).hex(), error="OutOfRange"),
 dict(name="rate 20 Hz", hex=T.pack(0, 50, 20).hex(), error="OutOfRange"),
]
json.dump({"about": "Status characteristic (docs/protocol.md). valid: firmware wire.pack_status(flags, battery_pct, rate_hz) "
           "gives `hex`; host decodes it (battery 255 -> None) and encodes back (host_only: decode only). malformed: host raises "
           "taut.protocol.<error>.", "valid": SV, "malformed": SM}, open(OUT + "status.json", "w"), indent=1)

# Compact the [offset, tension] pairs onto one line each.
p = OUT + "stream.json"
text = open(p).read()
text = re.sub(r"\[\n\s+(-?\d+),\n\s+(-?\d+)\n\s+\]", r"[\1, \2]", text)
open(p, "w").write(text)

# progressor (the Tindeq Progressor-compatible mode)
from fractions import Fraction


def f32_nearest(q):
    """The float32 nearest to the rational q, ties to even, as 4 little-endian bytes (exact, no double rounding)."""
    b = struct.pack("<f", float(q))
    bits = struct.unpack("<I", b)[0]
    best = None
    for cand in (bits - 1, bits, bits + 1):
        if cand < 0 or (cand & 0x7FFFFFFF) >= 0x7F800000:
            continue
        val = Fraction(struct.unpack("<f", struct.pack("<I", cand))[0])
        err = abs(val - q)
        key = (err, cand & 1)
        if best is None or key < best[0]:
            best = (key, cand)
    return struct.pack("<I", best[1])


def kg(cn):
    """cn (0.01 N) as kg (N / 9.80665), float32 bytes."""
    return f32_nearest(Fraction(cn * 1000, 980665)) if cn else b"\0\0\0\0"


def weights(samples):
    """A weight frame: response code 1, length, then [f32 kg, u32 us] per [time_us, tension_cn] sample."""
    body = b"".join(kg(cn) + struct.pack("<I", t) for t, cn in samples)
    return bytes([1, len(body)]) + body


PW = [
 dict(name="two samples at MTU 23, the first at time 0", mtu=23, samples=[[0, 12345], [12500, -250]]),
 dict(name="one sample (a frame flushed early)", mtu=23, samples=[[5000, 100]]),
 dict(name="zero, the smallest and largest valid tensions", mtu=64, samples=[[0, 0], [12500, 1], [25000, -1], [37500, 8388606], [50000, -8388607]]),
 dict(name="u32 time beyond 2**30 us (18 minutes in) and near its end", mtu=64, samples=[[(1 << 30) + 7, 98067], [0xFFFFFFF0, -98067]]),
 dict(name="full frame at MTU 247: 30 samples at 80 Hz", mtu=247, samples=[[i * 12500, (i * 3701) % 40000 - 20000] for i in range(30)]),
 dict(name="tensions that fall near float32 rounding ties", mtu=64, samples=[[0, 980665], [100, 1961330], [200, 3], [300, 4194304], [400, 7]]),
]
for c in PW:
    c["kg_hex"] = [kg(cn).hex() for _, cn in c["samples"]]
    c["hex"] = weights(c["samples"]).hex()
PR = [
 dict(name="battery 3987 mV", command="battery", value=3987, hex=(bytes([0, 4]) + struct.pack("<I", 3987)).hex()),
 dict(name="battery unknown (0 mV)", command="battery", value=0, hex=(bytes([0, 4]) + struct.pack("<I", 0)).hex()),
 dict(name="firmware version", command="firmware_version", value="0.1.0", hex=(bytes([0, 5]) + b"0.1.0").hex()),
 dict(name="error information: none", command="error_info", value="", hex="0000"),
 dict(name="Progressor ID: the MAC's bytes, little-endian", command="progressor_id", value="240AC45EA17B", hex=(bytes([0, 6]) + bytes.fromhex("7ba15ec40a24")).hex()),
 dict(name="back to Taut mode", command="back_to_taut", value="TAUT", hex=(bytes([0, 4]) + b"TAUT").hex()),
]
PC = [
 dict(name="tare", command="tare", hex="64"),
 dict(name="start weight measurement", command="start", hex="65"),
 dict(name="stop weight measurement", command="stop", hex="66"),
 dict(name="firmware version", command="firmware_version", hex="6b"),
 dict(name="error information", command="error_info", hex="6c"),
 dict(name="battery voltage", command="battery", hex="6f"),
 dict(name="Progressor ID", command="progressor_id", hex="70"),
 dict(name="back to Taut mode (not the Progressor's)", command="back_to_taut", hex=b"TAUT".hex()),
]
PM = [
 dict(name="empty", hex="", error="BadLength"),
 dict(name="header only, length 1", hex="0101", error="BadLength"),
 dict(name="weight frame length not a multiple of 8", hex=(bytes([1, 4]) + b"\0" * 4).hex(), error="BadLength"),
 dict(name="length byte beyond the data", hex=(bytes([1, 16]) + b"\0" * 8).hex(), error="BadLength"),
 dict(name="weight frame without a sample", hex="0100", error="BadLength"),
 dict(name="response code 9", hex="090100", error="UnknownResult"),
 dict(name="weight NaN", hex=(bytes([1, 8]) + bytes.fromhex("0000c07f") + b"\0" * 4).hex(), error="OutOfRange"),
]
json.dump({"about": "Progressor-compatible mode (docs/protocol.md). weights: firmware packs `samples` [time_us since start, "
           "tension_cn] at `mtu` into exactly `hex` (kg = N / 9.80665 as the nearest float32, `kg_hex`); host decodes `hex`. "
           "responses: firmware answers `command` with `hex`; host decodes `value`. commands: host encodes `command` "
           "as `hex`. malformed: host raises taut.protocol.<error>.",
           "weights": PW, "responses": PR, "commands": PC, "malformed": PM}, open(OUT + "progressor.json", "w"), indent=1)
