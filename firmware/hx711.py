# HX711 24-bit load-cell ADC, bit-banged on two GPIOs; returns raw counts, never filters.
# Datasheet timing: DOUT low = conversion ready; each PD_SCK pulse shifts out one bit, MSB
# first; 25/26/27 pulses in total pick channel A gain 128 / channel B gain 32 / channel A gain
# 64 for the next conversion; PD_SCK held high > 60 us powers the chip down.
# Bit-banged rather than SPI-clocked: with interrupts off for each pulse's high phase (a few us)
# no pulse can stretch to 60 us, a 25th/26th/27th pulse is one more toggle, and any two GPIOs
# work. Interrupts stay on between pulses, so BLE and pin IRQs wait microseconds, not a read.
from micropython import const
from machine import Pin, disable_irq, enable_irq
from time import ticks_diff, ticks_ms

from codes import OUT_OF_RANGE, SENSOR_FAULT, DeviceError

# The two saturation codes the chip outputs when its input is out of range.
SAT_HIGH = const(0x7FFFFF)
SAT_LOW = const(-0x800000)
_SIGN = const(0x800000)
_WRAP = const(0x1000000)
_READY_TIMEOUT_MS = const(500)



# One PD_SCK clock pulse with interrupts off (a high phase over 60 us powers the chip down),
# re-enabled whatever happens.
def _pulse(sck) -> None:
    state = disable_irq()
    try:
        sck.value(1)
        sck.value(0)
    finally:
        enable_irq(state)

class HX711:
    # Driver for one HX711; takes configured Pin objects and knows no pin numbers.
    # dout: input (pulled up); pd_sck: output. Leaves PD_SCK low, i.e. the chip powered.
    def __init__(self, dout: "Pin", pd_sck: "Pin", gain: int = 128):
        self._dout = dout
        self._sck = pd_sck
        self._pulses = 25
        self.saturated = False
        self.set_gain(gain)
        pd_sck.value(0)

    # Gain of channel A (128 or 64) or channel B (32); takes effect from the conversion after
    # the next read, so the first reading after a change may still use the old gain.
    def set_gain(self, gain: int) -> None:
        if gain == 128:
            self._pulses = 25
        elif gain == 64:
            self._pulses = 27
        elif gain == 32:
            self._pulses = 26
        else:
            raise DeviceError(OUT_OF_RANGE, "HX711 gain must be 128, 64 or 32")
        self.gain = gain

    # True when a conversion is waiting (DOUT low).
    def is_ready(self) -> bool:
        return self._dout.value() == 0

    # Calls handler(pin) on every DOUT falling edge (a conversion ready), or stops (None). DOUT
    # also falls while bits are clocked out, so a handler's caller must check is_ready().
    def on_ready(self, handler) -> None:
        if handler is None:
            self._dout.irq(None)
        else:
            self._dout.irq(handler, trigger=Pin.IRQ_FALLING)

    # One conversion as a signed 24-bit int; waits up to timeout_ms for it (busy-waiting, so
    # async code checks is_ready() first). SAT_HIGH/SAT_LOW come back as they are and set
    # self.saturated: callers report them as overload, never as tension.
    def read_raw(self, timeout_ms: int = _READY_TIMEOUT_MS) -> int:
        dout = self._dout
        sck = self._sck
        if dout.value():
            t0 = ticks_ms()
            while dout.value():
                if ticks_diff(ticks_ms(), t0) > timeout_ms:
                    raise DeviceError(SENSOR_FAULT, "HX711 not ready (DOUT high)")
        # Each clock pulse runs with interrupts off (_pulse), one at a time: short critical sections.
        v = 0
        for _ in range(24):
            _pulse(sck)
            v = (v << 1) | dout.value()
        for _ in range(self._pulses - 24):
            _pulse(sck)
        # The 25th pulse pulls DOUT high until the next conversion: low now means a stuck line.
        after = dout.value()
        if not after:
            raise DeviceError(SENSOR_FAULT, "HX711 DOUT stuck low")
        if v & _SIGN:
            v -= _WRAP
        self.saturated = v == SAT_HIGH or v == SAT_LOW
        return v

    # PD_SCK high: the chip powers down 60 us later and stays down until power_up().
    def power_down(self) -> None:
        self._sck.value(0)
        self._sck.value(1)

    # PD_SCK low: the chip resets to channel A gain 128 and settles for 4 conversion periods
    # (400 ms at 10 samples/s, 50 ms at 80); the next read re-selects this driver's gain.
    def power_up(self) -> None:
        self._sck.value(0)
