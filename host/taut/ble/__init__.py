"""The host's Bluetooth LE client for Taut bands (real ones through bleak's platform backend,
the virtual band through `taut.bumble_backend`): scan, connect, device info, control commands and
the tension stream as a `taut.sources.SampleSource` with auto-reconnect.

bleak is imported only by `taut.ble.client`, and only when a name from it is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taut.ble.backend import PLATFORM, Backend, virtual
from taut.ble.errors import (
    BandNotFound,
    BleError,
    BluetoothUnavailable,
    ControlTimeout,
    MissingCharacteristic,
    NotConnected,
    NotPaired,
    PairingFailed,
    WriteRefused,
)

if TYPE_CHECKING:
    from taut.ble.client import BandAdvert, BandClient, DeviceInfo, find_band, scan
    from taut.ble.source import BleSource, LinkLost

_LAZY = {
    "BandClient": "taut.ble.client",
    "BandAdvert": "taut.ble.client",
    "DeviceInfo": "taut.ble.client",
    "scan": "taut.ble.client",
    "find_band": "taut.ble.client",
    "BleSource": "taut.ble.source",
    "LinkLost": "taut.ble.source",
}

__all__ = [
    "PLATFORM",
    "Backend",
    "BandAdvert",
    "BandClient",
    "BandNotFound",
    "BleError",
    "BleSource",
    "BluetoothUnavailable",
    "ControlTimeout",
    "DeviceInfo",
    "LinkLost",
    "MissingCharacteristic",
    "NotConnected",
    "NotPaired",
    "PairingFailed",
    "WriteRefused",
    "find_band",
    "scan",
    "virtual",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)
