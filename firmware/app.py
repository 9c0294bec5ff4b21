# The band's firmware, composed: sampler -> stream packer -> GATT notifications, control point,
# status, battery and the watchdog. Every dependency comes in as an argument, so the same code
# runs on the ESP32 (main.py), in the MicroPython VM tests and on the CPython virtual band.
import asyncio
import time
from micropython import const

import codes
import wire
from control import Control
from gatt import Gatt
from progressor import Progressor

MANUFACTURER = "Taut"
MODEL = "Taut band (ESP32 + HX711)"
FIRMWARE_REVISION = "0.1.0"

_BATCH_POLL_MS = const(10)
_STATUS_MS = const(100)
_BATTERY_MS = const(30_000)
FEED_MS = const(1000)
# Control replies waiting for room in the BLE stack's buffers (ENOMEM); beyond this many the
# oldest goes (the central has long timed out on it).
_REPLIES_MAX = const(8)
# After a mode change is saved, the band restarts this long after (the reply goes out first).
_RESTART_MS = const(300)


class App:
    # ble: bluetooth.BLE(); make_sampler(on_sample) -> Sampler; settings: the loaded Settings;
    # save_settings(settings) raises DeviceError(STORAGE_ERROR); default_settings(name) ->
    # Settings; battery: .percent() and .low (or None); wdt: .feed() (or None); led: .value(v)
    # (or None); capacity_cn: the load cell's rating; default_name: the factory name;
    # make_wdt() -> a watchdog, started by run() wdt_delay_ms after it began (or None);
    # reset() restarts the board (machine.reset; None: a mode change waits for the next boot).
    # security: a security.Security (bonded hosts only on the control point; None: open).

    def __init__(
        self,
        ble,
        make_sampler,
        settings,
        save_settings,
        default_settings,
        battery,
        wdt,
        led,
        capacity_cn,
        default_name,
        flush_ms=wire.FLUSH_MS,
        status_ms=_STATUS_MS,
        battery_ms=_BATTERY_MS,
        feed_ms=FEED_MS,
        make_wdt=None,
        wdt_delay_ms=0,
        reset=None,
        security=None,
    ):
        self.settings = settings
        self.security = security
        self.capacity_cn = capacity_cn
        self._save = save_settings
        self._defaults = default_settings
        self._default_name = default_name
        self._battery = battery
        self._wdt = wdt
        self._make_wdt = make_wdt
        self._wdt_delay_ms = wdt_delay_ms
        self._led = led
        self._status_ms = status_ms
        self._battery_ms = battery_ms
        self._feed_ms = feed_ms
        self.streaming = False
        self.running = False
        self._new_mtu = 0
        self.battery_pct = -1
        self.status_flags = -1
        self._status_buf = bytearray(wire.STATUS_BYTES)
        self._status_rate = 0
        self._status_battery = -1
        self._status_retry = False
        self._replies = []
        self.stream_dropped = 0
        self._tasks = []
        self._reset = reset
        self.restart_pending = False
        # The mode this boot runs in; settings.mode is the one the next boot will.
        self.mode = settings.mode
        self.firmware_revision = FIRMWARE_REVISION
        self.progressor = Progressor(self, flush_ms) if self.mode == "progressor" else None
        self.gatt = Gatt(
            ble,
            settings.name,
            (MANUFACTURER, MODEL, FIRMWARE_REVISION),
            self._on_connect,
            self._on_disconnect,
            self._on_mtu,
            self._on_control,
            self.progressor.submit if self.progressor is not None else None,
            security,
        )
        if self.progressor is not None:
            self.ident = bytes(reversed(ble.config("mac")[1]))
        if security is not None:
            security.on_factory_reset = self._button_reset
        self._h_stream = self.gatt.h_stream
        self._notify = self.gatt.notify
        self.packer = wire.StreamPacker(self._send_packet, flush_ms=flush_ms)
        self.control = Control(self, self._respond)
        self.sampler = make_sampler(self._on_sample)
        self.settings_changed()
        self.read_battery()
        self.update_status()

    # ---- per sample (allocation-free)

    def _on_sample(self, t_us, value_cn):
        if self.streaming:
            if self._new_mtu:
                self._apply_mtu()
            self.packer.add(t_us, value_cn)
        if self.progressor is not None:
            self.progressor.on_sample(t_us, value_cn)

    # A full BLE buffer (ENOMEM) drops the packet: its seq is spent, so the host sees the gap.
    def _send_packet(self, view):
        if not self._notify(self._h_stream, view):
            self.stream_dropped += 1

    # ---- BLE events (from the IRQ handler, which may run between any two bytecodes of a
    # task: they only set flags; the packer is touched from tasks alone)

    def _on_connect(self):
        self.streaming = False
        self._new_mtu = wire.MTU_DEFAULT

    def _on_disconnect(self):
        self.streaming = False
        self.control.clear()
        self._replies = []
        if self.progressor is not None:
            self.progressor.on_disconnect()

    def _on_mtu(self, mtu):
        self._new_mtu = mtu
        if self.progressor is not None:
            self.progressor.on_mtu(mtu)

    def _apply_mtu(self):
        mtu = self._new_mtu
        self._new_mtu = 0
        if mtu:
            self.packer.set_mtu(mtu)

    def _on_control(self, data):
        self.control.submit(data)

    def _respond(self, data):
        self.reply(self.gatt.h_control, data)

    # Replies (control point, Progressor responses) are never dropped: one the stack cannot take
    # now waits, in order.
    def reply(self, handle, data):
        if self._replies or not self.gatt.notify(handle, data):
            if self.gatt.conn is None:
                return
            if len(self._replies) >= _REPLIES_MAX:
                self._replies.pop(0)
            self._replies.append((handle, data))

    # Send waiting replies, oldest first, while the stack takes them (batching task).
    def _send_replies(self):
        q = self._replies
        while q:
            if self.gatt.conn is None:
                self._replies = []
                return
            if not self.gatt.notify(q[0][0], q[0][1]):
                return
            q.pop(0)

    # ---- what control.py asks of the device

    def save_settings(self, settings):
        self._save(settings)

    def default_settings(self):
        return self._defaults(self._default_name)

    def start_stream(self):
        if self.sampler.fault:
            return False
        self.sampler.drain()  # conversions read before the start are not part of the stream
        self._new_mtu = 0
        self.packer.set_mtu(self.gatt.mtu)
        self.packer.start()
        self.streaming = True
        return True

    def stop_stream(self):
        if self.streaming:
            self.sampler.drain()
            self.packer.flush()
        self.streaming = False

    def set_name(self, name):
        self.gatt.set_name(name)

    def settings_changed(self):
        self.packer.uncalibrated = not self.settings.calibrated

    # Save the mode the band boots in ("taut" or "progressor"; raises DeviceError) and, if it
    # differs from this boot's, restart into it once the reply has gone out.
    def set_mode(self, mode):
        s = self.settings
        if s.mode != mode:
            before = s.mode
            s.mode = mode
            try:
                self._save(s)
            except codes.DeviceError:
                s.mode = before
                raise
        if mode != self.mode and not self.restart_pending:
            self.restart_pending = True
            asyncio.create_task(self._restart())

    async def _restart(self):
        await asyncio.sleep_ms(_RESTART_MS)
        if self._reset is not None:
            self._reset()

    # The cell voltage for the Progressor's battery query (0 when unknown).
    def battery_mv(self):
        b = self._battery
        if b is None or not hasattr(b, "voltage_mv"):
            return 0
        return b.voltage_mv()

    # Whether someone is at the band (its button held): FACTORY_RESET needs it.
    def physical_presence(self):
        return self.security is not None and self.security.button_held()

    # The button held RESET_HOLD_MS: factory settings, every bond forgotten, the link dropped.
    def _button_reset(self):
        try:
            self.control.factory_reset()
        except codes.DeviceError:
            pass  # the flash refused: the settings stay as they were
        if self.security is not None:
            self.security.forget_all()

    # ---- status and battery

    # The status flags as on the wire.
    def status_bits(self):
        f = 0
        if self.streaming:
            f |= codes.ST_STREAMING
        if self.sampler.overload:
            f |= codes.ST_OVERLOAD
        if not self.settings.calibrated:
            f |= codes.ST_NOT_CALIBRATED
        if self._battery is not None and self._battery.low:
            f |= codes.ST_LOW_BATTERY
        if self.sampler.fault:
            f |= codes.ST_SENSOR_FAULT
        return f

    # Publish the status value if it changed (notified to the central).
    def update_status(self):
        f = self.status_bits()
        rate = self.settings.rate_hz
        pct = self.battery_pct
        same = f == self.status_flags and rate == self._status_rate and pct == self._status_battery
        if same and not self._status_retry:
            return False
        self.status_flags = f
        self._status_rate = rate
        self._status_battery = pct
        wire.pack_status(self._status_buf, f, pct, rate)
        # A notification the stack refused (ENOMEM) is sent again on the next round.
        sent = self.gatt.publish(self.gatt.h_status, self._status_buf)
        self._status_retry = not sent and self.gatt.conn is not None
        return True

    # Read the battery and publish its level if it changed (Battery Level reads 0 while the
    # level is unknown; the status value says 255).
    def read_battery(self):
        pct = self._battery.percent() if self._battery is not None else codes.BATTERY_UNKNOWN
        if pct != self.battery_pct:
            self.battery_pct = pct
            self.gatt.publish(self.gatt.h_battery, bytes((pct if pct <= 100 else 0,)))

    # ---- tasks

    async def _batching(self):
        while self.running:
            if self._new_mtu:
                self._apply_mtu()
            if self._replies:
                self._send_replies()
            if self.streaming:
                self.sampler.drain()
                self.packer.poll(time.ticks_us())
            if self.progressor is not None:
                self.progressor.poll(time.ticks_us())
            await asyncio.sleep_ms(_BATCH_POLL_MS)

    async def _status(self):
        while self.running:
            self.gatt.keep_advertising()
            if self.security is not None:
                self.security.poll()
            self.update_status()
            await asyncio.sleep_ms(self._status_ms)

    async def _battery_task(self):
        while self.running:
            await asyncio.sleep_ms(self._battery_ms)
            self.read_battery()

    def _is_running(self):
        return self.running

    # Start every task and advertising; returns at once (see run()).
    def start(self):
        self.running = True
        self.gatt.advertise()
        self._tasks = [
            asyncio.create_task(self.sampler.run()),
            asyncio.create_task(self._batching()),
            asyncio.create_task(self.control.run(self._is_running)),
            asyncio.create_task(self._status()),
            asyncio.create_task(self._battery_task()),
        ]

    # Stop the tasks (tests; the device runs forever).
    def stop(self):
        self.running = False
        for t in self._tasks:
            t.cancel()

    # The main loop: starts everything, then feeds the watchdog while every task is alive and
    # blinks the LED while advertising. A dead task starves the watchdog and resets the board.
    # A watchdog from make_wdt starts only after wdt_delay_ms (see main.py).
    async def run(self):
        self.start()
        blink = 0
        t0_ms = time.ticks_ms()
        while self.running:
            if self._wdt is None and self._make_wdt is not None:
                if time.ticks_diff(time.ticks_ms(), t0_ms) >= self._wdt_delay_ms:
                    self._wdt = self._make_wdt()
            alive = True
            for t in self._tasks:
                if t.done():
                    alive = False
            if alive and self._wdt is not None:
                self._wdt.feed()
            if self._led is not None:
                blink ^= 1
                self._led.value(1 if self.gatt.conn is not None else blink)
            await asyncio.sleep_ms(self._feed_ms)
