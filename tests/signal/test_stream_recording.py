"""`record` and `StreamRecording`: a live stream into a CSV, nothing lost when the disk fails."""

from __future__ import annotations

import asyncio
import errno
from types import SimpleNamespace

import numpy as np
import pytest

from taut.recording import RecordingFailed, RecordingWriter, StreamRecording, read_recording, record


def _batches(n: int, start_s: float = 100.0, per_batch: int = 4, fs_hz: float = 10.0):
    """A source's batches: `n` of them, times from `start_s` (a device clock, not zero)."""
    clock = {"now": 0.0}

    async def gen():
        for b in range(n):
            t = start_s + (b * per_batch + np.arange(per_batch)) / fs_hz
            clock["now"] = (b + 1) * per_batch / fs_hz
            yield SimpleNamespace(time_s=t, tension_n=np.full(per_batch, 10.0 + b))

    return gen(), lambda: clock["now"]


def test_record_writes_times_from_the_first_sample(tmp_path):
    out = tmp_path / "rec.csv"
    recording = StreamRecording(out)
    batches, now_s = _batches(5)
    seen = []
    asyncio.run(record(batches, recording, now_s=now_s, on_batch=lambda b, elapsed: seen.append(elapsed)))
    recording.finish()
    rec = read_recording(out)
    assert recording.written == 20 and len(rec) == 20
    assert rec.time_s[0] == 0.0 and rec.time_s[-1] == pytest.approx(1.9)
    assert seen == pytest.approx([0.4, 0.8, 1.2, 1.6, 2.0])


def test_record_stops_after_seconds(tmp_path):
    recording = StreamRecording(tmp_path / "rec.csv")
    batches, now_s = _batches(50)
    asyncio.run(record(batches, recording, now_s=now_s, seconds=1.0))
    recording.finish()
    assert recording.written == 12  # the batch that crossed 1 s is kept whole


def test_a_stream_with_no_sample_leaves_the_old_file(tmp_path):
    out = tmp_path / "rec.csv"
    out.write_text("time_s,tension_n\n0.0,42.0\n")
    recording = StreamRecording(out)
    batches, now_s = _batches(0)
    asyncio.run(record(batches, recording, now_s=now_s))
    recording.finish()
    assert out.read_text() == "time_s,tension_n\n0.0,42.0\n" and sorted(p.name for p in tmp_path.iterdir()) == ["rec.csv"]


def test_a_full_disk_keeps_what_came_beside_the_old_file(tmp_path, monkeypatch):
    out = tmp_path / "rec.csv"
    out.write_text("time_s,tension_n\n0.0,42.0\n")
    real_write = RecordingWriter.write
    calls = {"n": 0}

    def write_until_full(self, time_s, tension_n):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, time_s, tension_n)

    monkeypatch.setattr(RecordingWriter, "write", write_until_full)
    recording = StreamRecording(out)
    batches, now_s = _batches(10)
    with pytest.raises(RecordingFailed) as failed:
        asyncio.run(record(batches, recording, now_s=now_s))
    assert f"{out}.partial" in str(failed.value) and "left as it was" in str(failed.value)
    assert len(read_recording(f"{out}.partial")) == 8
    assert out.read_text() == "time_s,tension_n\n0.0,42.0\n"
