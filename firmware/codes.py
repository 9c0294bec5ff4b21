# Numbers shared by every firmware module, each defined once: control result codes, status flags,
# the wire format's reserved values and ranges.
# The one definition of their meaning is docs/protocol.md.
from micropython import const

# Control point result codes.
OK = const(0x00)
UNKNOWN_OPCODE = const(0x01)
BAD_LENGTH = const(0x02)
OUT_OF_RANGE = const(0x03)
NOT_CALIBRATED = const(0x04)
BUSY = const(0x05)
MOVING = const(0x06)
SENSOR_FAULT = const(0x07)
STORAGE_ERROR = const(0x08)
NEEDS_BUTTON = const(0x09)

# Reserved tension codes (int24): overload high and low; valid tensions lie strictly between.
OVERLOAD_HIGH = const(0x7FFFFF)
OVERLOAD_LOW = const(-0x800000)
# The HX711's 24-bit raw readings (and so a stored zero offset).
RAW_MIN = const(-0x800000)
RAW_MAX = const(0x7FFFFF)
# The two conversion rates the HX711's RATE pin offers.
RATE_SLOW_HZ = const(10)
RATE_FAST_HZ = const(80)
# The overload threshold, per mille of the load cell's capacity.
OVERLOAD_PERMILLE_MIN = const(100)
OVERLOAD_PERMILLE_MAX = const(1000)
# TARE averages this many samples: fewer than 4 could not show a moving band.
TARE_MIN_N = const(4)
TARE_MAX_N = const(255)
TARE_DEFAULT_N = const(32)
# Battery percent when no cell can be read.
BATTERY_UNKNOWN = const(255)
# A device name in UTF-8 bytes: one RENAME write at the default MTU.
NAME_MAX_BYTES = const(18)

# Status characteristic flags (u16).
ST_STREAMING = const(0x0001)
ST_OVERLOAD = const(0x0002)
ST_NOT_CALIBRATED = const(0x0004)
ST_LOW_BATTERY = const(0x0008)
ST_SENSOR_FAULT = const(0x0010)


class DeviceError(Exception):
    # A failure with a control result code, raised by logic modules and answered by control.
    def __init__(self, code, msg=""):
        super().__init__(msg)
        self.code = code
