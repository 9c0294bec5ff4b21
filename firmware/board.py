# The hardware: every pin number, the load cell's rating and factories for the parts.
# Pin numbers live only here (hardware/wiring.md must agree; a test checks it). Board: Adafruit
# HUZZAH32 ESP32 Feather, whose LiPo charger and VBAT/2 divider on GPIO35 are built in.
from micropython import const
from machine import ADC, WDT, Pin

from battery import Battery
from hx711 import HX711

HX711_DOUT_PIN = const(33)
HX711_PD_SCK_PIN = const(32)
# HX711 RATE: low = 10 samples/s, high = 80 samples/s.
HX711_RATE_PIN = const(27)
LED_PIN = const(13)
# Safe mode: this pin held low at power-on or reset (a push button or a jumper to GND) starts no
# app and no watchdog, so the REPL stays free for reflashing.
SAFE_MODE_PIN = const(4)
# Pair button to GND (internal pull-up): a press opens the pairing window for 60 s, a 10 s hold
# is a factory reset, and FACTORY_RESET over the air needs it held (security.py).
PAIR_BUTTON_PIN = const(21)
BATTERY_ADC_PIN = const(35)
# Cell voltage / ADC pin voltage (two 100 kOhm resistors on the Feather).
BATTERY_DIVIDER = 2.0
HX711_GAIN = const(128)
_BLINK_MS = const(250)
# Rated load of the S-type cell (200 kg) and its rated output; tensions are in 0.01 N on the wire.
CAPACITY_N = const(1961)
CAPACITY_CN = const(196_100)
LOADCELL_MV_PER_V = 2.0


# The HX711 driver; DOUT pulled up so a missing chip reads "not ready", never data.
def make_hx711() -> HX711:
    dout = Pin(HX711_DOUT_PIN, Pin.IN, Pin.PULL_UP)
    pd_sck = Pin(HX711_PD_SCK_PIN, Pin.OUT, value=0)
    return HX711(dout, pd_sck, gain=HX711_GAIN)


# The HX711 RATE pin, starting at 10 samples/s until settings choose.
def make_rate_pin() -> Pin:
    return Pin(HX711_RATE_PIN, Pin.OUT, value=0)


# The LiPo cell, read through the Feather's divider with the ADC's full 0..3.1 V range.
def make_battery() -> Battery:
    return Battery(ADC(Pin(BATTERY_ADC_PIN), atten=ADC.ATTN_11DB), BATTERY_DIVIDER)


# The status LED (on = high), off to start.
def make_led() -> Pin:
    return Pin(LED_PIN, Pin.OUT, value=0)


# The watchdog; once started it cannot be stopped, so only main.py calls this.
def make_wdt(timeout_ms: int) -> WDT:
    return WDT(timeout=timeout_ms)


# Whether the safe-mode pin is held low (read once at boot; internal pull-up).
def safe_mode_requested() -> bool:
    return Pin(SAFE_MODE_PIN, Pin.IN, Pin.PULL_UP).value() == 0


# The pair button (reads 0 while pressed).
def make_pair_button() -> Pin:
    return Pin(PAIR_BUTTON_PIN, Pin.IN, Pin.PULL_UP)


# Blinks `code` short flashes, then a pause, forever, from a hardware timer: the REPL stays
# free meanwhile (docs/firmware.md lists the codes).
def show_error(code: int) -> None:
    from machine import Timer  # only here: a port or stand-in without Timer still boots

    led = make_led()
    cycle = 2 * code + 4
    step = [0]

    def tick(_t) -> None:
        i = step[0]
        led.value(1 if i < 2 * code and not i & 1 else 0)
        step[0] = (i + 1) % cycle

    Timer(0).init(mode=Timer.PERIODIC, period=_BLINK_MS, callback=tick)
