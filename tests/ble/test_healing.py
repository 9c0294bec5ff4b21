"""A stream that heals: one bad packet never corrupts what follows.

Regression tests for the two cases that once corrupted a stream (a device time far ahead, a wild
sequence number), then property tests (hypothesis) over valid streams mutated packet by packet:
every valid sample delivered once, every bad packet counted, host times within the arrival jitter
of the truth, gaps only where packets were really lost.
"""

from __future__ import annotations

import numpy as np
import pytest

from taut import protocol
from taut.ble.assembler import StreamAssembler
from taut.ble.clock import TICKS_PERIOD_US
from taut.sources import Gap, LinkEvent

PERIOD_US = 12_500  # 80 Hz
LATENCY_S = 0.004


def packet(seq: int, t0_us: int, n: int = 4, *, period_us: int = PERIOD_US, first: bool = False, cn0: int = 0) -> bytes:
    return protocol.StreamPacket(
        seq=seq % 0x10000,
        t0_us=t0_us % TICKS_PERIOD_US,
        offsets_10us=np.arange(n, dtype=np.uint16) * (period_us // 10),
        tension_cn=cn0 + np.arange(n, dtype=np.int32),
        flags=protocol.StreamFlags.FIRST if first else protocol.StreamFlags(0),
    ).to_bytes()


def run_80hz(n_packets: int, mutate: dict[int, dict]) -> tuple[StreamAssembler, list[LinkEvent], np.ndarray, np.ndarray, np.ndarray]:
    """Packets of 4 samples at 80 Hz (sample k has tension k cN); `mutate[i]` overrides packet i's fields.

    Returns the assembler, its events, and the delivered times, tension values and true host times.
    """
    events: list[LinkEvent] = []
    asm = StreamAssembler(on_event=events.append, rate_hz=80)
    times, values = [], []
    for i in range(n_packets):
        fields = {"seq": i, "t0_us": 1_000_000 + i * 4 * PERIOD_US, "first": i == 0, "cn0": 4 * i}
        arrival = 100.0 + (i * 4 + 3) * PERIOD_US / 1e6 + LATENCY_S
        fields.update(mutate.get(i, {}))
        batch = asm.feed(packet(**fields), arrival)
        if batch is not None:
            times.append(batch.time_s)
            values.append(np.round(batch.tension_n * 100).astype(int))
    t, v = np.concatenate(times), np.concatenate(values)
    true_s = 100.0 + v * PERIOD_US / 1e6 + LATENCY_S
    return asm, events, t, v, true_s


def test_one_packet_300_s_ahead_is_dropped_and_does_not_squeeze_what_follows() -> None:
    asm, events, t, v, true_s = run_80hz(1200, {100: {"t0_us": 1_000_000 + 100 * 4 * PERIOD_US + 300_000_000}})
    assert np.all(np.diff(t) > 0)
    assert np.max(np.abs(t - true_s)) < 1e-3  # every sample where it belongs on the host clock
    assert sorted(v.tolist()) == [k for k in range(4800) if k // 4 != 100]
    assert asm.stats.malformed == 1 and asm.stats.malformed_reasons == {"OutlierTime": 1}
    assert [e.reason for e in events if isinstance(e, Gap)] == ["lost"]  # its own 4 samples
    assert asm.stats.lost_samples == 4 and asm.stats.reboots == 0


def test_one_wild_sequence_number_does_not_turn_good_packets_into_duplicates() -> None:
    asm, events, t, v, true_s = run_80hz(1200, {100: {"seq": 5000}})
    assert sorted(v.tolist()) == [k for k in range(4800) if k // 4 != 100]  # 4,796 of 4,800
    assert asm.stats.duplicates == 0
    assert asm.stats.malformed == 1 and asm.stats.malformed_reasons == {"OutlierSeq": 1}
    gaps = [e for e in events if isinstance(e, Gap)]
    assert [(g.reason, g.lost_packets, g.lost_samples) for g in gaps] == [("lost", 1, 4)]
    assert np.max(np.abs(t - true_s)) < 1e-3


def test_a_held_packet_is_judged_by_the_clock_when_the_link_drops() -> None:
    asm = StreamAssembler(rate_hz=80)
    for i in range(20):
        asm.feed(packet(i, i * 4 * PERIOD_US, first=i == 0), 100.0 + (i * 4 + 3) * PERIOD_US / 1e6 + LATENCY_S)
    # A real hole (the band missed 2 s of conversions) arrives last: held, plausible on the clock.
    hole_us = 20 * 4 * PERIOD_US + 2_000_000
    asm.feed(packet(20, hole_us), 100.0 + (hole_us + 3 * PERIOD_US) / 1e6 + LATENCY_S)
    assert asm.held == 1
    batch = asm.link_lost()
    assert batch is not None and len(batch) == 4 and asm.held == 0 and asm.stats.outliers == 0
    # A wild one (300 s ahead) at the end of a stream is dropped instead.
    asm.feed(packet(0, 0, first=True), 200.0)
    asm.feed(packet(1, 300_000_000), 200.05)
    assert asm.stream_stopped() is None and asm.stats.malformed_reasons == {"OutlierTime": 1}


def test_three_packets_in_a_row_that_fit_nothing_force_the_oldest_through() -> None:
    events: list[LinkEvent] = []
    asm = StreamAssembler(rate_hz=80, on_event=events.append)
    for i in range(20):
        asm.feed(packet(i, i * 4 * PERIOD_US, first=i == 0), 100.0 + (i * 4 + 3) * PERIOD_US / 1e6 + LATENCY_S)
    wild = [(20, 300_000_000), (10_020, 100_000_000), (20_020, 200_000_000)]
    got = [asm.feed(packet(s, t), 100.3 + k * 0.05) for k, (s, t) in enumerate(wild)]
    assert got[:2] == [None, None] and got[2] is not None and asm.held <= 2
    assert asm.stats.time_jumps == 1 and "time-jump" in [e.reason for e in events if isinstance(e, Gap)]


def test_packets_over_missed_conversions_are_delivered_not_dropped_as_outliers() -> None:
    # A loaded band: the sampler misses conversions (a sample period or a few between two samples,
    # contiguous seqs) and the stalled loop sends fuller packets, so a packet's device time advances
    # more than its sample count implies; the host's arrivals jitter and bunch. Nothing is wrong.
    rng = np.random.default_rng(12)
    asm = StreamAssembler(rate_hz=80)
    ticks_us, k, big, missed, delivered = 1_000_000, 0, 0, 0, []
    for seq in range(3000):
        if rng.random() < 0.02:
            big = int(rng.integers(1, 4))  # a stall: the next packets hold 4-6 samples
        n = int(rng.integers(4, 7)) if big > 0 else 2
        big -= 1
        stamps = []
        for _ in range(n):
            if big >= 0 and rng.random() < 0.04:
                skip = int(rng.integers(1, 3))
                ticks_us += skip * PERIOD_US
                missed += skip
            stamps.append(ticks_us)
            ticks_us += PERIOD_US
        data = protocol.StreamPacket(
            seq=seq, t0_us=stamps[0], offsets_10us=((np.array(stamps) - stamps[0]) // 10).astype(np.uint16),
            tension_cn=np.arange(k, k + n, dtype=np.int32),
            flags=protocol.StreamFlags.FIRST if seq == 0 else protocol.StreamFlags(0),
        ).to_bytes()
        k += n
        batch = asm.feed(data, 100.0 + stamps[-1] / 1e6 + LATENCY_S + rng.exponential(0.003))
        if batch is not None:
            delivered.append(np.round(batch.tension_n * 100).astype(int))
    assert asm.held == 0
    v = np.concatenate(delivered)
    assert missed > 20 and v.tolist() == list(range(k))  # every sample once, in order
    assert asm.stats.malformed == asm.stats.outliers == 0 and asm.stats.lost_samples == 0
    assert asm.stats.missed_samples == missed


# ---------------------------------------------------------------- property tests

from dataclasses import dataclass, field  # noqa: E402

from ble.helpers import silent_holes  # noqa: E402
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

MUTATIONS = ("wild-seq", "wild-time", "truncated", "random-bytes", "duplicated", "reordered")
BASE_LATENCY_S = 0.004


@dataclass
class Plan:
    """A valid stream (what the band sent) and what happens to each packet on the way."""

    rate_hz: int
    per_packet: int
    n_packets: int
    start_ticks: int
    drift_ppm: float
    jitter_s: float
    lost: set[int]
    reboot_at: int | None  # packet index where the band restarts (FIRST, new ticks)
    reboot_drop: bool  # the link drops across the reboot (the host expects the FIRST)
    reboot_jump_us: int
    mutations: dict[int, tuple[str, int]] = field(default_factory=dict)


@st.composite
def plans(draw) -> Plan:
    rate_hz = draw(st.sampled_from([10, 80]))
    per_packet = 1 if rate_hz == 10 else draw(st.sampled_from([2, 4]))
    n_packets = draw(st.integers(30, 160))
    reboot_at = draw(st.none() | st.integers(10, n_packets - 5))
    firsts = {0} | ({reboot_at} if reboot_at is not None else set())
    loss_p = draw(st.sampled_from([0.0, 0.03, 0.1]))
    lost = {i for i in range(n_packets) if i not in firsts and draw(st.floats(0, 1)) < loss_p}
    plan = Plan(
        rate_hz, per_packet, n_packets,
        start_ticks=draw(st.integers(0, TICKS_PERIOD_US - 1)),
        drift_ppm=draw(st.floats(-50, 50)),
        jitter_s=draw(st.sampled_from([0.0, 0.005, 0.02, 0.04])),
        lost=lost, reboot_at=reboot_at, reboot_drop=draw(st.booleans()),
        reboot_jump_us=draw(st.integers(5_000_000, 500_000_000)) * draw(st.sampled_from([-1, 1])),
    )
    mut_p = draw(st.sampled_from([0.02, 0.08, 0.15]))
    for i in range(1, n_packets):
        arriving = [j for j in range(i) if j not in lost][-2:]  # never three bad packets in a row
        if i in firsts or i in lost or (len(arriving) == 2 and all(j in plan.mutations for j in arriving)):
            continue
        if draw(st.floats(0, 1)) >= mut_p:
            continue
        kind = draw(st.sampled_from(MUTATIONS))
        if kind == "reordered":  # i arrives after i + 1, which must be an ordinary packet
            if i + 1 >= n_packets or i + 1 in firsts or i + 1 in lost:
                continue
        plan.mutations[i] = (kind, draw(st.integers(0, 2**31)))
        if kind == "reordered":
            break_next = i + 1
            plan.lost.discard(break_next)
    # a reordered pair's second packet is left alone
    for i, (kind, _) in list(plan.mutations.items()):
        if kind == "reordered":
            plan.mutations.pop(i + 1, None)
    return plan


def _mutate(data: bytes, kind: str, param: int, index: int) -> bytes:
    """One packet spoiled in the given way; independent per packet (two that agree would be real)."""
    rng = np.random.default_rng([param, index])
    if kind == "wild-seq":
        seq = (int.from_bytes(data[2:4], "little") + int(rng.integers(100, 0x10000 - 100))) % 0x10000
        return data[:2] + seq.to_bytes(2, "little") + data[4:]
    if kind == "wild-time":
        shift = int(rng.integers(1_000_000, TICKS_PERIOD_US // 2)) * int(rng.choice([-1, 1]))
        t0 = (int.from_bytes(data[4:8], "little") + shift) % TICKS_PERIOD_US
        return data[:4] + t0.to_bytes(4, "little") + data[8:]
    if kind == "truncated":  # never a whole number of samples
        cut = [n for n in range(len(data)) if n < 13 or (n - 8) % 5]
        return data[: cut[int(rng.integers(len(cut)))]]
    assert kind == "random-bytes"
    junk = rng.integers(0, 256, int(rng.integers(0, 40)), dtype=np.uint8).tobytes()
    try:
        protocol.StreamPacket.from_bytes(junk)
    except protocol.ProtocolError:
        return junk
    return b"\x00" + junk[1:]  # parsed by chance: make it an unknown version


def play(plan: Plan) -> dict:
    """Sends the plan through an assembler; returns what came out and what should have."""
    period_us = 1_000_000 // plan.rate_hz
    scale = 1 + plan.drift_ppm * 1e-6
    rng = np.random.default_rng(plan.start_ticks)
    events: list[LinkEvent] = []
    asm = StreamAssembler(on_event=events.append, rate_hz=plan.rate_hz)
    arrivals: list[tuple[float, bytes, bool]] = []  # (arrival, bytes, link dropped before it)
    true_s: dict[int, float] = {}  # sample tag -> true host time
    valid: set[int] = set()
    missing: list[float] = []  # true times of packets that never reach the stream intact
    bad = 0
    real_t = 100.0
    ticks0, epoch_j, seq = plan.start_ticks, 0, 0
    last_arrival = 0.0
    for i in range(plan.n_packets):
        if i == plan.reboot_at:
            real_t += 1.0 if not plan.reboot_drop else 2.5
            ticks0 = (ticks0 + epoch_j * period_us + plan.reboot_jump_us) % TICKS_PERIOD_US
            epoch_j, seq = 0, 0
        tags = list(range(i * plan.per_packet, (i + 1) * plan.per_packet))
        times = [real_t + (k + 1) * period_us * 1e-6 * scale for k in range(plan.per_packet)]
        real_t = times[-1]
        data = protocol.StreamPacket(
            seq=seq, t0_us=(ticks0 + (epoch_j + 1) * period_us) % TICKS_PERIOD_US,
            offsets_10us=np.arange(plan.per_packet, dtype=np.uint16) * (period_us // 10),
            tension_cn=np.array(tags, dtype=np.int32),
            flags=protocol.StreamFlags.FIRST if seq == 0 else protocol.StreamFlags(0),
        ).to_bytes()
        epoch_j += plan.per_packet
        seq = (seq + 1) % 0x10000
        for tag, t in zip(tags, times):
            true_s[tag] = t + BASE_LATENCY_S
        if i in plan.lost:
            missing.append(times[0])
            continue
        arrival = max(times[-1] + BASE_LATENCY_S + rng.uniform(0, plan.jitter_s), last_arrival + 1e-4)
        last_arrival = arrival
        dropped = i == plan.reboot_at and plan.reboot_drop
        kind = plan.mutations.get(i, ("", 0))[0]
        if kind in ("", "duplicated"):
            valid.update(tags)
            arrivals.append((arrival, data, dropped))
            if kind:
                arrivals.append((arrival + 1e-4, data, False))
                bad += 1
        elif kind == "reordered":
            arrivals.append((arrival, data, dropped))  # swapped with the next one below
            missing.append(times[0])
            bad += 1
        else:
            arrivals.append((arrival, _mutate(data, kind, plan.mutations[i][1], i), dropped))
            missing.append(times[0])
            bad += 1
    # Reordered: packet i arrives just after packet i + 1.
    order = list(range(len(arrivals)))
    k = 0
    for i in range(plan.n_packets):
        if i in plan.lost:
            continue
        if plan.mutations.get(i, ("",))[0] == "reordered":
            order[k], order[k + 1] = order[k + 1], order[k]
        k += 1 + (plan.mutations.get(i, ("",))[0] == "duplicated")
    out_t, out_tag = [], []
    last = 0.0
    for pos in order:
        arrival, data, dropped = arrivals[pos]
        arrival = max(arrival, last + 1e-4)
        last = arrival
        if dropped:
            b = asm.link_lost()
            if b is not None:
                out_t.append(b.time_s)
                out_tag.append(np.round(b.tension_n * 100).astype(int))
        b = asm.feed(data, arrival)
        if b is not None:
            out_t.append(b.time_s)
            out_tag.append(np.round(b.tension_n * 100).astype(int))
    b = asm.flush()
    if b is not None:
        out_t.append(b.time_s)
        out_tag.append(np.round(b.tension_n * 100).astype(int))
    t = np.concatenate(out_t) if out_t else np.array([])
    tags = np.concatenate(out_tag) if out_tag else np.array([], int)
    return {"asm": asm, "events": events, "t": t, "tags": tags, "true_s": true_s, "valid": valid,
            "missing": missing, "bad": bad}


# Found by hypothesis: after the reboot, loss left a closed clock bucket with one packet whose
# minimum lay 0.1 s from the previous bucket's, and their 2.3 ms of jitter became a 23,400 ppm
# drift, 7.2 ms off 0.3 s later. The slope is now measured over at least one bucket.
_FEW_PACKETS_AFTER_A_REBOOT = Plan(
    rate_hz=10, per_packet=1, n_packets=61, start_ticks=444929, drift_ppm=0.0, jitter_s=0.005,
    lost={1, 2, 3, 4, 5, 6, 7, *range(38, 57), 58, 59},
    reboot_at=17, reboot_drop=False, reboot_jump_us=-5000000,
    mutations={i: ("wild-seq", 0) for i in (8, 9, 12, 22, 26, 29, 31, 32)},
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
@example(_FEW_PACKETS_AFTER_A_REBOOT)
def test_a_mutated_stream_heals(plan: Plan) -> None:
    r = play(plan)
    asm, events, t, tags = r["asm"], r["events"], r["t"], r["tags"]
    # Every valid sample exactly once, nothing else, in time order.
    assert sorted(tags.tolist()) == sorted(r["valid"])
    assert np.all(np.diff(t) > 0)
    # Every bad packet counted, as malformed (incl. outliers) or duplicate.
    assert asm.stats.malformed + asm.stats.duplicates == r["bad"]
    assert asm.held == 0
    # Host times within the arrival jitter of the truth (plus what drift does before its fit).
    err = np.array([abs(ts - r["true_s"][int(tag)]) for ts, tag in zip(t, tags)])
    assert err.max(initial=0.0) <= plan.jitter_s + 0.002
    # Gaps only where packets were lost (or dropped as bad), and every hole reported.
    period_s = 1 / plan.rate_hz
    for e in (e for e in events if isinstance(e, Gap)):
        reason = e.reason
        if reason == "reboot":
            assert plan.reboot_at is not None and asm.stats.reboots == 1
            continue
        assert reason == "lost", e
        lo, hi = e.start_s - plan.jitter_s - 0.01, e.end_s + plan.jitter_s + 0.01
        assert any(lo <= m + BASE_LATENCY_S <= hi for m in r["missing"]), e
    spans = [(e.start_s, e.end_s) for e in events if isinstance(e, Gap)]
    for i in np.nonzero(np.diff(tags) != 1)[0]:  # samples missing here: a gap event says so
        assert any(abs(a - t[i]) < 1e-6 and abs(b - t[i + 1]) < 1e-6 for a, b in spans), (tags[i], tags[i + 1])
    # No silent hole in time either (the drift fit may move the map by up to the jitter).
    slack_s = 2 * plan.jitter_s + 0.002
    assert [h for h in silent_holes(t, events, period_s) if h[1] - h[0] > 1.5 * period_s + slack_s] == []
    assert asm.stats.reboots == (plan.reboot_at is not None)
