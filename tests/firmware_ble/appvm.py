"""Run firmware/app.py in the MicroPython VM with the fake `bluetooth` and a scripted sampler.

`run_app(body)` runs `body` (top-level await allowed) after a prelude that builds an App with:
ble (the fake BLE), S (its Settings), sampler (FakeSampler: tests inject samples with
`sampler.on_sample(t_us, value_cn)` and script tare/calibrate outcomes), bat, wdt, led, saved
(list of saved settings dicts), fail_save ([False]: set True to make saving fail), H (value
handles by name), button (Button: .held) and helpers (app_kw="{'security': SECURITY}" gives the
app a Security over /bonds.json and that button, with a WINDOW_MS pairing window):
  conn = await connect(mtu=None)            a central connects (and exchanges the MTU)
  resp = await request(conn, hex, wait_ms)  write the control point, return the new responses
  stream(conn) / control(conn) / status()   notifications so far (hex) on each characteristic
The body prints one JSON line; the test reads it with `.last`.
"""

from __future__ import annotations

import mpvm

PRELUDE = r"""
import asyncio, json, time, bluetooth, codes, wire, gatt
import settings as store
from binascii import hexlify, unhexlify
from app import App
from bonds import Bonds
from security import Security
WINDOW_MS = 2000  # the pairing window of SECURITY (60 s on the band): simulated time is slow here

class Button:
    # The pair button: held reads 0 (pressed), as the board's pull-up pin does.
    def __init__(self):
        self.held = False
    def value(self):
        return 0 if self.held else 1

def hx(b):
    return hexlify(bytes(b)).decode()

class FakeSampler:
    def __init__(self, settings, on_sample):
        self.settings = settings
        self.on_sample = on_sample
        self.overload = False
        self.fault = False
        self.tared = False
        self.applied = 0
        self.rates = []
        self.delay_ms = 40
        self.tare_result = -4321
        self.cal_result = 2048.5
        self.error = None
        self.calls = []
    def apply(self, s):
        self.applied += 1
        self.settings = s
        if not 1 <= abs(s.counts_per_n) <= 1e6:
            raise codes.DeviceError(codes.OUT_OF_RANGE)
    def set_rate(self, r):
        self.rates.append(r)
        self.settings.rate_hz = r
    async def run(self):
        while True:
            await asyncio.sleep_ms(1000)
    def drain(self):
        pass
    async def tare(self, n=32):
        self.calls.append(["tare", n])
        await asyncio.sleep_ms(self.delay_ms)
        if self.error:
            raise codes.DeviceError(self.error)
        self.settings.offset_raw = self.tare_result
        self.tared = True
        return self.tare_result
    async def calibrate(self, known_cn):
        self.calls.append(["calibrate", known_cn])
        await asyncio.sleep_ms(self.delay_ms)
        if not self.tared:
            raise codes.DeviceError(codes.NOT_CALIBRATED)
        if self.error:
            raise codes.DeviceError(self.error)
        self.settings.counts_per_n = self.cal_result
        self.settings.calibrated = True
        return self.cal_result

class Bat:
    def __init__(self):
        self.pct = 87
        self.low = False
    def percent(self):
        return self.pct

class WDT:
    def __init__(self):
        self.feeds = 0
    def feed(self):
        self.feeds += 1

class LED:
    def __init__(self):
        self.values = []
    def value(self, v):
        self.values.append(v)

ble = bluetooth.BLE()
S = store.defaults("Taut-A17B")
S.mode = APP_MODE
saved = []
fail_save = [False]
def save(s):
    if fail_save[0]:
        raise codes.DeviceError(codes.STORAGE_ERROR, "flash full")
    saved.append(s.to_dict())
bat = Bat()
button = Button()
wdt = WDT()
led = LED()
sampler = None
def make_sampler(cb):
    global sampler
    sampler = FakeSampler(S, cb)
    return sampler
app = App(ble, make_sampler, S, save, store.defaults, bat, wdt, led, 196100, "Taut-A17B", **APP_KW)
H = {"stream": ble.handle(gatt.STREAM_UUID), "control": ble.handle(gatt.CONTROL_UUID),
     "status": ble.handle(gatt.STATUS_UUID), "battery": ble.handle(0x2A19),
     "manufacturer": ble.handle(0x2A29), "model": ble.handle(0x2A24), "firmware": ble.handle(0x2A26)}
main_task = asyncio.create_task(app.run())
await asyncio.sleep_ms(1)

async def connect(mtu=None):
    conn = ble.central_connect()
    await asyncio.sleep_ms(1)
    if mtu:
        ble.central_mtu(conn, mtu)
        await asyncio.sleep_ms(1)
    return conn

def notes(handle, conn=None):
    return [hx(n[2]) for n in ble.notifications if n[1] == handle and (conn is None or n[0] == conn)]

def stream(conn=None):
    return notes(H["stream"], conn)

def control(conn=None):
    return notes(H["control"], conn)

def status():
    return notes(H["status"])

async def request(conn, data, wait_ms=20):
    before = len(control())
    ble.central_write(conn, H["control"], unhexlify(data) if isinstance(data, str) else data)
    await asyncio.sleep_ms(wait_ms)
    return control()[before:]
"""


def run_app(body: str, *, app_kw: str = "{}", mode: str = "taut", max_sim_ms: int = 120_000, **kw) -> mpvm.Result:
    """`mode`: the settings' mode the app boots in ("taut" or "progressor"); SECURITY in `app_kw`
    stands for a Security with the test's bond store and button."""
    app_kw = app_kw.replace("SECURITY", "Security(ble, Bonds('/bonds.json'), button, WINDOW_MS)")
    prelude = PRELUDE.replace("**APP_KW", f"**{app_kw}").replace("APP_MODE", repr(mode))
    script = prelude + "\n" + body + "\napp.stop()\nmain_task.cancel()\n"
    return mpvm.run(script, is_async=True, max_sim_ms=max_sim_ms, **kw)
