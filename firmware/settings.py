# Device settings persisted as JSON on flash: written atomically, read back without ever raising.
# A missing, half-written or corrupt file gives factory defaults (calibrated False) and says so
# in Settings.fallback, so a bad flash write can never keep the band from booting.
import json

from micropython import const

import codes
from codes import STORAGE_ERROR, DeviceError
from flashfile import TMP_SUFFIX, write_atomic
from wire import MODES, printable_name

SETTINGS_PATH = "/settings.json"
_VERSION = const(1)
# Factory scale: a 2 mV/V load cell on channel A gain 128 gives 2**31 * 0.002 counts at its
# rated load whatever the excitation voltage (the HX711 is ratiometric); for the 1961 N cell of
# board.py that is 2190 counts/N. Approximate by nature, hence "not calibrated".
DEFAULT_COUNTS_PER_N = 2190.0
DEFAULT_RATE_HZ = codes.RATE_FAST_HZ
DEFAULT_OVERLOAD_PERMILLE = const(900)
COUNTS_PER_N_MIN = 1.0
COUNTS_PER_N_MAX = 1e6


class Settings:
    # What the band remembers across power cycles; `fallback` says why defaults were used
    # (None when the file loaded, else "missing", "corrupt" or "invalid").
    def __init__(self, name: str, rate_hz: int, offset_raw: int, counts_per_n: float,
                 calibrated: bool, overload_permille: int, mode: str = "taut"):
        self.name = name
        self.rate_hz = rate_hz
        self.offset_raw = offset_raw
        self.counts_per_n = counts_per_n
        self.calibrated = calibrated
        self.overload_permille = overload_permille
        self.mode = mode  # "taut" or "progressor" (docs/protocol.md); a file without it: taut
        self.fallback: str | None = None

    # The JSON document saved on flash.
    def to_dict(self) -> dict:
        return {
            "v": _VERSION,
            "name": self.name,
            "rate_hz": self.rate_hz,
            "offset_raw": self.offset_raw,
            "counts_per_n": self.counts_per_n,
            "calibrated": self.calibrated,
            "overload_permille": self.overload_permille,
            "mode": self.mode,
        }


# Factory settings under the given name.
def defaults(name: str) -> Settings:
    return Settings(name, DEFAULT_RATE_HZ, 0, DEFAULT_COUNTS_PER_N, False, DEFAULT_OVERLOAD_PERMILLE)


# Whether name is a valid device name: 1..18 bytes of printable UTF-8 (one RENAME write at MTU 23).
def valid_name(name) -> bool:
    return isinstance(name, str) and 1 <= len(name.encode()) <= codes.NAME_MAX_BYTES and printable_name(name)


# Whether counts_per_n is a usable scale: finite, |x| in 1..1e6 (so never 0).
def valid_counts_per_n(cpn) -> bool:
    return isinstance(cpn, (int, float)) and COUNTS_PER_N_MIN <= abs(cpn) <= COUNTS_PER_N_MAX


# Settings from a parsed file, or None if any field is missing, mistyped or out of range.
def _from_dict(d) -> Settings | None:
    if not isinstance(d, dict) or d.get("v") != _VERSION:
        return None
    name = d.get("name")
    rate = d.get("rate_hz")
    offset = d.get("offset_raw")
    cpn = d.get("counts_per_n")
    cal = d.get("calibrated")
    over = d.get("overload_permille")
    mode = d.get("mode", "taut")
    if not isinstance(name, str) or not valid_name(name):
        return None
    if rate not in (codes.RATE_SLOW_HZ, codes.RATE_FAST_HZ) or isinstance(rate, bool):
        return None
    if not isinstance(offset, int) or isinstance(offset, bool) or not codes.RAW_MIN <= offset <= codes.RAW_MAX:
        return None
    if not isinstance(cpn, (int, float)) or isinstance(cpn, bool) or not valid_counts_per_n(cpn):
        return None
    if not isinstance(cal, bool):
        return None
    if not isinstance(over, int) or isinstance(over, bool) or not codes.OVERLOAD_PERMILLE_MIN <= over <= codes.OVERLOAD_PERMILLE_MAX:
        return None
    if mode not in MODES:
        return None
    return Settings(name, rate, offset, float(cpn), cal, over, mode)


# The parsed settings file at path: (Settings or None, why not).
def _read(path: str):
    try:
        with open(path) as f:
            d = json.load(f)
    except OSError:
        return None, "missing"
    except Exception:
        return None, "corrupt"
    s = _from_dict(d)
    return s, (None if s is not None else "invalid")


# The saved settings; never raises. Falls back to the temp file (a save cut short between
# removing the old file and renaming the new one), then to defaults with calibrated False.
def load(path: str = SETTINGS_PATH, default_name: str = "Taut") -> Settings:
    try:
        s, why = _read(path)
        if s is None:
            s2, _ = _read(path + TMP_SUFFIX)
            if s2 is not None:
                return s2
        if s is not None:
            return s
    except Exception:
        why = "corrupt"
    s = defaults(default_name)
    s.fallback = why
    return s


# Writes settings atomically (flashfile.write_atomic). On a full or failing flash raises
# DeviceError(STORAGE_ERROR) and leaves the old file as it was.
def save(settings: Settings, path: str = SETTINGS_PATH) -> None:
    data = json.dumps(settings.to_dict()).encode()
    try:
        write_atomic(path, data)
    except OSError as e:
        raise DeviceError(STORAGE_ERROR, "settings not written: %s" % e)
    settings.fallback = None
