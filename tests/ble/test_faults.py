"""Each injected fault is survived: reconnect, gaps reported, malformed packets skipped, reboots."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from ble.helpers import Load, silent_holes, start_band

from taut.ble import BleSource, ControlTimeout, virtual
from taut.sources import Gap
from taut.twin.faults import Faults
from taut.twin.virtual_time import run

PERIOD_S = 1 / 80


async def _stream_with(fault, *, seconds: float = 10.0, at_s: float = 4.0, seed: int = 0, load=None, **band_kwargs):
    """Streams `seconds`, calling `fault(faults)` once `at_s` in; returns what everyone saw."""
    if load is None:
        load = Load(30.0)
        load.wobble_n = 10.0
    band, _ = await start_band(load, seed=seed, **band_kwargs)
    faults = Faults(band, seed=seed)
    source = BleSource(backend=virtual(), backoff_s=(0.2, 2.0), seed=seed)
    await source.start()
    loop = asyncio.get_running_loop()
    t_start = loop.time()
    fired = False
    times = []
    async for batch in source.batches():
        times.append(batch.time_s)
        now = loop.time()
        if not fired and now - t_start >= at_s:
            fired = True
            await fault(faults)
        if now - t_start >= seconds:
            break
    await source.close()
    await band.close()
    return band, faults, source, np.concatenate(times)


def _kinds(source: BleSource) -> list[str]:
    return [e.kind for e in source.events]


def test_lost_packets_become_a_reported_gap_with_the_exact_sample_count() -> None:
    async def fault(faults: Faults) -> None:
        faults.lose_packets(3)

    band, faults, source, t = run(_stream_with(fault))
    stats = source.stats
    assert faults.lost == 3 and band.sent.dropped_packets == 3
    assert stats.gaps == 1 and stats.lost_packets == 3
    assert stats.lost_samples == band.sent.dropped_samples  # estimated from time and rate: exact
    assert stats.samples + band.sent.dropped_samples == band.sent.samples
    assert silent_holes(t, source.events, PERIOD_S) == []
    assert np.all(np.diff(t) > 0)


def test_random_loss_is_always_accounted_for() -> None:
    async def fault(faults: Faults) -> None:
        faults.lose_randomly(0.1)
        # Loss ends before the stream does: a packet lost after the last one received is
        # invisible to any receiver (which of them that is depends on the firmware's timing).
        asyncio.get_running_loop().call_later(4.0, faults.lose_randomly, 0.0)

    band, faults, source, t = run(_stream_with(fault, seed=11))
    stats = source.stats
    assert faults.lost > 5
    assert stats.lost_packets == band.sent.dropped_packets
    assert stats.lost_samples == band.sent.dropped_samples
    assert stats.samples + stats.lost_samples == band.sent.samples
    assert silent_holes(t, source.events, PERIOD_S) == []


def test_malformed_notifications_are_counted_and_skipped() -> None:
    async def fault(faults: Faults) -> None:
        for kind in ("truncated", "reserved-flags", "bad-offsets", "bad-version"):
            faults.corrupt_next(kind)

    band, faults, source, t = run(_stream_with(fault))
    stats = source.stats
    assert faults.corrupted == 4 and stats.malformed == 4
    assert set(stats.malformed_reasons) == {"BadLength", "ReservedBitsSet", "BadTimestamps", "UnsupportedVersion"}
    assert _kinds(source).count("malformed") == 4
    # The skipped packets' samples are reported as a gap, the stream goes on.
    assert stats.samples + stats.lost_samples == band.sent.samples
    assert silent_holes(t, source.events, PERIOD_S) == []
    assert t[-1] - t[0] > 9.0


def test_link_drop_mid_set_reconnects_and_reports_the_gap() -> None:
    from taut.twin.exercise_load import ExerciseLoad

    load = ExerciseLoad("face-pull", seed=5, duration_s=60.0)
    first_rep = min((w for w in load.stream.timeline.rep_windows if w.set_index == 0), key=lambda w: w.t_from_s)
    mid_rep_s = (first_rep.concentric_start_s + first_rep.eccentric_end_s) / 2
    dropped_at: list[float] = []

    async def fault(faults: Faults) -> None:
        dropped_at.append(faults.band.session_time_s())
        await faults.drop_link()

    # The source starts about 0.3 s after the band: drop the link in the middle of the first rep.
    band, faults, source, t = run(_stream_with(fault, seconds=mid_rep_s + 6.0, at_s=mid_rep_s - 0.3, load=load))
    assert first_rep.concentric_start_s < dropped_at[0] < first_rep.eccentric_end_s  # the band is pulled
    kinds = _kinds(source)
    assert kinds.count("connected") == 2 and "disconnected" in kinds and "reconnecting" in kinds
    assert source.reconnects == 1 and source.stats.reboots == 0
    gaps = [e for e in source.events if isinstance(e, Gap)]
    assert [g.reason for g in gaps] == ["reconnect"]
    assert 0.1 < gaps[0].duration_s < 3.0
    assert silent_holes(t, source.events, PERIOD_S) == []
    assert t[-1] - gaps[0].end_s > 5.0  # streaming again long after the drop
    assert band.errors == []


def test_reboot_is_detected_and_the_stream_resumes() -> None:
    async def fault(faults: Faults) -> None:
        await faults.reboot()

    band, faults, source, t = run(_stream_with(fault, seconds=12.0, drift_ppm=20.0))
    assert band.boots == 2
    assert source.stats.reboots == 1 and "reboot" in _kinds(source)
    gaps = [e for e in source.events if isinstance(e, Gap)]
    assert [g.reason for g in gaps] == ["reboot"]
    assert silent_holes(t, source.events, PERIOD_S) == []
    assert np.all(np.diff(t) > 0)
    assert t[-1] - gaps[0].end_s > 5.0
    assert band.errors == []


def test_stalled_control_response_times_out_and_is_not_matched_later() -> None:
    async def main():
        band, _ = await start_band(Load(0.0), seed=8)
        faults = Faults(band)
        source = BleSource(backend=virtual())
        await source.start()
        faults.stall_control(5.0)
        with pytest.raises(ControlTimeout) as timed_out:
            await source.band.set_rate(10)
        faults.stall_control(0.0)
        await asyncio.sleep(3.0)  # the late answer arrives now and must be dropped
        settings = await source.band.get_settings()
        late = source.band.control.late_responses
        await source.close()
        await band.close()
        return timed_out.value, settings, late, faults

    timed_out, settings, late, faults = run(main())
    assert "SET_RATE" in str(timed_out)
    assert faults.stalled == 1 and late == 1
    assert settings.rate_hz == 10  # the command ran; only its answer was late


def test_a_band_that_never_comes_back_ends_the_stream_with_link_lost() -> None:
    from taut.ble import LinkLost

    async def main():
        band, _ = await start_band(Load(1.0), seed=12)
        source = BleSource(backend=virtual(), max_attempts=2, backoff_s=(0.2, 0.4), scan_timeout_s=0.5)
        await source.start()
        n = 0
        with_error = None
        try:
            async for batch in source.batches():
                n += len(batch)
                if n > 80 and band._device is not None:
                    await band.power_off()
        except LinkLost as exc:
            with_error = exc
        await source.close()
        await band.close()
        return source, with_error

    source, err = run(main())
    assert err is not None and "after 2 attempts" in str(err)
    assert [e.kind for e in source.events].count("reconnecting") == 2


def test_flipped_bytes_and_wild_packets_are_counted_as_malformed_and_their_samples_as_lost() -> None:
    async def spaced(faults: Faults) -> None:  # one at a time, clean packets between them
        async def inject() -> None:
            for kind in ("flip", "flip", "flip", "seq", "time"):
                faults.corrupt_next("flipped") if kind == "flip" else faults.wild_next(kind)
                await asyncio.sleep(1.0)

        asyncio.get_running_loop().create_task(inject())

    band, faults, source, t = run(_stream_with(spaced, seconds=12.0, at_s=2.0, seed=4))
    stats = source.stats
    assert faults.corrupted == 3 and faults.wild == 2 and band.sent.corrupted_packets == 5
    assert stats.malformed == 5 and stats.outliers == 2
    assert set(stats.malformed_reasons) >= {"OutlierSeq", "OutlierTime"}
    assert stats.samples + stats.lost_samples == band.sent.samples  # each spoiled packet is a gap of its samples
    assert silent_holes(t, source.events, PERIOD_S) == []
    with pytest.raises(ValueError, match="unknown wild packet"):
        faults.wild_next("nonsense")


def test_what_the_assembler_flushes_on_close_comes_before_the_end_of_the_batches() -> None:
    from taut.sources import SampleBatch

    async def main():
        band, _ = await start_band(Load(5.0), seed=6)
        source = BleSource(backend=virtual())
        await source.start()
        await asyncio.sleep(1.0)
        flushed = SampleBatch(np.array([1e6]), np.array([5.0]))
        source.assembler.stream_stopped = lambda: flushed  # as if a packet were held for a verdict
        await source.close()
        seen = [b async for b in source.batches()]  # what was queued, up to the end
        await band.close()
        return flushed, seen

    flushed, seen = run(main())
    assert seen and seen[-1] is flushed
