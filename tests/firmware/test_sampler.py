"""Sampler: fixed-point scaling, overload, tare, calibration, timing and allocation, in the VM."""

import json

import pytest
from scale_reference import CAPACITY_CN, OVER_HIGH, OVER_LOW, VECTORS, raws_to_try, worst_error_cn

SETUP = """
import asyncio, time, settings, sampler
hx = board.make_hx711()
st = settings.defaults("t")
samples = []
def on_sample(t_us, value_cn):
    samples.append((t_us, value_cn))
sp = sampler.Sampler(hx, st, on_sample, board.CAPACITY_CN, rate_pin=board.make_rate_pin())
"""


@pytest.mark.parametrize(("cpn", "offset", "permille"), VECTORS)
def test_scale_matches_exact_arithmetic(vm, cpn, offset, permille):
    raws = raws_to_try(cpn, offset, permille, n_random=300)
    res = vm(SETUP + f"""
st.counts_per_n = {cpn!r}
st.offset_raw = {offset}
st.overload_permille = {permille}
sp.apply(st)
raws = {raws!r}
out(cap=board.CAPACITY_CN, got=[sp.scale(r) for r in raws], m=sp._m, s=sp._s)
""")
    r = res.last
    assert r["cap"] == CAPACITY_CN
    assert worst_error_cn(raws, r["got"], offset, cpn, permille) <= 1  # within one count of 0.01 N of the exact value


def test_overload_flag_follows_samples_and_permille(vm):
    # 2190 counts/N at offset 0: 1000 N = 2,190,000 counts; 90 % of 1961 N = 1764.9 N.
    res = vm(SETUP + """
sim.extend([0, 2_190_000, 3_865_000, 3_866_000, 0x7FFFFF, -0x800000, -3_866_000, 0])
flags = []
for _ in range(8):
    assert sp.poll(), "ready"
    flags.append(sp.overload)
st.overload_permille = 500
sp.apply(st)
sim.extend([2_190_000, 2_140_000])
for _ in range(2):
    sp.poll()
    flags.append(sp.overload)
out(values=[v for _, v in samples], flags=flags)
""")
    r = res.last
    assert r["values"][:2] == [0, 100_000]
    assert r["values"][2] == round(3_865_000 * 100 / 2190)  # 1764.84 N: just under 90 %
    assert r["values"][3:7] == [OVER_HIGH, OVER_HIGH, OVER_LOW, OVER_LOW]
    assert r["values"][7] == 0
    assert r["values"][8] == OVER_HIGH  # 1000 N > 50 % of 1961 N
    assert r["values"][9] == round(2_140_000 * 100 / 2190)
    assert r["flags"] == [False, False, False, True, True, True, True, False, True, False]


def test_tare_averages_still_samples(vm):
    noise = [17, -23, 5, 40, -31, 0, 12, -8] * 4
    res = vm(SETUP + f"""
await asyncio.sleep_ms(0)
sim.extend([50_000 + n for n in {noise}])
offset = await sp.tare(32)
sim.push(50_000 + 2190)
sp.poll()
out(offset=offset, stored=st.offset_raw, tared=sp.tared, busy=sp.busy, n=len(samples), last=samples[-1][1])
""", is_async=True, os_tick_ms=10, timeout_s=20)
    r = res.last
    assert r["offset"] == 50_000 + round(sum(noise) / 32)
    assert r["stored"] == r["offset"]
    assert r["tared"] is True and r["busy"] is False
    assert r["n"] == 33  # tare's samples were streamed too
    assert r["last"] == round((50_000 + 2190 - r["offset"]) * 100 / 2190)


def test_tare_rejects_a_moving_band_and_a_sick_sensor(vm, codes):
    res = vm(SETUP + """
await asyncio.sleep_ms(0)
async def attempt(**kw):
    try:
        await sp.tare(**kw)
        return None
    except DeviceError as e:
        return e.code
sim.extend([i * 600 for i in range(32)])         # 0.27 N more every sample: 8.5 N in all
moving = await attempt()
sim.extend([100] * 31 + [0x7FFFFF])               # saturated once
saturated = await attempt()
sim.stuck = 1                                     # chip gone
gone = await attempt(n=4)
sim.stuck = None
bad_n = await attempt(n=0)
sim.extend([7] * 4)
ok = await attempt(n=4)
out(moving=moving, saturated=saturated, gone=gone, bad_n=bad_n, ok=ok, offset=st.offset_raw, busy=sp.busy)
""", is_async=True, os_tick_ms=10, timeout_s=30)
    r = res.last
    assert r["moving"] == codes["MOVING"]
    assert r["saturated"] == codes["SENSOR_FAULT"]
    assert r["gone"] == codes["SENSOR_FAULT"]
    assert r["bad_n"] == codes["OUT_OF_RANGE"]
    assert r["ok"] is None and r["offset"] == 7
    assert r["busy"] is False


def test_calibrate_from_a_known_tension(vm, codes):
    res = vm(SETUP + """
await asyncio.sleep_ms(0)
async def cal(known_cn):
    try:
        return await sp.calibrate(known_cn)
    except DeviceError as e:
        return ["error", e.code]
before_tare = await cal(5000)
sim.extend([10_000] * 32)
await sp.tare()
too_big = await cal(board.CAPACITY_CN + 1)
zero = await cal(0)
sim.extend([10_000] * 32)       # nothing hung on the band: no usable scale
nothing = await cal(5000)
sim.extend([10_000 + 50 * 1234 + (i % 3) for i in range(32)])   # 50 N at 1234 counts/N
cpn = await cal(5000)
sim.push(10_000 + 20 * 1234)
sp.poll()
out(before_tare=before_tare, too_big=too_big, zero=zero, nothing=nothing, cpn=cpn,
    calibrated=st.calibrated, stored=st.counts_per_n, twenty_n=samples[-1][1])
""", is_async=True, os_tick_ms=10, timeout_s=30)
    r = res.last
    assert r["before_tare"] == ["error", codes["NOT_CALIBRATED"]]
    assert r["too_big"] == ["error", codes["OUT_OF_RANGE"]]
    assert r["zero"] == ["error", codes["OUT_OF_RANGE"]]
    assert r["nothing"] == ["error", codes["OUT_OF_RANGE"]]
    assert r["cpn"] == pytest.approx(1234 + 1 / 50, abs=1e-6)  # mean offset 1 count (i % 3)
    assert r["calibrated"] is True and r["stored"] == r["cpn"]
    assert abs(r["twenty_n"] - 2000) <= 1


def test_tare_and_calibrate_exclude_each_other(vm, codes):
    res = vm(SETUP + """
sim.timed = True
sp.set_rate(80)
await asyncio.sleep_ms(60)
t = asyncio.create_task(sp.tare())
await asyncio.sleep_ms(20)
try:
    await sp.calibrate(1000)
    second = None
except DeviceError as e:
    second = e.code
offset = await t
out(second=second, offset=offset, busy=sp.busy)
""", is_async=True, os_tick_ms=10, timeout_s=30)
    r = res.last
    assert r["second"] == codes["BUSY"]
    assert r["offset"] == 0 and r["busy"] is False


def test_run_streams_at_the_rate_with_device_timestamps(vm):
    res = vm(SETUP + """
sim.timed = True
sim.fn = lambda elapsed_us: elapsed_us // 1000     # the load: 1 count per ms
sp.set_rate(80)
task = asyncio.create_task(sp.run())
await asyncio.sleep_ms(1050)
fast = len(samples)
sp.set_rate(10)
await asyncio.sleep_ms(2000)
task.cancel()
ts = [t for t, _ in samples]
out(fast=fast, total=len(samples), ts=ts, rate_pin=machine.pin_level(board.HX711_RATE_PIN),
    conversions=sim.conversions, missed=sim.missed, fault=sp.fault)
""", is_async=True, os_tick_ms=10, timeout_s=30)
    r = res.last
    # 80/s: 4 periods of settling, then one sample per 12.5 ms until 1050 ms.
    assert r["fast"] == (1050_000 - 4 * 12_500) // 12_500 + 1
    gaps = [b - a for a, b in zip(r["ts"], r["ts"][1:])]
    fast_gaps = gaps[: r["fast"] - 1]
    assert all(12_000 <= g <= 13_000 for g in fast_gaps), fast_gaps
    assert sum(fast_gaps) / len(fast_gaps) == pytest.approx(12_500, abs=100)
    slow_gaps = gaps[r["fast"] + 1:]
    assert slow_gaps and all(99_000 <= g <= 101_000 for g in slow_gaps), slow_gaps
    assert r["rate_pin"] == 0
    assert r["missed"] == 0  # every conversion was read
    assert r["fault"] is False


def test_timestamps_survive_the_ticks_wrap(vm):
    res = vm(SETUP + """
sim.timed = True
def wrapped_ticks():
    return time.ticks_add(time.ticks_us(), -300_000)   # wraps 0.3 s into the run
sp = sampler.Sampler(hx, st, on_sample, board.CAPACITY_CN, ticks_us=wrapped_ticks,
                     rate_pin=board.make_rate_pin())
sp.set_rate(80)
task = asyncio.create_task(sp.run())
await asyncio.sleep_ms(1000)
task.cancel()
ts = [t for t, _ in samples]
out(ts=ts, gaps=[time.ticks_diff(b, a) for a, b in zip(ts, ts[1:])], fault=sp.fault)
""", is_async=True, os_tick_ms=10, timeout_s=30)
    r = res.last
    assert all(0 <= t < 2**30 for t in r["ts"])
    assert any(t < 100_000 for t in r["ts"]) and any(t > 2**30 - 100_000 for t in r["ts"])
    assert all(12_000 <= g <= 13_000 for g in r["gaps"]), r["gaps"]
    assert r["fault"] is False


def test_fault_flag_when_the_chip_stops_answering(vm):
    res = vm(SETUP + """
sim.timed = True
sp.set_rate(80)
task = asyncio.create_task(sp.run())
await asyncio.sleep_ms(500)
ok_before = not sp.fault
sim.stuck = 1
await asyncio.sleep_ms(900)
early = sp.fault
await asyncio.sleep_ms(300)
late = sp.fault
n_stuck = len(samples)
sim.stuck = None
await asyncio.sleep_ms(100)
task.cancel()
out(ok_before=ok_before, early=early, late=late, recovered=not sp.fault, resumed=len(samples) > n_stuck)
""", is_async=True, os_tick_ms=10, timeout_s=30)
    assert res.last == {"ok_before": True, "early": False, "late": True, "recovered": True, "resumed": True}


def test_set_rate_drives_the_rate_pin_and_rejects_others(vm, codes):
    res = vm(SETUP + """
levels = []
sp.set_rate(80); levels.append(machine.pin_level(board.HX711_RATE_PIN))
sp.set_rate(10); levels.append(machine.pin_level(board.HX711_RATE_PIN))
try:
    sp.set_rate(40)
    code = None
except DeviceError as e:
    code = e.code
out(levels=levels, code=code, rate=st.rate_hz)
""")
    assert res.last == {"levels": [1, 0], "code": codes["OUT_OF_RANGE"], "rate": 10}


def test_no_allocation_per_sample(vm):
    """read -> scale -> on_sample allocates nothing: 0 heap bytes over 1,000 samples."""
    res = vm(SETUP + """
sim.extend([(i * 7919) % 4_000_000 - 2_000_000 for i in range(997)] + [0x7FFFFF, -0x800000, 0])
sim.cycle = True
count = [0]
def sink(t_us, value_cn):
    count[0] += 1
sp = sampler.Sampler(hx, st, sink, board.CAPACITY_CN)
def measure(n):
    for _ in range(5):
        sp.poll()
    gc.collect()
    gc.disable()
    before = gc.mem_alloc()
    for _ in range(n):
        sp.poll()
    used = gc.mem_alloc() - before
    gc.enable()
    return used
first = measure(1000)
second = measure(3000)
out(first=first, second=second, count=count[0], overloads=sp.overload)
""")
    r = res.last
    assert r["count"] == 4010
    assert r["first"] == 0 and r["second"] == 0


def test_allocation_check_can_fail(vm):
    """The same measurement sees a float scale allocate (so a zero above means something)."""
    res = vm(SETUP + """
scale = 100.0 / 2190.0
def sink(t_us, value_cn):
    global last
    last = int(value_cn * scale)
sp = sampler.Sampler(hx, st, sink, board.CAPACITY_CN)
sim.push(12345); sim.cycle = True
last = 0
for _ in range(5):
    sp.poll()
gc.collect(); gc.disable()
before = gc.mem_alloc()
for _ in range(100):
    sp.poll()
used = gc.mem_alloc() - before
gc.enable()
out(used=used)
""")
    assert res.last["used"] >= 100 * 16


def test_stream_keeps_flowing_during_tare(vm):
    res = vm(SETUP + """
sim.timed = True
sim.fn = lambda elapsed_us: 40_000 + (elapsed_us // 12_500) % 5     # still band, a little noise
sp.set_rate(80)
task = asyncio.create_task(sp.run())
await asyncio.sleep_ms(200)
n0 = len(samples)
offset = await sp.tare(32)
n1 = len(samples)
await asyncio.sleep_ms(100)
task.cancel()
ts = [t for t, _ in samples]
out(during=n1 - n0, offset=offset, missed=sim.missed, after=[v for _, v in samples[n1:]],
    gaps=[b - a for a, b in zip(ts, ts[1:])])
""", is_async=True, os_tick_ms=10, timeout_s=30)
    r = res.last
    assert r["during"] == 32  # every conversion of the tare also went to on_sample
    assert r["missed"] == 0
    assert all(12_000 <= g <= 13_000 for g in r["gaps"]), r["gaps"]
    assert r["offset"] == 40_002
    assert r["after"] and all(abs(v) <= 10 for v in r["after"])  # +-2 counts = +-0.1 cN


def test_timestamps_stay_on_the_conversion_edge_on_a_10ms_tick(vm):
    """On the ESP32 asyncio wakes on the 100 Hz tick; samples are stamped at DOUT's falling edge
    anyway: every timestamp within ~1 ms of its conversion (the VM's ticks_us counts whole ms)."""
    res = vm(SETUP + """
sim.timed = True
sim.edges_us = []
sim.fn = lambda elapsed_us: 40_000
sp.set_rate(80)
task = asyncio.create_task(sp.run())
await asyncio.sleep_ms(1500)
task.cancel()
await asyncio.sleep_ms(20)
out(ts=[t for t, _ in samples], edges=sim.edges_us, missed=sim.missed, errors=machine.irq_errors,
    fault=sp.fault)
""", is_async=True, os_tick_ms=10, timeout_s=30)
    r = res.last
    edges, ts = r["edges"], r["ts"]
    assert r["errors"] == [] and r["fault"] is False
    assert len(ts) >= 110 and r["missed"] == 0
    worst = max(min(abs(t - e) for e in edges) for t in ts)
    assert worst <= 1000, f"a sample stamped {worst} us from its conversion"
    gaps = [b - a for a, b in zip(ts, ts[1:])]
    assert all(11_500 <= g <= 13_500 for g in gaps), gaps
