"""bleak scanner backend over the virtual radio's Bumble central."""

from __future__ import annotations

import logging
from typing import Any

from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bleak.uuids import normalize_uuid_str
from bumble.core import UUID, AdvertisingData

from taut.bumble_backend.radio import radio

log = logging.getLogger(__name__)

_UUID_LISTS = {
    AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS: 2,
    AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS: 2,
    AdvertisingData.COMPLETE_LIST_OF_32_BIT_SERVICE_CLASS_UUIDS: 4,
    AdvertisingData.INCOMPLETE_LIST_OF_32_BIT_SERVICE_CLASS_UUIDS: 4,
    AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS: 16,
    AdvertisingData.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS: 16,
}


def uuid_str(uuid: UUID) -> str:
    """A Bumble UUID as bleak spells it (lower-case, full 128-bit form)."""
    return normalize_uuid_str(uuid.to_hex_str("-"))


def advertisement_data(data: AdvertisingData, rssi: int, raw: Any = None) -> AdvertisementData:
    """bleak's AdvertisementData from Bumble's parsed (advertising + scan response) data."""
    uuids: list[str] = []
    for ad_type, size in _UUID_LISTS.items():
        for blob in data.get_all(ad_type, raw=True):
            for i in range(0, len(blob) - size + 1, size):
                uuids.append(uuid_str(UUID.from_bytes(blob[i : i + size])))
    names = data.get_all(AdvertisingData.COMPLETE_LOCAL_NAME, raw=True) or data.get_all(
        AdvertisingData.SHORTENED_LOCAL_NAME, raw=True
    )
    name = bytes(names[0]).decode("utf-8", "replace") if names else None
    manufacturer: dict[int, bytes] = {}
    for blob in data.get_all(AdvertisingData.MANUFACTURER_SPECIFIC_DATA, raw=True):
        if len(blob) >= 2:
            manufacturer[int.from_bytes(blob[:2], "little")] = bytes(blob[2:])
    service_data: dict[str, bytes] = {}
    for blob in data.get_all(AdvertisingData.SERVICE_DATA_16_BIT_UUID, raw=True):
        if len(blob) >= 2:
            service_data[uuid_str(UUID.from_bytes(blob[:2]))] = bytes(blob[2:])
    tx = data.get_all(AdvertisingData.TX_POWER_LEVEL, raw=True)
    tx_power = int.from_bytes(tx[0][:1], "little", signed=True) if tx else None
    return AdvertisementData(
        local_name=name,
        manufacturer_data=manufacturer,
        service_data=service_data,
        service_uuids=uuids,
        tx_power=tx_power,
        rssi=rssi,
        platform_data=(raw,),
    )


class BumbleScanner(BaseBleakScanner):
    """Scans the virtual radio; pass as `BleakScanner(backend=BumbleScanner)`."""

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: str = "active",
        *,
        bluez: Any = None,
        cb: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        self._active = scanning_mode != "passive"
        self._central: Any = None

    async def start(self) -> None:
        self.seen_devices = {}
        self._central = await radio().central()
        self._central.on("advertisement", self._on_advertisement)
        if not self._central.scanning:
            await self._central.start_scanning(active=self._active, filter_duplicates=False)

    async def stop(self) -> None:
        central, self._central = self._central, None
        if central is None:
            return
        central.remove_listener("advertisement", self._on_advertisement)
        if central.scanning and not central.listeners("advertisement"):
            await central.stop_scanning()

    def _on_advertisement(self, adv: Any) -> None:
        data = advertisement_data(adv.data, adv.rssi, adv)
        if not self.is_allowed_uuid(data.service_uuids):
            return
        address = str(adv.address).split("/")[0]
        device = self.create_or_update_device(address, address, data.local_name, adv.address, data)
        self.call_detection_callbacks(device, data)
