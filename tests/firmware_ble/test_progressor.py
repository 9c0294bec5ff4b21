"""firmware/progressor.py in the MicroPython VM: the shared vectors, exact float32 rounding, no
allocation per sample, and the app in Progressor mode (GATT, advertising, commands, switching)."""

import json
import random
import struct
from fractions import Fraction
from pathlib import Path

import pytest
from firmware_ble.appvm import run_app

import mpvm

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
FILES = {"/vectors/progressor.json": (VECTORS / "progressor.json").read_bytes()}
CASES = json.loads((VECTORS / "progressor.json").read_text())


def f32_nearest(cn: int) -> str:
    """float32 nearest to cn / 980.665 (ties to even), exactly, as hex."""
    q = Fraction(cn * 1000, 980665)
    bits = struct.unpack("<I", struct.pack("<f", float(q)))[0]
    best = min(
        (abs(Fraction(struct.unpack("<f", struct.pack("<I", c))[0]) - q), c & 1, c)
        for c in ((bits - 1) & 0xFFFFFFFF, bits, bits + 1)
        if (c & 0x7FFFFFFF) < 0x7F800000
    )
    return struct.pack("<I", best[2]).hex()


_VECTORS_SCRIPT = """
import json, progressor
from binascii import hexlify
def hx(b): return hexlify(bytes(b)).decode()
d = json.load(open("/vectors/progressor.json"))
out = []
for c in d["weights"]:
    sent = []
    pk = progressor.WeightPacker(lambda v: sent.append(hx(v)))
    pk.set_mtu(c["mtu"])
    t0 = 1000
    pk.start(t0)
    now = 0
    for t, cn in c["samples"]:
        while t - now > (1 << 29):  # ticks_us wraps at 2**30: the clock is read more often than that
            now += 1 << 29
            pk.advance((t0 + now) & 0x3FFFFFFF)
        pk.add((t0 + t) & 0x3FFFFFFF, cn)
        now = t
    pk.flush()
    kg = []
    buf = bytearray(4)
    for _, cn in c["samples"]:
        progressor.put_kg(buf, 0, cn)
        kg.append(hx(buf))
    out.append([sent, kg, pk.n_max])
print(json.dumps(out))
"""


def test_weight_frames_match_the_vectors():
    got = mpvm.run(_VECTORS_SCRIPT, files=FILES).last
    for case, (sent, kg, n_max) in zip(CASES["weights"], got, strict=True):
        assert sent == [case["hex"]], case["name"]
        assert kg == case["kg_hex"], case["name"]
        assert n_max == (case["mtu"] - 5) // 8


def test_float32_of_every_kind_of_tension_is_the_nearest():
    rng = random.Random(14)
    values = [0, 1, -1, 2, 3, 7, 980665, -980665, 8388606, -8388607, 4194304]
    values += [rng.randint(-8388607, 8388606) for _ in range(1500)]
    values += [rng.randint(-3000, 3000) for _ in range(500)]
    script = """
import json, progressor
from binascii import hexlify
buf = bytearray(4)
out = []
for cn in json.load(open("/values.json")):
    progressor.put_kg(buf, 0, cn)
    out.append(hexlify(buf).decode())
print(json.dumps(out))
"""
    got = mpvm.run(script, files={"/values.json": json.dumps(values)}).last
    want = [f32_nearest(v) if v else "00000000" for v in values]
    assert got == want


def test_adding_samples_allocates_nothing():
    script = """
import gc, json, progressor
from sink import Sink
sink = Sink()
pk = progressor.WeightPacker(sink.send)
pk.set_mtu(247)
pk.start(5)
t = 10
def run(n):
    global t
    for i in range(n):
        t = (t + 12500) & 0x3FFFFFFF
        pk.add(t, (i * 3701) % 400000 - 200000)
run(100)
used = 0
before = 0
gc.collect()
gc.disable()
before = gc.mem_alloc()
run(2000)
used = gc.mem_alloc() - before
gc.enable()
print(json.dumps({"bytes": used, "frames": sink.frames}))
"""
    got = mpvm.run(script).last
    assert got["frames"] >= 60
    assert got["bytes"] == 0


_HELPERS = r"""
from progressor import DATA_UUID, CONTROL_UUID
H["pdata"] = ble.handle(DATA_UUID)
H["pcontrol"] = ble.handle(CONTROL_UUID)
bat.voltage_mv = lambda: 3987
def pnotes():
    return notes(H["pdata"])
async def pwrite(conn, data, wait_ms=30):
    before = len(pnotes())
    ble.central_write(conn, H["pcontrol"], data)
    await asyncio.sleep_ms(wait_ms)
    return pnotes()[before:]
"""


def test_progressor_mode_gatt_and_advertising():
    res = run_app(_HELPERS + """
adv = ble.advertising
print(json.dumps({"adv": hx(adv[1]), "resp": hx(adv[2]), "gap": ble.config_values["gap_name"],
                  "taut_control": H["control"] is not None}))
""", mode="progressor").last
    adv = bytes.fromhex(res["adv"])
    assert len(adv) <= 31
    assert bytes.fromhex("7e4e1701-1ea6-40c9-9dcc-13d34ffead57".replace("-", ""))[::-1] in adv
    assert adv.endswith(b"\x07\xff\xff\xffTAUT")
    assert bytes.fromhex(res["resp"])[2:] == b"Progressor_Taut-A17B"


def test_progressor_commands_and_weights():
    res = run_app(_HELPERS + """
conn = await connect(mtu=23)
out = {}
out["battery"] = await pwrite(conn, b"o")
out["version"] = await pwrite(conn, b"k")
out["id"] = await pwrite(conn, b"p")
out["errors"] = await pwrite(conn, b"l")
out["ignored"] = await pwrite(conn, b"j") + await pwrite(conn, b"i") + await pwrite(conn, b"q" + bytes(13))
await pwrite(conn, b"e")
fed = []
t = time.ticks_us()
for i in range(9):
    t = time.ticks_add(t, 12500)
    sampler.on_sample(t, 1000 * i - 3000)
    fed.append(1000 * i - 3000)
await asyncio.sleep_ms(80)
out["weights"] = [n for n in pnotes() if n.startswith("01")]
await pwrite(conn, b"f")
sampler.on_sample(time.ticks_add(t, 12500), 5)
await asyncio.sleep_ms(80)
out["after_stop"] = len([n for n in pnotes() if n.startswith("01")])
await pwrite(conn, b"d", wait_ms=100)
out["tare_calls"] = sampler.calls
out["saved"] = saved
out["settings"] = S.to_dict()
out["fed"] = fed
print(json.dumps(out))
""", mode="progressor").last
    assert res["battery"] == [(bytes([0, 4]) + struct.pack("<I", 3987)).hex()]
    assert bytes.fromhex(res["version"][0]) == b"\x00\x050.1.0"
    assert bytes.fromhex(res["id"][0]) == b"\x00\x06" + bytes.fromhex("240ac45ea17b")[::-1]
    assert res["errors"] == ["0000"]
    assert res["ignored"] == []  # calibration commands: no answer, nothing changed
    frames = [bytes.fromhex(h) for h in res["weights"]]
    assert all(len(f) <= 20 for f in frames)  # MTU 23
    pairs = [pair for f in frames for pair in struct.iter_unpack("<fI", f[2:])]
    assert [round(k * 980.665) for k, _ in pairs] == res["fed"]
    times = [t for _, t in pairs]
    assert 0 <= times[0] < 100_000  # us since the START command
    assert [b - a for a, b in zip(times, times[1:])] == [12500] * 8
    assert res["after_stop"] == len(frames)
    assert res["tare_calls"] == [["tare", 32]]
    assert res["saved"] == []  # tare holds until reboot; nothing saved
    assert res["settings"]["mode"] == "progressor"


def test_back_to_taut_from_the_progressor_side_saves_and_restarts():
    res = run_app(_HELPERS + """
resets = []
app._reset = lambda: resets.append(1)
conn = await connect()
reply = await pwrite(conn, b"TAUT", wait_ms=10)
before = len(resets)
await asyncio.sleep_ms(400)
print(json.dumps({"reply": reply, "saved": saved, "resets_before": before, "resets": len(resets)}))
""", mode="progressor").last
    assert res["reply"] == [(b"\x00\x04TAUT").hex()]
    assert [s["mode"] for s in res["saved"]] == ["taut"]
    assert res["resets_before"] == 0 and res["resets"] == 1


def test_set_mode_from_the_taut_side():
    res = run_app("""
resets = []
app._reset = lambda: resets.append(1)
conn = await connect()
out = {}
out["same"] = await request(conn, "0b0100")
out["bad"] = await request(conn, "0b0202")
out["settings_before"] = await request(conn, "0703")
out["to_progressor"] = await request(conn, "0b0401")
await asyncio.sleep_ms(400)
out["saved"] = saved
out["resets"] = len(resets)
fail_save[0] = True
out["fail"] = await request(conn, "0b0500")
print(json.dumps(out))
""").last
    assert res["same"] == ["0b0100"]
    assert res["bad"] == ["0b0203"]
    assert bytes.fromhex(res["settings_before"][0])[-1] == 0  # mode byte: taut
    assert len(bytes.fromhex(res["settings_before"][0])) == 20
    assert res["to_progressor"] == ["0b0400"]
    assert [s["mode"] for s in res["saved"]] == ["progressor"]
    assert res["resets"] == 1
    assert res["fail"] == ["0b0508"]  # back to taut cannot be saved: STORAGE_ERROR, mode unchanged


@pytest.mark.parametrize("mode", ["taut", "progressor"])
def test_settings_file_keeps_the_mode(mode):
    script = f"""
import json, settings as store
s = store.defaults("X")
s.mode = {mode!r}
store.save(s, "/s.json")
print(json.dumps([store.load("/s.json", "Y").mode]))
"""
    assert mpvm.run(script).last == [mode]


def test_settings_file_without_a_mode_boots_taut_and_a_bad_mode_falls_back():
    script = """
import json, settings as store
d = store.defaults("X").to_dict()
del d["mode"]
open("/a.json", "w").write(json.dumps(d))
d["mode"] = "bogus"
open("/b.json", "w").write(json.dumps(d))
a = store.load("/a.json", "Y")
b = store.load("/b.json", "Y")
print(json.dumps([a.mode, a.fallback, b.mode, b.fallback]))
"""
    assert mpvm.run(script).last == ["taut", None, "taut", "invalid"]
