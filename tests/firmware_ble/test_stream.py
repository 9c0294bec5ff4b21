"""The tension stream end to end in the VM: sampler callback -> packer -> notifications,
decoded on the host side with taut.protocol."""

import numpy as np
import pytest

from firmware_ble.appvm import run_app
from taut import protocol as p


def decode(hexes):
    return [p.StreamPacket.from_bytes(bytes.fromhex(h)) for h in hexes]


@pytest.mark.parametrize(("mtu", "n_max"), [(23, 2), (64, 10), (247, 47), (185, 34)])
def test_packing_fits_the_mtu_and_loses_nothing(mtu, n_max):
    out = run_app(f"""
conn = await connect(mtu={mtu if mtu != 23 else 'None'})
await request(conn, "0101")
t = 1000
for i in range(200):
    sampler.on_sample(t, (i * 977) % 30000 - 15000)
    t += 12500
    if i % 8 == 7:
        await asyncio.sleep_ms(1)
await request(conn, "0202")
print(json.dumps({{"stream": stream(), "truncated": ble.truncated, "n_max": app.packer.n_max}}))
""").last
    assert out["n_max"] == n_max == p.batch_capacity(mtu)
    assert out["truncated"] == 0
    pkts = decode(out["stream"])
    assert all(len(bytes.fromhex(h)) <= mtu - 3 for h in out["stream"])
    assert max(len(k) for k in pkts) == n_max
    assert [k.seq for k in pkts] == list(range(len(pkts)))
    assert pkts[0].first and not any(k.first for k in pkts[1:])
    t_us = np.concatenate([k.time_us for k in pkts])
    v = np.concatenate([k.tension_cn for k in pkts])
    assert t_us.tolist() == [1000 + 12500 * i for i in range(200)]
    assert v.tolist() == [(i * 977) % 30000 - 15000 for i in range(200)]
    assert all(k.uncalibrated for k in pkts)


def test_mtu_exchange_mid_stream_flushes_and_resizes():
    out = run_app("""
conn = await connect()
await request(conn, "0101")
sampler.on_sample(0, 1)
ble.central_mtu(conn, 247)
await asyncio.sleep_ms(1)
for i in range(1, 60):
    sampler.on_sample(i * 12500, i)
print(json.dumps({"stream": stream()}))
""").last
    pkts = decode(out["stream"])
    assert [len(k) for k in pkts] == [1, 47], "the pending sample leaves before batches grow"
    assert np.concatenate([k.tension_cn for k in pkts]).tolist() == [1] + list(range(1, 48))


def test_sequence_wraps_and_first_flag_marks_each_start():
    out = run_app("""
conn = await connect()
await request(conn, "0101")
app.packer.seq = 65534  # as if 65534 packets had gone out
app.packer.first = False
for i in range(8):
    sampler.on_sample(i * 12500, i)
a = stream()
await request(conn, "0202")
await request(conn, "0103")
for i in range(4):
    sampler.on_sample(5000000 + i * 12500, i)
print(json.dumps({"a": a, "b": stream()[len(a):]}))
""").last
    a = decode(out["a"])
    assert [k.seq for k in a] == [65534, 65535, 0, 1]
    assert [p.seq_gap(x.seq, y.seq) for x, y in zip(a, a[1:])] == [0, 0, 0]
    b = decode(out["b"])
    assert [k.seq for k in b] == [0, 1] and b[0].first and not b[1].first
    assert b[0].t0_us == 5000000


def test_overload_flag_in_packets_and_status():
    out = run_app("""
conn = await connect()
await request(conn, "0101")
await asyncio.sleep_ms(150)
sampler.on_sample(0, 100)
sampler.on_sample(12500, 200)
sampler.overload = True
sampler.on_sample(25000, 0x7FFFFF)
sampler.on_sample(37500, 300)
await asyncio.sleep_ms(150)
sampler.overload = False
sampler.on_sample(50000, -0x800000)
sampler.on_sample(62500, 5)
await asyncio.sleep_ms(150)
print(json.dumps({"stream": stream(), "status": status()}))
""").last
    pkts = decode(out["stream"])
    assert [bool(k.flags & p.StreamFlags.OVERLOAD) for k in pkts] == [False, True, True]
    assert pkts[1].overload.tolist() == [True, False]
    assert np.isnan(pkts[2].tension_n[0]) and pkts[2].tension_n[1] == 0.05
    sts = [p.Status.from_bytes(bytes.fromhex(h)) for h in out["status"]]
    assert [(s.streaming, s.overload) for s in sts] == [(True, False), (True, True), (True, False)]


def test_flush_rules_age_span_and_order():
    out = run_app("""
conn = await connect(mtu=247)
await request(conn, "0101")
t0 = time.ticks_us()
sampler.on_sample(t0, 1)
await asyncio.sleep_ms(30)
n30 = len(stream())
await asyncio.sleep_ms(40)
n70 = len(stream())
t = time.ticks_us()
sampler.on_sample(t, 2)
sampler.on_sample(t + 655350, 3)
sampler.on_sample(t + 655360 + 655350, 4)
sampler.on_sample(t + 655360 + 655350 - 10, 5)
sampler.on_sample(t + 655360 + 655350 + 10, 6)
app.stop_stream()
print(json.dumps({"n30": n30, "n70": n70, "stream": stream()}))
""").last
    assert out["n30"] == 0, "a batch waits up to flush_ms (50 ms)"
    assert out["n70"] == 1, "and goes out once its oldest sample is 50 ms old"
    pkts = decode(out["stream"])
    assert [k.tension_cn.tolist() for k in pkts] == [[1], [2, 3], [4], [5, 6]]
    assert pkts[1].offsets_10us.tolist() == [0, 65535]


def test_streaming_stops_when_the_central_leaves():
    out = run_app("""
conn = await connect()
await request(conn, "0101")
sampler.on_sample(0, 1)
ble.central_disconnect(conn)
await asyncio.sleep_ms(5)
sampler.on_sample(12500, 2)
sampler.on_sample(25000, 3)
print(json.dumps({"n": len(stream()), "streaming": app.streaming, "dropped": app.gatt.dropped}))
""").last
    assert out == {"n": 0, "streaming": False, "dropped": 0}


def test_per_sample_path_allocates_nothing():
    out = run_app("""
import gc
conn = await connect(mtu=64)
await request(conn, "0101")
ble.record = False
t = 0
for i in range(50):
    sampler.on_sample(t, i)
    t += 12500
before = after = sent0 = 0  # bound now: a new global could grow the module's dict mid-measurement
gc.collect()
gc.disable()
before = gc.mem_alloc()
sent0 = ble.notify_count
for i in range(1000):
    sampler.on_sample(t, (i * 37) % 20000 - 10000)
    t += 12500
after = gc.mem_alloc()
gc.enable()
print(json.dumps({"bytes": after - before, "sent": ble.notify_count - sent0}))
""").last
    assert out["sent"] == 100
    assert out["bytes"] == 0


def test_watchdog_fed_while_tasks_live_and_starved_when_one_dies():
    out = run_app("""
await asyncio.sleep_ms(3500)
fed = wdt.feeds
async def boom():
    raise ValueError("task died")
app._tasks.append(asyncio.create_task(boom()))
await asyncio.sleep_ms(3000)
print(json.dumps({"fed": fed, "later": wdt.feeds, "led": led.values[:4]}))
""").last
    assert out["fed"] >= 3
    assert out["later"] - out["fed"] <= 1
    assert out["led"] == [1, 0, 1, 0], "blinks while advertising"


def test_full_ble_buffers_drop_stream_packets_with_a_gap_but_never_replies():
    """NimBLE raises ENOMEM when its buffers are full: a stream packet is dropped and counted
    (its seq is skipped, so the host sees the gap), control replies and status go out later."""
    out = run_app("""
conn = await connect(mtu=64)
await request(conn, "0101")
ble.queue_max = 3
t = 0
for i in range(60):
    sampler.on_sample(t, i)
    t += 12500
resp = await request(conn, "0702", wait_ms=20)
sampler.overload = True
await asyncio.sleep_ms(150)
full = [len(control()), len(status()), ble.enomem, app.stream_dropped]
ble.queue_max = None
ble.release()
await asyncio.sleep_ms(150)
sampler.overload = False
for i in range(60, 80):
    sampler.on_sample(t, i)
    t += 12500
await asyncio.sleep_ms(100)
print(json.dumps({"full": full, "control": control(), "stream": stream(), "status": status(),
                  "errors": ble.irq_errors}))
""").last
    n_control, n_status, enomem, dropped = out["full"]
    assert enomem > 0 and dropped > 0
    assert n_control == 1, "only START's reply got out while the buffers were full"
    assert [bytes.fromhex(h)[:2] for h in out["control"]] == [b"\x01\x01", b"\x07\x02"]
    pkts = decode(out["stream"])
    seqs = [k.seq for k in pkts]
    assert seqs == sorted(seqs) and seqs[-1] + 1 - len(seqs) == dropped, "every drop is a seq gap"
    sts = [p.Status.from_bytes(bytes.fromhex(h)) for h in out["status"]]
    assert any(s.overload for s in sts) and not sts[-1].overload
    assert out["errors"] == []
