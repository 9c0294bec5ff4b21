"""A control write the band's stack refuses at the ATT level is a typed BleError, never bleak's own."""

from __future__ import annotations

import asyncio

import pytest
from bleak.exc import BleakError, BleakGATTProtocolError

from taut.ble import BandClient, BleError, WriteRefused


class _RefusingClient:
    """Stands in for bleak's client after connect: writes fail as the band's stack makes them fail."""

    def __init__(self, exc: Exception) -> None:
        self.is_connected = True
        self._exc = exc

    async def write_gatt_char(self, uuid, data, response):  # noqa: ANN001
        raise self._exc


@pytest.mark.parametrize(
    ("exc", "att"),
    [(BleakGATTProtocolError(0x11), 0x11), (BleakError("link went down"), None), (OSError("broken pipe"), None)],
)
def test_a_refused_control_write_is_write_refused(exc, att):
    client = BandClient("AA:BB:CC:DD:EE:FF")
    client._client = _RefusingClient(exc)
    with pytest.raises(WriteRefused) as got:
        asyncio.run(client._write_control(b"\x07\x01"))
    assert isinstance(got.value, BleError) and got.value.att_error == att
    if att is not None:
        assert "0x11" in str(got.value)
