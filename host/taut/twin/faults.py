"""Fault injection on a virtual band: link drops, lost, malformed and wild notifications, reboots,
stalled control responses. Random choices come from one seeded generator (reproducible).
"""

from __future__ import annotations

import asyncio
import logging
import random

from bumble import att

from taut import protocol
from taut.twin.band import VirtualBand

log = logging.getLogger(__name__)

_SUPERVISION_TIMEOUT = 0x08
MALFORMED_KINDS = ("truncated", "reserved-flags", "bad-offsets", "bad-version", "flipped")
# A wild packet is well formed but does not fit the stream: its seq or its device time is far off.
WILD_KINDS = ("seq", "time")
# Header bytes the parser checks, each with the bits a flip there always breaks: the stream has
# no checksum, so a flip inside a sample's tension is not detectable by design.
_FLIPPABLE = ((0, 0x80), (1, 0x80), (7, 0xC0), (9, 0x80))  # version, flags, t0 bits 30-31, first offset


class Faults:
    """Faults for one band; each method returns at once and takes effect on the air."""

    def __init__(self, band: VirtualBand, *, seed: int = 0) -> None:
        self.band = band
        self._rng = random.Random(seed)
        self._lose_next = 0
        self._lose_probability = 0.0
        self._corrupt: list[str] = []
        self._wild: list[str] = []
        self._stall_s = 0.0
        self.lost = 0
        self.corrupted = 0
        self.wild = 0
        self.stalled = 0
        band.add_pdu_filter(self._filter)

    async def drop_link(self) -> None:
        """The radio link breaks (as by a supervision timeout); the band advertises again."""
        device = self.band._device
        for connection in list(device.connections.values()) if device is not None else ():
            log.info("fault: dropping the link to %s", connection.peer_address)
            await connection.disconnect(reason=_SUPERVISION_TIMEOUT)

    async def reboot(self) -> None:
        """Power cycle the band: link lost, tick counter and stream sequence restart."""
        await self.band.reboot(reason="fault injection")

    def lose_packets(self, count: int = 1) -> None:
        """The next `count` stream notifications never arrive."""
        self._lose_next += count

    def lose_randomly(self, probability: float) -> None:
        """Each stream notification is lost with this probability (0 turns it off)."""
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be within 0..1")
        self._lose_probability = probability

    def corrupt_next(self, kind: str = "truncated") -> None:
        """The next stream notification arrives malformed in the given way."""
        if kind not in MALFORMED_KINDS:
            raise ValueError(f"unknown malformation {kind!r}; known: {', '.join(MALFORMED_KINDS)}")
        self._corrupt.append(kind)

    def wild_next(self, kind: str = "seq") -> None:
        """The next stream notification arrives well formed but with a wild seq or device time."""
        if kind not in WILD_KINDS:
            raise ValueError(f"unknown wild packet {kind!r}; known: {', '.join(WILD_KINDS)}")
        self._wild.append(kind)

    def stall_control(self, seconds: float) -> None:
        """Control responses go out `seconds` late (0 ends the stall)."""
        self._stall_s = max(0.0, seconds)

    def _filter(self, value_handle: int, pdu: bytes) -> bytes | None:
        band = self.band
        if value_handle == band.handle_of(protocol.STREAM_UUID):
            if self._lose_next:
                self._lose_next -= 1
                self.lost += 1
                return None
            if self._lose_probability and self._rng.random() < self._lose_probability:
                self.lost += 1
                return None
            if self._corrupt:
                self.corrupted += 1
                return _corrupt(pdu, self._corrupt.pop(0), self._rng)
            if self._wild:
                self.wild += 1
                return _wild(pdu, self._wild.pop(0), self._rng)
        elif value_handle == band.handle_of(protocol.CONTROL_UUID) and self._stall_s > 0:
            self.stalled += 1
            device = band._device
            handle = next(iter(device.connections)) if device is not None and device.connections else None
            if handle is not None:
                asyncio.get_running_loop().call_later(self._stall_s, _send_late, band, handle, pdu)
            return None
        return pdu


def _send_late(band: VirtualBand, conn_handle: int, pdu: bytes) -> None:
    device = band._device
    if device is not None and conn_handle in device.connections:
        device.send_l2cap_pdu(conn_handle, att.ATT_CID, pdu)


def _corrupt(pdu: bytes, kind: str, rng: random.Random) -> bytes:
    head, payload = pdu[:3], bytearray(pdu[3:])
    if kind == "flipped":
        at, bits = rng.choice(_FLIPPABLE)
        payload[at] ^= bits
    elif kind == "truncated":
        payload = payload[:-2]
    elif kind == "reserved-flags":
        payload[1] |= 0x80
    elif kind == "bad-offsets" and len(payload) >= 18:
        payload[13:15] = b"\x00\x00"  # second sample at the same time as the first
    elif kind == "bad-version":
        payload[0] = 0x7F
    else:
        payload = payload[:5]
    return head + bytes(payload)


def _wild(pdu: bytes, kind: str, rng: random.Random) -> bytes:
    """A well-formed packet whose seq (or t0) is moved far from where the stream is."""
    head, payload = pdu[:3], bytearray(pdu[3:])
    if kind == "seq":
        seq = int.from_bytes(payload[2:4], "little")
        payload[2:4] = ((seq + rng.randrange(1000, 30000)) & 0xFFFF).to_bytes(2, "little")
    else:
        t0_us = int.from_bytes(payload[4:8], "little")
        jump_us = rng.randrange(30, 3000) * 1_000_000 * rng.choice((-1, 1))
        payload[4:8] = ((t0_us + jump_us) % (1 << 30)).to_bytes(4, "little")
    return head + bytes(payload)
