"""The Tindeq Progressor's BLE frames, as a Taut band speaks them in Progressor-compatible mode.

The host's one definition of that mode (docs/protocol.md, "Progressor-compatible mode"); the
firmware twin is firmware/progressor.py and both pass tests/vectors/progressor.json. Pure Python:
decoding a data notification (weight samples or a command response) and encoding the commands.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import Union

from taut.protocol import BadLength, OutOfRange, UnknownResult

SERVICE_UUID = "7e4e1701-1ea6-40c9-9dcc-13d34ffead57"
DATA_UUID = "7e4e1702-1ea6-40c9-9dcc-13d34ffead57"
CONTROL_UUID = "7e4e1703-1ea6-40c9-9dcc-13d34ffead57"
NAME_PREFIX = "Progressor_"
# Manufacturer data (company 0xFFFF, then "TAUT") that marks a Taut band in Progressor mode.
TAUT_COMPANY_ID = 0xFFFF
TAUT_MARK = b"TAUT"
STANDARD_GRAVITY = 9.80665  # N per kg-force: kg = N / 9.80665 on the wire
SAMPLE_BYTES = 8


class ResponseCode(IntEnum):
    COMMAND = 0
    WEIGHT = 1
    RFD_PEAK = 2
    RFD_PEAK_SERIES = 3
    LOW_BATTERY = 4


class Command(IntEnum):
    """Opcodes a Taut band answers in Progressor mode (the rest of the Progressor's are ignored)."""

    TARE = 0x64
    START = 0x65
    STOP = 0x66
    FIRMWARE_VERSION = 0x6B
    ERROR_INFO = 0x6C
    BATTERY = 0x6F
    PROGRESSOR_ID = 0x70


BACK_TO_TAUT = b"TAUT"  # not the Progressor's: switches a Taut band back to Taut mode


def command_bytes(command: Command | str) -> bytes:
    """The control write for a command (`back_to_taut` or a Command name in any case)."""
    if isinstance(command, str):
        if command.lower() == "back_to_taut":
            return BACK_TO_TAUT
        if command.upper() not in Command.__members__:
            known = ", ".join(m.lower() for m in Command.__members__)
            raise ValueError(f"no Progressor command {command!r} a Taut band answers (known: {known}, back_to_taut)")
        command = Command[command.upper()]
    return bytes([int(command)])


@dataclass(frozen=True)
class WeightFrame:
    """Weight samples: kg (float32 on the wire) and µs since the measurement started (u32, wraps)."""

    kg: tuple[float, ...]
    time_us: tuple[int, ...]

    @property
    def tension_n(self) -> tuple[float, ...]:
        return tuple(k * STANDARD_GRAVITY for k in self.kg)

    def to_bytes(self) -> bytes:
        body = b"".join(struct.pack("<fI", k, t) for k, t in zip(self.kg, self.time_us))
        return bytes([ResponseCode.WEIGHT, len(body)]) + body


@dataclass(frozen=True)
class CommandResponse:
    """The payload answering the last command (its meaning depends on that command)."""

    payload: bytes

    def battery_mv(self) -> int:
        if len(self.payload) != 4:
            raise BadLength(f"battery response: {len(self.payload)} bytes, not 4")
        return int(struct.unpack("<I", self.payload)[0])

    def text(self) -> str:
        return self.payload.decode("utf-8", errors="replace")

    def to_bytes(self) -> bytes:
        return bytes([ResponseCode.COMMAND, len(self.payload)]) + self.payload


@dataclass(frozen=True)
class OtherFrame:
    """A frame a Taut band never sends (RFD, low battery warning), kept raw."""

    code: ResponseCode
    payload: bytes


Frame = Union[WeightFrame, CommandResponse, OtherFrame]


def decode(data: bytes | bytearray | memoryview) -> Frame:
    """One data-point notification: [u8 response code, u8 length, payload]."""
    data = bytes(data)
    if len(data) < 2:
        raise BadLength(f"Progressor frame: {len(data)} bytes, at least 2")
    code, size = data[0], data[1]
    if code not in ResponseCode._value2member_map_:
        raise UnknownResult(f"Progressor frame: unknown response code {code}")
    if len(data) != 2 + size:
        raise BadLength(f"Progressor frame: length byte {size}, {len(data) - 2} bytes follow")
    payload = data[2:]
    if code == ResponseCode.WEIGHT:
        if size == 0 or size % SAMPLE_BYTES:
            raise BadLength(f"weight frame: {size} bytes is not a positive multiple of 8")
        pairs = list(struct.iter_unpack("<fI", payload))
        for k, _ in pairs:
            if not math.isfinite(k):
                raise OutOfRange(f"weight frame: weight {k} is not finite")
        return WeightFrame(tuple(k for k, _ in pairs), tuple(t for _, t in pairs))
    if code == ResponseCode.COMMAND:
        return CommandResponse(payload)
    return OtherFrame(ResponseCode(code), payload)


def is_taut_mark(manufacturer_data: dict[int, bytes]) -> bool:
    """Whether advertised manufacturer data marks a Taut band in Progressor mode."""
    return manufacturer_data.get(TAUT_COMPANY_ID, b"")[: len(TAUT_MARK)] == TAUT_MARK
