"""The stand-in `machine` in the real MicroPython: the HX711 fed by the physics model, DOUT's
falling-edge IRQ (for an edge-driven sampler), power-down, ADC; the firmware's own driver reads it."""

from __future__ import annotations

import json
import subprocess

from taut.mpstack.band import STANDINS_DIR
from taut.mpstack.feed import Feed
from taut.twin.loader import FIRMWARE_DIR
from taut.twin.loadcell import LoadCell


def run_mp(runtime, tmp_path, body: str, *, tension_n: float = 10.0, timeout_s: float = 20.0) -> tuple[dict, list[int]]:
    """Runs `body` (which prints one JSON line last) with the stand-ins, firmware/ and a fed HX711."""
    loadcell = LoadCell(lambda t: tension_n, seed=1)
    feed = Feed(tmp_path / "feed.bin", loadcell)
    feed.fill(ahead_s=timeout_s)
    script = tmp_path / "script.py"
    script.write_text(body)
    env = {"MICROPYPATH": f"{STANDINS_DIR}:{FIRMWARE_DIR}:{runtime.lib_dir}", "TAUT_MP_FEED": str(feed.path),
           "TAUT_MP_BATTERY_UV": "1975000", "PATH": "/usr/bin:/bin"}  # fmt: skip
    out = subprocess.run([str(runtime.binary), str(script)], env=env, capture_output=True, text=True,
                         timeout=timeout_s, check=False)  # fmt: skip
    feed.close()
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1]), [raw for _, _, raw in loadcell.history]


_SETUP = """
import asyncio, json, time, machine
from machine import Pin
from hx711 import HX711
dout = Pin(33, Pin.IN, Pin.PULL_UP)
sck = Pin(32, Pin.OUT, value=0)
rate = Pin(27, Pin.OUT, value=1)
hx = HX711(dout, sck)
"""


def test_edge_driven_reads_get_every_conversion_at_80_hz(runtime, tmp_path) -> None:
    out, fed = run_mp(runtime, tmp_path, _SETUP + """
flag = asyncio.ThreadSafeFlag()
edges = [0]
def on_edge(pin):
    edges[0] += 1
    flag.set()
dout.irq(handler=on_edge, trigger=Pin.IRQ_FALLING)
vals = []
async def main():
    t0 = time.ticks_ms()
    while time.ticks_diff(time.ticks_ms(), t0) < 2000:
        await flag.wait()
        if hx.is_ready():
            vals.append(hx.read_raw())
    dout.irq(None)
asyncio.run(main())
print(json.dumps({"vals": vals, "edges": edges[0], "stats": machine.hx711_stats()}))
""")
    reads, missed, late, downs = out["stats"]
    assert 140 <= reads == len(out["vals"]) <= 162, "80 conversions a second after 4 periods of settling"
    assert missed == late == downs == 0
    # One edge when a conversion is ready, and at most one more per data bit clocked out: the
    # driver turns interrupts off for one clock pulse at a time, so DOUT's falls while bits are
    # read show as edges too (the sampler ignores a wake-up with no conversion ready).
    assert reads <= out["edges"] <= 25 * reads + 2
    assert set(out["vals"]) <= set(fed)


def test_polling_reads_and_power_down_follow_the_datasheet(runtime, tmp_path) -> None:
    out, fed = run_mp(runtime, tmp_path, _SETUP + """
vals = []
t0 = time.ticks_ms()
while time.ticks_diff(time.ticks_ms(), t0) < 500:
    if hx.is_ready():
        vals.append(hx.read_raw())
    time.sleep_ms(1)
hx.power_down()
time.sleep_ms(5)
down = (dout.value(), machine.hx711_stats()[3])
hx.power_up()
ready_at = None
t1 = time.ticks_ms()
while time.ticks_diff(time.ticks_ms(), t1) < 500:
    if hx.is_ready():
        ready_at = time.ticks_diff(time.ticks_ms(), t1)
        break
adc = machine.ADC(Pin(35), atten=machine.ADC.ATTN_11DB)
print(json.dumps({"vals": vals, "down": down, "ready_ms": ready_at, "uv": adc.read_uv()}))
""", tension_n=-3.0)
    assert 30 <= len(out["vals"]) <= 37 and set(out["vals"]) <= set(fed)
    assert all(v < 8400 for v in out["vals"]), "a negative tension reads below the zero offset"
    assert out["down"] == [1, 1], "PD_SCK held high powers the chip down: DOUT high"
    assert 45 <= out["ready_ms"] <= 80, "after power-up it settles for 4 periods (50 ms at 80 Hz)"
    assert out["uv"] == 1975000


def test_a_periodic_timer_calls_back_until_deinit(runtime, tmp_path) -> None:
    out, _ = run_mp(runtime, tmp_path, """
import json, machine, time
n = [0]
def tick(t):
    n[0] += 1
t = machine.Timer(0)
t.init(mode=machine.Timer.PERIODIC, period=50, callback=tick)
time.sleep_ms(520)
t.deinit()
k = n[0]
time.sleep_ms(200)
print(json.dumps({"k": k, "n": n[0]}))
""")
    assert 8 <= out["k"] <= 10 and out["n"] == out["k"]


def test_boot_mounts_the_flash_as_root_and_keeps_asyncio_whole(runtime, tmp_path) -> None:
    flash = tmp_path / "flash"
    flash.mkdir()
    (flash / "main.py").write_text("""
import asyncio, json, os
def main():
    with open("/settings.json.tmp", "w") as f:
        f.write("new")
    os.rename("/settings.json.tmp", "/settings.json")
    print(json.dumps({"root": sorted(os.listdir("/")), "flag": asyncio.ThreadSafeFlag.__name__,
                      "gather": asyncio.gather.__name__, "lock": asyncio.Lock.__name__}))
""")
    (flash / "settings.json").write_text("old")
    env = {"MICROPYPATH": f"{STANDINS_DIR}:{runtime.lib_dir}", "TAUT_MP_FLASH": str(flash), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([str(runtime.binary), str(STANDINS_DIR / "taut_boot.py")], env=env, capture_output=True,
                         text=True, timeout=10, check=False)  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "@taut boot"
    assert json.loads(lines[-1]) == {"root": ["main.py", "settings.json"], "flag": "ThreadSafeFlag",
                                     "gather": "gather", "lock": "Lock"}  # fmt: skip
    assert (flash / "settings.json").read_text() == "new", "rename works on the mounted flash"
