"""main.py builds the real parts (board.py, the sampler and HX711 driver on the fake `machine`)
and the whole firmware streams in the VM."""

import numpy as np

import mpvm
from taut import protocol as p

_SCRIPT = r"""
import asyncio, json, machine, bluetooth, gatt
from binascii import hexlify
sim = machine.HX711Sim(dout=33, pd_sck=32, rate=27)
sim.timed = True
sim.raw = 219000          # 100 N at the factory scale of 2190 counts/N
machine.set_adc_uv(35, 1_950_000)   # 3.9 V cell behind the 1:2 divider
import main
app = main.build()
task = asyncio.create_task(app.run())
await asyncio.sleep_ms(10)
ble = bluetooth.BLE()
conn = ble.central_connect()
await asyncio.sleep_ms(2)
ble.central_mtu(conn, 247)
await asyncio.sleep_ms(2)
hc = ble.handle(gatt.CONTROL_UUID)
hs = ble.handle(gatt.STREAM_UUID)
refused = ble.central_write(conn, hc, b"\x01\x01")   # not paired yet: NimBLE refuses it
paired = ble.central_pair(conn)                         # within the first 60 s: bonded
await asyncio.sleep_ms(2)
ble.central_write(conn, hc, b"\x01\x01")
await asyncio.sleep_ms(2000)
ble.central_write(conn, hc, b"\x02\x02")
await asyncio.sleep_ms(50)
notes = [[n[1], hexlify(n[2]).decode()] for n in ble.notifications]
await asyncio.sleep_ms(main.WDT_DELAY_MS)   # the watchdog starts after the safe delay
wdt = machine.wdts[0]
print(json.dumps({"notes": notes, "hs": hs, "hc": hc, "name": ble.config("gap_name").decode(),
                  "feeds": wdt.feeds, "timeout": wdt.timeout_ms, "refused": refused, "paired": paired, "battery": hexlify(ble.gatts_read(ble.handle(0x2A19))).decode(),
                  "errors": ble.irq_errors}))
app.stop()
task.cancel()
"""


def test_main_streams_from_the_simulated_hx711():
    out = mpvm.run(_SCRIPT, is_async=True, max_sim_ms=20_000).last
    assert out["errors"] == []
    assert (out["refused"], out["paired"]) == (0x05, True), "control needs a bond: ATT 0x05 before pairing"
    assert out["name"].startswith("Taut-") and len(out["name"]) == 9
    control = [h for handle, h in out["notes"] if handle == out["hc"]]
    assert control == ["010100", "020200"]
    pkts = [p.StreamPacket.from_bytes(bytes.fromhex(h)) for handle, h in out["notes"] if handle == out["hs"]]
    assert pkts[0].first and [k.seq for k in pkts] == list(range(len(pkts)))
    t = np.concatenate([k.time_us for k in pkts]).astype(np.int64)
    v = np.concatenate([k.tension_n for k in pkts])
    # 80 samples/s for 2 s, less the HX711's settling time after power-up (up to 4 periods at
    # 10 samples/s before the RATE pin is set)
    assert 120 <= len(v) <= 161
    assert np.all(v == 100.0)
    assert all(k.uncalibrated for k in pkts)
    assert np.all(np.abs(np.diff(t) - 12500) <= 1000), "no sample lost (the VM's ticks_us has 1 ms steps)"
    assert out["feeds"] >= 2 and out["timeout"] >= 4000
    assert 0 < p.decode_battery_level(bytes.fromhex(out["battery"])) <= 100


_ALLOC = r"""
import gc, json, machine, bluetooth
sim = machine.HX711Sim(dout=33, pd_sck=32, rate=27)
sim.extend([219000 + 37 * i for i in range(64)])
sim.cycle = True
import main
app = main.build()
ble = bluetooth.BLE()
app.gatt.advertise()
conn = ble.central_connect()
ble.central_mtu(conn, 64)
ble._drain(None)
app.control.handle(b"\x01\x01")
ble.record = False
poll = app.sampler.poll
for _ in range(100):
    poll()
gc.collect()
gc.disable()
sent0 = ble.notify_count
n = 0
before = gc.mem_alloc()
while n < 1000:
    if poll():
        n += 1
after = gc.mem_alloc()
gc.enable()
print(json.dumps({"bytes": after - before, "samples": n, "sent": ble.notify_count - sent0,
                  "streaming": app.streaming}))
"""


def test_read_scale_pack_notify_allocates_nothing():
    out = mpvm.run(_ALLOC).last
    assert out["streaming"] is True
    assert out["samples"] == 1000
    assert out["sent"] >= 100, "packets really went out"
    assert out["bytes"] == 0


_BOOT = r"""
import asyncio, json, machine, bluetooth, board
sim = machine.HX711Sim(dout=board.HX711_DOUT_PIN, pd_sck=board.HX711_PD_SCK_PIN, rate=board.HX711_RATE_PIN)
sim.timed = True
"""


def test_safe_mode_pin_held_at_boot_runs_nothing_and_leaves_the_repl_free():
    out = mpvm.run(_BOOT + r"""
machine.set_input(board.SAFE_MODE_PIN, 0)
import main
main.main()
print(json.dumps({"wdts": len(machine.wdts), "adv": bluetooth.BLE().advertising is not None,
                  "led": machine.pin_level(board.LED_PIN)}))
""").last
    assert out == {"wdts": 0, "adv": False, "led": 1}


def test_an_init_error_blinks_a_code_instead_of_a_reboot_loop():
    out = mpvm.run(_BOOT + r"""
def broken():
    raise OSError(19)   # e.g. ENODEV from a part that is not there
board.make_hx711 = broken
import main
main.main()
t = machine.timers[-1]
levels = []
for _ in range(16):
    t.callback(t)
    levels.append(machine.pin_level(board.LED_PIN))
print(json.dumps({"wdts": len(machine.wdts), "levels": levels, "periodic": t.mode == machine.Timer.PERIODIC}))
""").last
    assert out["wdts"] == 0, "no watchdog: the REPL stays usable"
    assert out["periodic"] is True
    assert 1 in out["levels"] and 0 in out["levels"], "the LED blinks the error code"


def test_the_watchdog_starts_only_after_a_delay_that_leaves_time_to_interrupt():
    out = mpvm.run(_BOOT + r"""
import main
app = main.build()
created = len(machine.wdts)
task = asyncio.create_task(app.run())
await asyncio.sleep_ms(main.WDT_DELAY_MS - 1500)
early = len(machine.wdts)
await asyncio.sleep_ms(3000)
late = len(machine.wdts)
feeds = machine.wdts[0].feeds if machine.wdts else 0
app.stop()
task.cancel()
print(json.dumps({"created": created, "early": early, "late": late, "feeds": feeds,
                  "delay_ms": main.WDT_DELAY_MS}))
""", is_async=True, max_sim_ms=60_000).last
    assert out["created"] == 0 and out["early"] == 0
    assert out["late"] == 1 and out["feeds"] >= 1
    assert out["delay_ms"] >= 5000
