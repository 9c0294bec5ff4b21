"""The host's one definition of the Taut BLE wire protocol, version 1 (docs/protocol.md).

Pure Python plus numpy (no bleak): UUIDs, the tension stream packet, control requests and
responses, the status value and the settings record, each with `from_bytes` / `to_bytes` and full
validation. Malformed input raises a subclass of `ProtocolError`; a request the device refused
turns into a `CommandFailed` subclass. The firmware twin is firmware/wire.py; both pass
tests/vectors/*.json.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field
from enum import IntEnum, IntFlag
from typing import ClassVar, Union

import numpy as np

VERSION = 1

SERVICE_UUID = "54415554-0000-4c6f-6164-43656c6c0000"
STREAM_UUID = "54415554-0001-4c6f-6164-43656c6c0000"
CONTROL_UUID = "54415554-0002-4c6f-6164-43656c6c0000"
STATUS_UUID = "54415554-0003-4c6f-6164-43656c6c0000"


def _sig_uuid(short: int) -> str:
    return f"0000{short:04x}-0000-1000-8000-00805f9b34fb"


BATTERY_SERVICE_UUID = _sig_uuid(0x180F)
BATTERY_LEVEL_UUID = _sig_uuid(0x2A19)
DEVICE_INFO_SERVICE_UUID = _sig_uuid(0x180A)
MANUFACTURER_UUID = _sig_uuid(0x2A29)
MODEL_UUID = _sig_uuid(0x2A24)
FIRMWARE_REVISION_UUID = _sig_uuid(0x2A26)
DEVICE_NAME_UUID = _sig_uuid(0x2A00)

OVERLOAD_HIGH = 0x7FFFFF
OVERLOAD_LOW = -0x800000
TICKS_PERIOD_US = 1 << 30
CN_PER_N = 100
MTU_DEFAULT = 23
HEADER_BYTES = 8
SAMPLE_BYTES = 5
NAME_MAX_BYTES = 18
TARE_DEFAULT_N = 32
RESET_GUARD = 0xA5
RAW_MIN, RAW_MAX = -0x800000, 0x7FFFFF
RATES_HZ = (10, 80)
MODES = ("taut", "progressor")  # SET_MODE values and the settings record's mode byte, by index
BATTERY_UNKNOWN = 255


def batch_capacity(mtu: int) -> int:
    """Samples per stream notification at this MTU: 2 at 23, 11 at 64, 47 at 247."""
    return (max(mtu, MTU_DEFAULT) - 3 - HEADER_BYTES) // SAMPLE_BYTES


class StreamFlags(IntFlag):
    OVERLOAD = 0x01
    UNCALIBRATED = 0x02
    FIRST = 0x04


class StatusFlags(IntFlag):
    STREAMING = 0x0001
    OVERLOAD = 0x0002
    NOT_CALIBRATED = 0x0004
    LOW_BATTERY = 0x0008
    SENSOR_FAULT = 0x0010


class Opcode(IntEnum):
    START_STREAM = 0x01
    STOP_STREAM = 0x02
    TARE = 0x03
    CALIBRATE = 0x04
    SET_CALIBRATION = 0x05
    SET_RATE = 0x06
    GET_SETTINGS = 0x07
    RENAME = 0x08
    FACTORY_RESET = 0x09
    SET_OVERLOAD = 0x0A
    SET_MODE = 0x0B


class Result(IntEnum):
    OK = 0x00
    UNKNOWN_OPCODE = 0x01
    BAD_LENGTH = 0x02
    OUT_OF_RANGE = 0x03
    NOT_CALIBRATED = 0x04
    BUSY = 0x05
    MOVING = 0x06
    SENSOR_FAULT = 0x07
    STORAGE_ERROR = 0x08
    NEEDS_BUTTON = 0x09


# ---------------------------------------------------------------- errors


class ProtocolError(ValueError):
    """Bytes that do not follow the protocol; `result` is the code a device would answer."""

    result: ClassVar[Result] = Result.BAD_LENGTH


class BadLength(ProtocolError):
    """A value or packet whose length is wrong for what it claims to be."""


class UnsupportedVersion(ProtocolError):
    """A stream packet of a protocol major version this host does not know."""


class ReservedBitsSet(ProtocolError):
    """A reserved flag or timestamp bit is set."""

    result = Result.OUT_OF_RANGE


class OutOfRange(ProtocolError):
    """A field value outside its documented range."""

    result = Result.OUT_OF_RANGE


class UnknownOpcode(ProtocolError):
    """A control opcode not in the table."""

    result = Result.UNKNOWN_OPCODE


class UnknownResult(ProtocolError):
    """A control response with a result code not in the table."""


class BadTimestamps(ProtocolError):
    """Sample offsets in a stream packet that do not start at 0 or do not strictly increase."""


class BadSequence(ProtocolError):
    """A FIRST packet whose sequence number is not 0."""


class FlagMismatch(ProtocolError):
    """A stream OVERLOAD flag that disagrees with the samples (set exactly when one is a code)."""


class CommandFailed(Exception):
    """The device answered a control request with a result other than OK."""

    def __init__(self, opcode: int, req_id: int, result: Result) -> None:
        name = Opcode(opcode).name if opcode in Opcode._value2member_map_ else f"0x{opcode:02x}"
        super().__init__(f"{name} (req {req_id}) failed: {result.name}")
        self.opcode = opcode
        self.req_id = req_id
        self.result = result


class RequestRejected(CommandFailed):
    """UNKNOWN_OPCODE or BAD_LENGTH: the host sent something this device does not understand."""


class ValueOutOfRange(CommandFailed):
    """OUT_OF_RANGE: a value outside its range (rate, mass, name, guard byte)."""


class NotCalibrated(CommandFailed):
    """NOT_CALIBRATED: calibrate needs a tare since boot."""


class DeviceBusy(CommandFailed):
    """BUSY: a tare or calibration is still running."""


class BandMoving(CommandFailed):
    """MOVING: tare/calibrate saw a moving band; hold it still and retry."""


class SensorFault(CommandFailed):
    """SENSOR_FAULT: the HX711 did not answer, is stuck or saturated."""


class StorageFailed(CommandFailed):
    """STORAGE_ERROR: settings could not be written; nothing changed."""


class ButtonRequired(CommandFailed):
    """NEEDS_BUTTON: the command needs someone at the band (FACTORY_RESET: its pair button held)."""


COMMAND_ERRORS: dict[Result, type[CommandFailed]] = {
    Result.UNKNOWN_OPCODE: RequestRejected,
    Result.BAD_LENGTH: RequestRejected,
    Result.OUT_OF_RANGE: ValueOutOfRange,
    Result.NOT_CALIBRATED: NotCalibrated,
    Result.BUSY: DeviceBusy,
    Result.MOVING: BandMoving,
    Result.SENSOR_FAULT: SensorFault,
    Result.STORAGE_ERROR: StorageFailed,
    Result.NEEDS_BUTTON: ButtonRequired,
}


def _need(data: bytes, size: int, what: str, exact: bool = True) -> None:
    if len(data) < size or (exact and len(data) != size):
        want = f"{size}" if exact else f"at least {size}"
        raise BadLength(f"{what}: {len(data)} bytes, expected {want}")


# ---------------------------------------------------------------- stream

_HEADER = struct.Struct("<BBHI")
_SAMPLE_DTYPE = np.dtype([("offset_10us", "<u2"), ("b0", "u1"), ("b1", "u1"), ("b2", "u1")])


@dataclass(frozen=True, eq=False)
class StreamPacket:
    """One tension stream notification: a batch of samples with a shared time base.

    `offsets_10us` (uint16) and `tension_cn` (int32) are numpy arrays of equal length.
    """

    seq: int
    t0_us: int
    offsets_10us: np.ndarray
    tension_cn: np.ndarray
    flags: StreamFlags = StreamFlags(0)
    version: int = VERSION

    @property
    def first(self) -> bool:
        return bool(self.flags & StreamFlags.FIRST)

    @property
    def uncalibrated(self) -> bool:
        return bool(self.flags & StreamFlags.UNCALIBRATED)

    @property
    def overload(self) -> np.ndarray:
        """Per sample: True where the value is an overload code (no valid tension)."""
        return (self.tension_cn == OVERLOAD_HIGH) | (self.tension_cn == OVERLOAD_LOW)

    @property
    def time_us(self) -> np.ndarray:
        """Device time of each sample (int64, modulo 2**30 like the device's ticks_us)."""
        return (self.t0_us + 10 * self.offsets_10us.astype(np.int64)) % TICKS_PERIOD_US

    @property
    def tension_n(self) -> np.ndarray:
        """Tension in newtons (float64); NaN for overload codes."""
        out = self.tension_cn.astype(np.float64) / CN_PER_N
        out[self.overload] = np.nan
        return out

    def __len__(self) -> int:
        return len(self.tension_cn)

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview) -> StreamPacket:
        data = bytes(data)
        if len(data) < 1:
            raise BadLength("stream packet: empty")
        if data[0] != VERSION:
            raise UnsupportedVersion(f"stream packet: protocol version {data[0]}, this host knows {VERSION}")
        if len(data) < HEADER_BYTES + SAMPLE_BYTES or (len(data) - HEADER_BYTES) % SAMPLE_BYTES:
            raise BadLength(f"stream packet: {len(data)} bytes, expected 8 + 5n with n >= 1")
        version, flags, seq, t0_us = _HEADER.unpack_from(data)
        if flags & ~int(StreamFlags.OVERLOAD | StreamFlags.UNCALIBRATED | StreamFlags.FIRST):
            raise ReservedBitsSet(f"stream packet: reserved flag bits set (flags 0x{flags:02x})")
        if t0_us >> 30:
            raise ReservedBitsSet(f"stream packet: t0_us 0x{t0_us:08x} has reserved bits 30-31 set")
        sflags = StreamFlags(flags)
        if sflags & StreamFlags.FIRST and seq != 0:
            raise BadSequence(f"stream packet: FIRST flag with seq {seq} (must be 0)")
        rec = np.frombuffer(data, dtype=_SAMPLE_DTYPE, offset=HEADER_BYTES)
        offsets = rec["offset_10us"].astype(np.uint16)
        if offsets[0] != 0:
            raise BadTimestamps(f"stream packet: first sample offset {offsets[0]}, must be 0")
        if len(offsets) > 1 and np.any(np.diff(offsets.astype(np.int32)) <= 0):
            raise BadTimestamps("stream packet: sample offsets not strictly increasing")
        raw = rec["b0"].astype(np.int32) | (rec["b1"].astype(np.int32) << 8) | (rec["b2"].astype(np.int32) << 16)
        tension = np.where(raw >= 0x800000, raw - 0x1000000, raw).astype(np.int32)
        has_over = bool(np.any((tension == OVERLOAD_HIGH) | (tension == OVERLOAD_LOW)))
        if has_over != bool(sflags & StreamFlags.OVERLOAD):
            raise FlagMismatch(
                "stream packet: OVERLOAD flag "
                + ("set without an overload sample" if not has_over else "missing on a batch with an overload code")
            )
        return cls(seq=seq, t0_us=t0_us, offsets_10us=offsets, tension_cn=tension, flags=sflags, version=version)

    def to_bytes(self) -> bytes:
        """Encode, checking every field as `from_bytes` would."""
        n = len(self.tension_cn)
        if n < 1 or len(self.offsets_10us) != n:
            raise BadLength(f"stream packet: {n} tensions, {len(self.offsets_10us)} offsets (need n >= 1, equal)")
        if self.version != VERSION:
            raise UnsupportedVersion(f"stream packet: cannot encode version {self.version}")
        if not 0 <= self.seq <= 0xFFFF:
            raise OutOfRange(f"stream packet: seq {self.seq} not in 0..65535")
        if not 0 <= self.t0_us < TICKS_PERIOD_US:
            raise OutOfRange(f"stream packet: t0_us {self.t0_us} not in 0..2**30-1")
        offsets = np.asarray(self.offsets_10us, dtype=np.int64)
        tension = np.asarray(self.tension_cn, dtype=np.int64)
        if offsets[0] != 0 or np.any(np.diff(offsets) <= 0) or offsets[-1] > 0xFFFF:
            raise BadTimestamps("stream packet: offsets must start at 0, strictly increase and fit u16")
        if np.any(tension < OVERLOAD_LOW) or np.any(tension > OVERLOAD_HIGH):
            raise OutOfRange("stream packet: tension outside int24")
        flags = StreamFlags(self.flags)
        if flags & StreamFlags.FIRST and self.seq != 0:
            raise BadSequence(f"stream packet: FIRST flag with seq {self.seq}")
        has_over = bool(np.any((tension == OVERLOAD_HIGH) | (tension == OVERLOAD_LOW)))
        if has_over != bool(flags & StreamFlags.OVERLOAD):
            raise FlagMismatch("stream packet: OVERLOAD flag must be set exactly when a sample is an overload code")
        rec = np.empty(n, dtype=_SAMPLE_DTYPE)
        rec["offset_10us"] = offsets
        u = tension & 0xFFFFFF
        rec["b0"] = u & 0xFF
        rec["b1"] = (u >> 8) & 0xFF
        rec["b2"] = (u >> 16) & 0xFF
        return _HEADER.pack(VERSION, int(flags), self.seq, self.t0_us) + rec.tobytes()

    __bytes__ = to_bytes


def seq_gap(previous: int, current: int) -> int:
    """Packets lost between two sequence numbers (mod 65536): 0 when `current` follows directly."""
    return (current - previous - 1) % 0x10000


# ---------------------------------------------------------------- control requests


@dataclass(frozen=True)
class StartStream:
    OPCODE: ClassVar[Opcode] = Opcode.START_STREAM

    def payload(self) -> bytes:
        return b""

    @classmethod
    def from_payload(cls, data: bytes) -> StartStream:
        _need(data, 0, "START_STREAM payload")
        return cls()


@dataclass(frozen=True)
class StopStream:
    OPCODE: ClassVar[Opcode] = Opcode.STOP_STREAM

    def payload(self) -> bytes:
        return b""

    @classmethod
    def from_payload(cls, data: bytes) -> StopStream:
        _need(data, 0, "STOP_STREAM payload")
        return cls()


@dataclass(frozen=True)
class Tare:
    """Average `n_samples` still samples (0 = the device default, 32) as the new zero."""

    n_samples: int = 0
    OPCODE: ClassVar[Opcode] = Opcode.TARE

    def __post_init__(self) -> None:
        if not (self.n_samples == 0 or 4 <= self.n_samples <= 255):
            raise OutOfRange(f"TARE: n_samples {self.n_samples} not 0 or 4..255")

    def payload(self) -> bytes:
        return bytes([self.n_samples])

    @classmethod
    def from_payload(cls, data: bytes) -> Tare:
        _need(data, 1, "TARE payload")
        return cls(data[0])


@dataclass(frozen=True)
class Calibrate:
    """Scale from a known tension on the band (device checks it against its capacity)."""

    known_tension_cn: int
    OPCODE: ClassVar[Opcode] = Opcode.CALIBRATE

    def __post_init__(self) -> None:
        if not 0 < self.known_tension_cn <= 0x7FFFFFFF:
            raise OutOfRange(f"CALIBRATE: known_tension_cn {self.known_tension_cn} must be > 0")

    def payload(self) -> bytes:
        return struct.pack("<i", self.known_tension_cn)

    @classmethod
    def from_payload(cls, data: bytes) -> Calibrate:
        _need(data, 4, "CALIBRATE payload")
        return cls(struct.unpack("<i", data)[0])


@dataclass(frozen=True)
class SetCalibration:
    offset_raw: int
    counts_per_n: float
    OPCODE: ClassVar[Opcode] = Opcode.SET_CALIBRATION

    def __post_init__(self) -> None:
        if not RAW_MIN <= self.offset_raw <= RAW_MAX:
            raise OutOfRange(f"SET_CALIBRATION: offset_raw {self.offset_raw} outside the 24-bit range")
        if not (math.isfinite(self.counts_per_n) and 1.0 <= abs(self.counts_per_n) <= 1e6):
            raise OutOfRange(f"SET_CALIBRATION: |counts_per_n| {self.counts_per_n} not in 1..1e6")

    def payload(self) -> bytes:
        return struct.pack("<if", self.offset_raw, self.counts_per_n)

    @classmethod
    def from_payload(cls, data: bytes) -> SetCalibration:
        _need(data, 8, "SET_CALIBRATION payload")
        offset_raw, counts_per_n = struct.unpack("<if", data)
        return cls(offset_raw, counts_per_n)


@dataclass(frozen=True)
class SetRate:
    rate_hz: int
    OPCODE: ClassVar[Opcode] = Opcode.SET_RATE

    def __post_init__(self) -> None:
        if self.rate_hz not in RATES_HZ:
            raise OutOfRange(f"SET_RATE: rate_hz {self.rate_hz} is not 10 or 80")

    def payload(self) -> bytes:
        return bytes([self.rate_hz])

    @classmethod
    def from_payload(cls, data: bytes) -> SetRate:
        _need(data, 1, "SET_RATE payload")
        return cls(data[0])


@dataclass(frozen=True)
class GetSettings:
    OPCODE: ClassVar[Opcode] = Opcode.GET_SETTINGS

    def payload(self) -> bytes:
        return b""

    @classmethod
    def from_payload(cls, data: bytes) -> GetSettings:
        _need(data, 0, "GET_SETTINGS payload")
        return cls()


def printable_char(ch: str) -> bool:
    """Whether a name character shows as itself (firmware/wire.py `printable_name` has the same rule):
    no C0/C1 control, DEL, bidi control or BOM, which terminals and device lists would act on."""
    c = ord(ch)
    return not (
        c < 0x20 or 0x7F <= c <= 0x9F or 0x200E <= c <= 0x200F or 0x202A <= c <= 0x202E or 0x2066 <= c <= 0x2069
        or c == 0xFEFF
    )  # fmt: skip


@dataclass(frozen=True)
class Rename:
    """New advertised name, 1..18 bytes of printable UTF-8 (so the request fits a 23-byte MTU)."""

    name: str
    OPCODE: ClassVar[Opcode] = Opcode.RENAME

    def __post_init__(self) -> None:
        size = len(self.name.encode("utf-8"))
        if size == 0:
            raise BadLength("RENAME: empty name")
        if size > NAME_MAX_BYTES:
            raise OutOfRange(f"RENAME: name is {size} bytes of UTF-8, at most {NAME_MAX_BYTES}")
        bad = next((ch for ch in self.name if not printable_char(ch)), None)
        if bad is not None:
            raise OutOfRange(f"RENAME: name has the non-printable character U+{ord(bad):04X}")

    def payload(self) -> bytes:
        return self.name.encode("utf-8")

    @classmethod
    def from_payload(cls, data: bytes) -> Rename:
        if not data:
            raise BadLength("RENAME payload: empty name")
        if len(data) > NAME_MAX_BYTES:
            raise OutOfRange(f"RENAME payload: {len(data)} bytes, at most {NAME_MAX_BYTES}")
        try:
            name = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise OutOfRange(f"RENAME payload: not UTF-8 ({exc.reason})") from None
        return cls(name)


@dataclass(frozen=True)
class FactoryReset:
    guard: int = RESET_GUARD
    OPCODE: ClassVar[Opcode] = Opcode.FACTORY_RESET

    def __post_init__(self) -> None:
        if self.guard != RESET_GUARD:
            raise OutOfRange(f"FACTORY_RESET: guard byte 0x{self.guard:02x}, must be 0xA5")

    def payload(self) -> bytes:
        return bytes([self.guard])

    @classmethod
    def from_payload(cls, data: bytes) -> FactoryReset:
        _need(data, 1, "FACTORY_RESET payload")
        return cls(data[0])


@dataclass(frozen=True)
class SetOverload:
    overload_permille: int
    OPCODE: ClassVar[Opcode] = Opcode.SET_OVERLOAD

    def __post_init__(self) -> None:
        if not 100 <= self.overload_permille <= 1000:
            raise OutOfRange(f"SET_OVERLOAD: {self.overload_permille} permille not in 100..1000")

    def payload(self) -> bytes:
        return struct.pack("<H", self.overload_permille)

    @classmethod
    def from_payload(cls, data: bytes) -> SetOverload:
        _need(data, 2, "SET_OVERLOAD payload")
        return cls(struct.unpack("<H", data)[0])


@dataclass(frozen=True)
class SetMode:
    """The protocol the band boots in: "taut" or "progressor" (it restarts into a new one)."""

    mode: str
    OPCODE: ClassVar[Opcode] = Opcode.SET_MODE

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise OutOfRange(f"SET_MODE: mode {self.mode!r} is not one of {', '.join(MODES)}")

    def payload(self) -> bytes:
        return bytes([MODES.index(self.mode)])

    @classmethod
    def from_payload(cls, data: bytes) -> SetMode:
        _need(data, 1, "SET_MODE payload")
        if data[0] >= len(MODES):
            raise OutOfRange(f"SET_MODE payload: mode {data[0]} unknown")
        return cls(MODES[data[0]])


Command = Union[
    StartStream, StopStream, Tare, Calibrate, SetCalibration, SetRate, GetSettings, Rename, FactoryReset, SetOverload,
    SetMode,
]

COMMANDS: dict[Opcode, type] = {
    c.OPCODE: c
    for c in (
        StartStream,
        StopStream,
        Tare,
        Calibrate,
        SetCalibration,
        SetRate,
        GetSettings,
        Rename,
        FactoryReset,
        SetOverload,
        SetMode,
    )
}


@dataclass(frozen=True)
class ControlRequest:
    """A control point write: a command and the host-chosen `req_id` (0..255) echoed back."""

    req_id: int
    command: Command

    def __post_init__(self) -> None:
        if not 0 <= self.req_id <= 0xFF:
            raise OutOfRange(f"req_id {self.req_id} not in 0..255")

    @property
    def opcode(self) -> Opcode:
        return self.command.OPCODE

    def to_bytes(self) -> bytes:
        return bytes([self.command.OPCODE, self.req_id]) + self.command.payload()

    __bytes__ = to_bytes

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview) -> ControlRequest:
        data = bytes(data)
        if len(data) < 2:
            raise BadLength(f"control request: {len(data)} bytes, need at least opcode and req_id")
        if data[0] not in COMMANDS:
            raise UnknownOpcode(f"control request: unknown opcode 0x{data[0]:02x}")
        command = COMMANDS[Opcode(data[0])].from_payload(data[2:])
        return cls(data[1], command)


# ---------------------------------------------------------------- records


_SETTINGS = struct.Struct("<BBifHI")
SETTINGS_CALIBRATED = 0x01


@dataclass(frozen=True)
class Settings:
    """The GET_SETTINGS record: what the band stores on flash (the name is the GAP device name)."""

    rate_hz: int
    calibrated: bool
    offset_raw: int
    counts_per_n: float
    overload_permille: int
    capacity_cn: int
    mode: str = "taut"  # byte 16, appended in 1.1: the protocol the band boots in

    @property
    def capacity_n(self) -> float:
        return self.capacity_cn / CN_PER_N

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview) -> Settings:
        data = bytes(data)
        _need(data, _SETTINGS.size, "settings record", exact=False)
        rate_hz, flags, offset_raw, counts_per_n, permille, capacity_cn = _SETTINGS.unpack_from(data)
        if flags & ~SETTINGS_CALIBRATED:
            raise ReservedBitsSet(f"settings record: reserved flag bits set (0x{flags:02x})")
        if rate_hz not in RATES_HZ:
            raise OutOfRange(f"settings record: rate_hz {rate_hz} is not 10 or 80")
        if not 100 <= permille <= 1000:
            raise OutOfRange(f"settings record: overload_permille {permille} not in 100..1000")
        if not math.isfinite(counts_per_n) or counts_per_n == 0:
            raise OutOfRange(f"settings record: counts_per_n {counts_per_n} is not a finite non-zero number")
        mode = "taut"
        if len(data) > _SETTINGS.size:
            if data[_SETTINGS.size] >= len(MODES):
                raise OutOfRange(f"settings record: mode {data[_SETTINGS.size]} unknown")
            mode = MODES[data[_SETTINGS.size]]
        return cls(rate_hz, bool(flags & SETTINGS_CALIBRATED), offset_raw, counts_per_n, permille, capacity_cn, mode)

    def to_bytes(self) -> bytes:
        return _SETTINGS.pack(
            self.rate_hz,
            SETTINGS_CALIBRATED if self.calibrated else 0,
            self.offset_raw,
            self.counts_per_n,
            self.overload_permille,
            self.capacity_cn,
        ) + bytes([MODES.index(self.mode)])

    __bytes__ = to_bytes


_STATUS = struct.Struct("<HBB")


@dataclass(frozen=True)
class Status:
    """The status characteristic: device state flags, battery and sample rate."""

    flags: StatusFlags
    battery_pct: int | None  # None: unknown (255 on the wire)
    rate_hz: int

    @property
    def streaming(self) -> bool:
        return bool(self.flags & StatusFlags.STREAMING)

    @property
    def overload(self) -> bool:
        return bool(self.flags & StatusFlags.OVERLOAD)

    @property
    def calibrated(self) -> bool:
        return not self.flags & StatusFlags.NOT_CALIBRATED

    @property
    def low_battery(self) -> bool:
        return bool(self.flags & StatusFlags.LOW_BATTERY)

    @property
    def sensor_fault(self) -> bool:
        return bool(self.flags & StatusFlags.SENSOR_FAULT)

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview) -> Status:
        data = bytes(data)
        _need(data, _STATUS.size, "status", exact=False)
        flags, battery, rate_hz = _STATUS.unpack_from(data)
        if flags & ~0x1F:
            raise ReservedBitsSet(f"status: reserved flag bits set (0x{flags:04x})")
        if battery > 100 and battery != BATTERY_UNKNOWN:
            raise OutOfRange(f"status: battery {battery}% (0..100 or 255)")
        if rate_hz not in RATES_HZ:
            raise OutOfRange(f"status: rate_hz {rate_hz} is not 10 or 80")
        return cls(StatusFlags(flags), None if battery == BATTERY_UNKNOWN else battery, rate_hz)

    def to_bytes(self) -> bytes:
        battery = BATTERY_UNKNOWN if self.battery_pct is None else self.battery_pct
        if not 0 <= battery <= 100 and battery != BATTERY_UNKNOWN:
            raise OutOfRange(f"status: battery {battery}%")
        return _STATUS.pack(int(self.flags), battery, self.rate_hz)

    __bytes__ = to_bytes


def decode_battery_level(data: bytes | bytearray | memoryview) -> int:
    """Battery Level (0x2A19): one byte, 0..100 percent."""
    data = bytes(data)
    _need(data, 1, "battery level")
    if data[0] > 100:
        raise OutOfRange(f"battery level {data[0]}% over 100")
    return data[0]


# ---------------------------------------------------------------- control responses

# OK payload per opcode: struct format (None: settings record, "" nothing).
_RESPONSE_FORMATS: dict[Opcode, str | None] = {
    Opcode.START_STREAM: "",
    Opcode.STOP_STREAM: "",
    Opcode.TARE: "<i",
    Opcode.CALIBRATE: "<f",
    Opcode.SET_CALIBRATION: "",
    Opcode.SET_RATE: "",
    Opcode.GET_SETTINGS: None,
    Opcode.RENAME: "",
    Opcode.FACTORY_RESET: "",
    Opcode.SET_OVERLOAD: "",
    Opcode.SET_MODE: "",
}

ResponseValue = Union[None, int, float, Settings]


@dataclass(frozen=True)
class ControlResponse:
    """A control point notification: the answer to the request with the same `req_id`.

    `value`: TARE -> offset_raw (int), CALIBRATE -> counts_per_n (float), GET_SETTINGS ->
    Settings, otherwise None; always None unless `result` is OK.
    """

    opcode: int
    req_id: int
    result: Result
    value: ResponseValue = field(default=None)

    @property
    def ok(self) -> bool:
        return self.result == Result.OK

    def check(self) -> ResponseValue:
        """The value, or the `CommandFailed` subclass for the result code."""
        if self.result != Result.OK:
            raise COMMAND_ERRORS[self.result](self.opcode, self.req_id, self.result)
        return self.value

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview) -> ControlResponse:
        data = bytes(data)
        _need(data, 3, "control response", exact=False)
        opcode, req_id, result = data[0], data[1], data[2]
        if result not in Result._value2member_map_:
            raise UnknownResult(f"control response: unknown result code 0x{result:02x}")
        res = Result(result)
        payload = data[3:]
        if res != Result.OK:
            if payload:
                raise BadLength(f"control response: {res.name} with a {len(payload)}-byte payload")
            return cls(opcode, req_id, res)
        if opcode not in COMMANDS:
            raise UnknownOpcode(f"control response: OK for unknown opcode 0x{opcode:02x}")
        fmt = _RESPONSE_FORMATS[Opcode(opcode)]
        value: ResponseValue
        if fmt is None:
            value = Settings.from_bytes(payload)
        elif fmt == "":
            _need(payload, 0, f"{Opcode(opcode).name} response payload")
            value = None
        else:
            _need(payload, struct.calcsize(fmt), f"{Opcode(opcode).name} response payload")
            value = struct.unpack(fmt, payload)[0]
        return cls(opcode, req_id, res, value)

    def to_bytes(self) -> bytes:
        head = bytes([self.opcode & 0xFF, self.req_id & 0xFF, int(self.result)])
        if self.result != Result.OK:
            return head
        fmt = _RESPONSE_FORMATS[Opcode(self.opcode)]
        if fmt is None:
            if not isinstance(self.value, Settings):
                raise OutOfRange("GET_SETTINGS response needs a Settings value")
            return head + self.value.to_bytes()
        if fmt == "":
            return head
        return head + struct.pack(fmt, self.value)

    __bytes__ = to_bytes
