# Control point dispatch: runs each request against the device and answers with a result code
# for every failure (docs/protocol.md). Requests are queued from the BLE IRQ and handled by the
# run() task; tare and calibrate run as their own tasks, and every request meanwhile gets BUSY.
#
# The device object provides: sampler (Sampler), settings (Settings), capacity_cn,
# save_settings(settings), default_settings() -> Settings, start_stream() -> bool (False: sensor
# fault), stop_stream(), set_name(name), settings_changed(), set_mode(mode),
# physical_presence() -> bool (the band's button is held).
import asyncio
from micropython import const

import codes
import wire

_QUEUE_MAX = const(4)
_POLL_MS = const(5)
_FIELDS = ("name", "rate_hz", "offset_raw", "counts_per_n", "calibrated", "overload_permille", "mode")


# The settings' fields as a tuple, to restore them when a change cannot be saved.
def snapshot(settings):
    return tuple(getattr(settings, f) for f in _FIELDS)


def restore(settings, values):
    for f, v in zip(_FIELDS, values):
        setattr(settings, f, v)


class Control:
    # respond(bytes) sends a response notification on the control point.

    def __init__(self, device, respond):
        self._dev = device
        self._respond = respond
        self._queue = []
        self.busy = False
        self.handled = 0

    # Queue one written request (called from the IRQ handler: no work here).
    def submit(self, data):
        if len(self._queue) >= _QUEUE_MAX:
            self._respond(wire.encode_error_for(data, codes.BUSY))
            return
        self._queue.append(data)

    # Forget queued requests (the central went away).
    def clear(self):
        self._queue = []

    # Handle queued requests until `running()` turns false.
    async def run(self, running=None):
        while running is None or running():
            while True:
                q = self._queue  # clear() swaps in a new list from the IRQ: read it once
                if not q:
                    break
                self.handle(q.pop(0))
            await asyncio.sleep_ms(_POLL_MS)

    # Handle one request now; tare/calibrate start a task and answer when it ends.
    def handle(self, data):
        self.handled += 1
        try:
            op, req_id, a, b = wire.decode_request(data)
        except codes.DeviceError as e:
            self._respond(wire.encode_error_for(data, e.code))
            return
        if self.busy:
            self._respond(wire.encode_response(op, req_id, codes.BUSY))
            return
        if op == wire.OP_TARE or op == wire.OP_CALIBRATE:
            if op == wire.OP_CALIBRATE and a > self._dev.capacity_cn:
                self._respond(wire.encode_response(op, req_id, codes.OUT_OF_RANGE))
                return
            self.busy = True
            asyncio.create_task(self._long(op, req_id, a))
            return
        try:
            payload = self._quick(op, a, b)
            self._respond(wire.encode_response(op, req_id, codes.OK, payload))
        except codes.DeviceError as e:
            self._respond(wire.encode_response(op, req_id, e.code))

    def _quick(self, op, a, b):
        dev = self._dev
        s = dev.settings
        if op == wire.OP_START_STREAM:
            if not dev.start_stream():
                raise codes.DeviceError(codes.SENSOR_FAULT, "sensor fault")
        elif op == wire.OP_STOP_STREAM:
            dev.stop_stream()
        elif op == wire.OP_GET_SETTINGS:
            return wire.encode_settings(
                s.rate_hz, s.calibrated, s.offset_raw, s.counts_per_n, s.overload_permille, dev.capacity_cn, s.mode
            )
        elif op == wire.OP_SET_CALIBRATION:
            self._change(_set_calibration, a, b)
        elif op == wire.OP_SET_RATE:
            self._change(_set_rate, a, b)
        elif op == wire.OP_RENAME:
            self._change(_set_name, a, b)
            dev.set_name(s.name)
        elif op == wire.OP_FACTORY_RESET:
            if not dev.physical_presence():
                raise codes.DeviceError(codes.NEEDS_BUTTON, "hold the button")
            self.factory_reset()
        elif op == wire.OP_SET_OVERLOAD:
            self._change(_set_overload, a, b)
        elif op == wire.OP_SET_MODE:
            dev.set_mode(a)
        return b""

    # Factory settings, saved (raises DeviceError(STORAGE_ERROR), nothing changed, if not).
    def factory_reset(self):
        self._change(_factory_reset, self._dev.default_settings(), None)
        self._dev.set_name(self._dev.settings.name)

    # Apply a change to the settings and the sampler, then save; if saving fails, undo both.
    def _change(self, mutate, a, b):
        dev = self._dev
        s = dev.settings
        before = snapshot(s)
        old_rate = s.rate_hz
        new_rate = old_rate
        try:
            mutate(s, a, b)
            new_rate = s.rate_hz
            self._apply(s, new_rate != old_rate)
            dev.save_settings(s)
        except codes.DeviceError:
            restore(s, before)
            self._apply(s, new_rate != old_rate)
            raise

    def _apply(self, s, rate_changed):
        sampler = self._dev.sampler
        sampler.apply(s)
        if rate_changed:
            sampler.set_rate(s.rate_hz)
        self._dev.settings_changed()

    async def _long(self, op, req_id, a):
        # The sampler updates and applies the settings itself; save them, or undo on failure.
        dev = self._dev
        s = dev.settings
        before = snapshot(s)
        payload = b""
        try:
            if op == wire.OP_TARE:
                payload = wire.encode_i32(await dev.sampler.tare(a))
            else:
                payload = wire.encode_f32(await dev.sampler.calibrate(a))
            try:
                dev.sampler.apply(s)
                dev.settings_changed()
                dev.save_settings(s)
            except codes.DeviceError:
                restore(s, before)
                self._apply(s, False)
                raise
            result = codes.OK
        except codes.DeviceError as e:
            result = e.code
        finally:
            self.busy = False
        self._respond(wire.encode_response(op, req_id, result, payload))


def _set_calibration(s, offset_raw, counts_per_n):
    s.offset_raw = offset_raw
    s.counts_per_n = counts_per_n
    s.calibrated = True


def _set_rate(s, rate_hz, _):
    s.rate_hz = rate_hz


def _set_name(s, name, _):
    s.name = name


def _set_overload(s, permille, _):
    s.overload_permille = permille


def _factory_reset(s, fresh, _):
    restore(s, snapshot(fresh))
