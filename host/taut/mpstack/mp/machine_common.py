# What the two MicroPython stand-ins for `machine` share: this folder's machine.py (loaded by the
# real MicroPython's unix port) and tests/mpvm/fakes/machine.py (loaded by the WebAssembly VM, which
# takes this file from here). The reset causes, Pin's and ADC's constants and plumbing, and the
# HX711's serial rules; each stand-in keeps its own chip model (fed in real time by the host's
# physics here, scripted by the test in the VM). MicroPython only, never CPython.
from micropython import const

PWRON_RESET = const(1)
HARD_RESET = const(2)
WDT_RESET = const(3)
DEEPSLEEP_RESET = const(4)
SOFT_RESET = const(5)

HX711_POWER_DOWN_US = const(60)  # PD_SCK held high longer than this powers the chip down
_SAT_HIGH = const(0x7FFFFF)
_SAT_LOW = const(-0x800000)


# The 24-bit word (two's complement) that a conversion of `raw` (counts at gain 128) shifts out at
# `gain`: scaled by gain/128, clamped to the saturation codes 0x7FFFFF and 0x800000.
def hx711_word(raw, gain):
    if gain != 128:
        raw = raw * gain // 128
    if raw > _SAT_HIGH:
        raw = _SAT_HIGH
    elif raw < _SAT_LOW:
        raw = _SAT_LOW
    return raw & 0xFFFFFF


# The gain of the next conversion once a read has had `pulses` PD_SCK pulses: 25 channel A at 128,
# 26 channel B at 32, 27 channel A at 64; any other count leaves `gain` as it was.
def hx711_gain(pulses, gain):
    if pulses == 25:
        return 128
    if pulses == 26:
        return 32
    if pulses == 27:
        return 64
    return gain


def freq(hz=None):
    return 240_000_000 if hz is None else None


class PinBase:
    # machine.Pin's constants and calls; a stand-in's Pin adds __init__, value() and irq().
    IN = const(1)
    OUT = const(3)
    OPEN_DRAIN = const(7)
    PULL_DOWN = const(1)
    PULL_UP = const(2)
    IRQ_RISING = const(1)
    IRQ_FALLING = const(2)

    def init(self, mode=-1, pull=-1, *, value=None):
        if mode != -1:
            self.mode = mode
        if pull != -1:
            self.pull = pull
        if value is not None:
            self.value(value)

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def __repr__(self):
        return "Pin(%d)" % self.id


class ADCBase:
    # machine.ADC's constants and reads over read_uv(), which a stand-in's ADC supplies: 0..3.3 V
    # reads as 0..65535 (read_u16) or 0..4095 (read).
    ATTN_0DB = const(0)
    ATTN_2_5DB = const(1)
    ATTN_6DB = const(2)
    ATTN_11DB = const(3)
    WIDTH_9BIT = const(9)
    WIDTH_10BIT = const(10)
    WIDTH_11BIT = const(11)
    WIDTH_12BIT = const(12)

    def atten(self, atten):
        self._atten = atten

    def width(self, bits):
        pass

    def read_u16(self):
        uv = self.read_uv()
        if uv <= 0:
            return 0
        if uv >= 3_300_000:
            return 65535
        return uv * 65535 // 3_300_000

    def read(self):
        return self.read_u16() >> 4
