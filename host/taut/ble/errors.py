"""Errors of the BLE client: one root, so callers can catch everything from the link at once.

A device that refuses a command raises `taut.protocol.CommandFailed` (typed by result code).
"""

from __future__ import annotations


class BleError(Exception):
    """Root of the BLE client's own errors."""


class BluetoothUnavailable(BleError):
    """The computer's Bluetooth stack cannot be used (no adapter, powered off, no BlueZ/D-Bus)."""


class BandNotFound(BleError):
    """No Taut band with that name or address answered a scan."""


class NotConnected(BleError):
    """The operation needs a connected band."""


class ControlTimeout(BleError):
    """The band did not answer a control request in time (the request may still run)."""


class MissingCharacteristic(BleError):
    """The device lacks a characteristic of the Taut GATT layout (not a Taut band, or too old)."""


class WriteRefused(BleError):
    """The band's BLE stack refused a control write at the ATT level (`att_error`: the ATT code,
    e.g. 0x11 insufficient resources while its buffers are full; None when the stack gave none)."""

    def __init__(self, message: str, att_error: int | None = None) -> None:
        super().__init__(message)
        self.att_error = att_error


PAIRING_HINT = (
    "pair this computer with the band first: `taut pair` within 60 s of switching the band on, "
    "or after pressing its pair button"
)


class NotPaired(WriteRefused):
    """The band refused a control write because this computer is not bonded with it (ATT 0x05
    insufficient authentication, 0x0F insufficient encryption, 0x08 insufficient authorization)."""


class PairingFailed(BleError):
    """The band did not pair: outside its pairing window, or the link dropped meanwhile."""
