"""A Taut band over bleak's public API: scan, connect, device info, stream, control commands.

The one module of the host package that imports bleak. Works with any bleak backend (the
platform's for a real band, `taut.bumble_backend` for the virtual one); characteristics are
addressed by UUID, never by handle.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError, BleakGATTProtocolError

from taut import progressor, protocol
from taut.ble.backend import PLATFORM, Backend
from taut.ble.control import DEFAULT_TIMEOUT_S, ControlChannel
from taut.ble.errors import (
    PAIRING_HINT,
    BandNotFound,
    BleError,
    BluetoothUnavailable,
    MissingCharacteristic,
    NotConnected,
    NotPaired,
    PairingFailed,
    WriteRefused,
)

log = logging.getLogger(__name__)

# Tare and calibration average samples on the band (32 at 10 Hz: 3.2 s) before answering.
SLOW_COMMAND_TIMEOUT_S = 10.0
# ATT errors of a write that needs a bonded, encrypted link (insufficient authentication,
# authorization, encryption).
_NOT_PAIRED_ATT = (0x05, 0x08, 0x0F)


@dataclass(frozen=True)
class BandAdvert:
    """A band seen in a scan."""

    name: str | None
    address: str
    rssi_dbm: int
    device: BLEDevice
    mode: str = "taut"  # or "progressor": advertising as a Tindeq Progressor (docs/protocol.md)


@dataclass(frozen=True)
class DeviceInfo:
    """What a connected band says about itself."""

    name: str | None
    address: str
    manufacturer: str | None
    model: str | None
    firmware_revision: str | None
    battery_pct: int | None
    mtu: int


@contextmanager
def _stack_errors() -> Iterator[None]:
    """Scanning errors of the platform stack (no adapter, no BlueZ, powered off) as BluetoothUnavailable."""
    try:
        yield
    except BleError:
        raise
    except (BleakError, OSError) as exc:
        raise BluetoothUnavailable(
            f"Bluetooth is not available ({type(exc).__name__}: {exc or 'no details'});"
            " check the adapter is on (Linux: bluetoothd and D-Bus running), or try --virtual"
        ) from exc


# What a scan asks the stack for: Taut bands in either mode (Progressor mode: then band_mode() checks
# the Taut mark, so a real Progressor is not taken for a band).
_SCAN_UUIDS = [protocol.SERVICE_UUID, progressor.SERVICE_UUID]


def band_mode(adv) -> str | None:
    """The mode a Taut band advertises in ("taut" or "progressor"), or None if it is no Taut band."""
    if protocol.SERVICE_UUID in adv.service_uuids:
        return "taut"
    if progressor.SERVICE_UUID in adv.service_uuids and progressor.is_taut_mark(adv.manufacturer_data):
        return "progressor"
    return None


async def scan(timeout_s: float = 5.0, *, backend: Backend = PLATFORM) -> list[BandAdvert]:
    """Taut bands advertising the Taut service, or Progressor mode's service and mark; strongest first."""
    with _stack_errors():
        found = await BleakScanner.discover(
            timeout=timeout_s, return_adv=True, service_uuids=_SCAN_UUIDS, backend=backend.scanner
        )
    adverts = [
        BandAdvert(adv.local_name or device.name, device.address, adv.rssi, device, mode)
        for device, adv in found.values()
        if (mode := band_mode(adv)) is not None
    ]
    return sorted(adverts, key=lambda a: -a.rssi_dbm)


async def find_band(target: str | None = None, *, timeout_s: float = 5.0, backend: Backend = PLATFORM) -> BLEDevice:
    """The first band whose name or address equals `target` (any Taut band when None)."""
    wanted = target.lower() if target else None

    def match(device: BLEDevice, adv) -> bool:
        mode = band_mode(adv)
        if mode is None:
            return False
        if wanted is None:
            return True
        name = (adv.local_name or device.name or "").lower()
        names = {name}
        if mode == "progressor" and name.startswith(progressor.NAME_PREFIX.lower()):
            names.add(name[len(progressor.NAME_PREFIX) :])  # the band's own name follows the prefix
        return device.address.lower() == wanted or wanted in names

    with _stack_errors():
        device = await BleakScanner.find_device_by_filter(
            match, timeout=timeout_s, service_uuids=_SCAN_UUIDS, backend=backend.scanner
        )
    if device is None:
        what = f"named or addressed {target!r}" if target else "at all"
        raise BandNotFound(f"no Taut band {what} answered within {timeout_s:g} s")
    return device


class BandClient:
    """One connection to one band. Control methods raise `CommandFailed` subclasses or `ControlTimeout`."""

    def __init__(
        self,
        device: BLEDevice | str,
        *,
        backend: Backend = PLATFORM,
        on_disconnect: Callable[[], None] | None = None,
        connect_timeout_s: float = 10.0,
    ) -> None:
        self._on_disconnect = on_disconnect
        self._client = BleakClient(
            device,
            disconnected_callback=self._disconnected,
            timeout=connect_timeout_s,
            backend=backend.client,
            **backend.client_kwargs,
        )
        self.control = ControlChannel(self._write_control)
        self._device = device

    @property
    def address(self) -> str:
        return self._client.address

    @property
    def is_connected(self) -> bool:
        return self._client.is_connected

    @property
    def mtu(self) -> int:
        return self._client.mtu_size

    def _disconnected(self, _client: BleakClient) -> None:
        self.control.fail_all(NotConnected("the band disconnected"))
        if self._on_disconnect is not None:
            self._on_disconnect()

    async def connect(self) -> None:
        """Connects, discovers the services and subscribes to control answers."""
        try:
            await self._client.connect()
        except (BleakError, TimeoutError, OSError) as exc:
            raise BleError(f"could not connect to {self.address}: {exc!r}") from exc
        services = self._client.services
        for uuid in (protocol.STREAM_UUID, protocol.CONTROL_UUID, protocol.STATUS_UUID):
            if services.get_characteristic(uuid) is None:
                await self.disconnect()
                raise MissingCharacteristic(f"{self.address} has no characteristic {uuid}: not a Taut band?")
        await self._client.start_notify(protocol.CONTROL_UUID, lambda _c, data: self.control.on_notification(data))

    async def disconnect(self) -> None:
        try:
            await self._client.disconnect()
        except BleakError as exc:
            log.debug("disconnect: %s", exc)

    async def _write_control(self, data: bytes) -> None:
        if not self._client.is_connected:
            raise NotConnected("the band is not connected")
        try:
            await self._client.write_gatt_char(protocol.CONTROL_UUID, data, response=True)
        except BleakGATTProtocolError as exc:
            code = int(exc.code)
            if code in _NOT_PAIRED_ATT:
                raise NotPaired(f"the band refused the control write (ATT 0x{code:02X}: not paired): {PAIRING_HINT}",
                                code) from exc  # fmt: skip
            raise WriteRefused(f"the band refused the control write: {exc.args[-1]} (ATT 0x{code:02X})",
                               code) from exc
        except (BleakError, OSError) as exc:
            raise WriteRefused(f"the control write failed: {exc!r}") from exc

    async def pair(self) -> None:
        """Pairs and bonds with the connected band, then proves it with a control request
        (a band outside its pairing window drops the link or refuses the write): PairingFailed."""
        try:
            try:
                await self._client.pair()
            except NotImplementedError:  # CoreBluetooth: pairs by itself at the first encrypted write
                log.info("this Bluetooth stack pairs on the first control write")
            await self.get_settings()
        except (BleakError, BleError, TimeoutError, OSError) as exc:
            await self._forget()
            raise PairingFailed(
                f"the band did not pair ({exc}): it accepts new pairings only within 60 s of being "
                "switched on, or for 60 s after a press of its pair button; do that and try again"
            ) from exc

    async def unpair(self) -> None:
        """Forgets this computer's bond with the band (the band keeps its copy until a factory
        reset) and disconnects; BleError if this computer's Bluetooth stack cannot."""
        try:
            await self._client.unpair()
        except NotImplementedError as exc:
            raise BleError("this system's Bluetooth stack cannot unpair from a program: remove the band in the "
                           "system's Bluetooth settings") from exc  # fmt: skip
        except (BleakError, OSError) as exc:
            raise BleError(f"could not unpair: {exc}") from exc

    async def _forget(self) -> None:
        try:
            await self._client.unpair()
        except (BleakError, NotImplementedError, OSError) as exc:
            log.debug("unpair: %r", exc)

    async def _read(self, uuid: str) -> bytes | None:
        if self._client.services.get_characteristic(uuid) is None:
            return None
        return bytes(await self._client.read_gatt_char(uuid))

    async def read_info(self) -> DeviceInfo:
        """Device Information, battery level and name."""

        async def text(uuid: str) -> str | None:
            raw = await self._read(uuid)
            return raw.decode("utf-8", "replace") if raw is not None else None

        battery = await self.read_battery()
        name = await text(protocol.DEVICE_NAME_UUID)
        if name is None and isinstance(self._device, BLEDevice):
            name = self._device.name
        return DeviceInfo(
            name=name,
            address=self.address,
            manufacturer=await text(protocol.MANUFACTURER_UUID),
            model=await text(protocol.MODEL_UUID),
            firmware_revision=await text(protocol.FIRMWARE_REVISION_UUID),
            battery_pct=battery,
            mtu=self.mtu,
        )

    async def read_battery(self) -> int | None:
        raw = await self._read(protocol.BATTERY_LEVEL_UUID)
        return protocol.decode_battery_level(raw) if raw is not None else None

    async def read_status(self) -> protocol.Status:
        raw = await self._read(protocol.STATUS_UUID)
        assert raw is not None
        return protocol.Status.from_bytes(raw)

    async def subscribe_stream(self, on_packet: Callable[[bytes, float], None]) -> None:
        """`on_packet(data, host_s)` for every stream notification, stamped on arrival."""
        loop = asyncio.get_running_loop()
        await self._client.start_notify(protocol.STREAM_UUID, lambda _c, data: on_packet(bytes(data), loop.time()))

    async def subscribe_status(self, on_status: Callable[[bytes], None]) -> None:
        await self._client.start_notify(protocol.STATUS_UUID, lambda _c, data: on_status(bytes(data)))

    # Control commands -------------------------------------------------------------------------

    async def start_stream(self) -> None:
        await self.control.request(protocol.StartStream())

    async def stop_stream(self, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        await self.control.request(protocol.StopStream(), timeout_s=timeout_s)

    async def tare(self, n_samples: int = 0) -> int:
        """Zero the band (it must hang still); returns the new raw offset."""
        value = await self.control.request(protocol.Tare(n_samples), timeout_s=SLOW_COMMAND_TIMEOUT_S)
        assert isinstance(value, int)
        return value

    async def calibrate(self, known_tension_n: float) -> float:
        """Scale from a known tension on the band (after a tare); returns counts per newton."""
        value = await self.control.request(
            protocol.Calibrate(round(known_tension_n * protocol.CN_PER_N)), timeout_s=SLOW_COMMAND_TIMEOUT_S
        )
        assert isinstance(value, float)
        return value

    async def set_calibration(self, offset_raw: int, counts_per_n: float) -> None:
        await self.control.request(protocol.SetCalibration(offset_raw, counts_per_n))

    async def set_rate(self, rate_hz: int) -> None:
        await self.control.request(protocol.SetRate(rate_hz))

    async def get_settings(self) -> protocol.Settings:
        value = await self.control.request(protocol.GetSettings())
        assert isinstance(value, protocol.Settings)
        return value

    async def rename(self, name: str) -> None:
        await self.control.request(protocol.Rename(name))

    async def factory_reset(self) -> None:
        await self.control.request(protocol.FactoryReset())

    async def set_overload(self, overload_permille: int) -> None:
        await self.control.request(protocol.SetOverload(overload_permille))

    async def set_mode(self, mode: str) -> None:
        """The protocol the band boots in ("taut" or "progressor"); it restarts into a new one."""
        await self.control.request(protocol.SetMode(mode))
