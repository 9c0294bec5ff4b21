"""taut.protocol beyond the shared vectors: round trips, encoder checks, errors, layering."""

import subprocess
import sys

import numpy as np
import pytest

from taut import protocol as p


def test_random_packets_round_trip():
    rng = np.random.default_rng(7)
    for _ in range(300):
        n = int(rng.integers(1, 48))
        offsets = np.sort(rng.choice(65536, size=n, replace=False)).astype(np.uint16)
        offsets[0] = 0
        offsets = np.unique(offsets)
        tension = rng.integers(-0x7FFFFF, 0x7FFFFF, size=len(offsets)).astype(np.int32)
        flags = p.StreamFlags(0)
        if rng.random() < 0.3:
            tension[int(rng.integers(len(tension)))] = rng.choice([p.OVERLOAD_HIGH, p.OVERLOAD_LOW])
            flags |= p.StreamFlags.OVERLOAD
        first = rng.random() < 0.2
        seq = 0 if first else int(rng.integers(0, 65536))
        if first:
            flags |= p.StreamFlags.FIRST
        pkt = p.StreamPacket(seq, int(rng.integers(0, 1 << 30)), offsets, tension, flags)
        data = pkt.to_bytes()
        assert len(data) == 8 + 5 * len(offsets)
        back = p.StreamPacket.from_bytes(data)
        assert (back.seq, back.t0_us, back.flags) == (pkt.seq, pkt.t0_us, flags)
        assert np.array_equal(back.offsets_10us, offsets) and np.array_equal(back.tension_cn, tension)


def test_decode_accepts_memoryview_and_bytearray():
    data = p.StreamPacket(5, 10, np.array([0, 1]), np.array([1, -1])).to_bytes()
    assert p.StreamPacket.from_bytes(memoryview(data)).tension_cn.tolist() == [1, -1]
    assert p.StreamPacket.from_bytes(bytearray(data)).seq == 5


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        (dict(seq=1, t0_us=0, offsets_10us=[], tension_cn=[]), p.BadLength),
        (dict(seq=70000, t0_us=0, offsets_10us=[0], tension_cn=[1]), p.OutOfRange),
        (dict(seq=1, t0_us=1 << 30, offsets_10us=[0], tension_cn=[1]), p.OutOfRange),
        (dict(seq=1, t0_us=0, offsets_10us=[0, 0], tension_cn=[1, 2]), p.BadTimestamps),
        (dict(seq=1, t0_us=0, offsets_10us=[0, 70000], tension_cn=[1, 2]), p.BadTimestamps),
        (dict(seq=1, t0_us=0, offsets_10us=[0], tension_cn=[1 << 23]), p.OutOfRange),
        (dict(seq=1, t0_us=0, offsets_10us=[0], tension_cn=[p.OVERLOAD_HIGH]), p.FlagMismatch),
        (dict(seq=3, t0_us=0, offsets_10us=[0], tension_cn=[1], flags=p.StreamFlags.FIRST), p.BadSequence),
        (dict(seq=3, t0_us=0, offsets_10us=[0], tension_cn=[1], version=2), p.UnsupportedVersion),
    ],
)
def test_encoder_refuses_what_the_decoder_would(kwargs, error):
    kwargs = {k: (np.array(v) if isinstance(v, list) else v) for k, v in kwargs.items()}
    with pytest.raises(error):
        p.StreamPacket(**kwargs).to_bytes()


def test_batch_capacity_matches_the_doc():
    assert [p.batch_capacity(m) for m in (23, 64, 185, 247, 20)] == [2, 10, 34, 47, 2]
    for mtu in range(23, 518):
        n = p.batch_capacity(mtu)
        assert 8 + 5 * n <= mtu - 3 < 8 + 5 * (n + 1)


def test_seq_gap_wraps():
    assert p.seq_gap(10, 11) == 0
    assert p.seq_gap(65535, 0) == 0
    assert p.seq_gap(65534, 2) == 3
    assert p.seq_gap(5, 5) == 65535


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: p.Tare(3), p.OutOfRange),
        (lambda: p.Tare(256), p.OutOfRange),
        (lambda: p.Calibrate(0), p.OutOfRange),
        (lambda: p.SetCalibration(0, float("nan")), p.OutOfRange),
        (lambda: p.SetCalibration(1 << 23, 100.0), p.OutOfRange),
        (lambda: p.SetRate(40), p.OutOfRange),
        (lambda: p.Rename(""), p.BadLength),
        (lambda: p.Rename("Ä" * 10), p.OutOfRange),
        (lambda: p.FactoryReset(0), p.OutOfRange),
        (lambda: p.SetOverload(1001), p.OutOfRange),
        (lambda: p.ControlRequest(256, p.StartStream()), p.OutOfRange),
    ],
)
def test_commands_refuse_bad_values(make, error):
    with pytest.raises(error) as info:
        make()
    assert str(info.value)


def test_every_failure_result_maps_to_a_typed_command_error():
    for result in p.Result:
        if result == p.Result.OK:
            continue
        resp = p.ControlResponse(p.Opcode.TARE, 9, result)
        with pytest.raises(p.CommandFailed) as info:
            resp.check()
        assert info.value.result == result and info.value.req_id == 9
        assert "TARE" in str(info.value) and result.name in str(info.value)
    assert p.ControlResponse.from_bytes(bytes([0x0B, 1, 1])).ok is False


def test_status_and_settings_round_trip():
    st = p.Status(p.StatusFlags.STREAMING | p.StatusFlags.LOW_BATTERY, None, 10)
    assert p.Status.from_bytes(st.to_bytes()) == st
    s = p.Settings(80, True, -5, 123.5, 750, 196100)
    assert p.Settings.from_bytes(bytes(s)) == s and s.capacity_n == 1961.0
    resp = p.ControlResponse(p.Opcode.GET_SETTINGS, 4, p.Result.OK, s)
    assert len(resp.to_bytes()) <= 20
    assert p.ControlResponse.from_bytes(resp.to_bytes()) == resp


def test_protocol_needs_neither_bleak_nor_qt():
    code = (
        "import sys, taut.protocol\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('bleak', 'bumble', 'PySide6', 'pyqtgraph')]\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
