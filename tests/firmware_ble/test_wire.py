"""The stream packer's edges in the VM: clamping, MTU limits, restarts."""

import mpvm
from taut import protocol as p


def run(body):
    script = (
        "import json, wire\nfrom binascii import hexlify\n"
        "sent = []\npk = wire.StreamPacker(lambda v: sent.append(hexlify(bytes(v)).decode()))\n" + body
    )
    return mpvm.run(script).last


def test_values_beyond_int24_become_overload_codes():
    out = run("""
pk.start()
pk.add(0, 0x7FFFFF + 5)
pk.add(1250, -0x900000)
pk.flush()
print(json.dumps(sent))
""")
    pkt = p.StreamPacket.from_bytes(bytes.fromhex(out[0]))
    assert pkt.tension_cn.tolist() == [p.OVERLOAD_HIGH, p.OVERLOAD_LOW]
    assert pkt.flags & p.StreamFlags.OVERLOAD


def test_mtu_limits():
    out = run("""
res = []
for mtu in (20, 23, 64, 247, 517):
    pk.set_mtu(mtu)
    res.append(pk.n_max)
small = wire.StreamPacker(lambda v: None, mtu_max=64)
small.set_mtu(247)
res.append(small.n_max)
print(json.dumps(res))
""")
    assert out == [2, 2, 10, 47, 47, 10]


def test_start_drops_pending_and_restarts_sequence():
    out = run("""
pk.set_mtu(247)
pk.start()
pk.add(0, 1)
pk.flush()
pk.add(100, 2)
pk.start()
pk.add(5000, 3)
pk.flush()
pk.flush()
print(json.dumps(sent))
""")
    pkts = [p.StreamPacket.from_bytes(bytes.fromhex(h)) for h in out]
    assert [(k.seq, k.first, k.tension_cn.tolist(), k.t0_us) for k in pkts] == [(0, True, [1], 0), (0, True, [3], 5000)]


def test_poll_flushes_by_age_across_the_tick_wrap():
    out = run("""
pk.set_mtu(247)
t0 = (1 << 30) - 20000
pk.add(t0, 7)
pk.poll((t0 + 49000) & 0x3FFFFFFF)
n1 = len(sent)
pk.poll((t0 + 50000) & 0x3FFFFFFF)
print(json.dumps([n1, len(sent)]))
""")
    assert out == [0, 1]
