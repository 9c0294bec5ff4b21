"""The fake `machine` behaves like MicroPython's where the firmware can tell (pins, ADC, WDT, reset)."""

import mpvm


def test_pins_adc_wdt_irq_state_and_reset():
    res = mpvm.run("""
import json, time, machine
from machine import Pin, ADC, WDT
r = {}
out = Pin(13, Pin.OUT, value=1)
r["out"] = [out.value(), machine.pin_level(13)]
out.off(); r["out"].append(machine.pin_level(13))
up = Pin(4, Pin.IN, Pin.PULL_UP)
down = Pin(5, Pin.IN)
r["in"] = [up.value(), down.value()]
machine.set_input(5, 1)
r["in"].append(down())
fired = []
up.irq(lambda p: fired.append(p.id), Pin.IRQ_FALLING)
up.fire()
r["irq"] = [fired, up.irq_trigger]
adc = ADC(Pin(35), atten=ADC.ATTN_11DB)
machine.set_adc_uv(35, 1_650_000)
r["adc"] = [adc.read_uv(), adc.read_u16()]
wdt = WDT(timeout=1000)
wdt.feed()
r["wdt"] = [len(machine.wdts), wdt.feeds, wdt.timeout_ms, wdt.starved()]
s1 = machine.disable_irq(); s2 = machine.disable_irq()
inner = machine.irq_disabled()
machine.enable_irq(s2); still = machine.irq_disabled(); machine.enable_irq(s1)
r["irq_state"] = [inner, still, machine.irq_disabled()]
r["uid"] = machine.unique_id().hex()
machine.set_unique_id(b"\\x01\\x02\\x03\\x04\\x05\\x06")
r["uid2"] = machine.unique_id().hex()
try:
    try:
        machine.reset()
    except Exception:
        r["swallowed"] = True
except machine.ResetCalled:
    r["reset"] = machine.resets
r["cause"] = machine.reset_cause() == machine.PWRON_RESET
print(json.dumps(r))
""", firmware=False)
    r = res.last
    assert r["out"] == [1, 1, 0]
    assert r["in"] == [1, 0, 1]
    assert r["irq"] == [[4], 2]
    assert r["adc"] == [1_650_000, 32767]
    assert r["wdt"] == [1, 1, 1000, False]
    assert r["irq_state"] == [True, True, False]
    assert len(r["uid"]) == 12 and r["uid2"] == "010203040506"
    assert "swallowed" not in r and r["reset"] == 1
    assert r["cause"] is True


def test_watchdog_starves_in_simulated_time():
    res = mpvm.run("""
import json, asyncio, machine
wdt = machine.WDT(timeout=1000)
await asyncio.sleep_ms(900)
early = wdt.starved()
await asyncio.sleep_ms(200)
late = wdt.starved()
wdt.feed()
print(json.dumps([early, late, wdt.starved()]))
""", firmware=False, is_async=True, timeout_s=20)
    assert res.last == [False, True, False]
