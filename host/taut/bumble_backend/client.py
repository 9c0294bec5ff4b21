"""bleak client backend over the virtual radio's Bumble central: real ATT on an in-memory link.

Pass as `BleakClient(device_or_address, backend=BumbleClient)`. Extra keyword arguments:
`mtu` (requested ATT MTU, default 247, like BlueZ and CoreBluetooth), `exchange_mtu=False`
to stay at the 23-byte default MTU, and `host_address` to be another computer (another central,
with bonds of its own). `pair()` is Bumble's SMP (LE Secure Connections, Just Works, bonding);
the keys go to the radio's key store file. Connecting to a band this host is bonded with
encrypts the link from the stored keys, as BlueZ and CoreBluetooth do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, cast

from bleak.args import SizedBuffer
from bleak.assigned_numbers import CHARACTERISTIC_PROPERTIES, CharacteristicPropertyName
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError, BleakGATTProtocolError
from bumble import att, hci
from bumble.core import BaseBumbleError
from bumble.gatt import GATT_DEVICE_NAME_CHARACTERISTIC

from taut.bumble_backend.radio import radio
from taut.bumble_backend.scanner import uuid_str

log = logging.getLogger(__name__)

DEFAULT_MTU = 247


def _dropped(exc: BaseException) -> bool:
    """Whether a CancelledError is Bumble's "the link dropped" (cancel_on_disconnection), not a
    cancellation of the calling task."""
    task = asyncio.current_task()
    return isinstance(exc, asyncio.CancelledError) and task is not None and not task.cancelling()


def _address(device: BLEDevice | str) -> hci.Address:
    if isinstance(device, BLEDevice) and isinstance(device.details, hci.Address):
        return device.details
    text = device.address if isinstance(device, BLEDevice) else device
    try:
        return hci.Address(text, hci.Address.RANDOM_DEVICE_ADDRESS)
    except (ValueError, TypeError) as exc:
        raise BleakError(f"not a Bluetooth address: {text!r}") from exc


async def bond(address: str, *, host_address: str | None = None, timeout_s: float = 10.0) -> None:
    """This host pairs and bonds with the peripheral at `address` (as a user does once, within a
    band's pairing window); BleakError if it refuses."""
    r = radio()
    central = await r.central(host_address)
    peer = _address(address)
    await _forget_keys(central, peer)  # a new pairing replaces them; stale ones only get in the way
    try:
        async with asyncio.timeout(timeout_s):
            async with r.connect_lock:
                connection = await central.connect(peer, timeout=timeout_s)
            try:
                await connection.pair()
                # One ATT round trip: the peer handles it after the last key PDU, so its bond is
                # stored before the link drops (a disconnect right after pair() can beat it).
                await connection.gatt_client.read_characteristics_by_uuid(GATT_DEVICE_NAME_CHARACTERISTIC, None)
            finally:
                try:
                    await connection.disconnect()
                except (BaseBumbleError, hci.HCI_Error):
                    pass  # the peer dropped the link first
    except (TimeoutError, BaseBumbleError, hci.HCI_Error, asyncio.CancelledError) as exc:
        if isinstance(exc, asyncio.CancelledError) and not _dropped(exc):
            raise
        raise BleakError(f"pairing with {address} failed: {exc!r}") from exc


async def _forget_keys(central: Any, peer: hci.Address) -> None:
    """Deletes a central's keys for a peer, if it has any."""
    if central.keystore is None:
        return
    for name in {str(peer), str(peer).split("/")[0]}:
        try:
            await central.keystore.delete(name)
        except KeyError:
            pass


class BumbleClient(BaseBleakClient):
    """A GATT client over a Bumble central on the event loop's virtual radio."""

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Callable[[], None] | None = None,
        timeout: float = 10.0,
        mtu: int = DEFAULT_MTU,
        exchange_mtu: bool = True,
        host_address: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout)
        self._peer_address = _address(address_or_ble_device)
        self._name = address_or_ble_device.name if isinstance(address_or_ble_device, BLEDevice) else None
        self._want_mtu = mtu
        self._exchange_mtu = exchange_mtu
        self._host_address = host_address
        self._connection: Any = None
        self._closing = False
        self._subscribers: dict[int, Callable[[bytes], None]] = {}

    @property
    def name(self) -> str:
        return self._name or str(self._peer_address)

    @property
    def mtu_size(self) -> int:
        return self._connection.att_mtu if self._connection is not None else att.ATT_DEFAULT_MTU

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    async def connect(self, pair: bool = False, **kwargs: Any) -> None:
        if self._connection is not None:
            return
        timeout = float(kwargs.get("timeout", self._timeout))
        r = radio()
        central = await r.central(self._host_address)
        try:
            async with asyncio.timeout(timeout):
                async with r.connect_lock:
                    connection = await central.connect(self._peer_address, timeout=timeout)
        except (TimeoutError, BaseBumbleError) as exc:
            raise BleakDeviceNotFoundError(str(self._peer_address), f"could not connect: {exc!r}") from exc
        self._connection = connection
        self._closing = False
        connection.on("disconnection", self._on_disconnection)
        try:
            if self._exchange_mtu:  # first, as BlueZ does: security comes after the MTU exchange
                await connection.gatt_client.request_mtu(self._want_mtu)
            if pair:
                await self.pair()
            else:
                await self._encrypt_if_bonded(central, connection, timeout)
            self.services = await self._discover(connection.gatt_client)
        except Exception:
            await self.disconnect()
            raise

    @staticmethod
    async def _encrypt_if_bonded(central: Any, connection: Any, timeout: float) -> None:
        """Encrypts the link with the stored keys, if any; a peer that lost them stays unencrypted."""
        if central.keystore is None or await central.keystore.get(str(connection.peer_address)) is None:
            return
        try:
            async with asyncio.timeout(timeout):
                await connection.encrypt()
        except (TimeoutError, BaseBumbleError, hci.HCI_Error, asyncio.CancelledError) as exc:
            if isinstance(exc, asyncio.CancelledError) and not _dropped(exc):
                raise
            log.info("the band did not accept this host's stored keys (%r): the link stays unencrypted", exc)

    async def _discover(self, gatt: Any) -> BleakGATTServiceCollection:
        collection = BleakGATTServiceCollection()
        for sp in await gatt.discover_services():
            service = BleakGATTService(sp, sp.handle, uuid_str(sp.uuid))
            collection.add_service(service)
            for cp in await sp.discover_characteristics():
                props = cast(
                    list[CharacteristicPropertyName],
                    [name for bit, name in CHARACTERISTIC_PROPERTIES.items() if int(cp.properties) & bit],
                )
                char = BleakGATTCharacteristic(
                    cp, cp.handle, uuid_str(cp.uuid), props, lambda: self.mtu_size - 3, service
                )
                collection.add_characteristic(char)
                for dp in await cp.discover_descriptors():
                    desc = BleakGATTDescriptor(dp, dp.handle, uuid_str(dp.type), char)
                    collection.add_descriptor(desc)
        return collection

    def _on_disconnection(self, reason: int) -> None:
        self._connection = None
        self._subscribers.clear()
        if not self._closing and self._disconnected_callback is not None:
            self._disconnected_callback()

    async def disconnect(self) -> None:
        connection = self._connection
        if connection is None:
            return
        self._closing = True
        try:
            await connection.disconnect()
        except BaseBumbleError as exc:
            log.debug("disconnect: %r", exc)
        self._connection = None

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        """Pairs and bonds (SMP); BleakError if the peer refuses or drops the link meanwhile."""
        connection = self._connection
        if connection is None:
            raise BleakError("not connected")
        try:
            async with asyncio.timeout(float(kwargs.get("timeout", self._timeout))):
                await connection.pair()
        except (TimeoutError, BaseBumbleError, hci.HCI_Error, asyncio.CancelledError) as exc:
            if isinstance(exc, asyncio.CancelledError) and not _dropped(exc):
                raise
            raise BleakError(f"pairing failed: {exc!r}") from exc

    async def unpair(self) -> None:
        """Forgets this host's keys for the peer and disconnects (the peer keeps its own copy)."""
        await _forget_keys(await radio().central(self._host_address), self._peer_address)
        await self.disconnect()

    def _gatt(self) -> Any:
        if self._connection is None:
            raise BleakError("not connected")
        return self._connection.gatt_client

    async def _att(self, coro: Any) -> Any:
        try:
            return await coro
        except att.ATT_Error as exc:
            raise BleakGATTProtocolError(exc.error_code) from exc
        except BaseBumbleError as exc:
            raise BleakError(str(exc)) from exc
        except asyncio.CancelledError as exc:
            if not _dropped(exc):
                raise
            raise BleakError("the link dropped during the request") from exc

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        return bytearray(await self._att(self._gatt().read_value(characteristic.handle)))

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        return bytearray(await self._att(self._gatt().read_value(descriptor.handle)))

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: SizedBuffer, response: bool, **kwargs: Any
    ) -> None:
        await self._att(self._gatt().write_value(characteristic.handle, bytes(data), with_response=response))

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: SizedBuffer, **kwargs: Any) -> None:
        await self._att(self._gatt().write_value(descriptor.handle, bytes(data), with_response=True))

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        def deliver(value: bytes) -> None:
            callback(bytearray(value))

        self._subscribers[characteristic.handle] = deliver
        await self._att(self._gatt().subscribe(characteristic.obj, deliver, prefer_notify=True))

    async def stop_notify(self, characteristic: BleakGATTCharacteristic, **kwargs: Any) -> None:
        deliver = self._subscribers.pop(characteristic.handle, None)
        await self._att(self._gatt().unsubscribe(characteristic.obj, deliver))
