# Turns HX711 conversions into timestamped tensions in 0.01 N: scaling, overload, tare, calibration.
# The per-sample path uses small-int fixed-point arithmetic and preallocated storage only, so it
# never allocates, on the real MicroPython stack too.
# Sampling follows the chip's clock: DOUT's falling edge (a Pin IRQ) stamps the time and reads the
# conversion into a preallocated ring; the run() task drains the ring every _DRAIN_MS. Why so:
# - On the ESP32 asyncio sleeps end on the 100 Hz FreeRTOS tick (a 2 ms poll takes 10 ms); the
#   stamp is taken in the handler, at the edge, whatever the task's latency, and the read
#   happens there too, so a late task (tick, flash write, BLE burst) loses no conversion: the
#   ring holds _RING - 1 of them (390 ms at 80 Hz).
# - Waking the task per conversion needs asyncio.ThreadSafeFlag, whose wait() allocates ~290 B
#   on every call in MicroPython's own asyncio (a generator, the I/O queue's entry, the poller
#   registration); sleep_ms() reuses one generator and allocates nothing.
# - The ESP32's Pin.irq has no hard mode: its GPIO ISR schedules the handler
#   (mp_sched_schedule) and wakes the main task, so the handler runs as a soft IRQ between
#   bytecodes, where a ~0.2 ms bit-banged read is allowed. It still allocates nothing (a hard-IRQ
#   rule the VM fakes enforce): list slots and small ints only, the bound method made once.
# - DOUT also falls while bits are clocked out: those edges queue more calls (the scheduler holds
#   8 on the ESP32 and drops the rest silently), which find _reading set or DOUT high and return.
# - Handler and task share the ring without locks: the handler alone writes _head and the slots,
#   the task alone _tail. The task reads a conversion itself (every _WATCH_US, when DOUT is low
#   and no edge said so) only through the handler, inside its _reading guard: one writer at a time.
import asyncio
import time
from time import ticks_diff

from micropython import const

from codes import BUSY, MOVING, NOT_CALIBRATED, OUT_OF_RANGE, SENSOR_FAULT, DeviceError
from codes import OVERLOAD_HIGH as OVER_HIGH
from codes import OVERLOAD_LOW as OVER_LOW
from codes import RATE_FAST_HZ, RATE_SLOW_HZ, TARE_DEFAULT_N, TARE_MAX_N, TARE_MIN_N
from hx711 import SAT_HIGH, SAT_LOW
from settings import valid_counts_per_n

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hx711 import HX711
    from settings import Settings

_VALID_MAX = const(0x7FFFFE)  # the largest valid tension: just below OVER_HIGH
# Fixed point: value_cn = round(d * m / 2**s), d split at bit _B so every product < 2**30.
_B = const(10)
_B_MASK = const(0x3FF)
_SMALL = const(1 << 30)
_D_LIMIT = const(1 << 25)
# No conversion for this long means the HX711 is gone (10 samples/s settles in 400 ms).
_FAULT_US = const(1_000_000)
# Tare/calibrate reject a band whose readings spread more than this (0.01 N), or this many counts.
_MOVING_CN = const(200)
_MOVING_MIN_COUNTS = const(1000)
_CAL_SAMPLES = const(32)
# run()'s drain period (the ESP32's tick), how often it looks for a conversion no edge announced,
# and tare/calibrate's poll period when run() is not running.
_DRAIN_MS = const(10)
_WATCH_US = const(100_000)
_AVERAGE_POLL_MS = const(1)
# The ring of conversions read by the DOUT handler (a power of two).
_RING = const(32)
_RING_MASK = const(31)


class Sampler:
    # Reads the HX711 at 10 or 80 samples/s and hands on_sample(t_us, value_cn) each sample.
    # Tare and calibrate average the same stream: samples keep flowing to on_sample meanwhile
    # (scaled with the old calibration until the new one is applied). Callers persist settings.
    def __init__(self, hx: "HX711", settings: "Settings", on_sample, capacity_cn: int,
                 ticks_us=None, rate_pin=None):
        self._hx = hx
        self._on_sample = on_sample
        self._capacity_cn = capacity_cn
        self._ticks_us = ticks_us if ticks_us is not None else time.ticks_us
        self._rate_pin = rate_pin
        self.overload = False
        self.fault = False
        self.busy = False
        self.tared = False
        self._ok_us = self._ticks_us()
        # Conversions read by the DOUT handler: (edge time, raw) in slots _tail.._head-1.
        self._ring_t: list = [0] * _RING  # ticks_us() values
        self._ring_raw = [0] * _RING
        self._head = 0
        self._tail = 0
        self._reading = False
        self.overruns = 0  # conversions dropped because the ring was full
        self._handler = self._on_ready  # made once: a bound method made per IRQ would allocate
        self._running = False
        # Tare/calibrate collector, fed by _take().
        self._want = 0
        self._got = 0
        self._first = 0
        self._sum = 0
        self._min = 0
        self._max = 0
        self._sat = False
        self.apply(settings)

    # Re-derives the fixed-point scale, overload limit and rate from settings.
    def apply(self, settings: "Settings") -> None:
        self.settings = settings
        cpn = settings.counts_per_n
        if not valid_counts_per_n(cpn):
            raise DeviceError(OUT_OF_RANGE, "counts_per_n out of range")
        k = 100.0 / abs(cpn)  # cN per count
        limit = self._capacity_cn * settings.overload_permille // 1000
        if limit > _VALID_MAX:
            limit = _VALID_MAX
        d_cap = int(limit / k) + 2
        if d_cap > _D_LIMIT:
            d_cap = _D_LIMIT
        hi_max = (d_cap >> _B) + 1
        s = 28
        m = 0
        while s > _B:
            m = int(k * (1 << s) + 0.5)
            if m < (1 << (29 - _B)) and hi_max * m < _SMALL:
                break
            s -= 1
        else:
            m = int(k * (1 << s) + 0.5)
        self._neg = cpn < 0
        self._offset = settings.offset_raw
        self._m = m
        self._s = s
        self._sb = s - _B
        self._sb_mask = (1 << (s - _B)) - 1
        self._half = 1 << (s - 1)
        self._d_cap = d_cap
        self._limit = limit
        moving = int(_MOVING_CN / k)
        self._moving_counts = moving if moving > _MOVING_MIN_COUNTS else _MOVING_MIN_COUNTS
        self._set_rate_pin(settings.rate_hz)

    # Switches the HX711 between 10 and 80 samples/s (RATE pin) and records it in settings.
    def set_rate(self, rate_hz: int) -> None:
        if rate_hz != RATE_SLOW_HZ and rate_hz != RATE_FAST_HZ:
            raise DeviceError(OUT_OF_RANGE, "rate must be 10 or 80")
        self.settings.rate_hz = rate_hz
        self._set_rate_pin(rate_hz)

    # Period and RATE pin level for rate_hz; restarts the fault timer.
    def _set_rate_pin(self, rate_hz: int) -> None:
        self._period_us = 1_000_000 // rate_hz
        if self._rate_pin is not None:
            self._rate_pin.value(1 if rate_hz == RATE_FAST_HZ else 0)
        self._ok_us = self._ticks_us()

    # Counts -> 0.01 N, or an overload code; small ints only (no allocation).
    def scale(self, raw: int) -> int:
        if raw == SAT_HIGH:
            return OVER_HIGH
        if raw == SAT_LOW:
            return OVER_LOW
        d = raw - self._offset
        if self._neg:
            d = -d
        if d >= self._d_cap:
            return OVER_HIGH
        if d <= -self._d_cap:
            return OVER_LOW
        m = self._m
        hi = (d >> _B) * m
        v = (hi >> self._sb) + ((((hi & self._sb_mask) << _B) + (d & _B_MASK) * m + self._half) >> self._s)
        if v >= self._limit:
            return OVER_HIGH
        if v <= -self._limit:
            return OVER_LOW
        return v

    # Reads one conversion if the HX711 has one (run() not running): scale, flag, feed tare,
    # call on_sample with t_us (now when not given).
    def poll(self, t_us=None) -> bool:
        hx = self._hx
        if t_us is None:
            t_us = self._ticks_us()
        if not hx.is_ready():
            if ticks_diff(t_us, self._ok_us) > _FAULT_US:
                self.fault = True
            return False
        try:
            raw = hx.read_raw()
        except DeviceError:
            self.fault = True
            return False
        self._take(t_us, raw)
        return True

    # One conversion read at t_us: scale, flag, feed tare, call on_sample. Allocates nothing.
    def _take(self, t_us, raw) -> None:
        self.fault = False
        self._ok_us = t_us
        v = self.scale(raw)
        self.overload = v == OVER_HIGH or v == OVER_LOW
        if self._want:
            self._collect(raw)
        self._on_sample(t_us, v)

    # One raw sample into the tare/calibrate statistics (sum relative to the first: small ints).
    def _collect(self, raw: int) -> None:
        if raw == SAT_HIGH or raw == SAT_LOW:
            self._sat = True
        if self._got == 0:
            self._first = raw
            self._min = raw
            self._max = raw
        else:
            self._sum += raw - self._first
            if raw < self._min:
                self._min = raw
            if raw > self._max:
                self._max = raw
        self._got += 1
        if self._got >= self._want:
            self._want = 0

    # DOUT fell (the pin's IRQ handler, also called by run()): stamp the edge, read the conversion
    # into the ring. Allocates nothing; raises nothing (a failed read marks a fault).
    def _on_ready(self, pin) -> None:
        t_us = self._ticks_us()
        if self._reading:
            return
        self._reading = True
        try:
            hx = self._hx
            if not hx.is_ready():
                return  # a data bit's edge, or a conversion already read
            try:
                raw = hx.read_raw()
            except Exception:  # DeviceError; MemoryError where IRQs run with the heap locked
                self.fault = True
                return
            head = self._head
            nxt = (head + 1) & _RING_MASK
            if nxt == self._tail:
                self.overruns += 1
                return
            self._ring_t[head] = t_us
            self._ring_raw[head] = raw
            self._head = nxt
        finally:
            self._reading = False

    # Hands every conversion read so far to on_sample, oldest first (task context only; the app
    # drains before it flushes a packet, so a packet holds every sample up to then).
    def drain(self) -> None:
        tail = self._tail
        while tail != self._head:
            self._take(self._ring_t[tail], self._ring_raw[tail])
            tail = (tail + 1) & _RING_MASK
            self._tail = tail

    # Reads each conversion as DOUT announces it, stamped at the edge, until cancelled. Every
    # _WATCH_US it also reads a conversion no edge announced (the IRQ armed after DOUT fell, an
    # edge the scheduler dropped) and flags a chip silent for a second.
    async def run(self) -> None:
        self._tail = self._head
        self._ok_us = self._ticks_us()
        watch_us = self._ok_us
        self._running = True
        self._hx.on_ready(self._handler)
        try:
            while True:
                await asyncio.sleep_ms(_DRAIN_MS)
                self.drain()
                now = self._ticks_us()
                if ticks_diff(now, watch_us) >= _WATCH_US:
                    watch_us = now
                    if self._hx.is_ready():
                        self._on_ready(None)
                        self.drain()
                    elif ticks_diff(now, self._ok_us) > _FAULT_US:
                        self.fault = True
        finally:
            self._running = False
            self._hx.on_ready(None)

    # Mean raw count of n still samples; DeviceError MOVING, SENSOR_FAULT or BUSY.
    async def _average(self, n: int) -> int:
        if self.busy:
            raise DeviceError(BUSY, "tare or calibration running")
        self.busy = True
        try:
            self._got = 0
            self._sum = 0
            self._sat = False
            self._want = n
            t0 = self._ticks_us()
            timeout_us = n * self._period_us + 2 * _FAULT_US
            while self._want:
                if not self._running:
                    self.poll()
                if self._sat:
                    raise DeviceError(SENSOR_FAULT, "HX711 saturated")
                if self.fault or ticks_diff(self._ticks_us(), t0) > timeout_us:
                    raise DeviceError(SENSOR_FAULT, "HX711 gave no samples")
                if self._want:
                    await asyncio.sleep_ms(_AVERAGE_POLL_MS)
            if self._sat:
                raise DeviceError(SENSOR_FAULT, "HX711 saturated")
            if self._max - self._min > self._moving_counts:
                raise DeviceError(MOVING, "band moved")
            return self._first + (2 * self._sum + n) // (2 * n)
        finally:
            self._want = 0
            self.busy = False

    # Zero point: the mean of n still samples becomes offset_raw (returned).
    async def tare(self, n: int = TARE_DEFAULT_N) -> int:
        if not TARE_MIN_N <= n <= TARE_MAX_N:
            raise DeviceError(OUT_OF_RANGE, "tare takes 4..255 samples")
        offset = await self._average(n)
        self.settings.offset_raw = offset
        self.tared = True
        self.apply(self.settings)
        return offset

    # Scale from a known tension (0.01 N) hung on the tared band; returns counts_per_n.
    async def calibrate(self, known_cn: int) -> float:
        if self.busy:
            raise DeviceError(BUSY, "tare or calibration running")
        if not self.tared:
            raise DeviceError(NOT_CALIBRATED, "tare first")
        if not 0 < known_cn <= self._capacity_cn:
            raise DeviceError(OUT_OF_RANGE, "known tension out of range")
        mean = await self._average(_CAL_SAMPLES)
        cpn = (mean - self.settings.offset_raw) * 100.0 / known_cn
        if not valid_counts_per_n(cpn):
            raise DeviceError(OUT_OF_RANGE, "reading too small for that tension")
        self.settings.counts_per_n = cpn
        self.settings.calibrated = True
        self.apply(self.settings)
        return cpn

