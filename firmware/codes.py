# Numbers shared by every firmware module: control result codes and status flags.
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
