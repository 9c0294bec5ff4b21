"""The GATT server in the VM: services, advertising, DIS/battery values, connections."""

import json

from firmware_ble.appvm import run_app

from taut import protocol as p


def test_services_advertising_and_device_info():
    out = run_app("""
conn = await connect()
svc = [[str(s[0]), [[str(c[0]), c[1]] for c in s[1]]] for s in ble.services]
print(json.dumps({
  "svc": svc, "adv": [hx(a[1]) for a in ble.adv_log], "resp": [hx(a[2]) for a in ble.adv_log],
  "dis": [ble.central_read(H[k]).decode() for k in ("manufacturer", "model", "firmware")],
  "battery": hx(ble.central_read(H["battery"])), "status": hx(ble.central_read(H["status"])),
  "gap_name": ble.config("gap_name").decode(), "advertising": ble.advertising is not None,
  "mtu": ble.config("mtu")}))
""").last
    taut, battery, dis = out["svc"]
    assert taut == [p.SERVICE_UUID, [[p.STREAM_UUID, 0x10], [p.CONTROL_UUID, 0x18], [p.STATUS_UUID, 0x12]]]
    assert battery == ["180f", [["2a19", 0x12]]]
    assert dis == ["180a", [["2a29", 2], ["2a24", 2], ["2a26", 2]]]
    adv = bytes.fromhex(out["adv"][0])
    assert len(adv) == 21 <= 31
    assert adv[:3] == bytes([2, 0x01, 0x06])
    assert adv[3:5] == bytes([17, 0x07])
    assert adv[5:] == __import__("uuid").UUID(p.SERVICE_UUID).bytes[::-1]
    resp = bytes.fromhex(out["resp"][0])
    assert resp == bytes([len("Taut-A17B") + 1, 0x09]) + b"Taut-A17B"
    assert out["gap_name"] == "Taut-A17B"
    assert out["dis"][0] and out["dis"][1] and out["dis"][2] == "0.1.0"
    assert p.decode_battery_level(bytes.fromhex(out["battery"])) == 87
    st = p.Status.from_bytes(bytes.fromhex(out["status"]))
    assert (st.battery_pct, st.rate_hz, st.calibrated, st.streaming) == (87, 80, False, False)
    assert out["advertising"] is False, "a connection stops advertising"
    assert out["mtu"] == 247


def test_advertising_restarts_after_disconnect_and_stream_stops():
    out = run_app("""
c1 = await connect(mtu=247)
r = await request(c1, "0101")
was = app.streaming
ble.central_disconnect(c1)
await asyncio.sleep_ms(5)
after = [app.streaming, ble.advertising is not None, len(ble.adv_log)]
c2 = await connect()
r2 = await request(c2, "0702")
print(json.dumps({"was": was, "after": after, "c2_mtu": app.gatt.mtu, "r2": r2, "errors": ble.irq_errors}))
""").last
    assert out["was"] is True
    assert out["after"] == [False, True, 2]
    assert out["c2_mtu"] == 23, "the MTU starts over with a new connection"
    assert p.ControlResponse.from_bytes(bytes.fromhex(out["r2"][0])).ok
    assert out["errors"] == []


def test_one_central_at_a_time():
    out = run_app("""
c1 = await connect()
c2 = ble.central_connect(force=True)
await asyncio.sleep_ms(5)
r1 = await request(c1, "0105")
print(json.dumps({"disc": ble.disconnects, "c1": c1, "c2": c2, "conn": app.gatt.conn,
                  "rejected": app.gatt.rejected, "r1": r1, "adv": ble.advertising is not None}))
""").last
    assert out["disc"] == [out["c2"]]
    assert out["conn"] == out["c1"]
    assert out["rejected"] == 1
    assert out["r1"] == ["010500"]
    assert out["adv"] is False, "dropping the second central must not restart advertising"


def test_connecting_needs_advertising():
    out = run_app("""
c1 = await connect()
try:
    ble.central_connect()
    res = "connected"
except OSError:
    res = "refused"
print(json.dumps({"res": res}))
""").last
    assert out["res"] == "refused"


def test_writes_from_other_centrals_or_handles_are_ignored():
    out = run_app("""
c1 = await connect()
try:
    ble.central_write(c1, H["status"], b"\\x01\\x01")
    res = "written"
except OSError:
    res = "refused"
await asyncio.sleep_ms(20)
print(json.dumps({"res": res, "control": control(), "handled": app.control.handled}))
""").last
    assert out == {"res": "refused", "control": [], "handled": 0}


def test_battery_and_low_battery_status_notified():
    out = run_app("""
c1 = await connect()
bat.pct = 12
bat.low = True
app.read_battery()
await asyncio.sleep_ms(150)
bat.pct = 255
bat.low = False
app.read_battery()
await asyncio.sleep_ms(150)
print(json.dumps({"battery": notes(H["battery"]), "status": status()}))
""", app_kw="{'battery_ms': 100000}").last
    assert out["battery"] == ["0c", "00"]
    sts = [p.Status.from_bytes(bytes.fromhex(h)) for h in out["status"]]
    assert [(s.battery_pct, s.low_battery) for s in sts] == [(12, True), (None, False)]


def test_irq_handler_survives_a_failing_stack_call():
    """MicroPython drops a BLE IRQ handler that raises once; a refused re-advertise after a
    disconnect must not cost the band its control point or its advertising."""
    out = run_app("""
c1 = await connect()
ble.fail_advertise = 1
ble.central_disconnect(c1)
await asyncio.sleep_ms(300)
adv = ble.advertising is not None
c2 = await connect()
r2 = await request(c2, "0702")
print(json.dumps({"adv": adv, "r2": r2, "errors": ble.irq_errors, "conn": app.gatt.conn == c2}))
""").last
    assert out["errors"] == [], "the handler never raised"
    assert out["adv"] is True, "advertising came back"
    assert out["conn"] is True
    assert len(out["r2"]) == 1 and p.ControlResponse.from_bytes(bytes.fromhex(out["r2"][0])).ok


def test_a_failed_connection_seen_only_as_a_disconnect_readvertises():
    out = run_app("""
ble.central_connect_fail()
await asyncio.sleep_ms(300)
adv = ble.advertising is not None
c = await connect()
r = await request(c, "0702")
print(json.dumps({"adv": adv, "r": len(r), "errors": ble.irq_errors}))
""").last
    assert out == {"adv": True, "r": 1, "errors": []}
