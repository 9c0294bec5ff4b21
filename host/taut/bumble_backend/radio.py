"""The in-memory "air" for virtual BLE: one Bumble LocalLink per event loop, plus the host's central.

Bumble's controllers need a running loop when they are created, so the link, every controller on
it and the centrals that bleak's Bumble backend drives live per event loop (`radio()`). A central
keeps its bonds (pairing keys) in a JSON key store file, one namespace per central address:
$TAUT_BLE_KEYS, else `<user data dir>/taut/ble-keys.json` (platformdirs).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import weakref
from pathlib import Path

from bumble import hci, pairing
from bumble.controller import Controller
from bumble.device import Device
from bumble.host import Host
from bumble.keys import JsonKeyStore
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

log = logging.getLogger(__name__)

CENTRAL_ADDRESS = "C0:DE:00:00:00:01"
KEYS_ENV = "TAUT_BLE_KEYS"


def key_store_path() -> Path:
    """Where the host's centrals keep their bonds: $TAUT_BLE_KEYS, else the user data dir."""
    env = os.environ.get(KEYS_ENV)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("taut", appauthor=False)) / "ble-keys.json"


class _KeyStore(JsonKeyStore):
    """The host's bonds on file. Bands advertise from a fixed address (no resolvable private
    addresses), so no keys go to the controller's resolving list: a central with stored bonds
    then behaves, and times, exactly as one without."""

    async def get_resolving_keys(self) -> list:  # type: ignore[override]
        return []


def _central_pairing(connection: object) -> pairing.PairingConfig:
    """A computer pairing with a band: LE Secure Connections, bonding, Just Works (no MITM); its
    identity is the (random) address it connects with, so the band finds its keys next time."""
    return pairing.PairingConfig(
        sc=True, mitm=False, bonding=True, identity_address_type=pairing.PairingConfig.AddressType.RANDOM,
        delegate=pairing.PairingDelegate(io_capability=pairing.PairingDelegate.IoCapability.NO_OUTPUT_NO_INPUT),
    )  # fmt: skip


class AirController(Controller):
    """A virtual controller that sends an advertiser's real scan response.

    Bumble 0.0.236 repeats the advertising data as the scan response, so a name placed only in
    the scan response (as a real Taut band does) would never be seen.
    """

    rssi_dbm: int = -50  # what scanners report for this controller's advertisements

    def on_advertising_pdu(self, pdu) -> None:  # type: ignore[override]
        self._scan_response = _scan_response_of(self.link, pdu.advertiser_address)
        self._rssi = _rssi_of(self.link, pdu.advertiser_address)
        try:
            super().on_advertising_pdu(pdu)
        finally:
            self._scan_response = None

    def send_hci_packet(self, packet) -> None:  # type: ignore[override]
        scan_response = getattr(self, "_scan_response", None)
        if scan_response is not None and isinstance(
            packet, (hci.HCI_LE_Advertising_Report_Event, hci.HCI_LE_Extended_Advertising_Report_Event)
        ):
            for report in packet.reports:
                report.rssi = self._rssi
                if _is_scan_response(report):
                    report.data = scan_response
        super().send_hci_packet(packet)


def _is_scan_response(report) -> bool:
    if isinstance(report, hci.HCI_LE_Extended_Advertising_Report_Event.Report):
        return bool(report.event_type & hci.HCI_LE_Extended_Advertising_Report_Event.EventType.SCAN_RESPONSE)
    return report.event_type == hci.HCI_LE_Advertising_Report_Event.EventType.SCAN_RSP


def _advertiser(link: LocalLink, address: hci.Address) -> tuple[Controller | None, bytes]:
    """The controller advertising as `address`, and its scan response data."""
    for c in link.controllers:
        legacy = c.le_legacy_advertiser
        if legacy.enabled and legacy.address == address:
            return c, bytes(legacy.scan_response_data)
        for adv_set in c.advertising_sets.values():
            if adv_set.enabled and adv_set.address == address:
                return c, bytes(adv_set.scan_response_data)
    return None, b""


def _scan_response_of(link: LocalLink, address: hci.Address) -> bytes:
    return _advertiser(link, address)[1]


def _rssi_of(link: LocalLink, address: hci.Address) -> int:
    c = _advertiser(link, address)[0]
    return c.rssi_dbm if isinstance(c, AirController) else -50


class Radio:
    """A LocalLink with its controllers; the host's central is created on first use."""

    def __init__(self) -> None:
        # A GATT server may notify before the client subscribed (MicroPython's gatts_notify
        # does); platform stacks drop those silently, Bumble's client warns on each.
        logging.getLogger("bumble.gatt_client").setLevel(logging.ERROR)
        self.link = LocalLink()
        self._centrals: dict[str, Device] = {}
        self._central_lock = asyncio.Lock()
        # Bumble allows one pending LE connection per controller: connects are serialised.
        self.connect_lock = asyncio.Lock()
        self._names = itertools.count(1)
        self._controllers: weakref.WeakKeyDictionary[Device, AirController] = weakref.WeakKeyDictionary()

    def new_device(self, address: str, *, name: str = "bumble") -> Device:
        """A Bumble Device on a fresh controller joined to this link (not powered on yet)."""
        controller = AirController(f"{name}-{next(self._names)}", link=self.link, public_address=address)
        device = Device(name=name, address=hci.Address(address), host=Host(controller, AsyncPipeSink(controller)))
        self._controllers[device] = controller
        return device

    def controller_of(self, device: Device) -> AirController:
        """The virtual controller under a device made by `new_device`."""
        return self._controllers[device]

    def unplug(self, device: Device) -> None:
        """Takes a device's controller off the link (a band that lost power)."""
        controller = self._controllers.pop(device, None)
        if controller is not None and controller in self.link.controllers:
            self.link.remove_controller(controller)

    async def central(self, address: str | None = None) -> Device:
        """The host's central device (another computer: another `address`), powered on."""
        address = (address or CENTRAL_ADDRESS).upper()
        async with self._central_lock:
            device = self._centrals.get(address)
            if device is None:
                device = self.new_device(address, name="taut-host")
                path = key_store_path()
                path.parent.mkdir(parents=True, exist_ok=True)
                device.keystore = _KeyStore(address, str(path))
                device.pairing_config_factory = _central_pairing
                await device.power_on()
                self._centrals[address] = device
            return device


_radios: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Radio] = weakref.WeakKeyDictionary()


def radio() -> Radio:
    """The radio of the running event loop (created on first use)."""
    loop = asyncio.get_running_loop()
    r = _radios.get(loop)
    if r is None:
        r = _radios[loop] = Radio()
    return r
