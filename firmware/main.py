# Boot: build the real parts from board.py and run the app forever, unless the safe-mode pin is
# held (then nothing runs: the REPL stays free). An error while building blinks a code and
# leaves the REPL free too, rather than a reboot loop. The watchdog, which nothing can stop and
# which survives a soft reset, starts only WDT_DELAY_MS after boot, so a tool that interrupts
# main.py right after a reset (taut firmware deploy) always gets a REPL without one.
import asyncio
import sys

import bluetooth
import machine
from micropython import const

import board
import settings as store
from app import FEED_MS, App
from bonds import Bonds
from sampler import Sampler
from security import Security

_WDT_TIMEOUT_MS = const(8000)
WDT_DELAY_MS = const(10_000)
# Blink codes (board.show_error).
ERR_INIT = const(2)


# "Taut-XXXX" from the last two bytes of the BLE MAC.
def default_name(ble):
    ble.active(True)
    mac = ble.config("mac")[1]
    return "Taut-%02X%02X" % (mac[-2], mac[-1])


# The app on the real hardware (not started).
def build():
    ble = bluetooth.BLE()
    name = default_name(ble)
    settings = store.load(store.SETTINGS_PATH, name)
    hx = board.make_hx711()
    rate_pin = board.make_rate_pin()

    def make_sampler(on_sample):
        return Sampler(hx, settings, on_sample, board.CAPACITY_CN, rate_pin=rate_pin)

    def save(s):
        store.save(s, store.SETTINGS_PATH)

    return App(
        ble,
        make_sampler,
        settings,
        save,
        store.defaults,
        board.make_battery(),
        None,
        board.make_led(),
        board.CAPACITY_CN,
        name,
        make_wdt=make_wdt,
        wdt_delay_ms=WDT_DELAY_MS,
        reset=machine.reset,
        security=Security(ble, Bonds(), board.make_pair_button()),
    )


# The watchdog; App.run() calls this WDT_DELAY_MS after it starts.
def make_wdt():
    return board.make_wdt(max(_WDT_TIMEOUT_MS, 4 * FEED_MS))


# Safe mode, or the app (init errors caught before any watchdog exists).
def main():
    if board.safe_mode_requested():
        board.make_led().value(1)
        print("Taut safe mode: no app, no watchdog; the REPL is free")
        return
    try:
        app = build()
    except Exception as e:
        sys.print_exception(e)
        board.show_error(ERR_INIT)
        return
    asyncio.run(app.run())


if __name__ == "__main__":
    main()
