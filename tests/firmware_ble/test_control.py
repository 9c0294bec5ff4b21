"""Every control opcode through the real BLE write path in the VM, answered per docs/protocol.md."""

import json
from pathlib import Path

import pytest

from firmware_ble.appvm import run_app
from taut import protocol as p

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def resp(hexes):
    assert len(hexes) == 1, f"expected one response, got {hexes}"
    return p.ControlResponse.from_bytes(bytes.fromhex(hexes[0]))


def req(req_id, command):
    return p.ControlRequest(req_id, command).to_bytes().hex()


def test_every_opcode_succeeds_and_is_saved():
    body = "\n".join([
        "conn = await connect()",
        "out = {}",
        f"out['get0'] = await request(conn, '{req(1, p.GetSettings())}')",
        f"out['tare'] = await request(conn, '{req(2, p.Tare(0))}', 80)",
        "out['tare_call'] = sampler.calls[-1]",
        f"out['cal'] = await request(conn, '{req(3, p.Calibrate(1000))}', 80)",
        f"out['setcal'] = await request(conn, '{req(4, p.SetCalibration(-777, -512.25))}')",
        f"out['rate'] = await request(conn, '{req(5, p.SetRate(10))}')",
        "out['rates'] = sampler.rates",
        f"out['over'] = await request(conn, '{req(6, p.SetOverload(500))}')",
        f"out['rename'] = await request(conn, '{req(7, p.Rename('Grün-Band'))}')",
        "out['gap'] = ble.config('gap_name').decode()",
        f"out['get1'] = await request(conn, '{req(8, p.GetSettings())}')",
        f"out['start'] = await request(conn, '{req(9, p.StartStream())}')",
        "out['streaming'] = app.streaming",
        f"out['stop'] = await request(conn, '{req(10, p.StopStream())}')",
        "out['streaming2'] = app.streaming",
        f"out['reset0'] = await request(conn, '{req(13, p.FactoryReset())}')",
        "app.physical_presence = lambda: True  # the pair button held",
        f"out['reset'] = await request(conn, '{req(11, p.FactoryReset())}')",
        f"out['get2'] = await request(conn, '{req(12, p.GetSettings())}')",
        "out['gap2'] = ble.config('gap_name').decode()",
        "out['saved'] = saved",
        "ble.central_disconnect(conn)",
        "await asyncio.sleep_ms(5)",
        "out['resp'] = ble.advertising[2].decode()",
        "print(json.dumps(out))",
    ])
    out = run_app(body).last
    get0 = resp(out["get0"]).check()
    assert get0 == p.Settings(80, False, 0, 2190.0, 900, 196100)
    tare = resp(out["tare"])
    assert (tare.opcode, tare.req_id, tare.check()) == (p.Opcode.TARE, 2, -4321)
    assert out["tare_call"] == ["tare", 32], "n_samples 0 means the default 32"
    assert resp(out["cal"]).check() == 2048.5
    for key, rid in (("setcal", 4), ("rate", 5), ("over", 6), ("rename", 7), ("start", 9), ("stop", 10), ("reset", 11)):
        r = resp(out[key])
        assert (r.req_id, r.result, r.value) == (rid, p.Result.OK, None), key
    r = resp(out["reset0"])
    assert (r.req_id, r.result) == (13, p.Result.NEEDS_BUTTON), "no factory reset without the button"
    assert out["rates"] == [10, 80], "SET_RATE, then the factory reset's default rate"
    assert out["gap"] == "Grün-Band"
    assert resp(out["get1"]).check() == p.Settings(10, True, -777, -512.25, 500, 196100)
    assert out["streaming"] is True and out["streaming2"] is False
    assert resp(out["get2"]).check() == p.Settings(80, False, 0, 2190.0, 900, 196100)
    assert out["gap2"] == "Taut-A17B"
    assert out["resp"].endswith("Taut-A17B")
    saved = out["saved"]
    assert [s["offset_raw"] for s in saved[:2]] == [-4321, -4321]
    assert saved[1]["calibrated"] is True and saved[1]["counts_per_n"] == 2048.5
    assert saved[-2]["name"] == "Grün-Band" and saved[-2]["rate_hz"] == 10
    assert saved[-1] == {**saved[-1], "name": "Taut-A17B", "calibrated": False, "rate_hz": 80}
    assert len(saved) == 7  # tare, calibrate, set_cal, rate, overload, rename, reset


def test_malformed_writes_answered_like_the_vectors():
    cases = json.loads((VECTORS / "control.json").read_text())["malformed_requests"]
    lines = ["conn = await connect(mtu=247)", "out = []"]
    for c in cases:
        lines.append(f"out.append(await request(conn, '{c['hex']}', 8))")
    lines.append("print(json.dumps({'out': out, 'saved': saved, 'errors': ble.irq_errors}))")
    out = run_app("\n".join(lines)).last
    for case, got in zip(cases, out["out"], strict=True):
        assert got == [case["response"]], case["name"]
    assert out["saved"] == [] and out["errors"] == []


def test_over_long_write_is_seen_whole_not_cut():
    # 2 + 30 bytes: with the default 20-byte buffer this would be cut to a valid 18-byte name.
    out = run_app("""
conn = await connect(mtu=247)
r = await request(conn, b"\\x08\\x05" + b"N" * 30)
print(json.dumps({"r": r, "name": S.name}))
""").last
    assert out == {"r": ["080503"], "name": "Taut-A17B"}


@pytest.mark.parametrize(
    ("error", "result"), [("codes.MOVING", p.Result.MOVING), ("codes.SENSOR_FAULT", p.Result.SENSOR_FAULT)]
)
def test_tare_failures_change_nothing(error, result):
    out = run_app(f"""
conn = await connect()
sampler.error = {error}
r = await request(conn, "030720", 80)
print(json.dumps({{"r": r, "offset": S.offset_raw, "saved": saved, "busy": app.control.busy}}))
""").last
    r = resp(out["r"])
    assert (r.req_id, r.result) == (7, result)
    with pytest.raises(p.CommandFailed):
        r.check()
    assert out["offset"] == 0 and out["saved"] == [] and out["busy"] is False


def test_calibrate_needs_tare_and_a_tension_within_capacity():
    out = run_app("""
conn = await connect()
a = await request(conn, "0401" + hx(wire.encode_i32(1000)), 80)
b = await request(conn, "0402" + hx(wire.encode_i32(196101)), 80)
c = await request(conn, "0403" + hx(wire.encode_i32(196100)), 80)
print(json.dumps({"a": a, "b": b, "c": c, "calls": sampler.calls}))
""").last
    assert resp(out["a"]).result == p.Result.NOT_CALIBRATED
    assert resp(out["b"]).result == p.Result.OUT_OF_RANGE
    assert resp(out["c"]).result == p.Result.NOT_CALIBRATED
    assert out["calls"] == [["calibrate", 1000], ["calibrate", 196100]], "over capacity never reaches the sampler"


def test_busy_while_tare_runs():
    out = run_app("""
conn = await connect()
sampler.delay_ms = 200
first = await request(conn, "030100", 20)
during = []
for rid, data in ((2, "0102"), (3, "0703"), (4, "030400")):
    during += await request(conn, data, 10)
await asyncio.sleep_ms(250)
after = await request(conn, "0705")
print(json.dumps({"first": first, "during": during, "all": control(), "after": after}))
""").last
    assert out["first"] == []
    assert out["during"] == ["010205", "070305", "030405"]
    assert p.ControlResponse.from_bytes(bytes.fromhex(out["all"][-2])).check() == -4321
    assert resp(out["after"]).ok


def test_storage_error_keeps_the_old_settings():
    out = run_app("""
conn = await connect()
fail_save[0] = True
before = S.to_dict()
r = []
r += await request(conn, "0601" + "0a")
r += await request(conn, "0802" + hx(b"NewName"))
r += await request(conn, "0503" + hx(wire.encode_i32(5)) + hx(wire.encode_f32(100.0)))
r += await request(conn, "0a04" + "f401")
app.physical_presence = lambda: True  # the pair button held
r += await request(conn, "0905a5")
r += await request(conn, "030600", 80)
print(json.dumps({"r": r, "before": before, "after": S.to_dict(), "gap": ble.config("gap_name").decode(),
                  "rates": sampler.rates, "sampler_offset": sampler.settings.offset_raw}))
""").last
    assert [resp([h]).result for h in out["r"]] == [p.Result.STORAGE_ERROR] * 6
    assert out["after"] == out["before"]
    assert out["gap"] == "Taut-A17B"
    assert out["rates"] == [10, 80], "the rate went back to what it was"
    assert out["sampler_offset"] == 0


def test_start_stream_refused_on_sensor_fault():
    out = run_app("""
conn = await connect()
sampler.fault = True
r = await request(conn, "0109")
await asyncio.sleep_ms(150)
print(json.dumps({"r": r, "streaming": app.streaming, "status": status()}))
""").last
    assert resp(out["r"]).result == p.Result.SENSOR_FAULT
    assert out["streaming"] is False
    assert p.Status.from_bytes(bytes.fromhex(out["status"][-1])).sensor_fault


def test_set_calibration_rejected_by_sampler_changes_nothing():
    # counts_per_n passes the wire check (|x| >= 1) here; the sampler's apply() is the last word.
    out = run_app("""
conn = await connect()
def bad_apply(s):
    if s.counts_per_n == 3.0:
        raise codes.DeviceError(codes.OUT_OF_RANGE)
sampler.apply = bad_apply
r = await request(conn, "0501" + hx(wire.encode_i32(5)) + hx(wire.encode_f32(3.0)))
print(json.dumps({"r": r, "cpn": S.counts_per_n, "saved": saved}))
""").last
    assert resp(out["r"]).result == p.Result.OUT_OF_RANGE
    assert out["cpn"] == 2190.0 and out["saved"] == []
