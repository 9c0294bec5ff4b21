"""@hangtime/grip-connect (npm, a Progressor client nobody here wrote) reads the firmware in
Progressor mode: the firmware runs in the MicroPython VM, the library under Node in the same
process, joined by a thin fake of the Web Bluetooth objects (grip_connect_driver.mjs)."""

import json
import math
from pathlib import Path

import pytest

from firmware_ble.appvm import run_app

DRIVER = Path(__file__).with_name("grip_connect_driver.mjs")

_BODY = r"""
import js
from progressor import DATA_UUID, CONTROL_UUID
H["pdata"] = ble.handle(DATA_UUID)
H["pcontrol"] = ble.handle(CONTROL_UUID)
bat.voltage_mv = lambda: 3987
conn = await connect(mtu=MTU)

class Bridge:
    def write(self, data_hex):
        ble.central_write(conn, H["pcontrol"], unhexlify(data_hex))

# 80 samples/s of a pull that rises and falls, handed to the firmware as its sampler would; `fed`
# keeps those the firmware had to put on the air (while the Progressor measurement ran).
fed = []
async def feed():
    t = time.ticks_us()
    i = 0
    while True:
        await asyncio.sleep_ms(12 + i % 2)  # 12.5 ms on average: `t` keeps up with ticks_us
        t = time.ticks_add(t, 12500)
        value_cn = (i * 7919) % 60000 - 5000 + (i % 7) * 3
        streaming = app.progressor.streaming
        sampler.on_sample(t, value_cn)
        if streaming:
            fed.append(value_cn)
        i += 1
feeder = asyncio.create_task(feed())

name = bytes(ble.adv_log[-1][2][2:]).decode()  # the scan response: the complete local name
driver = js.mpvmDriver
driver.start(Bridge(), name)
sent = 0
while not driver.state.done:
    ns = notes(H["pdata"])
    while sent < len(ns):
        driver.notify(ns[sent])
        sent += 1
    await asyncio.sleep_ms(1)
feeder.cancel()
print(json.dumps({"error": driver.state.error, "result": driver.state.result, "fed": fed,
                  "tare_calls": sampler.calls, "name": name, "frames": len(ns)}))
"""


@pytest.mark.parametrize("mtu", [23, 247])
def test_grip_connect_reads_the_firmware(mtu):
    out = run_app(_BODY.replace("MTU", str(mtu)), mode="progressor", driver=DRIVER, max_sim_ms=20_000).last
    assert out["error"] is None, out["error"]
    res = json.loads(out["result"])
    # found by the library's own filter (name prefix), as an app would
    assert any(f.get("namePrefix") and out["name"].startswith(f["namePrefix"]) for f in res["filters"])
    # its commands reached the firmware, and it parsed the replies it expects
    assert res["writes"][:3] == ["6f", "6b", "64"] and res["writes"][3:] == ["65", "66"]
    assert res["battery"] == "3987"
    assert res["firmware"] == "0.1.0"
    assert out["tare_calls"] == [["tare", 32]]
    # its decoder yields the firmware's samples, in order, within float32 resolution
    fed_n = [cn / 100 for cn in out["fed"]]
    assert len(fed_n) >= 100
    assert len(res["forces"]) == len(fed_n)
    for got, want in zip(res["forces"], fed_n):
        assert math.isclose(got, want, rel_tol=2**-23, abs_tol=1e-9), (got, want)
    # device timestamps: microseconds since the measurement started, 12.5 ms apart
    steps = {b - a for a, b in zip(res["packets"], res["packets"][1:])}
    assert steps == {12500}
    assert 0 <= res["packets"][0] < 20_000
