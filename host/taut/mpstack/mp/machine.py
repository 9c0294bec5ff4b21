# Stand-in `machine` for the real MicroPython's unix port: Pin (a bit-level HX711 behind the board's
# DOUT/PD_SCK/RATE pins, fed by the host's physics model through a file), ADC, WDT, IRQ state, reset.
# Read by the MicroPython binary, never by CPython. Messages to the host are "@taut ..." lines.
#
# The feed file (written ahead by taut.mpstack.feed): 8-byte magic, the host's CLOCK_MONOTONIC
# epoch in us (int64 LE, = time.ticks_us() here), the slot length in us (int32 LE), then one raw
# reading (int32 LE, counts at gain 128) per slot: slot s is the conversion finishing at
# epoch + s * slot_us. 80 samples/s reads every slot, 10 samples/s every 8th.
import os
import struct
import sys
import time

import _thread
import micropython
from machine_common import DEEPSLEEP_RESET, HARD_RESET, PWRON_RESET, SOFT_RESET, WDT_RESET, freq  # machine's API
from machine_common import HX711_POWER_DOWN_US, ADCBase, PinBase, hx711_gain, hx711_word
from micropython import const

_HEADER = const(20)
_SETTLE_PERIODS = const(4)


def _env_int(name, default):
    v = os.getenv(name)
    return int(v) if v else default


_DOUT = _env_int("TAUT_MP_DOUT", 33)
_SCK = _env_int("TAUT_MP_SCK", 32)
_RATE = _env_int("TAUT_MP_RATE", 27)
_BATTERY_UV = _env_int("TAUT_MP_BATTERY_UV", 1_975_000)
_reset_cause = _env_int("TAUT_MP_RESET_CAUSE", PWRON_RESET)
_irq_depth = 0
_outputs = {}
# Input pins held low from outside (a pressed button): the file names them, one number a line.
# Opened now, before taut_boot mounts the band's flash as "/" (which hides host paths).
_low_path = os.getenv("TAUT_MP_LOW_PINS")
_low_file = open(_low_path) if _low_path else None


# Whether an input pin is held low by the host (the file is read again each time: a button).
# An empty file (nothing held) is told by its size alone: the firmware polls its button every
# 100 ms, and a stand-in that allocated there would show in the per-sample allocation test.
def _held_low(pid):
    if _low_file is None or _low_file.seek(0, 2) == 0:
        return False
    _low_file.seek(0)
    return str(pid) in _low_file.read().split()


# A line to the host (not on the per-sample path).
def _say(text):
    sys.stdout.write("@taut " + text + "\n")


class _Chip:
    # The HX711 as its pins see it: conversions on the feed's slots, bits out MSB first, 25/26/27
    # pulses choosing the next gain, PD_SCK high > 60 us (IRQs on) powering it down.
    def __init__(self, path):
        self._f = open(path, "rb")
        head = self._f.read(_HEADER)
        if len(head) < _HEADER or head[:8] != b"TAUTFEED":
            raise OSError("bad feed file " + path)
        self._epoch = struct.unpack_from("<q", head, 8)[0]
        self._slot_us = struct.unpack_from("<i", head, 16)[0]
        self._buf = bytearray(4)
        self.period_slots = 8
        self.gain = 128
        self.powered = True
        self.sck = 0
        self.rise_us = 0
        self.shifting = False
        self.pulses = 0
        self.word = 0
        self.read_index = -1
        self.first_slot = 0
        self.last_raw = 0
        self.reads = 0
        self.missed = 0
        self.late_feed = 0
        self.power_downs = 0
        self.irq_pin = None
        self.irq_pending = False
        self._restart()

    def slot_now(self):
        return time.ticks_diff(time.ticks_us(), self._epoch) // self._slot_us

    # Conversions restart: the first one lands settle periods after now.
    def _restart(self):
        self.first_slot = self.slot_now() + 1 + _SETTLE_PERIODS * self.period_slots
        self.read_index = -1

    def latest(self):
        d = self.slot_now() - self.first_slot
        if d < 0:
            return -1
        return d // self.period_slots

    def set_rate_high(self, high):
        p = 1 if high else 8
        if p != self.period_slots:
            self.period_slots = p
            if self.powered:
                self._restart()

    def _check_power(self):
        if self.powered and self.sck and _irq_depth == 0:
            if time.ticks_diff(time.ticks_us(), self.rise_us) > HX711_POWER_DOWN_US:
                self.powered = False
                self.power_downs += 1
                self.shifting = False

    # DOUT as the firmware reads it now; reading it after the 25th pulse ends the read.
    def dout(self):
        self._check_power()
        if self.shifting and self.pulses >= 25:
            self.shifting = False
        return self.dout_level()

    # DOUT without side effects (also for the edge watcher thread).
    def dout_level(self):
        if not self.powered:
            return 1
        if self.shifting:
            n = self.pulses
            if 1 <= n <= 24:
                return (self.word >> (24 - n)) & 1
            return 1
        return 0 if self.latest() > self.read_index else 1

    def write_sck(self, level):
        self._check_power()
        if level and not self.sck:
            self.rise_us = time.ticks_us()
            self.sck = 1
            if self.powered:
                before = self.dout_level()
                self._rising()
                if before and not self.dout_level():
                    _edge()
        elif not level and self.sck:
            self.sck = 0
            if not self.powered:
                self.powered = True
                self.gain = 128
                self._restart()

    def _rising(self):
        if not self.shifting:
            latest = self.latest()
            if latest <= self.read_index:
                return  # clocked while not ready: ignored
            if self.read_index >= 0 and latest > self.read_index + 1:
                self.missed += latest - self.read_index - 1
            self.read_index = latest
            self.word = hx711_word(self._raw(self.first_slot + latest * self.period_slots), self.gain)
            self.shifting = True
            self.pulses = 0
        self.pulses += 1
        n = self.pulses
        if n == 24:
            self.reads += 1
        self.gain = hx711_gain(n, self.gain)
        if n == 27:
            self.shifting = False

    # The feed's reading for a slot; the last one again if the host has not written it yet.
    def _raw(self, slot):
        f = self._f
        f.seek(_HEADER + 4 * slot)
        b = self._buf
        if f.readinto(b) != 4:
            self.late_feed += 1
            return self.last_raw
        v = b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)
        if v & 0x80000000:
            v -= 0x100000000
        self.last_raw = v
        return v


_chip = _Chip(os.getenv("TAUT_MP_FEED")) if os.getenv("TAUT_MP_FEED") else None


# A falling DOUT edge: the handler runs via the scheduler (the ESP32's GPIO ISR schedules it: a
# soft IRQ); with IRQs disabled it stays pending until enable_irq, as the GPIO's interrupt status
# does. At most one call per pin waits in the queue: the ESP32's ISR drops an edge silently when
# the queue is full, but micropython.schedule() here raises, allocating an exception the chip never
# makes (a handler that reads DOUT's level cannot tell the two apart).
def _edge():
    c = _chip
    if c is None or c.irq_pin is None:
        return
    if _irq_depth:
        c.irq_pending = True
        return
    pin = c.irq_pin
    if pin._queued:
        return
    pin._queued = True
    try:
        micropython.schedule(pin._dispatch_ref, None)
    except RuntimeError:
        pin._queued = False  # scheduler queue full: the edge is lost, as an overrun interrupt would be


def _edge_watch():
    # Conversion-ready edges happen with no pin access: watch for them every 1 ms.
    c = _chip
    level = 1
    while c.irq_pin is not None:
        now = c.dout_level()
        if level and not now:
            _edge()
        level = now
        time.sleep_ms(1)  # (sleep_us would keep the GIL on unix)


def disable_irq():
    global _irq_depth
    state = _irq_depth
    _irq_depth = state + 1
    return state


def enable_irq(state=0):
    global _irq_depth
    _irq_depth = state
    c = _chip
    if state == 0 and c is not None and c.irq_pending:
        c.irq_pending = False
        _edge()


class Pin(PinBase):
    def __init__(self, id, mode=-1, pull=-1, *, value=None):
        self.id = id
        self.mode = mode
        self.pull = pull
        self._handler = None
        self._queued = False
        self._dispatch_ref = self._dispatch  # made once: scheduling it allocates nothing
        if value is not None:
            self.value(value)

    # The scheduled call of the IRQ handler (see _edge).
    def _dispatch(self, _):
        self._queued = False
        h = self._handler
        if h is not None:
            h(self)

    def value(self, v=None):
        pid = self.id
        c = _chip
        if v is None:
            if pid == _DOUT and c is not None:
                return c.dout()
            if pid in _outputs:
                return _outputs[pid]
            if _held_low(pid):
                return 0
            return 1 if self.pull == 2 else 0
        level = 1 if v else 0
        _outputs[pid] = level
        if c is not None:
            if pid == _SCK:
                c.write_sck(level)
            elif pid == _RATE:
                c.set_rate_high(level)
        return None

    # Only DOUT's falling edge is simulated; other pins record the handler and never fire.
    def irq(self, handler=None, trigger=3, *, priority=1, wake=None, hard=False):
        self._handler = handler
        c = _chip
        if self.id != _DOUT or c is None:
            return None
        if handler is not None and trigger & 2:
            start = c.irq_pin is None
            c.irq_pin = self
            if start:
                _thread.start_new_thread(_edge_watch, ())
        else:
            c.irq_pin = None
        return None


class ADC(ADCBase):
    # Reads the battery through the Feather's divider: a fixed voltage set by the host.
    def __init__(self, id, *, atten=3):
        self.id = id.id if isinstance(id, Pin) else id
        self._atten = atten

    def read_uv(self):
        return _BATTERY_UV


class WDT:
    # Once started it cannot be stopped: starved for timeout ms, the host resets the process.
    def __init__(self, id=0, timeout=5000):
        self.timeout_ms = timeout
        self._fed = time.ticks_ms()
        self.feeds = 0
        _thread.start_new_thread(self._watch, ())
        _say("wdt %d" % timeout)

    def feed(self):
        self._fed = time.ticks_ms()
        self.feeds += 1

    def _watch(self):
        while time.ticks_diff(time.ticks_ms(), self._fed) <= self.timeout_ms:
            time.sleep_ms(50)
        _say("wdt-reset")
        _halt()


class Timer:
    # A software timer: the callback runs through the scheduler, as a soft timer IRQ does.
    ONE_SHOT = const(0)
    PERIODIC = const(1)

    def __init__(self, id=-1, **kwargs):
        self._run = 0
        if kwargs:
            self.init(**kwargs)

    def init(self, *, mode=1, period=-1, freq=-1, callback=None):
        self.deinit()
        if freq > 0:
            period = 1000 // freq
        self._run += 1
        _thread.start_new_thread(self._loop, (self._run, mode, max(1, period), callback))

    def deinit(self):
        self._run += 1

    def _loop(self, run, mode, period_ms, callback):
        while run == self._run:
            time.sleep_ms(period_ms)
            if run != self._run:
                break
            if callback is not None:
                try:
                    micropython.schedule(callback, self)
                except RuntimeError:
                    pass
            if mode == 0:
                break


def _halt():
    # The chip stops here; the host kills and restarts the process (a hard reset).
    while True:
        time.sleep_ms(1000)


def reset():
    _say("reset")
    _halt()


def soft_reset():
    reset()


def deepsleep(time_ms=0):
    reset()


def lightsleep(time_ms=0):
    time.sleep_ms(time_ms)


def idle():
    time.sleep_us(100)


def reset_cause():
    return _reset_cause


def unique_id():
    return b"\x24\x6f\x28\xa1\xb2\xc3"


# The simulated chip's counters, for the host (not part of MicroPython's machine).
def hx711_stats():
    c = _chip
    if c is None:
        return None
    return (c.reads, c.missed, c.late_feed, c.power_downs)
