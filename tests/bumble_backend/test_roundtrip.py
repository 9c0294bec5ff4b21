"""bleak's public API over the Bumble backend against a MicroPython-style server on the shim."""

from __future__ import annotations

import asyncio
import struct

import pytest
from bleak import BleakClient, BleakScanner
from bleak.exc import BleakGATTProtocolError
from ble.helpers import shim_module
from bumble_backend.tiny_peripheral import COUNTER, ECHO, SECRET, SERVICE, Tiny

from taut.bumble_backend import BumbleClient, BumbleScanner
from taut.twin.virtual_time import run


async def _tiny(name: bytes = b"tiny", address: str = "D0:00:00:00:00:01") -> Tiny:
    bt, ble = shim_module(address)
    tiny = Tiny(bt, name)
    await ble.idle()
    return tiny


def test_scan_sees_name_from_scan_response_and_filters_by_service() -> None:
    async def main():
        await _tiny(b"tiny-one", "D0:00:00:00:00:01")
        other_bt, other = shim_module("D0:00:00:00:00:02")
        other.active(True)
        other.gap_advertise(20_000, adv_data=bytes((2, 1, 6)), resp_data=b"\x06\x09other")
        await other.idle()
        found = await BleakScanner.discover(timeout=0.5, return_adv=True, backend=BumbleScanner, service_uuids=[SERVICE])
        everything = await BleakScanner.discover(timeout=0.5, return_adv=True, backend=BumbleScanner)
        return found, everything

    found, everything = run(main())
    assert [(d.name, a.local_name, a.service_uuids) for d, a in found.values()] == [("tiny-one", "tiny-one", [SERVICE])]
    assert {a.local_name for _, a in everything.values()} == {"tiny-one", "other"}
    (_, adv), = found.values()
    assert adv.rssi == -50


def test_read_write_notify_mtu_and_disconnect_callback() -> None:
    async def main():
        tiny = await _tiny()
        device = await BleakScanner.find_device_by_name("tiny", timeout=2, backend=BumbleScanner)
        assert device is not None
        dropped = asyncio.Event()
        client = BleakClient(device, backend=BumbleClient, disconnected_callback=lambda c: dropped.set())
        await client.connect()
        out = {"mtu": client.mtu_size}
        out["counter0"] = bytes(await client.read_gatt_char(COUNTER))
        got: list[bytes] = []
        await client.start_notify(COUNTER, lambda c, v: got.append(bytes(v)))
        echoes: list[bytes] = []
        await client.start_notify(ECHO, lambda c, v: echoes.append(bytes(v)))
        for n in range(1, 6):
            tiny.notify_counter(n)
        long = bytes(range(60))
        await client.write_gatt_char(ECHO, long, response=True)
        await asyncio.sleep(0.05)
        with pytest.raises(BleakGATTProtocolError) as err:
            await client.read_gatt_char(SECRET)
        out["err"] = err.value
        out["props"] = client.services.get_characteristic(SECRET).properties
        out["got"], out["echoes"] = got, echoes
        tiny.ble.gap_disconnect(next(iter(tiny.conns)))
        await asyncio.wait_for(dropped.wait(), 1)
        out["connected_after"] = client.is_connected
        return out

    out = run(main())
    assert out["mtu"] == 247
    assert out["counter0"] == struct.pack("<I", 0)
    assert out["got"] == [struct.pack("<I", n) for n in range(1, 6)]
    assert out["echoes"] == [bytes(reversed(range(60)))]
    assert out["err"].args[0] == 0x02  # READ_NOT_PERMITTED
    assert out["props"] == ["write"]
    assert out["connected_after"] is False


def test_without_mtu_exchange_notifications_are_cut_at_20_bytes() -> None:
    async def main():
        tiny = await _tiny()
        client = BleakClient("D0:00:00:00:00:01", backend=BumbleClient, exchange_mtu=False, timeout=2)
        await client.connect()
        echoes: list[bytes] = []
        await client.start_notify(ECHO, lambda c, v: echoes.append(bytes(v)))
        await client.write_gatt_char(ECHO, bytes(range(30)), response=True)
        await asyncio.sleep(0.05)
        mtu = client.mtu_size
        await client.disconnect()
        return mtu, echoes, tiny.events

    mtu, echoes, events = run(main())
    assert mtu == 23
    assert echoes == [bytes(reversed(range(30)))[:20]]
    assert events[:2] == [1, 3] and events[-1] == 2


def test_shim_indications_advertising_limit_and_local_writes() -> None:
    import errno

    async def main():
        bt, ble = shim_module("D0:00:00:00:00:03")
        events: list[tuple[int, tuple]] = []
        ble.active(True)
        ble.irq(lambda event, data: events.append((event, tuple(data))))
        svc = (bt.UUID(SERVICE), ((bt.UUID(COUNTER), bt.FLAG_READ | bt.FLAG_INDICATE),))
        ((h_counter,),) = ble.gatts_register_services((svc,))
        with pytest.raises(OSError) as too_long:
            ble.gap_advertise(20_000, adv_data=bytes(32))
        uuid_le = bytes(reversed(bytes.fromhex(SERVICE.replace("-", ""))))
        ble.gap_advertise(20_000, adv_data=bytes((2, 1, 6, 17, 7)) + uuid_le, resp_data=b"\x05\x09ind1")
        await ble.idle()
        client = BleakClient("D0:00:00:00:00:03", backend=BumbleClient, timeout=2)
        await client.connect()
        got: list[bytes] = []
        await client.start_notify(COUNTER, lambda c, v: got.append(bytes(v)))
        conn = next(e[1][0] for e in events if e[0] == 1)
        ble.gatts_indicate(conn, h_counter, b"\x07")
        await asyncio.sleep(0.05)
        ble.gatts_write(h_counter, b"\x08", True)  # send_update: to subscribed clients
        await asyncio.sleep(0.05)
        read_back = bytes(await client.read_gatt_char(COUNTER))
        await client.disconnect()
        await asyncio.sleep(0.05)
        return too_long.value, got, events, read_back

    too_long, got, events, read_back = run(main())
    assert too_long.errno == errno.EINVAL
    assert got == [b"\x07", b"\x08"] and read_back == b"\x08"
    kinds = [e for e, _ in events]
    assert kinds[0] == 1 and 20 in kinds and kinds[-1] == 2
    assert next(d for e, d in events if e == 20)[2] == 0  # indication confirmed


def test_a_write_irq_runs_inside_the_write_before_its_response() -> None:
    """NimBLE runs the write's IRQ on its host task before the write response goes out."""

    async def main():
        bt, ble = shim_module()
        tiny = Tiny(bt, b"tiny")
        await ble.idle()
        order: list[str] = []
        server = ble._device.gatt_server
        send_response = server.send_response

        def logged_response(bearer, response):
            order.append(type(response).__name__)
            return send_response(bearer, response)

        server.send_response = logged_response
        irq = tiny._irq

        def logged_irq(event, data):
            if event == 3:
                order.append("IRQ_GATTS_WRITE")
            return irq(event, data)

        ble.irq(logged_irq)
        device = await BleakScanner.find_device_by_name("tiny", timeout=2, backend=BumbleScanner)
        client = BleakClient(device, backend=BumbleClient)
        await client.connect()
        order.clear()
        await client.write_gatt_char(ECHO, b"abc", response=True)
        await asyncio.sleep(0.05)
        await client.disconnect()
        return order

    order = run(main())
    assert order == ["IRQ_GATTS_WRITE", "ATT_Write_Response"]
