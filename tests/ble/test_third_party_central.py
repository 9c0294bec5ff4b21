"""A central other than ours (Bumble's own GATT client, no bleak) reads the band's GATT database."""

from __future__ import annotations

from ble.helpers import Load, start_band
from bumble.device import Peer
from bumble.hci import Address

from taut import protocol
from taut.bumble_backend import radio
from taut.bumble_backend.scanner import uuid_str
from taut.twin.virtual_time import run

# docs/protocol.md's GATT layout: service -> {characteristic: properties}.
EXPECTED = {
    protocol.SERVICE_UUID: {
        protocol.STREAM_UUID: {"NOTIFY"},
        protocol.CONTROL_UUID: {"WRITE", "NOTIFY"},
        protocol.STATUS_UUID: {"READ", "NOTIFY"},
    },
    protocol.BATTERY_SERVICE_UUID: {protocol.BATTERY_LEVEL_UUID: {"READ", "NOTIFY"}},
    protocol.DEVICE_INFO_SERVICE_UUID: {
        protocol.MANUFACTURER_UUID: {"READ"},
        protocol.MODEL_UUID: {"READ"},
        protocol.FIRMWARE_REVISION_UUID: {"READ"},
    },
}
CCCD = "00002902-0000-1000-8000-00805f9b34fb"


def test_bumble_gatt_client_dumps_the_database() -> None:
    async def main():
        band, _ = await start_band(Load(0.0), seed=9)
        central = await radio().central()
        connection = await central.connect(Address(band.address), timeout=5.0)
        peer = Peer(connection)
        await peer.request_mtu(185)
        dump: dict[str, dict[str, tuple[set[str], list[str]]]] = {}
        values: dict[str, bytes] = {}
        for service in await peer.discover_services():
            chars = {}
            for char in await service.discover_characteristics():
                descriptors = [uuid_str(d.type) for d in await char.discover_descriptors()]
                props = {p.name for p in type(char.properties) if p in char.properties and p.name}
                chars[uuid_str(char.uuid)] = (props, descriptors)
                if "READ" in props:
                    values[uuid_str(char.uuid)] = bytes(await char.read_value())
            dump[uuid_str(service.uuid)] = chars
        mtu = connection.att_mtu
        await connection.disconnect()
        await band.close()
        return band, dump, values, mtu

    band, dump, values, mtu = run(main())
    assert mtu == 185
    for service, chars in EXPECTED.items():
        assert set(dump[service]) == set(chars)
        for uuid, props in chars.items():
            got_props, descriptors = dump[service][uuid]
            assert got_props == props, uuid
            assert (CCCD in descriptors) == ("NOTIFY" in props), uuid
    assert values[protocol.MANUFACTURER_UUID] == b"Taut"
    assert values[protocol.FIRMWARE_REVISION_UUID] == b"0.1.0"
    assert values[protocol.DEVICE_NAME_UUID] == band.name.encode()
    assert protocol.Status.from_bytes(values[protocol.STATUS_UUID]).calibrated
    assert 0 <= values[protocol.BATTERY_LEVEL_UUID][0] <= 100
