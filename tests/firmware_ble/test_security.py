"""Bonding for control in the MicroPython VM: the firmware's security.py and bonds.py against a
fake `bluetooth` that pairs in NimBLE's order (encryption update first, then the keys to store)."""

from firmware_ble.appvm import run_app

import mpvm

SECURE = "{'security': SECURITY}"


def test_pairing_in_the_window_gives_control_and_outside_it_is_refused():
    out = run_app("""
out = {}
c1 = await connect()
out["plain"] = ble.central_write(c1, H["control"], b"\\x07\\x01")
out["paired"] = ble.central_pair(c1)
out["ok"] = await request(c1, "0702")
ble.central_disconnect(c1)
await asyncio.sleep_ms(WINDOW_MS + 100)
c2 = await connect()
out["late_paired"] = ble.central_pair(c2)
await asyncio.sleep_ms(5)
out["dropped"] = c2 in ble.disconnects
out["refused"] = app.security.refused_pairings
out["peers"] = len(app.security.bonds.peers())
c3 = await connect()
out["restored"] = ble.central_encrypt(c3)   # the first host, whose bond survives
await asyncio.sleep_ms(5)
out["ok3"] = await request(c3, "0703")
print(json.dumps(out))
""", app_kw=SECURE, max_sim_ms=60_000).last
    assert out["plain"] == 0x05, "unencrypted: NimBLE refuses before the firmware sees it"
    assert out["paired"] is True and out["ok"][0].startswith("0702")
    assert out["late_paired"] is False and out["dropped"] is True and out["refused"] == 1
    assert out["peers"] == 1, "the late pairing left no bond"
    assert out["restored"] is True and out["ok3"][0].startswith("0703")


def test_button_press_opens_the_window_and_a_long_hold_is_a_factory_reset():
    out = run_app("""
out = {}
await asyncio.sleep_ms(WINDOW_MS + 100)
button.held = True
await asyncio.sleep_ms(300)
button.held = False
c1 = await connect()
out["paired"] = ble.central_pair(c1)
out["reset_no_button"] = await request(c1, "0904a5")
button.held = True
await asyncio.sleep_ms(300)
out["reset_button"] = await request(c1, "0905a5")
await asyncio.sleep_ms(10_500)
button.held = False
out["peers"] = len(app.security.bonds.peers())
out["dropped"] = c1 in ble.disconnects
out["saved"] = len(saved)
print(json.dumps(out))
""", app_kw=SECURE, max_sim_ms=60_000).last
    assert out["paired"] is True
    assert out["reset_no_button"] == ["090409"], "NEEDS_BUTTON without the button"
    assert out["reset_button"] == ["090500"]
    assert out["peers"] == 0 and out["dropped"] is True, "the 10 s hold forgot every host"
    assert out["saved"] == 2, "FACTORY_RESET, then the long hold's reset"


def _bonds_vm(script: str, files=None) -> mpvm.Result:
    prelude = "import json\nfrom bonds import Bonds\ndef out(**kw):\n    print(json.dumps(kw))\n"
    return mpvm.run(prelude + script, files=files or {"/flash/.keep": b""}, collect=["/flash/bonds.json"])


def test_bonds_keep_four_hosts_oldest_forgotten_and_survive_a_reload():
    first = _bonds_vm("""
b = Bonds("/flash/bonds.json")
for i in range(6):
    key = bytes((1, i, 0, 0, 0, 0, 0xC0))
    b.set(1, key, bytes((i,)) * 8)
    b.set(2, key, bytes((i,)) * 8)
b.set(10, b"irk", bytes(16))
out(peers=[k[1] for k in b.peers()], fallback=b.fallback)
""")
    second = _bonds_vm("""
b = Bonds("/flash/bonds.json")
out(peers=[k[1] for k in b.peers()], v=b.get(2, 0, bytes((1, 5, 0, 0, 0, 0, 0xC0)))[0], first=b.get(1, 0, None)[0],
    gone=b.get(1, 0, bytes((1, 0, 0, 0, 0, 0, 0xC0))), irk=len(b.get(10, 0, b"irk")))
""", files={"/flash/bonds.json": first.files["/flash/bonds.json"]})
    assert first.last["peers"] == [2, 3, 4, 5] and first.last["fallback"] is not None
    assert second.last == {"peers": [2, 3, 4, 5], "v": 5, "first": 2, "gone": None, "irk": 16}


def test_a_corrupt_bond_file_is_an_empty_store_not_a_crash():
    for junk in (b"{not json", b'{"v": 1, "secrets": [[1, "zz", "00"]]}', b"\xff\xfe", b'{"v": 9}'):
        res = _bonds_vm("""
b = Bonds("/flash/bonds.json")
ok = b.set(1, b"k" * 7, b"v" * 8)
out(peers=len(b.peers()), fallback=b.fallback, ok=ok)
""", files={"/flash/bonds.json": junk})
        assert res.last == {"peers": 1, "fallback": "missing or corrupt", "ok": True}, junk
