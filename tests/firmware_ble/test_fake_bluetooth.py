"""The fake `bluetooth` module behaves like the ESP32 port where the firmware depends on it."""

import mpvm

_SCRIPT = r"""
import json, bluetooth, micropython
ble = bluetooth.BLE()
ble.active(True)
ble.config(mtu=247)
log = []
depth = [0]
def irq(event, data):
    depth[0] += 1
    log.append([event, depth[0], list(data[:2]) if event != 1 else data[0]])
    if event == 1 and len(log) == 1:
        ble.gap_disconnect(data[0])   # queues IRQ 2 from inside a handler
    depth[0] -= 1
ble.irq(irq)
((h_rw, h_n),) = ble.gatts_register_services(((bluetooth.UUID(0x1234), (
    (bluetooth.UUID(0x2345), bluetooth.FLAG_READ | bluetooth.FLAG_WRITE),
    (bluetooth.UUID(0x2346), bluetooth.FLAG_NOTIFY))),))
out = {}
try:
    ble.gap_advertise(100000, adv_data=b"x" * 32)
    out["long_adv"] = "accepted"
except OSError:
    out["long_adv"] = "refused"
ble.gap_advertise(100000, adv_data=b"x" * 31)
c = ble.central_connect()
out["sync_log"] = list(log)
x = 0
for i in range(5):
    x += i
out["log"] = list(log)
ble.gap_advertise(100000, adv_data=b"x")
c2 = ble.central_connect()
ble.central_mtu(c2, 100)
ble.central_write(c2, h_rw, b"y" * 40)
for i in range(5):
    x += i
out["cut20"] = len(ble.gatts_read(h_rw))
ble.gatts_set_buffer(h_rw, 64)
ble.central_write(c2, h_rw, b"z" * 40)
out["cut64"] = len(ble.gatts_read(h_rw))
ble.gatts_notify(c2, h_n, b"n" * 120)
out["notified"] = len(ble.notifications[-1][2])
out["truncated"] = ble.truncated
try:
    ble.gatts_notify(c, h_n, b"1")
    out["notify_gone"] = "sent"
except OSError:
    out["notify_gone"] = "refused"
out["mtu"] = ble.connected[c2]
def bad(event, data):
    log.append(["bad", event])
    raise ValueError("boom")
ble.irq(bad)
c3 = ble.central_connect(force=True)
ble._drain(None)
ble.central_disconnect(c3)
ble._drain(None)
out["after_raise"] = [e for e in log if e[0] == "bad"]
print(json.dumps(out))
"""


def test_fake_follows_the_port():
    out = mpvm.run(_SCRIPT).last
    assert out["long_adv"] == "refused"
    assert out["sync_log"] == [], "IRQs arrive later, through the scheduler"
    assert [e[:2] for e in out["log"]] == [[1, 1], [2, 1]], "in order, never nested"
    assert out["cut20"] == 20 and out["cut64"] == 40
    assert out["mtu"] == 100
    assert out["notified"] == 97 and out["truncated"] == 1
    assert out["notify_gone"] == "refused"
    assert out["after_raise"] == [["bad", 1]], "one exception and the handler is gone for good"


def test_fake_raises_and_resets_as_nimble_does():
    """modbluetooth.c + NimBLE: MTU 256 by default, OSError(EINVAL) for a bad handle,
    OSError(ENODEV) while inactive, gatts_set_buffer clears the value, an append-mode read
    empties the buffer."""
    out = mpvm.run(r"""
import json, bluetooth
ble = bluetooth.BLE()
out = {"mtu": ble.config("mtu")}
def err(fn, *a):
    try:
        fn(*a)
        return None
    except OSError as e:
        return ["OSError", e.args[0]]
    except Exception as e:
        return [type(e).__name__]
out["inactive"] = err(ble.gap_advertise, 100000, b"x")
ble.active(True)
((h,),) = ble.gatts_register_services(((bluetooth.UUID(0x1234), (
    (bluetooth.UUID(0x2345), bluetooth.FLAG_READ | bluetooth.FLAG_WRITE),)),))
out["bad_read"] = err(ble.gatts_read, 999)
out["bad_write"] = err(ble.gatts_write, 999, b"x")
ble.gatts_write(h, b"hello")
ble.gatts_set_buffer(h, 64, True)
out["after_resize"] = bytes(ble.gatts_read(h)).decode()
c = ble.central_connect(force=True)
ble.central_write(c, h, b"ab")
ble.central_write(c, h, b"cd")
out["appended"] = bytes(ble.gatts_read(h)).decode()
out["after_read"] = bytes(ble.gatts_read(h)).decode()
print(json.dumps(out))
""").last
    assert out == {"mtu": 256, "inactive": ["OSError", 19], "bad_read": ["OSError", 22],
                   "bad_write": ["OSError", 22], "after_resize": "", "appended": "abcd", "after_read": ""}
