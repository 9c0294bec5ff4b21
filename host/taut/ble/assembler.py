"""Turns stream notifications into timestamped sample batches, accounting for every sample.

Each packet is validated (malformed ones are counted, logged and skipped), its device timestamps
are mapped to host time, sequence jumps become `gap` events with their duration and the number
of samples lost, and a FIRST packet starts a new epoch: a `reboot` when the device clock jumped
(time base reset), otherwise a restart on the same clock. Pure: no bleak, no I/O.

Healing: a well-formed packet that does not fit the stream (its sequence number or
device time is impossible after the last packet, or an unexpected FIRST) is held as suspect and
judged by the next packet. If that one continues from the suspect, the jump was real and is
reported as usual (a packet late); if it continues from before it, the suspect was an outlier:
dropped and counted as malformed (`OutlierSeq`, `OutlierTime`, `OutlierFirst`). A suspect after
the tip that the next packet continues from needs no stride bound (missed conversions stretch a
packet's device time). At most two packets are held; a held packet never feeds the clock fit
until it is confirmed.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from taut import protocol
from taut.ble.clock import DeviceClock, ticks_delta_us
from taut.sources import Gap, GapReason, LinkEvent, Malformed, Reboot, SampleBatch

log = logging.getLogger(__name__)

# A device time jump larger than this across a FIRST packet means the clock restarted (reboot);
# a confirmed jump this far from the clock's prediction inside an epoch starts a new time base.
_REBOOT_JUMP_S = 0.5
# Sample spacing over this many periods is a hole in the device's sampling (a missed conversion).
_HOLE_PERIODS = 1.75
# This many consecutive packets of an unknown protocol version: refuse the device.
_MAX_UNKNOWN_VERSION = 3
# Suspect packets held at once awaiting a verdict (two outliers in a row still heal).
_MAX_HELD = 2
# A packet's last sample may be this far ahead of where the clock puts "now" (fit error early on).
_AHEAD_TOLERANCE_S = 0.25
# Device time one packet may cover before the stream has shown its own (u16 offsets: 655.35 ms).
_STRIDE_DEFAULT_S = 0.7
# Slack on the sample rate when counting how many lost packets a stretch of device time can hold.
_RATE_SLACK = 1.1
_UNKNOWN_RATE_HZ = 1000.0


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
    malformed: int = 0  # includes outliers
    duplicates: int = 0
    reboots: int = 0
    epochs: int = 0
    malformed_reasons: dict[str, int] = field(default_factory=dict)
    suspects: int = 0  # packets held for a verdict
    confirmed: int = 0  # held packets the next ones confirmed (delivered late, by one packet)
    outliers: int = 0  # held packets the next ones refuted (dropped; also in `malformed`)
    time_jumps: int = 0  # confirmed device-time jumps inside an epoch: a new time base


@dataclass(frozen=True, slots=True)
class _Ref:
    """What judging needs of a packet: its sequence number and device time, and when it came."""

    seq: int
    ticks_us: int  # t0_us of the packet
    span_s: float  # its last sample's offset from t0
    host_s: float
    first: bool = False

    @classmethod
    def of(cls, packet: protocol.StreamPacket, host_s: float) -> _Ref:
        span_s = float(packet.offsets_10us[-1]) * 1e-5
        return cls(packet.seq, packet.t0_us, span_s, host_s, packet.first)

    def until(self, other: _Ref) -> float:
        """Device seconds from this packet's last sample to `other`'s first (negative: before it)."""
        return ticks_delta_us(self.ticks_us, self.host_s, other.ticks_us, other.host_s) * 1e-6 - self.span_s


@dataclass(frozen=True, slots=True)
class _Held:
    packet: protocol.StreamPacket
    ref: _Ref
    reason: str  # why it did not fit: "seq", "time" or "first"
    size: int  # bytes, for the malformed event


class StreamAssembler:
    """Feed raw notifications with their arrival time; get `SampleBatch`es and `LinkEvent`s."""

    def __init__(self, *, on_event: Callable[[LinkEvent], None] | None = None, rate_hz: float | None = None) -> None:
        self.stats = StreamStats()
        self._on_event = on_event
        self.nominal_rate_hz = rate_hz  # from the status characteristic, when known
        self._estimated_rate_hz: float | None = None
        self._clock: DeviceClock | None = None
        self._tip: _Ref | None = None  # the last packet delivered in this epoch (None: a new epoch is due)
        self._held: list[_Held] = []
        self._strides_s: deque[float] = deque(maxlen=64)  # device time per packet, consecutive packets
        self._last_sample_s: float | None = None  # host time of the last sample delivered
        self._last_device_s: float | None = None
        self._interrupted = False  # the link dropped since the last packet
        self._unknown_version_run = 0

    def _emit(self, event: LinkEvent) -> None:
        if self._on_event is not None:
            self._on_event(event)

    def link_lost(self) -> SampleBatch | None:
        """The connection dropped: the next packet's epoch will account for the lost time.

        Returns the samples of held packets the clock alone finds plausible (see `flush`).
        """
        batch = self.flush()
        self._interrupted = True
        self._tip = None
        return batch

    def stream_stopped(self) -> SampleBatch | None:
        """The host stopped the stream on purpose: the next epoch starts without a gap.

        Returns the samples of held packets the clock alone finds plausible (see `flush`).
        """
        batch = self.flush()
        self._tip = None
        self._last_sample_s = None
        self._last_device_s = None
        self._interrupted = False
        return batch

    def flush(self) -> SampleBatch | None:
        """No later packet will judge the held ones (the stream ended): the clock alone does.

        A held packet after the last one delivered and not ahead of the clock is delivered (a
        held FIRST as the reset it claims); any other is dropped as an outlier.
        """
        held, self._held = self._held, []
        out = []
        for h in held:
            tip = self._tip
            if h.ref.first or tip is None or self._suspicion(tip, h.ref, stride=False) is None:
                out.append(self._accept(h.packet, h.ref.host_s, confirmed=True))
            else:
                self._outlier(h)
        return _join(out)

    @property
    def rate_hz(self) -> float | None:
        """The sample rate: the band's stated rate, else the spacing seen in packets."""
        return self.nominal_rate_hz or self._estimated_rate_hz

    @property
    def clock(self) -> DeviceClock | None:
        return self._clock

    @property
    def held(self) -> int:
        """Packets held as suspect right now (their samples come with the verdict)."""
        return len(self._held)

    def feed(self, data: bytes | bytearray, host_s: float) -> SampleBatch | None:
        """One notification received at `host_s`; None when it carried no usable samples (yet).

        The batch may also carry held packets the notification confirmed, oldest first.
        """
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
        tip = self._tip
        if tip is None or self._clock is None:  # a new epoch: nothing to judge it against
            return self._accept(packet, host_s)
        ref = _Ref.of(packet, host_s)
        # A held packet this one continues from was real (tried first: it lies between the tip and
        # this packet, so the tip's looser bound over two packets must not refute it; and after a
        # held reset, sequence numbers behind the tip's are no duplicates).
        for i in range(len(self._held) - 1, -1, -1):
            if self._continues(self._held[i].ref, ref):
                return self._confirm(i, packet, host_s)
        if self._duplicate(tip, ref):
            self.stats.duplicates += 1
            log.warning("stream packet seq %d after %d: duplicate, skipped", packet.seq, tip.seq)
            return None
        if packet.first:  # not after a stop or a drop: a reset the next packet must confirm
            out = [self.flush()]
            return _join([*out, self._hold(packet, ref, "first", len(data))])
        reason = self._suspicion(tip, ref)
        if reason is None:
            for h in self._held:
                self._outlier(h)
            self._held = []
            return self._accept(packet, host_s)
        return self._hold(packet, ref, reason, len(data))

    def _hold(self, packet: protocol.StreamPacket, ref: _Ref, reason: str, size: int) -> SampleBatch | None:
        """Keeps a suspect for the next packet to judge; the oldest is forced through past two."""
        out = []
        if len(self._held) >= _MAX_HELD:
            # Three packets in a row that continue from nothing: the oldest held becomes the tip
            # (today's behaviour, bounded), and the rest are judged against it.
            oldest, rest = self._held[0], self._held[1:]
            self._held = []
            log.warning("stream: %d packets in a row do not fit; taking seq %d as it is", _MAX_HELD + 1, oldest.packet.seq)
            out.append(self._accept(oldest.packet, oldest.ref.host_s, confirmed=True))
            for h in rest:
                tip = self._tip
                assert tip is not None
                why = self._suspicion(tip, h.ref)
                if why is None:
                    out.append(self._accept(h.packet, h.ref.host_s, confirmed=True))
                else:
                    self._held.append(_Held(h.packet, h.ref, why, h.size))
            tip = self._tip
            assert tip is not None
            why = self._suspicion(tip, ref) if not ref.first else "first"
            if why is None:
                out.append(self._accept(packet, ref.host_s))
                return _join(out)
            reason = why
        self.stats.suspects += 1
        log.info("stream packet seq %d held as suspect (%s)", packet.seq, reason)
        self._held.append(_Held(packet, ref, reason, size))
        return _join(out)

    def _confirm(self, i: int, packet: protocol.StreamPacket, host_s: float) -> SampleBatch | None:
        """`packet` continues from held packet i: it and the held packets it chains to are real."""
        chain = [i]
        while chain[0] > 0:  # held packets before i that i continues from
            j = next((j for j in range(chain[0] - 1, -1, -1)
                      if self._continues(self._held[j].ref, self._held[chain[0]].ref)), None)
            if j is None:
                break
            chain.insert(0, j)
        held, self._held = self._held, []
        out = []
        for k, h in enumerate(held):
            if k in chain:
                self.stats.confirmed += 1
                out.append(self._accept(h.packet, h.ref.host_s, confirmed=True))
            else:
                self._outlier(h)
        out.append(self._accept(packet, host_s))
        return _join(out)

    def _duplicate(self, tip: _Ref, ref: _Ref) -> bool:
        """A copy of a held packet, or one behind the last in sequence whose samples came already."""
        if any(h.ref.seq == ref.seq and h.ref.ticks_us == ref.ticks_us for h in self._held):
            return True
        if ref.first:
            return ref.seq == tip.seq and ref.ticks_us == tip.ticks_us
        if protocol.seq_gap(tip.seq, ref.seq) < 0x8000:
            return False
        return tip.until(ref) + ref.span_s <= 0.0  # its last sample is not after the tip's

    def _continues(self, held: _Ref, p: _Ref) -> bool:
        """Whether `p` follows held packet `held` directly (then `held` was real).

        A held packet that lies after the tip in sequence and device time is judged without the
        stride bound: missed conversions make a packet cover more device time than its samples
        imply, and the next packet continuing from it is the proof it was real.
        """
        tip = self._tip
        after_tip = (tip is not None and not held.first and protocol.seq_gap(tip.seq, held.seq) < 0x8000
                     and tip.until(held) > 0.0)
        return self._suspicion(held, p, clock=False, stride=not after_tip) is None

    def _suspicion(self, ref: _Ref, p: _Ref, *, clock: bool = True, stride: bool = True) -> str | None:
        """Why `p` cannot follow `ref` directly (None: it can): "first", "seq" or "time".

        With `clock`, `ref` is the tip and `p` must also not be ahead of the device clock's "now".
        """
        if p.first:
            return "first"
        lost = protocol.seq_gap(ref.seq, p.seq)
        if lost >= 0x8000:
            return "seq"
        gap_s = ref.until(p)
        if gap_s <= 0.0:
            return "time"
        # Each lost packet held at least one sample, taken between the two.
        if lost and lost > gap_s * self._rate_high_hz() * _RATE_SLACK - 0.5:
            return "seq"
        reach_s = gap_s + p.span_s  # ref's last sample to p's last
        if stride and reach_s > (lost + 1) * self._stride_bound_s():
            return "time"
        if clock and self._clock is not None and self._last_device_s is not None:
            if self._last_device_s + reach_s > self._clock.predict_device_s(p.host_s) + _AHEAD_TOLERANCE_S:
                return "time"
        elif not clock and reach_s > p.host_s - ref.host_s + _REBOOT_JUMP_S:
            # Between two held packets no clock is trusted, but device time cannot run much
            # faster than the host's between their arrivals (two unrelated outliers rarely agree).
            return "time"
        return None

    def _rate_high_hz(self) -> float:
        rates = [r for r in (self.nominal_rate_hz, self._estimated_rate_hz) if r]
        return max(rates) if rates else _UNKNOWN_RATE_HZ

    def _stride_bound_s(self) -> float:
        """Most device time one packet can plausibly cover: 1.5 x the longest recent stride."""
        rates = [r for r in (self.nominal_rate_hz, self._estimated_rate_hz) if r]
        floor_s = 2.5 / min(rates) if rates else 0.0
        if not self._strides_s:
            return max(_STRIDE_DEFAULT_S, floor_s)
        return max(1.5 * max(self._strides_s), floor_s)

    def _accept(self, packet: protocol.StreamPacket, host_s: float, *, confirmed: bool = False) -> SampleBatch:
        """Delivers a packet the stream trusts: host times, gaps, epochs, the clock fit."""
        gap: tuple[GapReason, int | None] | None = None
        tip = self._tip
        if packet.first or self._clock is None or tip is None:
            gap = self._new_epoch(packet, host_s)
        else:
            ref = _Ref.of(packet, host_s)
            lost = protocol.seq_gap(tip.seq, packet.seq)
            known = lost if lost < 0x8000 else None
            if confirmed and self._jumped(tip, ref):
                self.stats.time_jumps += 1
                log.warning("stream: device time jumped inside an epoch (confirmed); new time base")
                self._clock = DeviceClock(not_before_s=self._last_sample_s if self._last_sample_s is not None else -np.inf)
                self._last_device_s = None
                self._strides_s.clear()
                gap = ("time-jump", known)
            elif lost:
                gap = ("lost", known)
        clock = self._clock
        assert clock is not None
        device_s = clock.unwrap(packet.t0_us, host_s) + packet.offsets_10us.astype(np.float64) * 1e-5
        clock.observe(float(device_s[-1]), host_s)
        time_s = clock.to_host(device_s)
        consecutive = gap is None and self._last_device_s is not None
        if consecutive and not confirmed:  # a confirmed suspect's stride may hold a hole
            assert self._last_device_s is not None
            self._strides_s.append(float(device_s[-1]) - self._last_device_s)
        self._note_spacing(device_s, consecutive=consecutive)
        if gap is not None:
            self._report_gap(gap[0], gap[1], float(time_s[0]))
        self._find_holes(device_s, time_s, consecutive=consecutive)
        self._tip = _Ref.of(packet, host_s)
        self._last_sample_s = float(time_s[-1])
        self._last_device_s = float(device_s[-1])
        self._interrupted = False
        overload = packet.overload
        self.stats.packets += 1
        self.stats.samples += len(packet)
        self.stats.overload_samples += int(overload.sum())
        return SampleBatch(time_s, packet.tension_n, overload)

    def _jumped(self, tip: _Ref, ref: _Ref) -> bool:
        """A confirmed packet far from where the clock puts it: the device time base moved."""
        if self._clock is None or self._last_device_s is None:
            return False
        gap_s = tip.until(ref)
        ahead_s = self._last_device_s + gap_s + ref.span_s - self._clock.predict_device_s(ref.host_s)
        return ahead_s > _REBOOT_JUMP_S or gap_s < -_REBOOT_JUMP_S

    def _new_epoch(self, packet: protocol.StreamPacket, host_s: float) -> tuple[GapReason, None] | None:
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
            self._emit(Reboot(host_s, packet.seq))
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

    def _report_gap(self, reason: GapReason, lost_packets: int | None, end_s: float) -> None:
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
        self._emit(Gap(end_s, reason, start_s, end_s, duration_s, lost_packets, lost_samples))

    def _outlier(self, h: _Held) -> None:
        """A held packet the stream refuted: dropped and counted as malformed."""
        name = {"seq": "OutlierSeq", "time": "OutlierTime", "first": "OutlierFirst"}[h.reason]
        self.stats.outliers += 1
        self.stats.malformed += 1
        self.stats.malformed_reasons[name] = self.stats.malformed_reasons.get(name, 0) + 1
        log.warning("stream packet seq %d t0 %d us dropped: an outlier the next packets refuted (%s)",
                    h.packet.seq, h.packet.t0_us, name)
        self._emit(Malformed(h.ref.host_s, name, f"seq {h.packet.seq} does not fit the stream", h.size))

    def _malformed(self, exc: Exception, data: bytes | bytearray, host_s: float) -> None:
        self.stats.malformed += 1
        name = type(exc).__name__
        self.stats.malformed_reasons[name] = self.stats.malformed_reasons.get(name, 0) + 1
        log.warning("malformed stream packet skipped (%s): %s [%s]", name, exc, bytes(data[:16]).hex())
        self._emit(Malformed(host_s, name, str(exc), len(data)))


def _join(batches: list[SampleBatch | None]) -> SampleBatch | None:
    """One batch of consecutive deliveries (None when there are none)."""
    real = [b for b in batches if b is not None]
    if len(real) <= 1:
        return real[0] if real else None
    overload = [b.overload if b.overload is not None else np.zeros(len(b), bool) for b in real]
    return SampleBatch(np.concatenate([b.time_s for b in real]), np.concatenate([b.tension_n for b in real]),
                       np.concatenate(overload))
