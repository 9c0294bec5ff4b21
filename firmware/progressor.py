# Tindeq Progressor-compatible mode (docs/protocol.md, "Progressor-compatible mode"): the frames
# of the Progressor's public BLE API and its command handling, so apps and libraries that speak
# Progressor can read a Taut band. Responses and weights go out as notifications on the data
# characteristic, framed [u8 response code, u8 length, payload]; a weight frame holds pairs of
# (f32 kg, u32 us since the measurement started). The per-sample path allocates nothing: the
# float32 bits of N / 9.80665 are computed with small integers and packed with pack_into.
import asyncio
import struct
import time

from micropython import const

import codes
import wire

SERVICE_UUID = "7e4e1701-1ea6-40c9-9dcc-13d34ffead57"
DATA_UUID = "7e4e1702-1ea6-40c9-9dcc-13d34ffead57"
CONTROL_UUID = "7e4e1703-1ea6-40c9-9dcc-13d34ffead57"
NAME_PREFIX = "Progressor_"

# Response codes (first byte of a data notification).
RES_COMMAND = const(0)
RES_WEIGHT = const(1)

# Opcodes (first byte of a control write). The apps send the opcode alone; bytes after it are
# ignored, as the Progressor does.
OP_TARE = const(0x64)
OP_START = const(0x65)
OP_STOP = const(0x66)
OP_FIRMWARE_VERSION = const(0x6B)
OP_ERROR_INFO = const(0x6C)
OP_BATTERY = const(0x6F)
OP_PROGRESSOR_ID = const(0x70)
# Not the Progressor's: the ASCII bytes "TAUT" switch the band back to Taut mode.
BACK_TO_TAUT = b"TAUT"

_HEADER = const(2)
_SAMPLE = const(8)
_TICKS_MASK = const(0x3FFFFFFF)
# kg = cn / 980.665 = cn * 1000 / _CN1000_PER_KG (0.01 N per kg, times 1000).
_CN1000_PER_KG = const(980665)
_TARE_SAMPLES = const(32)
_QUEUE_MAX = const(4)


# The float32 nearest to value_cn / 980.665 (kg), written little-endian at buf[p:p+4], rounded
# to nearest even, using small integers only (floats are heap objects on MicroPython).
def put_kg(buf, p, value_cn):
    if value_cn == 0:
        struct.pack_into("<HH", buf, p, 0, 0)
        return
    sign = 0
    a = value_cn
    if a < 0:
        sign = 0x8000
        a = -a
    # a * 1000 / D by long division: integer part, then one quotient bit per step.
    q = a // _CN1000_PER_KG  # not divmod: its tuple is a heap object
    r = (a - q * _CN1000_PER_KG) * 1000
    m = q * 1000 + r // _CN1000_PER_KG
    r %= _CN1000_PER_KG
    e = 0  # the value is m * 2**-e (+ r / D * 2**-e)
    while m < 0x1000000:  # until m has 25 significant bits: 24 and a rounding bit
        r <<= 1
        m <<= 1
        e += 1
        if r >= _CN1000_PER_KG:
            r -= _CN1000_PER_KG
            m |= 1
    half = m & 1
    m >>= 1
    e -= 1
    if half and (r or (m & 1)):
        m += 1
        if m == 0x1000000:
            m >>= 1
            e -= 1
    struct.pack_into("<HH", buf, p, m & 0xFFFF, sign | ((150 - e) << 7) | ((m >> 16) & 0x7F))


class WeightPacker(wire.Batcher):
    # Weight frames of (kg, us) pairs; add() allocates nothing.

    def __init__(self, send, mtu_max=wire.MTU_MAX, flush_ms=wire.FLUSH_MS):
        super().__init__(send, _HEADER, _SAMPLE, mtu_max, flush_ms)
        self._last_us = 0
        # Microseconds since start as two u16 halves: a u32 beyond 2**30 would be a heap int.
        self._lo = 0
        self._hi = 0

    # A new measurement: time 0 is start_us (from time.ticks_us); pending samples are dropped.
    def start(self, start_us):
        self.n = 0
        self._last_us = start_us & _TICKS_MASK
        self._lo = 0
        self._hi = 0

    # Move the measurement clock to t_us (ticks_us; calls less than 2**30 us apart).
    def advance(self, t_us):
        lo = self._lo + ((t_us - self._last_us) & _TICKS_MASK)
        self._last_us = t_us
        self._hi = (self._hi + (lo >> 16)) & 0xFFFF
        self._lo = lo & 0xFFFF

    # Append one sample (t_us from time.ticks_us, tension in 0.01 N).
    def add(self, t_us, value_cn):
        t_us &= _TICKS_MASK
        self.advance(t_us)
        if not self.n:
            self._t0_us = t_us
        p = _HEADER + _SAMPLE * self.n
        put_kg(self._buf, p, value_cn)
        struct.pack_into("<HH", self._buf, p + 4, self._lo, self._hi)
        self._added()

    def _header(self, n):
        self._buf[0] = RES_WEIGHT
        self._buf[1] = _SAMPLE * n


# A command response frame: [0, length, payload].
def encode_response(payload):
    return bytes((RES_COMMAND, len(payload))) + payload


class Progressor:
    # The Progressor side of the band. The device (app.py) provides: sampler, settings, gatt
    # (.mtu, .notify(handle, data), .h_pdata), settings_changed(), battery_mv(), set_mode(mode)
    # (raises DeviceError), reply(handle, data) (queued, never dropped), firmware_revision and
    # ident (the MAC's bytes, little-endian).

    def __init__(self, device, flush_ms=wire.FLUSH_MS):
        self._dev = device
        self.packer = WeightPacker(self._send_weights, flush_ms=flush_ms)
        self.streaming = False
        self.dropped = 0
        self._queue = []
        self._new_mtu = 0

    # ---- per sample (allocation-free)

    def on_sample(self, t_us, value_cn):
        if self.streaming:
            if self._new_mtu:
                self._apply_mtu()
            self.packer.add(t_us, value_cn)

    def _send_weights(self, view):
        gatt = self._dev.gatt
        if not gatt.notify(gatt.h_pdata, view):
            self.dropped += 1

    # ---- BLE events (IRQ handler: only record)

    def submit(self, data):
        if len(self._queue) < _QUEUE_MAX:
            self._queue.append(data)

    def on_mtu(self, mtu):
        self._new_mtu = mtu

    def on_disconnect(self):
        self.streaming = False
        self._queue = []

    def _apply_mtu(self):
        mtu = self._new_mtu
        self._new_mtu = 0
        if mtu:
            self.packer.set_mtu(mtu)

    # ---- from the app's batching task

    def poll(self, now_us):
        if self._new_mtu:
            self._apply_mtu()
        while True:
            q = self._queue
            if not q:
                break
            self.handle(q.pop(0))
        if self.streaming:
            self.packer.poll(now_us)

    # Run one control write. Calibration, sleep and the rest are ignored: only tare, start, stop
    # and the read-only queries are open to a central that does not pair.
    def handle(self, data):
        if not data:
            return
        op = data[0]
        dev = self._dev
        if op == OP_TARE:
            asyncio.create_task(self._tare())
        elif op == OP_START:
            self.packer.set_mtu(dev.gatt.mtu)
            self.packer.start(time.ticks_us())
            self._new_mtu = 0
            self.streaming = True
        elif op == OP_STOP:
            if self.streaming:
                self.packer.flush()
            self.streaming = False
        elif op == OP_BATTERY:
            self._respond(struct.pack("<I", dev.battery_mv()))
        elif op == OP_FIRMWARE_VERSION:
            self._respond(dev.firmware_revision.encode())
        elif op == OP_ERROR_INFO:
            self._respond(b"")
        elif op == OP_PROGRESSOR_ID:
            self._respond(dev.ident)
        elif data == BACK_TO_TAUT:
            try:
                dev.set_mode("taut")
            except codes.DeviceError:
                return
            self._respond(BACK_TO_TAUT)

    async def _tare(self):
        # Tare holds until the next boot (not saved): the Progressor's API cannot change what the
        # band remembers.
        dev = self._dev
        try:
            await dev.sampler.tare(_TARE_SAMPLES)
            dev.sampler.apply(dev.settings)
            dev.settings_changed()
        except codes.DeviceError:
            pass

    def _respond(self, payload):
        self._dev.reply(self._dev.gatt.h_pdata, encode_response(payload))
