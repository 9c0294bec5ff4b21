# Fake `machine` for running the firmware in the MicroPython VM: Pin, ADC, WDT, IRQ state,
# unique_id, reset, plus a bit-level simulated HX711 that test scripts drive and inspect.
"""Fake `machine` module with a simulated HX711 load-cell amplifier.

Test API (everything below is fake-only; the rest mirrors MicroPython's `machine`):

HX711 -- attach a simulated chip to pin numbers, then let the firmware build its Pins as usual:

    sim = machine.HX711Sim(dout=33, pd_sck=32, rate=27)   # rate pin optional
    sim.extend([1000, -5000, 0x7FFFFF])   # queue of conversions, in counts at gain 128
    sim.push(42)                          # one more conversion
    sim.fn = lambda elapsed_us: 1000      # or: the load as a function of time since start
    sim.raw = 123                         # held value once the queue is empty (updated as
                                          # conversions consume the queue)
    sim.cycle = True                      # replay the queue forever (allocation-free)
    sim.stuck = 1                         # DOUT stuck high (None: working, 0: stuck low)
    sim.timed = True                      # conversions every 12.5 ms (RATE high) or 100 ms
                                          # (RATE low / sim.rate_hz without a RATE pin), first one
                                          # sim.settle_periods periods after power-up or a RATE
                                          # change (default 4);
                                          # by default (untimed) a conversion is ready at the
                                          # second DOUT poll after a read (sim.busy_polls = 1)
    sim.advance_us(100)                   # let simulated time pass (adds to time.ticks_us())
    sim.powered_down()                    # evaluates PD_SCK-held-high (> 60 us) and reports

  Model (HX711 datasheet): DOUT low = conversion ready; each PD_SCK rising edge shifts out the
  next bit, MSB first, 24 bits in two's complement; the 25th pulse pulls DOUT high; 25/26/27
  pulses in total select channel A gain 128 / channel B gain 32 / channel A gain 64 for the NEXT
  conversion. Values are scaled by gain/128 and clamped to the saturation codes 0x7FFFFF and
  0x800000. PD_SCK held high > 60 us powers the chip down; PD_SCK low powers it up again with
  gain 128 and a fresh settling time. Pulse widths are judged on the sim clock
  (time.ticks_us() + advance_us); while machine.disable_irq() is in force a pulse is never
  stretched (as on the real MCU), so a high phase only counts as long with IRQs enabled.

  Time: in a plain script time.ticks_us() is the real clock (millisecond steps), so anything
  timed (sim.timed, clocking PD_SCK by hand with IRQs enabled) belongs in an is_async=True
  script, where fake timers move the clock only when the script awaits or calls advance_us().
  There, never busy-wait (read_raw() on a chip that is not ready, time.sleep_ms): the clock
  cannot move and the VM hangs until the subprocess timeout. sim.fn gets microseconds since the
  sim was made (a ticks difference: it wraps after 2**29 us, ~9 minutes).

  Counters to inspect: sim.reads (completed 24-bit reads), sim.pulses (pulses in the current or
  last read), sim.gain (gain of the next conversion), sim.conversions, sim.missed (conversions
  overwritten unread), sim.power_downs, sim.power_ups, sim.unguarded_pulses (data pulses with
  IRQs enabled), sim.bad_pulses (pulse counts other than 25/26/27), sim.aborted (reads cut by a
  power-down). The per-read path allocates nothing, so allocation budgets can be measured
  through it.

Other pins: `set_input(pin_id, level)` sets what an input Pin reads (default: its pull, else 0);
`Pin.value()` of an output returns what was written; `pin_level(pin_id)` reads an output back.
`pin.irq(handler, trigger)` is recorded in `pin.irq_handler`/`pin.irq_trigger`; `pin.fire()`
calls the handler. The HX711Sim's DOUT pin has real edges: a conversion pulls it low (falling
edge) and clocked-out bits move it; an armed IRQ_FALLING handler runs at the edge under
micropython.heap_lock() (an allocating handler fails, as in an ISR; errors land in
`machine.irq_errors`), or when interrupts come back on if they were off. In timed mode with an
IRQ armed, a timer ends each conversion on time (`sim.edges_us = []` logs their sim times), even
when the runner's os_tick_ms holds asyncio's wake-ups to a 10 ms tick.
`machine.max_guarded_pulses`: the most PD_SCK pulses given in one disable_irq() section.
asyncio.ThreadSafeFlag is supplied here when the VM's asyncio lacks it.

ADC: `set_adc_uv(pin_id, uv)` sets the voltage an ADC on that pin measures (an int, or a
callable returning one); read_uv() returns it, read_u16() scales 0..3.3 V to 0..65535.

Timer: `timers` lists every Timer made, with .mode, .period_ms, .callback (call it to tick).

WDT: `wdts` lists every WDT created; each has .timeout_ms, .feeds and .starved() (True if not fed
within its timeout, on time.ticks_ms()).

IRQ state: disable_irq()/enable_irq(state) nest; `irq_disabled()` tells the current state.
unique_id(): 6 bytes, set with `set_unique_id(b)`. reset()/soft_reset()/deepsleep() raise
ResetCalled (a BaseException, so `except Exception` in firmware cannot swallow it) and count
in `resets`; `set_reset_cause(c)` sets what reset_cause() returns.
"""

import sys
import time

import micropython

# Shared with the real MicroPython's stand-in (taut/mpstack/mp/), which mpvm.run() copies in beside this.
from machine_common import DEEPSLEEP_RESET, HARD_RESET, PWRON_RESET, SOFT_RESET, WDT_RESET, freq  # noqa: F401 (machine's API)
from machine_common import HX711_POWER_DOWN_US, ADCBase, PinBase, hx711_gain, hx711_word

# Pin number -> level an input reads.
_inputs = {}
# Pin number -> level last written to an output.
_outputs = {}
# Pin number -> HX711Sim for its DOUT, PD_SCK and RATE pins.
_dout_sims = {}
_sck_sims = {}
_rate_sims = {}
_adc_uv = {}
_irq_depth = 0
# Pin number -> the Pin whose irq() handler is armed there.
_irq_pins = {}
_any_pending = False
_in_irq = False
_flags = []
irq_errors = []
_uid = b"\x24\x6f\x28\xa1\xb2\xc3"
_reset_cause = PWRON_RESET
resets = 0
wdts = []


class ResetCalled(BaseException):
    # Raised by reset(): on a real board the call never returns.
    pass


def set_input(pin_id, level):
    _inputs[pin_id] = 1 if level else 0


def pin_level(pin_id):
    return _outputs.get(pin_id)


def set_adc_uv(pin_id, uv):
    _adc_uv[pin_id] = uv


def set_unique_id(uid):
    global _uid
    _uid = bytes(uid)


def set_reset_cause(cause):
    global _reset_cause
    _reset_cause = cause


def irq_disabled():
    return _irq_depth > 0


# Longest run of PD_SCK pulses inside one disable_irq() section, over every sim.
_guard_pulses = 0
max_guarded_pulses = 0


def disable_irq():
    global _irq_depth, _guard_pulses
    state = _irq_depth
    if state == 0:
        _guard_pulses = 0
    _irq_depth = state + 1
    return state


def enable_irq(state):
    global _irq_depth
    _irq_depth = state
    if state == 0 and _any_pending:
        _fire_pending()


# A level change on an input pin: a falling edge calls an armed IRQ_FALLING handler now (as a
# pending interrupt once interrupts are enabled again, if they are off), under heap_lock, so a
# handler that allocates fails as it would in a hard ISR.
def _edge(pin_id, falling):
    global _any_pending
    pin = _irq_pins.get(pin_id)
    if pin is None or pin.irq_handler is None:
        return
    if not pin.irq_trigger & (Pin.IRQ_FALLING if falling else Pin.IRQ_RISING):
        return
    if _irq_depth:
        pin._pending = True
        _any_pending = True
        return
    _call_irq(pin)


def _fire_pending():
    global _any_pending
    _any_pending = False
    for pid in _irq_pins:  # allocation-free: this may run inside a heap-locked handler
        pin = _irq_pins[pid]
        if pin._pending:
            pin._pending = False
            _call_irq(pin)


def _call_irq(pin):
    global _in_irq
    _in_irq = True
    micropython.heap_lock()
    try:
        pin.irq_handler(pin)
    except Exception as e:
        micropython.heap_unlock()
        _in_irq = False
        irq_errors.append(repr(e))
        sys.print_exception(e)
        return
    micropython.heap_unlock()
    _in_irq = False
    # What the port does after the ISR: wake tasks waiting on a flag the handler set.
    for f in _flags:
        if f.state:
            f._wake()


# setTimeout for the simulated chip's conversion edges: the runner's exact one, which the
# 10 ms tick option (mpvm.run(os_tick_ms=10)) leaves alone, as a pin interrupt is not held to
# the FreeRTOS tick.
def _set_timeout(fn, ms):
    import js
    js.mpvmSetTimeoutExact(fn, ms)


def unique_id():
    return _uid


def reset_cause():
    return _reset_cause


def reset():
    global resets
    resets += 1
    raise ResetCalled("machine.reset()")


def soft_reset():
    global resets
    resets += 1
    raise ResetCalled("machine.soft_reset()")


def deepsleep(time_ms=0):
    global resets
    resets += 1
    raise ResetCalled("machine.deepsleep(%d)" % time_ms)


def lightsleep(time_ms=0):
    pass


def idle():
    pass


class Pin(PinBase):
    # A GPIO; DOUT/PD_SCK/RATE pins of an HX711Sim talk to the simulated chip.
    def __init__(self, id, mode=-1, pull=-1, *, value=None):
        self.id = id
        self.mode = None
        self.pull = None
        self.irq_handler = None
        self.irq_trigger = 0
        self._pending = False
        self.init(mode, pull, value=value)

    def value(self, v=None):
        pid = self.id
        if v is None:
            sim = _dout_sims.get(pid)
            if sim is not None:
                return sim._read_dout()
            if self.mode == Pin.OUT:
                return _outputs.get(pid, 0)
            level = _inputs.get(pid)
            if level is None:
                return 1 if self.pull == Pin.PULL_UP else 0
            return level
        level = 1 if v else 0
        _outputs[pid] = level
        sim = _sck_sims.get(pid)
        if sim is not None:
            sim._write_sck(level)
        sim = _rate_sims.get(pid)
        if sim is not None and sim.period_us() != sim._period_us:
            sim._schedule_first()
        return None

    def irq(self, handler=None, trigger=3, *, priority=1, wake=None, hard=False):
        self.irq_handler = handler
        self.irq_trigger = trigger
        self._pending = False
        _irq_pins[self.id] = self
        sim = _dout_sims.get(self.id)
        if sim is not None:
            sim._arm()

    def fire(self):
        if self.irq_handler is not None:
            self.irq_handler(self)


class ADC(ADCBase):
    # An ADC channel whose measured voltage the test sets with set_adc_uv().
    def __init__(self, id, *, atten=3, sample_ns=0):
        self.id = id.id if isinstance(id, Pin) else id
        self._atten = atten
        self.reads = 0

    def read_uv(self):
        self.reads += 1
        uv = _adc_uv.get(self.id, 0)
        if callable(uv):
            uv = uv()
        return uv


timers = []


class Timer:
    # A hardware timer that records its set-up; a test calls t.callback(t) to make it tick.
    ONE_SHOT = 0
    PERIODIC = 1

    def __init__(self, id=-1, **kwargs):
        self.id = id
        self.mode = None
        self.period_ms = None
        self.callback = None
        timers.append(self)
        if kwargs:
            self.init(**kwargs)

    def init(self, *, mode=1, period=-1, freq=-1, callback=None):
        self.mode = mode
        self.period_ms = period
        self.callback = callback

    def deinit(self):
        self.callback = None


class WDT:
    # A watchdog that records feeds; starved() says whether it would have bitten.
    def __init__(self, *, id=0, timeout=5000):
        self.timeout_ms = timeout
        self.feeds = 0
        self._fed_ms = time.ticks_ms()
        wdts.append(self)

    def feed(self):
        self.feeds += 1
        self._fed_ms = time.ticks_ms()

    def starved(self):
        return time.ticks_diff(time.ticks_ms(), self._fed_ms) > self.timeout_ms


# HX711Sim states.
_NOT_READY = 0  # DOUT high: converting (pulses here are gain pulses after a read, or spurious)
_READY = 1  # DOUT low: a conversion waits to be read
_READING = 2  # 1..24 data pulses given


class HX711Sim:
    # A bit-level HX711 behind two (or three) GPIO numbers; see the module docstring.
    def __init__(self, dout, pd_sck, rate=None):
        self.dout_id = dout
        self.sck_id = pd_sck
        self.rate_id = rate
        _dout_sims[dout] = self
        _sck_sims[pd_sck] = self
        if rate is not None:
            _rate_sims[rate] = self
        self.timed = False
        self.rate_hz = 10
        self.settle_periods = 4
        self.busy_polls = 1
        self.stuck = None
        self.fn = None
        self.raw = 0
        self.cycle = False
        self._q = []
        self._qi = 0
        self.gain = 128
        self.reads = 0
        self.pulses = 0
        self.conversions = 0
        self.missed = 0
        self.power_downs = 0
        self.power_ups = 0
        self.unguarded_pulses = 0
        self.bad_pulses = 0
        self.aborted = 0
        self._offset_us = 0
        self._t0_us = time.ticks_us()
        self._state = _NOT_READY
        self._word = 0
        self._n = 0
        self._busy = 0
        self._sck = 0
        self._rise_us = 0
        self._down = False
        self._period_us = 0
        self._next_us = self._t0_us
        self._level = 1
        self._timer_armed = False
        self.edges_us = None
        self._schedule_first()

    # -- test API --
    def push(self, raw):
        self._q.append(raw)

    def extend(self, raws):
        for r in raws:
            self._q.append(r)

    def pending(self):
        return len(self._q) - self._qi

    def advance_us(self, us):
        self._offset_us += us

    def now_us(self):
        return time.ticks_add(time.ticks_us(), self._offset_us)

    def powered_down(self):
        self._check_power_down()
        return self._down

    def period_us(self):
        if self.rate_id is not None:
            return 12_500 if _outputs.get(self.rate_id, 0) else 100_000
        return 12_500 if self.rate_hz == 80 else 100_000

    # -- chip model --
    def _schedule_first(self):
        self._period_us = self.period_us()
        self._next_us = time.ticks_add(self.now_us(), self.settle_periods * self._period_us)

    def _check_power_down(self):
        if self._sck and not self._down and _irq_depth == 0:
            if time.ticks_diff(self.now_us(), self._rise_us) > HX711_POWER_DOWN_US:
                self._down = True
                self._level = 1
                self.power_downs += 1
                if self._state == _READING:
                    self.aborted += 1
                self._state = _NOT_READY
                self._n = 0

    def _produce(self, elapsed_us):
        # A conversion completes at the gain the last read chose: take the next value.
        self._n = 0
        if self.fn is not None:
            v = self.fn(elapsed_us)
        elif self._qi < len(self._q):
            v = self._q[self._qi]
            self._qi += 1
            if self.cycle and self._qi >= len(self._q):
                self._qi = 0
        else:
            v = self.raw
        self.raw = v
        if self._state == _READY:
            self.missed += 1
        self._word = hx711_word(v, self.gain)
        self._state = _READY
        self.conversions += 1
        self._set_level(0)

    # DOUT's level as the pin sees it; a high-to-low change is a falling edge (Pin.irq).
    def _set_level(self, level):
        falling = self._level and not level and self.stuck is None
        self._level = level
        if falling:
            _edge(self.dout_id, True)  # last: the handler may move DOUT again (a read)

    # With an IRQ armed on DOUT in timed mode, a timer ends each conversion on time, so the
    # falling edge comes when the chip makes it, not when the firmware next looks.
    def _arm(self):
        if self._timer_armed or not self.timed:
            return
        pin = _irq_pins.get(self.dout_id)
        if pin is None or pin.irq_handler is None:
            return
        delay_us = time.ticks_diff(self._next_us, self.now_us())
        ms = (delay_us + 999) // 1000
        self._timer_armed = True
        _set_timeout(self._on_timer, ms if ms > 0 else 1)

    def _on_timer(self):
        self._timer_armed = False
        self._tick()
        self._arm()

    def _tick(self):
        # Timed mode: complete every conversion whose time has come.
        if self._down or self._state == _READING:
            return
        period = self.period_us()
        if period != self._period_us:
            # A RATE change restarts settling, as a power-up does.
            self._schedule_first()
            return
        now = self.now_us()
        if time.ticks_diff(now, self._next_us) >= 1000 * period:
            self._next_us = time.ticks_add(now, -period)
        while time.ticks_diff(now, self._next_us) >= 0:
            # The next conversion's time moves on before this one's edge: a handler that reads
            # the conversion at the edge re-enters here through the pins.
            due = self._next_us
            self._next_us = time.ticks_add(due, period)
            if self.edges_us is not None:
                self.edges_us.append(due)
            self._produce(time.ticks_diff(due, self._t0_us))

    def _read_dout(self):
        self._check_power_down()
        if self.stuck is not None:
            return self.stuck
        if self._down:
            return 1
        state = self._state
        if state == _READING:
            n = self._n
            return (self._word >> (24 - n)) & 1
        if self.timed:
            self._tick()
            return 0 if self._state == _READY else 1
        if state == _READY:
            return 0
        if self._busy > 0:
            self._busy -= 1
            return 1
        self._produce(time.ticks_diff(self.now_us(), self._t0_us))
        return 0 if self._state == _READY else 1  # an IRQ handler may have read it at its edge

    def _write_sck(self, level):
        if level == self._sck:
            return
        if level:
            self._sck = 1
            self._rise_us = self.now_us()
            if self._down:
                return
            if self.timed:
                self._tick()
            self._pulse()
        else:
            self._check_power_down()
            self._sck = 0
            if self._down:
                self._down = False
                self.power_ups += 1
                self.gain = 128
                self._state = _NOT_READY
                self._n = 0
                self._busy = 0
                self._schedule_first()

    def _pulse(self):
        # One PD_SCK rising edge while powered.
        global _guard_pulses, max_guarded_pulses
        if _irq_depth:
            _guard_pulses += 1
            if _guard_pulses > max_guarded_pulses:
                max_guarded_pulses = _guard_pulses
        state = self._state
        if state == _NOT_READY and self._n == 0:
            # Clocking a chip that has nothing to say: no effect but worth knowing.
            self.bad_pulses += 1
            return
        if _irq_depth == 0:
            self.unguarded_pulses += 1
        self._n += 1
        n = self._n
        self.pulses = n
        if state == _READY:
            self._state = _READING
        elif state == _READING and n == 25:
            self._state = _NOT_READY
            self._busy = self.busy_polls
            self.reads += 1
        self._set_level((self._word >> (24 - n)) & 1 if n <= 24 else 1)
        self.gain = hx711_gain(n, self.gain)
        if n == 28:
            self.bad_pulses += 1


class _ThreadSafeFlag:
    # asyncio.ThreadSafeFlag, which the webassembly port's asyncio lacks: set() from an IRQ
    # wakes the one waiting task at once (on the chip a pin interrupt wakes the asyncio task
    # early, whatever the tick); self-clearing after wait().
    def __init__(self):
        self.state = 0
        self._waiting = None
        _flags.append(self)

    def set(self):
        self.state = 1
        if not _in_irq:
            self._wake()

    def _wake(self):
        t = self._waiting
        if t is not None:
            self._waiting = None
            t.data = None
            _asyncio_core._task_queue.push(t)

    def clear(self):
        self.state = 0

    def remove(self, task):
        # Task.cancel() takes a waiting task off whatever it waits on.
        if self._waiting is task:
            self._waiting = None

    def wait(self):
        if not self.state:
            task = _asyncio_core.cur_task
            self._waiting = task
            task.data = self
            yield
        self.state = 0


import asyncio  # noqa: E402

_asyncio_core = asyncio.core
if not hasattr(asyncio, "ThreadSafeFlag"):
    asyncio.ThreadSafeFlag = _ThreadSafeFlag
