"""Tension recordings on disk: CSV with header `time_s,tension_n`, one sample per line.

Missing samples are simply absent (a gap in time). Reading is strict: any bad line raises a
`RecordingError` naming the line, so nothing is silently lost or invented. Samples that repeat
the previous timestamp (a logger's coarse clock) are merged into one at their mean tension and
counted in `Recording.merged_samples`, so the caller can say so; time going back is refused. The writer streams
samples as they arrive and drops invalid (NaN) samples, since the format represents them by
absence; `record` takes a live stream's batches into one (`taut stream --out`), losing nothing
when the disk fails half-way.
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass
from collections.abc import AsyncIterable, Callable
from pathlib import Path
from typing import IO, Any

import numpy as np

from taut.atomic import AtomicFile, describe_os_error

HEADER = ("time_s", "tension_n")
# Beyond any band, load cell or the wire format's +-83,886 N: such a value is corrupt data, not tension.
MAX_ABS_TENSION_N = 100_000.0


class RecordingError(ValueError):
    """A recording that cannot be read; `line` is the 1-based line number (None: whole file)."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        where = path or "recording"
        if line is not None:
            where = f"{where}, line {line}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line


@dataclass(frozen=True, slots=True)
class Recording:
    """A whole recording: strictly increasing times (s) and finite tensions (N).

    `merged_samples`: how many file samples repeated the previous one's time and were merged into
    it (mean tension); 0 for a file with strictly increasing times.
    """

    time_s: np.ndarray
    tension_n: np.ndarray
    merged_samples: int = 0

    def __len__(self) -> int:
        return len(self.time_s)


def _parse_float(text: str, name: str, path: str | None, line: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise RecordingError(f"{name} is not a number: {text.strip()!r}", path=path, line=line) from None
    if not math.isfinite(value):
        raise RecordingError(f"{name} is not finite: {text.strip()!r}", path=path, line=line)
    return value


def read_recording(source: str | os.PathLike | IO[str]) -> Recording:
    """Read a CSV recording; raises `RecordingError` naming the first bad line."""
    if isinstance(source, (str, os.PathLike)):
        path = str(source)
        try:
            with open(source, newline="", encoding="utf-8") as fh:
                return _read(fh, path)
        except OSError as exc:
            raise RecordingError(f"cannot read: {exc.strerror or exc}", path=path) from None
        except UnicodeDecodeError:
            raise RecordingError("not a UTF-8 text file", path=path) from None
    return _read(source, getattr(source, "name", None))


class _CsvRows:
    """csv.reader whose own errors (a field over csv's size limit, a NUL byte) become a RecordingError naming the line."""

    def __init__(self, fh: IO[str], path: str | None) -> None:
        self._reader = csv.reader(fh)
        self._path = path

    @property
    def line_num(self) -> int:
        return self._reader.line_num

    def __iter__(self) -> _CsvRows:
        return self

    def __next__(self) -> list[str]:
        try:
            return next(self._reader)
        except csv.Error as exc:
            raise RecordingError(f"not a readable CSV line ({exc})", path=self._path, line=self._reader.line_num) from None


def _read(fh: IO[str], path: str | None) -> Recording:
    reader = _CsvRows(fh, path)
    header = None
    for row in reader:
        if row and any(cell.strip() for cell in row):
            header = [cell.strip().lstrip("\ufeff") for cell in row]
            break
    if header is None:
        raise RecordingError("empty file: expected a header 'time_s,tension_n'", path=path, line=1)
    header_line = reader.line_num
    missing = [name for name in HEADER if name not in header]
    if missing:
        raise RecordingError(
            f"missing column(s) {', '.join(missing)} in header (expected 'time_s,tension_n')",
            path=path,
            line=header_line,
        )
    i_time, i_tension = header.index("time_s"), header.index("tension_n")
    width = len(header)
    times: list[float] = []
    tensions: list[float] = []
    shared: list[int] = []  # samples behind each time (1 unless the time repeated)
    last_time = -math.inf
    for row in reader:
        line = reader.line_num
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) != width:
            raise RecordingError(f"expected {width} columns, found {len(row)}", path=path, line=line)
        t = _parse_float(row[i_time], "time_s", path, line)
        f = _parse_float(row[i_tension], "tension_n", path, line)
        if abs(f) > MAX_ABS_TENSION_N:
            raise RecordingError(
                f"tension_n {f!r} N is not a plausible tension (|tension_n| <= {MAX_ABS_TENSION_N:,.0f} N)",
                path=path,
                line=line,
            )
        if t == last_time:
            tensions[-1] += f  # summed here, divided by the count below: the mean of the shared time
            shared[-1] += 1
            continue
        if t < last_time:
            raise RecordingError(f"time not increasing: goes back ({t!r} after {last_time!r})", path=path, line=line)
        last_time = t
        times.append(t)
        tensions.append(f)
        shared.append(1)
    if not times:
        raise RecordingError("no samples after the header", path=path, line=header_line)
    counts = np.asarray(shared, dtype=float)
    return Recording(np.asarray(times, dtype=float), np.asarray(tensions, dtype=float) / counts,
                     merged_samples=int(counts.sum()) - len(times))


class RecordingWriter:
    """Appends samples to a CSV recording as they arrive; NaN (invalid) samples are left out.

    Use as a context manager, or call `close()`. Times must keep increasing across writes.
    A path is written through a temporary file beside it (`taut.atomic`): `close()` renames it
    into place, `abort()` leaves the file that was there untouched, and `keep_as()` keeps a
    half-written recording under another name.
    """

    def __init__(self, target: str | os.PathLike | IO[str], *, flush_every: int = 1) -> None:
        self._atomic: AtomicFile | None = None
        if isinstance(target, (str, os.PathLike)):
            self._atomic = AtomicFile(target)
            self._fh: IO[str] = self._atomic.file
        else:
            self._fh = target
        self._fh.write("time_s,tension_n\n")
        self._last_time = -math.inf
        self._flush_every = max(1, flush_every)
        self._writes = 0
        self.samples_written = 0

    def write(self, time_s: np.ndarray, tension_n: np.ndarray) -> int:
        """Write a batch; returns how many samples were written (NaN tension skipped)."""
        t = np.asarray(time_s, dtype=float).ravel()
        f = np.asarray(tension_n, dtype=float).ravel()
        if t.shape != f.shape:
            raise ValueError(f"time_s and tension_n differ in length ({t.size} vs {f.size})")
        if t.size == 0:
            return 0
        if not np.all(np.isfinite(t)):
            raise ValueError("time_s contains a non-finite value")
        if t[0] <= self._last_time or (t.size > 1 and np.any(np.diff(t) <= 0)):
            raise ValueError("time_s must keep increasing")
        self._last_time = float(t[-1])
        keep = np.isfinite(f)
        buf = io.StringIO()
        for ti, fi in zip(t[keep].tolist(), f[keep].tolist()):
            buf.write(f"{ti:.6f},{fi:.3f}\n")
        self._fh.write(buf.getvalue())
        self._writes += 1
        if self._writes % self._flush_every == 0:
            self._fh.flush()
        n = int(keep.sum())
        self.samples_written += n
        return n

    def close(self) -> None:
        """Finish: a path gets the whole recording, renamed into place."""
        if self._atomic is not None:
            self._atomic.commit()
        else:
            self._fh.flush()

    def abort(self) -> None:
        """Give up: a path's old file stays as it was and nothing new is left behind."""
        if self._atomic is not None:
            self._atomic.abort()

    def keep_as(self, path: str | os.PathLike) -> Path | None:
        """Keep what was written so far under `path`, cut to whole lines (the target stays as it was)."""
        if self._atomic is None:
            return None
        kept = self._atomic.keep_as(path)
        with open(kept, "r+b") as f:
            size = f.seek(0, os.SEEK_END)
            tail_at = max(0, size - 65536)
            f.seek(tail_at)
            f.truncate(tail_at + f.read().rfind(b"\n") + 1)
        return kept

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def write_recording(path: str | os.PathLike | IO[str], time_s: np.ndarray, tension_n: np.ndarray) -> int:
    """Write a whole recording at once; returns the number of samples written."""
    with RecordingWriter(path) as writer:
        return writer.write(time_s, tension_n)


class RecordingFailed(Exception):
    """Writing a stream's recording failed; the message says what was kept where (the OSError is the cause)."""


class StreamRecording:
    """A live stream's samples written to a CSV recording as they arrive, times from its first sample.

    Nothing is lost quietly: when a write fails, what was written is kept beside the target as
    `<path>.partial` and the target stays as it was; a stream that brought no sample leaves the
    target as it was too. Opening raises OSError when the target cannot be written.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = str(path)
        self._writer = RecordingWriter(path)
        self._first_s: float | None = None

    @property
    def written(self) -> int:
        """Samples written so far."""
        return self._writer.samples_written

    def add(self, time_s: np.ndarray, tension_n: np.ndarray) -> None:
        """Write one batch; RecordingFailed (what was kept, where) when the file cannot take it."""
        t = np.asarray(time_s, dtype=float)
        if t.size == 0:
            return
        if self._first_s is None:
            self._first_s = float(t[0])
        try:
            self._writer.write(t - self._first_s, tension_n)
        except OSError as exc:
            raise RecordingFailed(self._keep_after(exc)) from exc

    def finish(self) -> None:
        """Put what came in place of the target (nothing came: the target stays as it was)."""
        if not self.written:
            self._writer.abort()
            return
        try:
            self._writer.close()
        except OSError as exc:
            raise RecordingFailed(self._keep_after(exc)) from exc

    def _keep_after(self, exc: OSError) -> str:
        """Keep what was written beside the target; say exactly what is where."""
        out, written = self.path, self.written
        reason = describe_os_error(exc)
        if not written:
            self._writer.abort()
            return f"cannot write {out}: {reason}; nothing was recorded and {out} was left as it was"
        partial = f"{out}.partial"
        try:
            self._writer.keep_as(partial)
        except OSError:
            self._writer.abort()
            return f"cannot write {out}: {reason}; the {written} samples received could not be kept, {out} was left as it was"
        return f"cannot write {out}: {reason}; the samples written before it are in {partial}, {out} was left as it was"


async def record(
    batches: AsyncIterable[Any],
    recording: StreamRecording | None,
    *,
    now_s: Callable[[], float],
    seconds: float | None = None,
    on_batch: Callable[[Any, float], None] | None = None,
) -> None:
    """Take a source's batches (`time_s`, `tension_n` arrays) until they end or `seconds` pass on
    `now_s`'s clock: each into `recording` (if any), then to `on_batch(batch, elapsed_s)`.

    The recording is left open: `finish()` it when the stream is over, however it ended.
    """
    t0 = now_s()
    async for batch in batches:
        if recording is not None:
            recording.add(batch.time_s, batch.tension_n)
        elapsed_s = now_s() - t0
        if on_batch is not None:
            on_batch(batch, elapsed_s)
        if seconds is not None and elapsed_s >= seconds:
            break
