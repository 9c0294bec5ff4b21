"""The firmware's shared numbers have one home (codes.py), and agree with the host's wire format."""

import re

import mpvm
from taut import protocol

SHARED = ("OVERLOAD_HIGH", "OVERLOAD_LOW", "RAW_MIN", "RAW_MAX", "RATE_SLOW_HZ", "RATE_FAST_HZ",
          "OVERLOAD_PERMILLE_MIN", "OVERLOAD_PERMILLE_MAX", "TARE_MIN_N", "TARE_MAX_N", "TARE_DEFAULT_N", "NAME_MAX_BYTES",
          "BATTERY_UNKNOWN")
_CONST = re.compile(r"^_?(\w+) = const\((-?0x[0-9A-Fa-f]+|-?[\d_]+)\)", re.M)


def _consts(name: str) -> dict[str, int]:
    return {m[1]: int(m[2], 0) for m in _CONST.finditer((mpvm.FIRMWARE_DIR / name).read_text())}


def test_shared_numbers_are_defined_only_in_codes():
    codes = _consts("codes.py")
    assert set(SHARED) <= set(codes)
    for path in sorted(mpvm.FIRMWARE_DIR.glob("*.py")):
        if path.name != "codes.py":
            assert not set(SHARED) & set(_consts(path.name)), f"{path.name} repeats a number of codes.py"


def test_the_firmware_and_the_host_agree():
    c = _consts("codes.py")
    assert (c["OVERLOAD_HIGH"], c["OVERLOAD_LOW"]) == (protocol.OVERLOAD_HIGH, protocol.OVERLOAD_LOW)
    assert (c["RAW_MIN"], c["RAW_MAX"]) == (protocol.RAW_MIN, protocol.RAW_MAX)
    assert (c["RATE_SLOW_HZ"], c["RATE_FAST_HZ"]) == protocol.RATES_HZ
    assert c["NAME_MAX_BYTES"] == protocol.NAME_MAX_BYTES and c["TARE_DEFAULT_N"] == protocol.TARE_DEFAULT_N
    assert c["BATTERY_UNKNOWN"] == protocol.BATTERY_UNKNOWN
