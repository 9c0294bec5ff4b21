"""Turns stream notifications into timestamped sample batches, accounting for every sample.

Each packet is validated (malformed ones are counted, logged and skipped), its device timestamps
are mapped to host time, sequence jumps become `gap` events with their duration and the number
of samples lost, and a FIRST packet starts a new epoch: a `reboot` when the device clock jumped
(time base reset), otherwise a restart on the same clock. Pure: no bleak, no I/O.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from taut import protocol
from taut.ble.clock import DeviceClock
from taut.sources import LinkEvent, SampleBatch

log = logging.getLogger(__name__)

# A device time jump larger than this across a FIRST packet means the clock restarted (reboot).
_REBOOT_JUMP_S = 0.5
# Sample spacing over this many periods is a hole in the device's sampling (a missed conversion).
_HOLE_PERIODS = 1.75
# This many consecutive packets of an unknown protocol version: refuse the device.
_MAX_UNKNOWN_VERSION = 3


@dataclass
class StreamStats:
    """Counters over a session (all epochs, all connections)."""

    packets: int = 0
    samples: int = 0
    overload_samples: int = 0
    gaps: int = 0
    lost_packets: int = 0
    lost_samples: int = 0  # lost on the link (sequence jumps, reconnects, reboots)
    missed_samples: int = 0  # never sampled: the device's own sample spacing has holes
    gap_s: float = 0.0
    malformed: int = 0
    duplicates: int = 0
    reboots: int = 0
    epochs: int = 0
    malformed_reasons: dict[str, int] = field(default_factory=dict)


class StreamAssembler:
    """Feed raw notifications with their arrival time; get `SampleBatch`es and `LinkEvent`s."""

    def __init__(self, *, on_event: Callable[[LinkEvent], None] | None = None, rate_hz: float | None = None) -> None:
        self.stats = StreamStats()
        self._on_event = on_event
        self.nominal_rate_hz = rate_hz  # from the status characteristic, when known
        self._estimated_rate_hz: float | None = None
        self._clock: DeviceClock | None = None
        self._last_seq: int | None = None
        self._last_sample_s: float | None = None  # host time of the last sample delivered
        self._last_device_s: float | None = None
        self._interrupted = False  # the link dropped since the last packet
        self._unknown_version_run = 0

    def _emit(self, kind: str, time_s: float, **detail: object) -> None:
        if self._on_event is not None:
            self._on_event(LinkEvent(kind, time_s, dict(detail)))

    def link_lost(self) -> None:
        """The connection dropped: the next packet's epoch will account for the lost time."""
        self._interrupted = True
        self._last_seq = None

    def stream_stopped(self) -> None:
        """The host stopped the stream on purpose: the next epoch starts without a gap."""
        self._last_seq = None
        self._last_sample_s = None
        self._last_device_s = None
        self._interrupted = False

    @property
    def rate_hz(self) -> float | None:
        """The sample rate: the band's stated rate, else the spacing seen in packets."""
        return self.nominal_rate_hz or self._estimated_rate_hz

    @property
    def clock(self) -> DeviceClock | None:
        return self._clock

    def feed(self, data: bytes | bytearray, host_s: float) -> SampleBatch | None:
        """One notification received at `host_s`; None when it carried no usable samples."""
        try:
            packet = protocol.StreamPacket.from_bytes(data)
        except protocol.UnsupportedVersion as exc:
            self._unknown_version_run += 1
            self._malformed(exc, data, host_s)
            if self._unknown_version_run >= _MAX_UNKNOWN_VERSION:
                raise
            return None
        except protocol.ProtocolError as exc:
            self._malformed(exc, data, host_s)
            return None
        self._unknown_version_run = 0
        gap: tuple[str, int | None] | None = None
        if packet.first or self._clock is None or self._last_seq is None:
            gap = self._new_epoch(packet, host_s)
        else:
            lost = protocol.seq_gap(self._last_seq, packet.seq)
            if lost >= 0x8000:  # behind the last one: a duplicate or reordered packet
                self.stats.duplicates += 1
                log.warning("stream packet seq %d after %d: duplicate, skipped", packet.seq, self._last_seq)
                return None
            if lost:
                gap = ("lost", lost)
        self._last_seq = packet.seq
        clock = self._clock
        assert clock is not None
        device_s = clock.unwrap(packet.t0_us, host_s) + packet.offsets_10us.astype(np.float64) * 1e-5
        clock.observe(float(device_s[-1]), host_s)
        time_s = clock.to_host(device_s)
        consecutive = gap is None and self._last_device_s is not None
        self._note_spacing(device_s, consecutive=consecutive)
        if gap is not None:
            self._report_gap(gap[0], gap[1], float(time_s[0]))
        self._find_holes(device_s, time_s, consecutive=consecutive)
        self._last_sample_s = float(time_s[-1])
        self._last_device_s = float(device_s[-1])
        self._interrupted = False
        overload = packet.overload
        self.stats.packets += 1
        self.stats.samples += len(packet)
        self.stats.overload_samples += int(overload.sum())
        return SampleBatch(time_s, packet.tension_n, overload)

    def _new_epoch(self, packet: protocol.StreamPacket, host_s: float) -> tuple[str, None] | None:
        """Starts an epoch; returns the gap to report before it (None: nothing was lost)."""
        self.stats.epochs += 1
        old = self._clock
        if old is None or not old.started or self._last_sample_s is None:
            if old is None:
                self._clock = DeviceClock()
            return None
        jump_s = abs(old.ticks_to_device_s(packet.t0_us, host_s) - old.predict_device_s(host_s))
        if jump_s > _REBOOT_JUMP_S:
            self.stats.reboots += 1
            log.warning("band rebooted: its clock restarted (jump %.1f s)", jump_s)
            self._emit("reboot", host_s, seq=packet.seq)
            self._clock = DeviceClock(not_before_s=self._last_sample_s)
            self._last_device_s = None
            return ("reboot", None)
        return ("reconnect", None) if self._interrupted else ("restart", None)

    def _note_spacing(self, device_s: np.ndarray, *, consecutive: bool) -> None:
        if len(device_s) >= 2:
            spacing_s = float(np.median(np.diff(device_s)))
        elif consecutive and self._last_device_s is not None:
            spacing_s = float(device_s[0]) - self._last_device_s
        else:
            return
        if spacing_s > 0:
            self._estimated_rate_hz = 1.0 / spacing_s

    def _find_holes(self, device_s: np.ndarray, time_s: np.ndarray, *, consecutive: bool) -> None:
        """Reports spacing over 1.75 periods as a `sampling` gap: no sample exists there."""
        rate = self.rate_hz
        if not rate:
            return
        limit_s = _HOLE_PERIODS / rate
        if consecutive and self._last_device_s is not None and device_s[0] - self._last_device_s > limit_s:
            self._report_gap("sampling", 0, float(time_s[0]))
        if len(device_s) > 1:
            for i in np.nonzero(np.diff(device_s) > limit_s)[0]:
                self._last_sample_s = float(time_s[i])
                self._report_gap("sampling", 0, float(time_s[i + 1]))

    def _report_gap(self, reason: str, lost_packets: int | None, end_s: float) -> None:
        start_s = self._last_sample_s
        if start_s is None:
            return
        duration_s = max(0.0, end_s - start_s)
        rate = self.rate_hz
        lost_samples = max(0, round(duration_s * rate) - 1) if rate else None
        self.stats.gaps += 1
        self.stats.lost_packets += lost_packets or 0
        if reason == "sampling":
            self.stats.missed_samples += lost_samples or 0
        else:
            self.stats.lost_samples += lost_samples or 0
        self.stats.gap_s += duration_s
        log.info("gap (%s): %.3f s, %s packets, ~%s samples lost", reason, duration_s, lost_packets, lost_samples)
        self._emit(
            "gap",
            end_s,
            reason=reason,
            start_s=start_s,
            end_s=end_s,
            duration_s=duration_s,
            lost_packets=lost_packets,
            lost_samples=lost_samples,
        )

    def _malformed(self, exc: Exception, data: bytes | bytearray, host_s: float) -> None:
        self.stats.malformed += 1
        name = type(exc).__name__
        self.stats.malformed_reasons[name] = self.stats.malformed_reasons.get(name, 0) + 1
        log.warning("malformed stream packet skipped (%s): %s [%s]", name, exc, bytes(data[:16]).hex())
        self._emit("malformed", host_s, error=name, message=str(exc), length=len(data))
