"""MicroPython's `bluetooth` module for CPython, backed by a Bumble peripheral on the virtual radio.

Reproduces what firmware can observe on an ESP32: IRQs run later, never re-entrantly, except a
write's, which NimBLE delivers inside the write, before the response goes out; a handler that raises once is dropped for good, ENOMEM when
notifications outrun the link (see BLE.notify_buffers), 20-byte value buffers unless `gatts_set_buffer` enlarged
them, notifications sent whatever the client subscribed to and cut at MTU - 3, advertising
payloads limited to 31 bytes, permissions enforced from the characteristic flags.

Pairing is Bumble's own SMP, with the keys kept where NimBLE keeps them: in the firmware, through
_IRQ_GET_SECRET / _IRQ_SET_SECRET (run synchronously, as they must return a value), keyed by
NimBLE's 7-byte `ble_addr_t` (address type, then the address little-endian). A write to a
characteristic flagged WRITE_ENCRYPTED/AUTHENTICATED over an unencrypted link never reaches the
firmware: the central gets ATT 0x0F (insufficient encryption) when the band holds a bond for it,
else 0x05 (insufficient authentication), as NimBLE's ble_att_svr_check_perms answers.
_IRQ_ENCRYPTION_UPDATE follows a pairing (after its keys were offered to the firmware) or a link
encrypted from a stored bond.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import types
from collections.abc import Callable, Coroutine
from typing import Any

from bumble import att, gatt, hci, pairing
from bumble.core import UUID as BumbleUUID
from bumble.device import Device
from bumble.hci import OwnAddressType
from bumble.keys import KeyStore, PairingKeys

log = logging.getLogger(__name__)

FLAG_BROADCAST = 0x0001
FLAG_READ = 0x0002
FLAG_WRITE_NO_RESPONSE = 0x0004
FLAG_WRITE = 0x0008
FLAG_NOTIFY = 0x0010
FLAG_INDICATE = 0x0020
FLAG_READ_ENCRYPTED = 0x0200
FLAG_READ_AUTHENTICATED = 0x0400
FLAG_WRITE_ENCRYPTED = 0x1000
FLAG_WRITE_AUTHENTICATED = 0x2000

_IRQ_CENTRAL_CONNECT = 1
_IRQ_CENTRAL_DISCONNECT = 2
_IRQ_GATTS_WRITE = 3
_IRQ_GATTS_INDICATE_DONE = 20
_IRQ_MTU_EXCHANGED = 21
_IRQ_ENCRYPTION_UPDATE = 28
_IRQ_GET_SECRET = 29
_IRQ_SET_SECRET = 30

# NimBLE's BLE_STORE_OBJ_TYPE_OUR_SEC / PEER_SEC: one bond is stored as both.
_SECRET_OUR = 1
_SECRET_PEER = 2
_IO_CAPABILITIES = {
    0: pairing.PairingDelegate.IoCapability.DISPLAY_OUTPUT_ONLY,
    1: pairing.PairingDelegate.IoCapability.DISPLAY_OUTPUT_AND_YES_NO_INPUT,
    2: pairing.PairingDelegate.IoCapability.KEYBOARD_INPUT_ONLY,
    3: pairing.PairingDelegate.IoCapability.NO_OUTPUT_NO_INPUT,
    4: pairing.PairingDelegate.IoCapability.DISPLAY_OUTPUT_AND_KEYBOARD_INPUT,
}

_DEFAULT_BUFFER = 20
_ADV_MAX = 31


class UUID:
    """bluetooth.UUID: a 16-bit int or a 128-bit string."""

    def __init__(self, value: int | str | bytes | UUID) -> None:
        if isinstance(value, UUID):
            value = value._text
        if isinstance(value, int):
            if not 0 <= value <= 0xFFFF:
                raise ValueError("invalid UUID")
            self._bumble = BumbleUUID.from_16_bits(value)
        elif isinstance(value, str):
            self._bumble = BumbleUUID(value)
        elif isinstance(value, (bytes, bytearray, memoryview)) and len(value) in (2, 4, 16):
            self._bumble = BumbleUUID.from_bytes(bytes(value))
        else:
            raise ValueError("invalid UUID")
        self._text = self._bumble.to_hex_str("-").lower()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UUID) and other._bumble == self._bumble

    def __hash__(self) -> int:
        return hash(self._bumble)

    def __repr__(self) -> str:
        return f"UUID({self._text})"


class _Value:
    """One attribute's value buffer as the firmware sees it."""

    def __init__(self, flags: int) -> None:
        self.flags = flags
        self.data = b""
        self.size = _DEFAULT_BUFFER
        self.append = False


class BLE:
    """bluetooth.BLE over one Bumble Device (the twin's radio)."""

    def __init__(
        self,
        device: Device,
        *,
        mac: bytes,
        schedule: Callable[[Callable[[], None]], object],
        run_now: Callable[[Callable[[], None]], object] | None = None,
    ) -> None:
        """`schedule(fn)` runs an IRQ later; `run_now(fn)` runs one at once (a write's), guarded
        as the twin guards IRQs (by default: called directly)."""
        self._device = device
        self._mac = mac
        self._schedule = schedule
        self._run_now = run_now
        self._active = False
        self._irq: Callable[[int, tuple], Any] | None = None
        self._values: dict[int, _Value] = {}
        self._attributes: dict[int, Any] = {}
        self._connections: dict[int, Any] = {}
        self._gap_name = b"MPY BTSTACK"
        self._mtu = 256
        self._ops: asyncio.Queue[Coroutine[Any, Any, Any]] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self.on_gatt_pdu: Callable[[int, bytes], bytes | None] | None = None  # fault-injection hook
        # NimBLE's notification buffers: a leaky bucket of `notify_buffers` that the link empties
        # at `notify_rate_hz`; a notification that finds it full raises OSError(ENOMEM).
        self.notify_buffers = 64
        self.notify_rate_hz = 1000.0
        self.enomem = 0
        self._queued = 0.0
        self._queued_at = 0.0
        # Pairing as config(bond=, le_secure=, mitm=, io=) sets it (MicroPython's defaults).
        self._pairing = {"bond": True, "le_secure": False, "mitm": False, "io": 3}
        self._stored: set[int] = set()  # connections whose pairing offered keys to the firmware
        device.pairing_config_factory = self._pairing_config
        device.keystore = _FirmwareKeyStore(self)
        device.on("connection", self._on_connection)
        self._set_gap_name(b"MPY NIMBLE")

    def _set_gap_name(self, name: bytes) -> None:
        """The GAP Device Name characteristic (0x2A00) follows config(gap_name=...)."""
        self._gap_name = name
        wanted = BumbleUUID.from_16_bits(0x2A00)
        for attribute in self._device.gatt_server.attributes:
            if getattr(attribute, "uuid", None) == wanted and isinstance(attribute, gatt.Characteristic):
                attribute.value = name

    # Radio life cycle -----------------------------------------------------------------------

    def active(self, state: bool | None = None) -> bool:
        if state is None:
            return self._active
        if state and not self._active:
            self._active = True
            self._submit(self._device.power_on())
        elif not state and self._active:
            self._active = False
            for handle in list(self._connections):
                self.gap_disconnect(handle)
            self._submit(self._device.stop_advertising())
        return self._active

    def _submit(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Runs BLE stack operations one after another, in the order the firmware asked."""
        self._ops.put_nowait(coro)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while not self._ops.empty():
            coro = self._ops.get_nowait()
            try:
                await coro
            except Exception as exc:  # a failed stack call must not kill later ones
                log.warning("BLE stack operation failed: %r", exc)

    async def idle(self) -> None:
        """Waits until every queued stack operation has run (for tests and shutdown)."""
        while self._worker is not None and not self._worker.done():
            await asyncio.shield(self._worker)

    def config(self, *args: str, **kwargs: Any) -> Any:
        if args:
            if len(args) != 1 or kwargs:
                raise TypeError("config: one name to read, or keywords to set")
            key = args[0]
            if key == "mac":
                return (0, self._mac)
            if key == "gap_name":
                return self._gap_name
            if key == "mtu":
                return self._mtu
            if key == "addr_mode":
                return 0
            raise ValueError("unknown config param")
        for key, value in kwargs.items():
            if key == "gap_name":
                self._set_gap_name(value.encode() if isinstance(value, str) else bytes(value))
            elif key == "mtu":
                if not 23 <= int(value) <= 517:
                    raise ValueError("mtu out of range")
                self._mtu = int(value)
                self._device.gatt_server.max_mtu = self._mtu
            elif key in ("bond", "io", "mitm", "le_secure"):
                if key == "io" and int(value) not in _IO_CAPABILITIES:
                    raise ValueError("invalid io capability")
                self._pairing[key] = int(value) if key == "io" else bool(value)
            elif key in ("rxbuf", "addr_mode", "interval"):
                pass
            else:
                raise ValueError("unknown config param")
        return None

    def irq(self, handler: Callable[[int, tuple], Any] | None) -> None:
        self._irq = handler

    def _fire(self, event: int, data: tuple, *, now: bool = False) -> Any:
        """Delivers an IRQ: later (scheduled), or `now` (a write's, the secret IRQs), returning
        what the handler returned (None when scheduled, absent or raising)."""
        result: list[Any] = [None]

        def run() -> None:
            handler = self._irq
            if handler is None:
                return
            try:
                result[0] = handler(event, data)
            except Exception:
                self._irq = None  # modbluetooth.c: one exception and the handler is gone for good
                raise

        if not now:
            self._schedule(run)
        elif self._run_now is not None:
            self._run_now(run)
        else:
            run()
        return result[0]

    # Pairing and bonds ------------------------------------------------------------------------

    def _pairing_config(self, connection: Any) -> pairing.PairingConfig:
        p = self._pairing
        delegate = pairing.PairingDelegate(io_capability=_IO_CAPABILITIES[p["io"]])
        # The identity distributed is the address the band advertises with (random static, as
        # NimBLE's on a chip without a public address), so hosts find their keys on reconnect.
        return pairing.PairingConfig(
            sc=p["le_secure"], mitm=p["mitm"], bonding=p["bond"], delegate=delegate,
            identity_address_type=pairing.PairingConfig.AddressType.RANDOM,
        )  # fmt: skip

    def get_secret(self, sec_type: int, key: bytes | None, index: int = 0) -> bytes | None:
        """A secret the firmware keeps (_IRQ_GET_SECRET), or None."""
        data = (sec_type, index, None if key is None else memoryview(key))
        value = self._fire(_IRQ_GET_SECRET, data, now=True)
        return None if value is None else bytes(value)

    def set_secret(self, sec_type: int, key: bytes, value: bytes | None) -> bool:
        """Asks the firmware to keep (value None: forget) a secret; whether it did."""
        data = (sec_type, memoryview(key), None if value is None else memoryview(value))
        return bool(self._fire(_IRQ_SET_SECRET, data, now=True))

    def _on_pairing(self, handle: int, connection: Any) -> None:
        bonded = handle in self._stored
        self._stored.discard(handle)
        self._fire_encryption(handle, connection, bonded=bonded)

    def _fire_encryption(self, handle: int, connection: Any, *, bonded: bool) -> None:
        encrypted = bool(connection.encryption)
        self._fire(
            _IRQ_ENCRYPTION_UPDATE,
            (handle, encrypted, bool(connection.authenticated), bonded, connection.encryption_key_size),
        )

    # GAP ------------------------------------------------------------------------------------

    def gap_advertise(
        self,
        interval_us: int | None,
        adv_data: bytes | None = None,
        *,
        resp_data: bytes | None = None,
        connectable: bool = True,
    ) -> None:
        self._require_active()
        if interval_us is None:
            self._submit(self._device.stop_advertising())
            return
        adv = bytes(adv_data or b"")
        rsp = bytes(resp_data or b"")
        if len(adv) > _ADV_MAX or len(rsp) > _ADV_MAX:
            raise OSError(errno.EINVAL, "advertising payload over 31 bytes")
        interval_ms = max(20.0, interval_us / 1000)
        self._submit(self._advertise(adv, rsp, interval_ms, connectable))

    async def _advertise(self, adv: bytes, rsp: bytes, interval_ms: float, connectable: bool) -> None:
        from bumble.device import AdvertisingType

        await self._device.stop_advertising()
        await self._device.start_advertising(
            advertising_type=(
                AdvertisingType.UNDIRECTED_CONNECTABLE_SCANNABLE if connectable else AdvertisingType.UNDIRECTED_SCANNABLE
            ),
            own_address_type=OwnAddressType.RANDOM,
            advertising_data=adv,
            scan_response_data=rsp,
            advertising_interval_min=interval_ms,
            advertising_interval_max=interval_ms,
            auto_restart=False,
        )

    def gap_disconnect(self, conn_handle: int) -> bool:
        connection = self._connections.get(conn_handle)
        if connection is None:
            return False
        self._submit(self._disconnect(connection))
        return True

    async def _disconnect(self, connection: Any) -> None:
        # Bounded: when the central drops the link at the same moment, Bumble may never report
        # this side's disconnection complete, which would stall every later stack operation.
        try:
            async with asyncio.timeout(2.0):
                await connection.disconnect()
        except TimeoutError:
            log.debug("disconnect of 0x%04X not confirmed", connection.handle)

    def _on_connection(self, connection: Any) -> None:
        handle = connection.handle
        self._connections[handle] = connection
        addr = bytes(reversed(bytes(connection.peer_address)))
        addr_type = connection.peer_address.address_type

        def on_disconnection(reason: int) -> None:
            self._connections.pop(handle, None)
            self._fire(_IRQ_CENTRAL_DISCONNECT, (handle, addr_type, addr))

        def on_mtu() -> None:
            self._fire(_IRQ_MTU_EXCHANGED, (handle, connection.att_mtu))

        pairing_now = [False]

        def on_pairing_start() -> None:
            pairing_now[0] = True

        def on_pairing(_keys: Any) -> None:
            pairing_now[0] = False
            self._on_pairing(handle, connection)

        def on_pairing_failure(_reason: int) -> None:
            pairing_now[0] = False
            self._stored.discard(handle)

        def on_encryption() -> None:
            # A pairing reports once its keys are exchanged (on_pairing); this is a stored bond.
            if not pairing_now[0]:
                self._fire_encryption(handle, connection, bonded=True)

        connection.on("disconnection", on_disconnection)
        connection.on("connection_att_mtu_update", on_mtu)
        connection.on("pairing_start", on_pairing_start)
        connection.on("pairing", on_pairing)
        connection.on("pairing_failure", on_pairing_failure)
        connection.on("connection_encryption_change", on_encryption)
        self._fire(_IRQ_CENTRAL_CONNECT, (handle, addr_type, addr))

    # GATT server ----------------------------------------------------------------------------

    def gatts_register_services(self, services: Any) -> tuple:
        self._require_active()
        result = []
        for service_uuid, chars in services:
            bumble_chars = []
            handle_owners: list[Any] = []
            for entry in chars:
                uuid, flags = entry[0], int(entry[1])
                descriptors = []
                for d_uuid, d_flags in entry[2] if len(entry) > 2 else ():
                    d_value = _Value(int(d_flags))
                    desc = gatt.Descriptor(
                        _bumble_uuid(d_uuid), _permissions(int(d_flags)), self._value_callbacks(d_value)
                    )
                    descriptors.append((desc, d_value))
                value = _Value(flags)
                char = gatt.Characteristic(
                    _bumble_uuid(uuid),
                    gatt.Characteristic.Properties(flags & 0x3F),
                    _permissions(flags),
                    self._value_callbacks(value),
                    [d for d, _ in descriptors],
                )
                bumble_chars.append(char)
                handle_owners.append((char, value))
                handle_owners.extend(descriptors)
            self._device.add_service(gatt.Service(_bumble_uuid(service_uuid), bumble_chars))
            handles = []
            for attribute, value in handle_owners:
                self._values[attribute.handle] = value
                self._attributes[attribute.handle] = attribute
                handles.append(attribute.handle)
            result.append(tuple(handles))
        return tuple(result)

    def _value_callbacks(self, value: _Value) -> gatt.CharacteristicValue:
        def read(connection: Any) -> bytes:
            if not value.flags & FLAG_READ:
                raise att.ATT_Error(att.ErrorCode.READ_NOT_PERMITTED)
            return value.data

        def write(connection: Any, data: bytes) -> None:
            if not value.flags & (FLAG_WRITE | FLAG_WRITE_NO_RESPONSE):
                raise att.ATT_Error(att.ErrorCode.WRITE_NOT_PERMITTED)
            if value.flags & (FLAG_WRITE_ENCRYPTED | FLAG_WRITE_AUTHENTICATED):
                self._check_security(connection, authenticated=bool(value.flags & FLAG_WRITE_AUTHENTICATED))
            data = bytes(data)
            if value.append:
                value.data = (value.data + data)[-value.size :]
            else:
                value.data = data[: value.size]
            handle = next(h for h, v in self._values.items() if v is value)
            self._fire(_IRQ_GATTS_WRITE, (connection.handle, handle), now=True)

        return gatt.CharacteristicValue(read=read, write=write)

    def _check_security(self, connection: Any, *, authenticated: bool) -> None:
        """NimBLE's check: unencrypted -> 0x0F if a bond exists for the peer, else 0x05."""
        if not connection.encryption:
            bonded = self.get_secret(_SECRET_PEER, addr_key(connection.peer_address)) is not None
            raise att.ATT_Error(
                att.ErrorCode.INSUFFICIENT_ENCRYPTION if bonded else att.ErrorCode.INSUFFICIENT_AUTHENTICATION
            )
        if authenticated and not connection.authenticated:
            raise att.ATT_Error(att.ErrorCode.INSUFFICIENT_AUTHENTICATION)

    def handle_of(self, uuid: str) -> int:
        """The value handle of the characteristic with this UUID (for the twin's fault hooks)."""
        wanted = UUID(uuid)._bumble
        for handle, attribute in self._attributes.items():
            if getattr(attribute, "uuid", None) == wanted:
                return handle
        raise KeyError(uuid)

    def _value(self, handle: int) -> _Value:
        try:
            return self._values[handle]
        except KeyError:
            raise OSError(errno.EINVAL, "invalid handle") from None

    def gatts_read(self, value_handle: int) -> bytes:
        value = self._value(value_handle)
        data = value.data
        if value.append:
            value.data = b""
        return data

    def gatts_write(self, value_handle: int, data: bytes, send_update: bool = False) -> None:
        value = self._value(value_handle)
        value.data = bytes(data)
        if len(value.data) > value.size:
            value.size = len(value.data)
        if send_update:  # to each client as its CCCD asks (notify, indicate, or nothing)
            for handle, connection in list(self._connections.items()):
                cccd = self._device.gatt_server.subscribers.get(connection, {}).get(value_handle) or b"\x00"
                if cccd[0] & 0x01:
                    self._send(handle, value_handle, value.data, indicate=False)
                elif cccd[0] & 0x02:
                    self._send(handle, value_handle, value.data, indicate=True)

    def gatts_set_buffer(self, value_handle: int, size: int, append: bool = False) -> None:
        value = self._value(value_handle)
        value.size = int(size)
        value.append = bool(append)
        value.data = b""  # NimBLE's gatts_db_resize empties the value

    def gatts_notify(self, conn_handle: int, value_handle: int, data: bytes | None = None) -> None:
        payload = self._value(value_handle).data if data is None else bytes(data)
        self._send(conn_handle, value_handle, payload, indicate=False)

    def gatts_indicate(self, conn_handle: int, value_handle: int, data: bytes | None = None) -> None:
        payload = self._value(value_handle).data if data is None else bytes(data)
        self._send(conn_handle, value_handle, payload, indicate=True)

    def _send(self, conn_handle: int, value_handle: int, payload: bytes, *, indicate: bool) -> None:
        connection = self._connections.get(conn_handle)
        if connection is None:
            raise OSError(errno.ENOTCONN, "not connected")
        attribute = self._attributes[value_handle]
        if indicate:
            async def indicate_and_report() -> None:
                status = 0
                try:
                    await self._device.gatt_server.indicate_subscriber(connection, attribute, payload, force=True)
                except Exception:
                    status = 1
                self._fire(_IRQ_GATTS_INDICATE_DONE, (conn_handle, value_handle, status))

            asyncio.get_running_loop().create_task(indicate_and_report())
            return
        self._take_buffer()
        payload = payload[: connection.att_mtu - 3]
        pdu = bytes(att.ATT_Handle_Value_Notification(attribute_handle=value_handle, attribute_value=payload))
        if self.on_gatt_pdu is not None:
            pdu = self.on_gatt_pdu(value_handle, pdu)
            if pdu is None:
                return
        self._device.send_l2cap_pdu(conn_handle, att.ATT_CID, pdu)

    def _take_buffer(self) -> None:
        now = asyncio.get_running_loop().time()
        self._queued = max(0.0, self._queued - (now - self._queued_at) * self.notify_rate_hz)
        self._queued_at = now
        if self._queued + 1 > self.notify_buffers:
            self.enomem += 1
            raise OSError(errno.ENOMEM, "no buffer for the notification")
        self._queued += 1

    def _require_active(self) -> None:
        if not self._active:
            raise OSError(errno.ENODEV, "BLE not active")


def addr_key(address: hci.Address) -> bytes:
    """NimBLE's ble_addr_t as the secret IRQs carry it: type byte, then the address little-endian."""
    return bytes((address.address_type & 1,)) + bytes(address)


class _FirmwareKeyStore(KeyStore):
    """Bumble's key store over the firmware's secret IRQs: the band's flash holds the bonds."""

    def __init__(self, ble: BLE) -> None:
        self._ble = ble

    @staticmethod
    def _key(name: str) -> bytes:
        return addr_key(hci.Address(name))

    async def get(self, name: str) -> PairingKeys | None:
        raw = self._ble.get_secret(_SECRET_OUR, self._key(name))
        if raw is None:
            return None
        try:
            return PairingKeys.from_dict(json.loads(raw))
        except (ValueError, KeyError, TypeError):
            return None

    async def update(self, name: str, keys: PairingKeys) -> None:
        key = self._key(name)
        raw = json.dumps(keys.to_dict()).encode()
        handle = next((h for h, c in self._ble._connections.items() if addr_key(c.peer_address) == key), None)
        stored = self._ble.set_secret(_SECRET_OUR, key, raw) and self._ble.set_secret(_SECRET_PEER, key, raw)
        if stored and handle is not None:
            self._ble._stored.add(handle)

    async def delete(self, name: str) -> None:
        key = self._key(name)
        self._ble.set_secret(_SECRET_OUR, key, None)
        self._ble.set_secret(_SECRET_PEER, key, None)

    async def get_all(self) -> list[tuple[str, PairingKeys]]:
        return []

    async def delete_all(self) -> None:
        return None


def _bumble_uuid(uuid: Any) -> BumbleUUID:
    if isinstance(uuid, UUID):
        return uuid._bumble
    return UUID(uuid)._bumble


def _permissions(flags: int) -> att.Attribute.Permissions:
    perms = att.Attribute.Permissions(0)
    if flags & FLAG_READ:
        perms |= att.Attribute.READABLE
    if flags & (FLAG_WRITE | FLAG_WRITE_NO_RESPONSE):
        perms |= att.Attribute.WRITEABLE
    return perms


def make_module(ble: BLE) -> types.ModuleType:
    """A `bluetooth` module whose BLE() always returns `ble` (a singleton, as on MicroPython)."""
    mod = types.ModuleType("bluetooth")
    mod.BLE = lambda: ble  # type: ignore[attr-defined]
    mod.UUID = UUID  # type: ignore[attr-defined]
    for name, value in globals().items():
        if name.startswith("FLAG_"):
            setattr(mod, name, value)
    return mod
