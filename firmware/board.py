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
BATTERY_ADC_PIN = const(35)
# Cell voltage / ADC pin voltage (two 100 kOhm resistors on the Feather).
BATTERY_DIVIDER = 2.0
HX711_GAIN = const(128)
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
