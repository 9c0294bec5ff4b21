# The band's GATT server on MicroPython's `bluetooth` module: Taut service (stream, control,
# status), Battery and Device Information services, advertising, and the IRQ dispatch for one
# central at a time. The IRQ handler only records and forwards; the app does the work. It never
# raises: MicroPython drops a BLE IRQ handler for good after one exception (no more connects,
# writes or re-advertising until a reset). keep_advertising(), called from a task, restarts
# advertising whenever nothing is connected, which also covers a connection attempt that failed
# and was reported only as a disconnect.
import bluetooth
from micropython import const

import progressor
import wire

_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_GATTS_WRITE = const(3)
_IRQ_MTU_EXCHANGED = const(21)
_IRQ_ENCRYPTION_UPDATE = const(28)
_IRQ_SET_SECRET = const(30)

_FLAG_READ = const(0x0002)
_FLAG_WRITE_NO_RESPONSE = const(0x0004)
_FLAG_WRITE = const(0x0008)
_FLAG_NOTIFY = const(0x0010)
_FLAG_WRITE_ENCRYPTED = const(0x1000)  # NimBLE answers ATT 0x05/0x0F to an unencrypted write

_ADV_INTERVAL_US = const(100_000)
_ADV_TYPE_FLAGS = const(0x01)
_ADV_TYPE_UUID128_COMPLETE = const(0x07)
_ADV_TYPE_NAME_COMPLETE = const(0x09)
_ADV_FLAGS_LE_ONLY = const(0x06)
_ADV_TYPE_MANUFACTURER = const(0xFF)
# Progressor mode marks a Taut band with manufacturer data: company 0xFFFF (none) + "TAUT".
TAUT_MARK = b"\xff\xffTAUT"
_CONTROL_BUFFER = const(244)  # the largest ATT write: MTU 247 - 3

SERVICE_UUID = "54415554-0000-4c6f-6164-43656c6c0000"
STREAM_UUID = "54415554-0001-4c6f-6164-43656c6c0000"
CONTROL_UUID = "54415554-0002-4c6f-6164-43656c6c0000"
STATUS_UUID = "54415554-0003-4c6f-6164-43656c6c0000"
_BATTERY_SERVICE = const(0x180F)
_BATTERY_LEVEL = const(0x2A19)
_DIS_SERVICE = const(0x180A)
_MANUFACTURER = const(0x2A29)
_MODEL = const(0x2A24)
_FIRMWARE_REV = const(0x2A26)


# The 16 little-endian bytes of a 128-bit UUID string, as advertised.
def uuid128_le(text):
    hexdigits = text.replace("-", "")
    out = bytearray(16)
    for i in range(16):
        out[15 - i] = int(hexdigits[2 * i : 2 * i + 2], 16)
    return bytes(out)


# Advertising data: flags + the complete 128-bit Taut service UUID (21 bytes); in Progressor
# mode the Progressor's service UUID and the Taut mark instead (29 bytes).
def adv_data(progressor_mode=False):
    head = bytes((2, _ADV_TYPE_FLAGS, _ADV_FLAGS_LE_ONLY, 17, _ADV_TYPE_UUID128_COMPLETE))
    if progressor_mode:
        mark = bytes((len(TAUT_MARK) + 1, _ADV_TYPE_MANUFACTURER)) + TAUT_MARK
        return head + uuid128_le(progressor.SERVICE_UUID) + mark
    return head + uuid128_le(SERVICE_UUID)


# Scan response: the complete local name.
def scan_response(name):
    raw = name.encode("utf-8")
    return bytes((len(raw) + 1, _ADV_TYPE_NAME_COMPLETE)) + raw


class Gatt:
    # Owns the BLE object. Callbacks (run from the IRQ handler; keep them short):
    # on_connect(), on_disconnect(), on_mtu(mtu), on_control(request_bytes); with on_pcontrol
    # (Progressor mode) the Progressor service is added and on_pcontrol(bytes) gets its writes.
    # security: a security.Security (Taut control for bonded hosts only), or None (open control:
    # component tests). Progressor apps do not pair: its control point stays open.

    def __init__(self, ble, name, device_info, on_connect, on_disconnect, on_mtu, on_control, on_pcontrol=None,
                 security=None):
        self._ble = ble
        self._security = security
        self.refused_writes = 0
        self._on_connect = on_connect
        self._on_disconnect = on_disconnect
        self._on_mtu = on_mtu
        self._on_control = on_control
        self._on_pcontrol = on_pcontrol
        self.progressor_mode = on_pcontrol is not None
        self.h_pdata = None
        self.h_pcontrol = None
        self.conn = None
        self.mtu = wire.MTU_DEFAULT
        self.rejected = 0
        self.dropped = 0
        self.irq_errors = 0
        self.advertising = False
        ble.active(True)
        ble.config(mtu=wire.MTU_MAX)
        ble.irq(self._irq)
        control_flags = _FLAG_WRITE | _FLAG_NOTIFY | (0 if security is None else _FLAG_WRITE_ENCRYPTED)
        taut = (
            bluetooth.UUID(SERVICE_UUID),
            (
                (bluetooth.UUID(STREAM_UUID), _FLAG_NOTIFY),
                (bluetooth.UUID(CONTROL_UUID), control_flags),
                (bluetooth.UUID(STATUS_UUID), _FLAG_READ | _FLAG_NOTIFY),
            ),
        )
        battery = (bluetooth.UUID(_BATTERY_SERVICE), ((bluetooth.UUID(_BATTERY_LEVEL), _FLAG_READ | _FLAG_NOTIFY),))
        dis = (
            bluetooth.UUID(_DIS_SERVICE),
            (
                (bluetooth.UUID(_MANUFACTURER), _FLAG_READ),
                (bluetooth.UUID(_MODEL), _FLAG_READ),
                (bluetooth.UUID(_FIRMWARE_REV), _FLAG_READ),
            ),
        )
        services = (taut, battery, dis)
        if self.progressor_mode:
            services += (
                (
                    bluetooth.UUID(progressor.SERVICE_UUID),
                    (
                        (bluetooth.UUID(progressor.DATA_UUID), _FLAG_NOTIFY),
                        (bluetooth.UUID(progressor.CONTROL_UUID), _FLAG_WRITE | _FLAG_WRITE_NO_RESPONSE),
                    ),
                ),
            )
        handles = ble.gatts_register_services(services)
        ((self.h_stream, self.h_control, self.h_status), (self.h_battery,), dis_handles) = handles[:3]
        if self.progressor_mode:
            self.h_pdata, self.h_pcontrol = handles[3]
        ble.gatts_set_buffer(self.h_control, _CONTROL_BUFFER)
        for handle, text in zip(dis_handles, device_info):
            ble.gatts_write(handle, text.encode("utf-8"))
        self._adv = adv_data(self.progressor_mode)
        self._resp = b""
        self.set_name(name)

    # Start (or restart) connectable advertising; False if the stack refused (retried by
    # keep_advertising).
    def advertise(self):
        try:
            self._ble.gap_advertise(_ADV_INTERVAL_US, adv_data=self._adv, resp_data=self._resp)
        except OSError:
            self.advertising = False
            return False
        self.advertising = True
        return True

    # Advertise again if nothing is connected and advertising stopped (from a task).
    def keep_advertising(self):
        if self.conn is None and not self.advertising:
            self.advertise()

    # New GAP device name and scan response (used from the next advertising on); Progressor mode
    # puts the prefix the apps look for before it.
    def set_name(self, name):
        if self.progressor_mode:
            name = progressor.NAME_PREFIX + name
        self._resp = scan_response(name)
        self._ble.config(gap_name=name)

    # Send one notification to the connected central; False if it could not go out (nobody
    # connected, or OSError(ENOMEM): NimBLE's buffers are full).
    def notify(self, handle, data):
        conn = self.conn
        if conn is None:
            return False
        try:
            self._ble.gatts_notify(conn, handle, data)
            return True
        except OSError:
            self.dropped += 1
            return False

    # Update a readable value (status, battery) and notify it; False if the notification did
    # not go out.
    def publish(self, handle, data):
        self._ble.gatts_write(handle, data)
        return self.notify(handle, data)

    def _irq(self, event, data):
        try:
            return self._dispatch(event, data)
        except Exception:  # whatever it was, raising it would cost the handler
            self.irq_errors += 1
            return False if event == _IRQ_SET_SECRET else None

    def _dispatch(self, event, data):
        if event == _IRQ_CENTRAL_CONNECT:
            conn = data[0]
            self.advertising = False  # a connection stops advertising
            if self.conn is not None:
                self.rejected += 1
                self._ble.gap_disconnect(conn)
                return
            self.conn = conn
            self.mtu = wire.MTU_DEFAULT
            if self._security is not None:
                self._security.on_connect(conn)
            self._on_connect()
        elif event == _IRQ_CENTRAL_DISCONNECT:
            if data[0] != self.conn:
                if self.conn is None:
                    self.advertising = False  # a connection attempt failed
                return
            self.conn = None
            self.mtu = wire.MTU_DEFAULT
            if self._security is not None:
                self._security.on_disconnect(data[0])
            self._on_disconnect()
            self.advertise()
        elif event == _IRQ_GATTS_WRITE:
            conn, handle = data[0], data[1]
            if conn == self.conn and handle == self.h_control:
                data = bytes(self._ble.gatts_read(handle))
                if self._security is not None and not self._security.may_control(conn):
                    self.refused_writes += 1  # encrypted but not (yet) bonded: NimBLE let it by
                    return None
                self._on_control(data)
            elif conn == self.conn and handle == self.h_pcontrol and self._on_pcontrol is not None:
                self._on_pcontrol(bytes(self._ble.gatts_read(handle)))
        elif event == _IRQ_MTU_EXCHANGED:
            if data[0] == self.conn:
                self.mtu = data[1]
                self._on_mtu(data[1])
        elif _IRQ_ENCRYPTION_UPDATE <= event <= _IRQ_SET_SECRET and self._security is not None:
            return self._security.irq(event, data)
        return None
