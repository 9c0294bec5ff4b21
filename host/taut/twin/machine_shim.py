"""A CPython `machine` module for the twin: Pins with a bit-level HX711 behind them, ADC, WDT, reset.

The HX711 follows its datasheet: a conversion every 12.5 ms (RATE pin high) or 100 ms (low),
DOUT low when one is ready, one bit out per PD_SCK pulse (MSB first, 24-bit two's complement),
25/26/27 pulses choosing the next gain, PD_SCK held high > 60 µs powering it down and a settling
time of 4 periods after power-up. Its input is a function of device time (the load-cell model).
Every pin access costs the firmware a little device time, as on the chip, so busy-waits end.
A Pin.irq handler on DOUT runs at each conversion's falling edge, on time (a loop timer).
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import Callable
from typing import Any

from taut.twin.clock import TwinClock

_SAT_HIGH = 0x7FFFFF
_SAT_LOW = -0x800000
_POWER_DOWN_US = 60
_PIN_ACCESS_US = 0.5


class ResetRequested(BaseException):
    """machine.reset() was called: the twin reboots the firmware (a BaseException, like a reset)."""


class HX711Chip:
    """The HX711 as seen on its pins; `raw_at(elapsed_s)` gives counts at gain 128."""

    def __init__(self, clock: TwinClock, raw_at: Callable[[float], int], *, settle_periods: int = 4) -> None:
        self._clock = clock
        self.raw_at = raw_at
        self.settle_periods = settle_periods
        self.rate_high = False  # RATE pin: True = 80 samples/s
        self.fixed_rate_hz: float | None = None  # without a RATE pin
        self.gain = 128
        self.stuck: int | None = None  # fault injection: DOUT stuck at this level
        self._sck = 0
        self._sck_high_us = 0
        self._powered = True
        self._t_power_us = 0  # device µs of the last power-up
        self._read_index = -1  # index of the conversion last read
        self._shift: int | None = None  # value being shifted out
        self._pulses = 0
        self._bits_value = 0
        self.reads = 0
        self.missed = 0
        self.power_downs = 0
        self.conversion_times_s: list[float] = []  # device time of each conversion read
        self.irq_disabled: Callable[[], bool] = lambda: False
        self._on_ready: Callable[[], None] | None = None
        self._timer: asyncio.TimerHandle | None = None

    def set_ready_handler(self, fn: Callable[[], None] | None) -> None:
        """`fn()` at each DOUT falling edge (a conversion ready while DOUT was high), or none."""
        self._on_ready = fn
        self._rearm()

    def _rearm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._on_ready is None:
            return
        now = self._now_us()
        first_us = self._t_power_us + self.settle_periods * self.period_us
        k = 0 if now < first_us else int((now - first_us) // self.period_us) + 1
        when = self._clock.loop_time_at(first_us + k * self.period_us + 1)
        self._timer = asyncio.get_running_loop().call_at(when, self._edge)

    def _edge(self) -> None:
        self._timer = None
        self.settle()
        latest = self._latest(self._now_us())
        fire = self._powered and self.stuck is None and self._shift is None and latest - 1 <= self._read_index
        self._rearm()
        if fire and self._on_ready is not None:
            self._on_ready()

    @property
    def period_us(self) -> float:
        rate = self.fixed_rate_hz or (80.0 if self.rate_high else 10.0)
        return 1e6 / rate

    def set_rate_high(self, high: bool) -> None:
        """The RATE pin: the conversion clock changes; the next result comes one new period later."""
        if high == self.rate_high:
            return
        now = self._now_us()
        self.rate_high = high
        if self._powered:
            self._t_power_us = int(now + self.period_us - self.settle_periods * self.period_us)
            self._read_index = -1
        if self._on_ready is not None:
            self._rearm()

    def _now_us(self) -> int:
        return self._clock.elapsed_us()

    def _latest(self, now_us: int) -> int:
        """Index of the latest finished conversion (-1: none since power-up)."""
        first_us = self._t_power_us + self.settle_periods * self.period_us
        if now_us < first_us:
            return -1
        return int((now_us - first_us) // self.period_us)

    def _check_power(self, now_us: int) -> None:
        # With IRQs disabled a pulse is never stretched (the firmware guards its reads so).
        if self._powered and self._sck and not self.irq_disabled() and now_us - self._sck_high_us > _POWER_DOWN_US:
            self._powered = False
            self.power_downs += 1
            self._shift = None

    def dout(self) -> int:
        self._clock.block_us(_PIN_ACCESS_US)
        now = self._now_us()
        self._check_power(now)
        if self.stuck is not None:
            return self.stuck
        if not self._powered:
            return 1
        if self._shift is not None:
            if 1 <= self._pulses <= 24:
                return (self._bits_value >> (24 - self._pulses)) & 1
            return 1
        return 0 if self._latest(now) > self._read_index else 1

    def sck(self, level: int) -> None:
        self._clock.block_us(_PIN_ACCESS_US)
        now = self._now_us()
        self._check_power(now)
        level = 1 if level else 0
        if level and not self._sck:
            self._sck_high_us = now
            self._rising(now)
        elif not level and self._sck and not self._powered:
            self._powered = True  # power up: gain 128, settle again
            self._t_power_us = now
            self._read_index = -1
            self.gain = 128
            if self._on_ready is not None:
                self._rearm()
        self._sck = level

    def _rising(self, now_us: int) -> None:
        if not self._powered:
            return
        if self._shift is None:
            latest = self._latest(now_us)
            if latest <= self._read_index:
                return  # clocking while not ready: ignored
            self.missed += max(0, latest - self._read_index - 1) if self._read_index >= 0 else 0
            self._read_index = latest
            t_us = self._t_power_us + (self.settle_periods + latest) * self.period_us
            raw = int(self.raw_at(t_us / 1e6)) * self.gain // 128
            raw = max(_SAT_LOW, min(_SAT_HIGH, raw))
            self._bits_value = raw & 0xFFFFFF
            self._shift = raw
            self._pulses = 0
            self.conversion_times_s.append(t_us / 1e6)
        self._pulses += 1
        if self._pulses == 24:
            self.reads += 1
        if self._pulses >= 25:
            self.gain = {25: 128, 26: 32, 27: 64}[self._pulses]
            if self._pulses == 27:
                self._shift = None

    def settle(self) -> None:
        """Called when the read is over (DOUT is polled again): ends the pulse train."""
        if self._shift is not None and self._pulses >= 25:
            self._shift = None


class _PinBase:
    IN = 1
    OUT = 3
    OPEN_DRAIN = 7
    PULL_UP = 2
    PULL_DOWN = 1
    IRQ_RISING = 1
    IRQ_FALLING = 2


def make_machine(
    clock: TwinClock,
    *,
    hx711: HX711Chip,
    dout_pin: int,
    sck_pin: int,
    rate_pin: int | None = None,
    adc_uv: dict[int, Callable[[], int]] | None = None,
    unique_id: bytes = b"\x24\x6f\x28\xa1\xb2\xc3",
    on_wdt_feed: Callable[[], None] | None = None,
    run_irq: Callable[[Callable[[], None]], None] | None = None,
) -> types.ModuleType:
    """A `machine` module wired to one simulated HX711 on the given pin numbers; `run_irq(fn)`
    runs a pin interrupt handler (the twin's guard), by default directly."""
    mod = types.ModuleType("machine")
    outputs: dict[int, int] = {}
    inputs: dict[int, int] = {}
    irq_depth = [0]
    adcs = adc_uv if adc_uv is not None else {}
    wdts: list[Any] = []

    class Pin(_PinBase):
        def __init__(self, pin_id: int, mode: int = -1, pull: int = -1, *, value: int | None = None) -> None:
            self.id = pin_id
            self.mode = mode
            self.pull = pull
            self.irq_handler: Callable[[Any], None] | None = None
            if value is not None:
                self.value(value)

        def init(self, mode: int = -1, pull: int = -1, *, value: int | None = None) -> None:
            self.mode, self.pull = mode, pull
            if value is not None:
                self.value(value)

        def value(self, level: int | None = None) -> int | None:
            if level is None:
                if self.id == dout_pin:
                    hx711.settle()
                    return hx711.dout()
                if self.id in outputs:
                    return outputs[self.id]
                return inputs.get(self.id, 1 if self.pull == Pin.PULL_UP else 0)
            level = 1 if level else 0
            outputs[self.id] = level
            if self.id == sck_pin:
                hx711.sck(level)
            elif rate_pin is not None and self.id == rate_pin:
                hx711.set_rate_high(bool(level))
            return None

        __call__ = value

        def on(self) -> None:
            self.value(1)

        def off(self) -> None:
            self.value(0)

        def irq(self, handler: Callable[[Any], None] | None = None, trigger: int = 3, **kwargs: Any) -> None:
            self.irq_handler = handler
            if self.id != dout_pin:
                return
            if handler is None or not trigger & Pin.IRQ_FALLING:
                hx711.set_ready_handler(None)
                return
            pin = self

            def falling() -> None:
                if run_irq is not None:
                    run_irq(lambda: handler(pin))
                else:
                    handler(pin)

            hx711.set_ready_handler(falling)

    class ADC:
        ATTN_0DB, ATTN_2_5DB, ATTN_6DB, ATTN_11DB = 0, 1, 2, 3
        WIDTH_12BIT = 12

        def __init__(self, pin: Any, *, atten: int | None = None) -> None:
            self.pin_id = pin.id if isinstance(pin, Pin) else int(pin)

        def atten(self, value: int) -> None:
            pass

        def width(self, value: int) -> None:
            pass

        def read_uv(self) -> int:
            source = adcs.get(self.pin_id)
            return int(source()) if source is not None else 0

        def read_u16(self) -> int:
            return max(0, min(65535, self.read_uv() * 65535 // 3_300_000))

        def read(self) -> int:
            return self.read_u16() >> 4

    class Timer:
        """machine.Timer on the loop: a periodic or one-shot callback (the error blink)."""

        ONE_SHOT, PERIODIC = 0, 1

        def __init__(self, timer_id: int = -1, **kwargs: Any) -> None:
            self._handle: asyncio.TimerHandle | None = None
            if kwargs:
                self.init(**kwargs)

        def init(self, *, mode: int = 1, period: int = -1, freq: float = -1, callback: Any = None) -> None:
            self.deinit()
            period_s = period / 1000 if period > 0 else (1 / freq if freq > 0 else 1.0)

            def fire() -> None:
                self._handle = None
                if mode == Timer.PERIODIC:
                    self._handle = asyncio.get_running_loop().call_later(period_s, fire)
                if callback is not None:
                    callback(self)

            self._handle = asyncio.get_running_loop().call_later(period_s, fire)

        def deinit(self) -> None:
            if self._handle is not None:
                self._handle.cancel()
                self._handle = None

    class WDT:
        def __init__(self, id: int = 0, timeout: int = 5000) -> None:
            self.timeout_ms = timeout
            self.feeds = 0
            wdts.append(self)

        def feed(self) -> None:
            self.feeds += 1
            if on_wdt_feed is not None:
                on_wdt_feed()

    def disable_irq() -> int:
        irq_depth[0] += 1
        return irq_depth[0] - 1

    def enable_irq(state: int = 0) -> None:
        irq_depth[0] = state

    def reset() -> None:
        raise ResetRequested("machine.reset()")

    hx711.irq_disabled = lambda: irq_depth[0] > 0
    mod.Pin = Pin  # type: ignore[attr-defined]
    mod.ADC = ADC  # type: ignore[attr-defined]
    mod.WDT = WDT  # type: ignore[attr-defined]
    mod.Timer = Timer  # type: ignore[attr-defined]
    mod.disable_irq = disable_irq  # type: ignore[attr-defined]
    mod.enable_irq = enable_irq  # type: ignore[attr-defined]
    mod.reset = reset  # type: ignore[attr-defined]
    mod.soft_reset = reset  # type: ignore[attr-defined]
    mod.unique_id = lambda: unique_id  # type: ignore[attr-defined]
    mod.reset_cause = lambda: 1  # type: ignore[attr-defined]
    mod.freq = lambda *a: 240_000_000  # type: ignore[attr-defined]
    mod.idle = lambda: clock.block_us(100)  # type: ignore[attr-defined]
    mod.lightsleep = mod.deepsleep = lambda ms=0: clock.block_us(ms * 1000)  # type: ignore[attr-defined]
    mod.PWRON_RESET, mod.HARD_RESET, mod.WDT_RESET, mod.DEEPSLEEP_RESET, mod.SOFT_RESET = 1, 2, 3, 4, 5  # type: ignore[attr-defined]
    mod.set_input = lambda pin_id, level: inputs.__setitem__(pin_id, level)  # type: ignore[attr-defined]
    mod.wdts = wdts  # type: ignore[attr-defined]
    mod.irq_disabled = lambda: irq_depth[0] > 0  # type: ignore[attr-defined]
    return mod
