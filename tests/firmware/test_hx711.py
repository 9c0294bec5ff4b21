"""The HX711 driver, bit by bit, against the simulated chip in the real MicroPython VM."""


def test_reads_twos_complement_msb_first(vm):
    values = [0, 1, -1, 1000, -5000, 0x555555, -0x2AAAAB, 8_388_606, -8_388_607]
    res = vm(f"""
sim.extend({values})
hx = board.make_hx711()
got = [hx.read_raw() for _ in range({len(values)})]
out(got=got, reads=sim.reads, pulses=sim.pulses, unguarded=sim.unguarded_pulses, bad=sim.bad_pulses,
    saturated=hx.saturated)
""")
    r = res.last
    assert r["got"] == values
    assert r["reads"] == len(values)
    assert r["pulses"] == 25  # gain 128: 24 data pulses + 1
    assert r["unguarded"] == 0  # every data pulse ran with interrupts disabled
    assert r["bad"] == 0
    assert r["saturated"] is False


def test_saturation_codes_are_reported_not_hidden(vm):
    res = vm("""
sim.extend([0x7FFFFF, 5, -0x800000, 20_000_000, -20_000_000])
hx = board.make_hx711()
got = []
for _ in range(5):
    got.append([hx.read_raw(), hx.saturated])
out(got=got)
""")
    assert res.last["got"] == [
        [0x7FFFFF, True],
        [5, False],
        [-0x800000, True],
        [0x7FFFFF, True],  # the chip clamps an input beyond its range to the codes
        [-0x800000, True],
    ]


def test_gain_64_uses_27_pulses_and_applies_from_the_next_conversion(vm):
    res = vm("""
sim.extend([1000, 1000, 1000, 1000])
hx = board.make_hx711()
hx.set_gain(64)
a = hx.read_raw(); pa = sim.pulses; ga = sim.gain
b = hx.read_raw(); pb = sim.pulses
hx.set_gain(128)
c = hx.read_raw(); pc = sim.pulses
d = hx.read_raw()
try:
    hx.set_gain(100)
    bad = None
except DeviceError as e:
    bad = e.code
out(values=[a, b, c, d], pulses=[pa, pb, pc], gain_after_first=ga, bad=bad)
""")
    r = res.last
    # The conversion being read was made at the old gain; the pulses choose the next one's.
    assert r["values"] == [1000, 500, 500, 1000]
    assert r["pulses"] == [27, 27, 25]
    assert r["gain_after_first"] == 64
    assert r["bad"] == 3  # OUT_OF_RANGE


def test_not_ready_times_out_with_sensor_fault(vm, codes):
    res = vm("""
import time
sim.stuck = 1   # DOUT held high: no HX711 answering
hx = board.make_hx711()
t0 = time.ticks_ms()
try:
    hx.read_raw(timeout_ms=30)
    code = None
except DeviceError as e:
    code = e.code
    msg = str(e)
out(code=code, msg=msg, ready=hx.is_ready(), waited_ms=time.ticks_diff(time.ticks_ms(), t0), reads=sim.reads)
""")
    r = res.last
    assert r["code"] == codes["SENSOR_FAULT"]
    assert "not ready" in r["msg"]
    assert r["ready"] is False
    assert 30 <= r["waited_ms"] < 1000
    assert r["reads"] == 0


def test_dout_stuck_low_is_a_fault_not_a_zero(vm, codes):
    res = vm("""
sim.push(1234)
hx = board.make_hx711()
first = hx.read_raw()
sim.stuck = 0
try:
    v = hx.read_raw()
    code = None
except DeviceError as e:
    code = e.code
    msg = str(e)
out(first=first, code=code, msg=msg)
""")
    r = res.last
    assert r["first"] == 1234
    assert r["code"] == codes["SENSOR_FAULT"]
    assert "stuck low" in r["msg"]


def test_conversions_arrive_at_the_rate_pin_speed(vm):
    res = vm("""
import asyncio
await asyncio.sleep_ms(0)
sim.timed = True
rate = board.make_rate_pin()
rate.value(1)            # 80 samples/s: a conversion every 12.5 ms
sim.extend(list(range(10, 200, 10)))
hx = board.make_hx711()
sim.advance_us(4 * 12_500 - 100)
before_settle = hx.is_ready()
sim.advance_us(100)
first = hx.read_raw()
after_read = hx.is_ready()
sim.advance_us(12_500)
second = hx.read_raw()
sim.advance_us(3 * 12_500)    # three conversions, only the last one is read
third = hx.read_raw()
out(before_settle=before_settle, first=first, after_read=after_read, second=second, third=third,
    missed=sim.missed)
""", is_async=True, timeout_s=20)  # fake timers: the clock moves only when the script lets it
    r = res.last
    assert r["before_settle"] is False  # 4 periods of settling after power-up
    assert r["after_read"] is False
    assert [r["first"], r["second"], r["third"]] == [10, 20, 50]
    assert r["missed"] == 2


def test_power_down_and_up(vm, codes):
    res = vm("""
sim.extend([111, 222, 333])
hx = board.make_hx711()
hx.set_gain(64)
a = hx.read_raw()
hx.power_down()
sim.advance_us(100)        # PD_SCK held high for more than 60 us
down = sim.powered_down()
try:
    hx.read_raw(timeout_ms=20)
    code = None
except DeviceError as e:
    code = e.code
hx.power_up()
up = not sim.powered_down()
b = hx.read_raw()          # after power-up the chip is back at gain 128
c = hx.read_raw()          # ...and the driver's pulses chose 64 again
out(a=a, down=down, code=code, up=up, b=b, c=c, power_downs=sim.power_downs, power_ups=sim.power_ups)
""")
    r = res.last
    assert r["a"] == 111
    assert r["down"] is True
    assert r["code"] == codes["SENSOR_FAULT"]
    assert r["up"] is True
    assert r["b"] == 222
    assert r["c"] == 333 * 64 // 128
    assert (r["power_downs"], r["power_ups"]) == (1, 1)


def test_simulator_flags_pulses_without_interrupts_disabled(vm):
    """The guard the driver is tested with can fail: clocking by hand is caught."""
    res = vm("""
import asyncio
await asyncio.sleep_ms(0)  # fake timers: no real millisecond can stretch a pulse here
sim.push(77)
dout = machine.Pin(board.HX711_DOUT_PIN, machine.Pin.IN)
sck = machine.Pin(board.HX711_PD_SCK_PIN, machine.Pin.OUT, value=0)
v = 0
assert dout.value() == 0, "ready"
for _ in range(24):
    sck.value(1); sck.value(0)
    v = (v << 1) | dout.value()
sck.value(1); sck.value(0)
out(v=v, unguarded=sim.unguarded_pulses)
""", is_async=True, timeout_s=20)
    assert res.last == {"v": 77, "unguarded": 25}


def test_interrupts_come_back_when_a_read_fails_midway(vm):
    """A pin that raises mid-read must not leave interrupts off (the board would go deaf)."""
    res = vm("""
sim.extend([1234, 1234])
hx = board.make_hx711()
class FlakySck:
    def __init__(self, pin):
        self.pin = pin
        self.calls = 0
    def value(self, v=None):
        self.calls += 1
        if self.calls == 9:
            raise OSError(5)
        return self.pin.value(v)
real = hx._sck
hx._sck = FlakySck(real)
try:
    hx.read_raw()
    raised = False
except OSError:
    raised = True
out(raised=raised, irq_off=machine.irq_disabled())
""")
    assert res.last == {"raised": True, "irq_off": False}


def test_each_critical_section_covers_one_pulse(vm):
    """Interrupts are off for one PD_SCK pulse at a time, not for a whole 25-pulse read."""
    res = vm("""
sim.extend([1000, -5000, 0x555555])
hx = board.make_hx711()
got = [hx.read_raw() for _ in range(3)]
out(got=got, longest=machine.max_guarded_pulses, unguarded=sim.unguarded_pulses)
""")
    assert res.last == {"got": [1000, -5000, 0x555555], "longest": 1, "unguarded": 0}
