# Boot: build the real parts from board.py and run the app forever.
import asyncio

import bluetooth
from micropython import const

import board
import settings as store
from app import FEED_MS, App
from sampler import Sampler

_WDT_TIMEOUT_MS = const(8000)


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
        board.make_wdt(max(_WDT_TIMEOUT_MS, 4 * FEED_MS)),
        board.make_led(),
        board.CAPACITY_CN,
        name,
    )


def main():
    asyncio.run(build().run())


if __name__ == "__main__":
    main()
