"""A small MicroPython-style GATT server (bluetooth API only), used to test the shim and backend."""

import struct

_IRQ_CENTRAL_CONNECT = 1
_IRQ_CENTRAL_DISCONNECT = 2
_IRQ_GATTS_WRITE = 3
_IRQ_MTU_EXCHANGED = 21

SERVICE = "12345678-0000-1000-8000-00805f9b34fb"
COUNTER = "12345678-0001-1000-8000-00805f9b34fb"
ECHO = "12345678-0002-1000-8000-00805f9b34fb"
SECRET = "12345678-0003-1000-8000-00805f9b34fb"


def adv_payload(name, service_uuid128):
    adv = bytes((2, 0x01, 0x06)) + bytes((17, 0x07)) + service_uuid128
    rsp = bytes((len(name) + 1, 0x09)) + name
    return adv, rsp


class Tiny:
    def __init__(self, bluetooth, name=b"tiny"):
        self.bt = bluetooth
        self.ble = bluetooth.BLE()
        self.ble.active(True)
        self.ble.irq(self._irq)
        svc = (
            bluetooth.UUID(SERVICE),
            (
                (bluetooth.UUID(COUNTER), bluetooth.FLAG_READ | bluetooth.FLAG_NOTIFY),
                (bluetooth.UUID(ECHO), bluetooth.FLAG_WRITE | bluetooth.FLAG_NOTIFY),
                (bluetooth.UUID(SECRET), bluetooth.FLAG_WRITE),
            ),
        )
        ((self.h_counter, self.h_echo, self.h_secret),) = self.ble.gatts_register_services((svc,))
        self.ble.gatts_set_buffer(self.h_echo, 100)
        self.ble.gatts_write(self.h_counter, struct.pack("<I", 0))
        self.conns = set()
        self.events = []
        uuid_le = bytes(reversed(bytes.fromhex(SERVICE.replace("-", ""))))
        self.adv, self.rsp = adv_payload(name, uuid_le)
        self.advertise()

    def advertise(self):
        self.ble.gap_advertise(20_000, adv_data=self.adv, resp_data=self.rsp)

    def _irq(self, event, data):
        self.events.append(event)
        if event == _IRQ_CENTRAL_CONNECT:
            self.conns.add(data[0])
        elif event == _IRQ_CENTRAL_DISCONNECT:
            self.conns.discard(data[0])
            self.advertise()
        elif event == _IRQ_GATTS_WRITE:
            conn, handle = data
            if handle == self.h_echo:
                value = self.ble.gatts_read(self.h_echo)
                self.ble.gatts_notify(conn, self.h_echo, bytes(reversed(value)))

    def notify_counter(self, n):
        for conn in self.conns:
            self.ble.gatts_notify(conn, self.h_counter, struct.pack("<I", n))
