# The firmware's one definition of the Taut wire format (docs/protocol.md, version 1):
# the tension stream packer, control requests and responses, the status and settings records.
# The host twin is host/taut/protocol.py; both pass tests/vectors/*.json.
import struct
from micropython import const

import codes

VERSION = const(1)

# Stream packet flags.
F_OVERLOAD = const(0x01)
F_UNCALIBRATED = const(0x02)
F_FIRST = const(0x04)

MTU_DEFAULT = const(23)
MTU_MAX = const(247)
FLUSH_MS = const(50)

_ATT_HEADER = const(3)
_HEADER = const(8)
_SAMPLE = const(5)
_TICKS_MASK = const(0x3FFFFFFF)
_OFFSET_MAX = const(0xFFFF)

# Control opcodes.
OP_START_STREAM = const(0x01)
OP_STOP_STREAM = const(0x02)
OP_TARE = const(0x03)
OP_CALIBRATE = const(0x04)
OP_SET_CALIBRATION = const(0x05)
OP_SET_RATE = const(0x06)
OP_GET_SETTINGS = const(0x07)
OP_RENAME = const(0x08)
OP_FACTORY_RESET = const(0x09)
OP_SET_OVERLOAD = const(0x0A)
OP_SET_MODE = const(0x0B)
_OP_LAST = const(0x0B)

# SET_MODE values and the settings' mode names, by index.
MODES = ("taut", "progressor")

RESET_GUARD = const(0xA5)
SETTINGS_CALIBRATED = const(0x01)
SETTINGS_RECORD_BYTES = const(17)
STATUS_BYTES = const(4)


# Whether a name shows as itself everywhere: no C0/C1 control, DEL, bidi control or BOM, which a
# terminal or an app's device list would act on rather than show.
def printable_name(name) -> bool:
    for ch in name:
        c = ord(ch)
        if c < 0x20 or 0x7F <= c <= 0x9F or 0x200E <= c <= 0x200F or 0x202A <= c <= 0x202E:
            return False
        if 0x2066 <= c <= 0x2069 or c == 0xFEFF:
            return False
    return True

# Payload length of each request (index = opcode); -1: variable (RENAME).
_REQ_LEN = (0, 0, 0, 1, 4, 8, 1, 0, -1, 1, 2, 1)


# Samples that fit one notification at this MTU (docs/protocol.md: n_max), for a frame of a
# header_bytes header and sample_bytes per sample.
def batch_capacity(mtu, header_bytes=_HEADER, sample_bytes=_SAMPLE):
    if mtu < MTU_DEFAULT:
        mtu = MTU_DEFAULT
    return (mtu - _ATT_HEADER - header_bytes) // sample_bytes


class Batcher:
    # Samples batched into notifications in one preallocated buffer (header, then samples), with a
    # view per batch size, fitted to the MTU and sent when full or flush_ms old. Subclasses write
    # a sample at `header + sample * n`, then call _added(); they keep `_t0_us` (the oldest
    # pending sample's time) and write the header in _header(n). send(view) gets a memoryview of
    # the finished frame and must copy or send it before returning (the buffer is reused).

    def __init__(self, send, header_bytes, sample_bytes, mtu_max, flush_ms):
        n_top = batch_capacity(mtu_max, header_bytes, sample_bytes)
        self._buf = bytearray(header_bytes + sample_bytes * n_top)
        mv = memoryview(self._buf)
        self._views = [mv[: header_bytes + sample_bytes * n] for n in range(n_top + 1)]
        self._header_bytes = header_bytes
        self._sample_bytes = sample_bytes
        self._send = send
        self._n_top = n_top
        self.flush_ms = flush_ms
        self.n_max = batch_capacity(MTU_DEFAULT, header_bytes, sample_bytes)
        self.n = 0
        self._t0_us = 0

    # Fit batches to a new MTU (pending samples go out first, sized for the old one).
    def set_mtu(self, mtu):
        self.flush()
        n = batch_capacity(mtu, self._header_bytes, self._sample_bytes)
        self.n_max = n if n < self._n_top else self._n_top

    # Send the pending batch if its oldest sample has waited flush_ms (now_us from ticks_us).
    def poll(self, now_us):
        if self.n and ((now_us - self._t0_us) & _TICKS_MASK) >= self.flush_ms * 1000:
            self.flush()

    # Count the sample just written; a full batch goes out.
    def _added(self):
        self.n += 1
        if self.n >= self.n_max:
            self.flush()

    # Send the pending batch now, if any.
    def flush(self):
        n = self.n
        if not n:
            return
        self._header(n)
        self.n = 0
        self._send(self._views[n])

    def _header(self, n):
        raise NotImplementedError


class StreamPacker(Batcher):
    # The tension stream's packets (docs/protocol.md); add() allocates nothing.

    def __init__(self, send, mtu_max=MTU_MAX, flush_ms=FLUSH_MS):
        super().__init__(send, _HEADER, _SAMPLE, mtu_max, flush_ms)
        self.seq = 0
        self.first = False
        self.uncalibrated = False
        self._flags = 0
        self._last_10us = 0

    # A new stream: seq 0 and the FIRST flag on the next packet; pending samples are dropped.
    def start(self):
        self.n = 0
        self.seq = 0
        self.first = True

    # Append one sample (t_us from time.ticks_us, value in 0.01 N or an overload code).
    def add(self, t_us, value_cn):
        off = 0
        if self.n:
            off = ((t_us - self._t0_us) & _TICKS_MASK) // 10
            if off <= self._last_10us or off > _OFFSET_MAX:
                self.flush()
        if not self.n:
            self._t0_us = t_us & _TICKS_MASK
            self._flags = 0
            off = 0
        if value_cn >= codes.OVERLOAD_HIGH:
            value_cn = codes.OVERLOAD_HIGH
            self._flags |= F_OVERLOAD
        elif value_cn <= codes.OVERLOAD_LOW:
            value_cn = codes.OVERLOAD_LOW
            self._flags |= F_OVERLOAD
        buf = self._buf
        p = _HEADER + _SAMPLE * self.n
        struct.pack_into("<H", buf, p, off)
        buf[p + 2] = value_cn & 0xFF
        buf[p + 3] = (value_cn >> 8) & 0xFF
        buf[p + 4] = (value_cn >> 16) & 0xFF
        self._last_10us = off
        self._added()

    # The packet header; the next packet is no longer the first and has the next seq.
    def _header(self, n):
        flags = self._flags
        if self.uncalibrated:
            flags |= F_UNCALIBRATED
        if self.first:
            flags |= F_FIRST
        struct.pack_into("<BBHI", self._buf, 0, VERSION, flags, self.seq, self._t0_us)
        self.first = False
        self.seq = (self.seq + 1) & 0xFFFF


# Parse a control request: (opcode, req_id, arg0, arg1), the args decoded per opcode.
# Raises codes.DeviceError with UNKNOWN_OPCODE, BAD_LENGTH or OUT_OF_RANGE (static ranges only;
# the capacity limit of CALIBRATE is the caller's).
def decode_request(data):
    size = len(data)
    if size < 2:
        raise codes.DeviceError(codes.BAD_LENGTH, "request shorter than 2 bytes")
    op = data[0]
    req_id = data[1]
    if op < 1 or op > _OP_LAST:
        raise codes.DeviceError(codes.UNKNOWN_OPCODE, "unknown opcode")
    want = _REQ_LEN[op]
    n = size - 2
    if want >= 0 and n != want:
        raise codes.DeviceError(codes.BAD_LENGTH, "payload length")
    a = None
    b = None
    if op == OP_TARE:
        a = data[2]
        if a == 0:
            a = codes.TARE_DEFAULT_N
        elif a < codes.TARE_MIN_N:
            raise codes.DeviceError(codes.OUT_OF_RANGE, "n_samples")
    elif op == OP_CALIBRATE:
        a = struct.unpack_from("<i", data, 2)[0]
        if a <= 0:
            raise codes.DeviceError(codes.OUT_OF_RANGE, "known_tension_cn")
    elif op == OP_SET_CALIBRATION:
        a, b = struct.unpack_from("<if", data, 2)
        if a < codes.RAW_MIN or a > codes.RAW_MAX:
            raise codes.DeviceError(codes.OUT_OF_RANGE, "offset_raw")
        mag = b if b >= 0 else -b
        if not (1.0 <= mag <= 1e6):  # also rejects NaN
            raise codes.DeviceError(codes.OUT_OF_RANGE, "counts_per_n")
    elif op == OP_SET_RATE:
        a = data[2]
        if a != codes.RATE_SLOW_HZ and a != codes.RATE_FAST_HZ:
            raise codes.DeviceError(codes.OUT_OF_RANGE, "rate_hz")
    elif op == OP_RENAME:
        if n == 0:
            raise codes.DeviceError(codes.BAD_LENGTH, "empty name")
        if n > codes.NAME_MAX_BYTES:
            raise codes.DeviceError(codes.OUT_OF_RANGE, "name too long")
        try:
            a = bytes(data[2:]).decode("utf-8")
        except UnicodeError:
            raise codes.DeviceError(codes.OUT_OF_RANGE, "name not UTF-8")
        if not printable_name(a):
            raise codes.DeviceError(codes.OUT_OF_RANGE, "name not printable")
    elif op == OP_FACTORY_RESET:
        if data[2] != RESET_GUARD:
            raise codes.DeviceError(codes.OUT_OF_RANGE, "guard byte")
    elif op == OP_SET_OVERLOAD:
        a = struct.unpack_from("<H", data, 2)[0]
        if a < codes.OVERLOAD_PERMILLE_MIN or a > codes.OVERLOAD_PERMILLE_MAX:
            raise codes.DeviceError(codes.OUT_OF_RANGE, "overload_permille")
    elif op == OP_SET_MODE:
        if data[2] >= len(MODES):
            raise codes.DeviceError(codes.OUT_OF_RANGE, "mode")
        a = MODES[data[2]]
    return op, req_id, a, b


# A control response; payload only with result OK.
def encode_response(op, req_id, result, payload=b""):
    if result != codes.OK:
        payload = b""
    out = bytearray(3 + len(payload))
    out[0] = op & 0xFF
    out[1] = req_id & 0xFF
    out[2] = result
    out[3:] = payload
    return bytes(out)


# The answer to a request that could not be parsed (req_id echoed when there is one).
def encode_error_for(data, result):
    op = data[0] if len(data) > 0 else 0
    req_id = data[1] if len(data) > 1 else 0
    return encode_response(op, req_id, result)


def encode_i32(value):
    return struct.pack("<i", value)


def encode_f32(value):
    return struct.pack("<f", value)


# The GET_SETTINGS record (17 bytes; the mode byte was appended to the first 16).
def encode_settings(rate_hz, calibrated, offset_raw, counts_per_n, overload_permille, capacity_cn, mode="taut"):
    return struct.pack(
        "<BBifHIB",
        rate_hz,
        SETTINGS_CALIBRATED if calibrated else 0,
        offset_raw,
        counts_per_n,
        overload_permille,
        capacity_cn,
        MODES.index(mode),
    )


# The status value into a preallocated 4-byte buffer.
def pack_status(buf, flags, battery_pct, rate_hz):
    struct.pack_into("<HBB", buf, 0, flags, battery_pct, rate_hz)
