# Fake MicroPython `bluetooth` module for firmware tests in the MicroPython VM.
#
# The firmware side sees the real API: BLE() (a singleton), active, config, irq, gap_advertise,
# gap_disconnect, gatts_register_services, gatts_read, gatts_write, gatts_set_buffer,
# gatts_notify, gatts_indicate, UUID and the FLAG_* constants. Like the ESP32 port:
#   - IRQs are delivered later through micropython.schedule, in order, never re-entrantly;
#   - value buffers hold 20 bytes unless gatts_set_buffer enlarged them; longer writes are cut;
#   - a connection stops advertising; advertising or scan-response data over 31 bytes raises
#     OSError(EINVAL); gatts_notify on a handle that is not connected raises OSError(ENOTCONN);
#   - config("mtu") is 256 until the firmware sets it; a value handle that does not exist
#     raises OSError(EINVAL), any call needing the radio while inactive OSError(ENODEV);
#     gatts_set_buffer empties the value, an append-mode gatts_read empties the buffer;
#   - a notification longer than MTU - 3 is cut; gatts_notify sends whether or not the central
#     subscribed;
#   - a write to a characteristic flagged FLAG_WRITE_ENCRYPTED/AUTHENTICATED over an unencrypted
#     link never reaches the IRQ handler: the central gets ATT 0x0F (insufficient encryption) if
#     the firmware holds a bond for it (_IRQ_GET_SECRET type 2), else 0x05 (insufficient
#     authentication), as NimBLE's ble_att_svr_check_perms answers;
#   - the secret IRQs (29, 30) run at once and their return value is used, as NimBLE needs it;
#     a pairing then reports _IRQ_ENCRYPTION_UPDATE (28) before the keys are stored, as
#     NimBLE's ble_sm_process_result does.
#
# Test API (the central's side), all on the BLE() object:
#   central_connect(addr=b"\x01\x02\x03\x04\x05\x06", force=False) -> conn_handle
#       needs connectable advertising unless force=True (to test a second central).
#   central_disconnect(conn_handle)            the central (or the link) drops
#   central_mtu(conn_handle, client_mtu=247)   MTU exchange: min(client, config("mtu"), which
#                                              starts at 256 until the firmware sets it) -> IRQ 21
#   central_write(conn_handle, value_handle, data)  a write (with response) -> IRQ 3; returns
#                                              None, or the ATT error code of a refused write
#   central_pair(conn_handle, bond=True)       Just Works pairing: IRQ 28 (encrypted, bonded),
#                                              then IRQ 30 for the OUR/PEER secrets (bond=True),
#                                              all at once; returns whether the firmware stored them
#   central_encrypt(conn_handle)               re-encrypt from a stored bond (IRQ 29 type 1);
#                                              False (link stays plain) if the firmware has none
#   central_connect_fail()                     a connection attempt that fails: advertising
#                                              stops and only IRQ 2 (a new handle) reports it
#   fail_advertise = n                         the next n gap_advertise calls raise OSError
#   queue_max = n                              NimBLE's buffers: after n notifications/indications
#                                              not yet sent, gatts_notify raises OSError(ENOMEM)
#                                              (None: unlimited); release(n=None) sends n (all)
#                                              queued ones, as the link does at each interval;
#                                              enomem counts the refusals
#   central_read(value_handle) -> bytes        needs the READ flag
#   handle(uuid_str_or_int) -> value handle of the characteristic with that UUID
#   pending() -> number of IRQs not yet delivered
#   Records: services (as registered), handles (as returned), adv_log (list of
#   (interval_us, adv_data, resp_data, connectable)), advertising (current tuple or None),
#   notifications / indications (lists of (conn_handle, value_handle, bytes)), notify_count,
#   record (set False to count notifications without copying them: no allocation),
#   disconnects (conn handles the firmware dropped), connected (dict conn_handle -> mtu),
#   config_values (dict), truncated (notifications longer than MTU - 3), irq_errors (exceptions
#   the IRQ handler raised, printed as on the device, which then drops the handler for good:
#   modbluetooth.c sets it to None, so no IRQ reaches the firmware again until a reset).
import sys

import micropython
from micropython import const

FLAG_BROADCAST = const(0x0001)
FLAG_READ = const(0x0002)
FLAG_WRITE_NO_RESPONSE = const(0x0004)
FLAG_WRITE = const(0x0008)
FLAG_NOTIFY = const(0x0010)
FLAG_INDICATE = const(0x0020)
FLAG_WRITE_ENCRYPTED = const(0x1000)
FLAG_WRITE_AUTHENTICATED = const(0x2000)

_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_GATTS_WRITE = const(3)
_IRQ_GATTS_INDICATE_DONE = const(20)
_IRQ_MTU_EXCHANGED = const(21)
_IRQ_ENCRYPTION_UPDATE = const(28)
_IRQ_GET_SECRET = const(29)
_IRQ_SET_SECRET = const(30)
_SECRET_OUR = const(1)
_SECRET_PEER = const(2)
_ATT_INSUFFICIENT_AUTHENTICATION = const(0x05)
_ATT_INSUFFICIENT_ENCRYPTION = const(0x0F)

_EBUSY = const(16)
_ENODEV = const(19)
_EINVAL = const(22)
_ENOMEM = const(12)
_ENOTCONN = const(128)
_DEFAULT_BUFFER = const(20)
_MAX_ADV = const(31)


class UUID:
    # A 16-bit (int) or 128-bit (string) UUID; compared by value.
    def __init__(self, value):
        if isinstance(value, int):
            if not 0 <= value <= 0xFFFF:
                raise ValueError("invalid UUID")
            self._s = "%04x" % value
        elif isinstance(value, str):
            s = value.lower()
            if len(s.replace("-", "")) != 32:
                raise ValueError("invalid UUID")
            self._s = s
        elif isinstance(value, UUID):
            self._s = value._s
        else:
            raise TypeError("UUID from int or str")

    def __eq__(self, other):
        return isinstance(other, UUID) and other._s == self._s

    def __hash__(self):
        return hash(self._s)

    def __str__(self):
        return self._s

    def __repr__(self):
        return "UUID(%r)" % self._s


class _Attr:
    def __init__(self, uuid, flags):
        self.uuid = uuid
        self.flags = flags
        self.value = b""
        self.size = _DEFAULT_BUFFER
        self.append = False


class BLE:
    _instance = None

    def __new__(cls, *args):
        if BLE._instance is None:
            BLE._instance = object.__new__(cls)
            BLE._instance._reset()
        return BLE._instance

    def __init__(self, *args):
        pass

    def _reset(self):
        self._active = False
        self._handler = None
        self._events = []
        self._scheduled = False
        self._attrs = {}
        self._next_handle = 1
        self._next_conn = 64
        self.config_values = {"mtu": 256, "gap_name": b"MPY ESP32", "mac": (0, b"\x24\x0a\xc4\x5e\xa1\x7b")}
        self.services = None
        self.handles = None
        self.adv_log = []
        self.advertising = None
        self.notifications = []
        self.indications = []
        self.notify_count = 0
        self.record = True
        self.disconnects = []
        self.connected = {}
        self.irq_errors = []
        self.truncated = 0
        self.fail_advertise = 0
        self.queue_max = None
        self.queued = 0
        self.enomem = 0
        self.peers = {}  # conn_handle -> the central's 7-byte ble_addr_t key
        self.encrypted = set()

    # ---- the firmware's API

    def active(self, *args):
        if args:
            self._active = bool(args[0])
            if not self._active:
                self.advertising = None
                self.connected = {}
        return self._active

    def config(self, *args, **kwargs):
        if args:
            if args[0] not in self.config_values:
                raise ValueError("unknown config param")
            return self.config_values[args[0]]
        for k, v in kwargs.items():
            if k == "gap_name":
                v = v.encode() if isinstance(v, str) else bytes(v)
            elif k == "mtu":
                if not 23 <= v <= 517:
                    raise ValueError("invalid MTU")
            self.config_values[k] = v

    def irq(self, handler):
        self._handler = handler

    def gap_advertise(self, interval_us, adv_data=None, *, resp_data=None, connectable=True):
        self._need_active()
        if interval_us is None:
            self.advertising = None
            return
        if self.fail_advertise > 0:
            self.fail_advertise -= 1
            self.advertising = None
            raise OSError(_EBUSY)
        if adv_data is not None and len(adv_data) > _MAX_ADV:
            raise OSError(_EINVAL)
        if resp_data is not None and len(resp_data) > _MAX_ADV:
            raise OSError(_EINVAL)
        adv = bytes(adv_data) if adv_data is not None else b""
        resp = bytes(resp_data) if resp_data is not None else b""
        self.advertising = (interval_us, adv, resp, connectable)
        self.adv_log.append(self.advertising)

    def gap_disconnect(self, conn_handle):
        if conn_handle not in self.connected:
            return False
        self.disconnects.append(conn_handle)
        del self.connected[conn_handle]
        self.encrypted.discard(conn_handle)
        self._queue(_IRQ_CENTRAL_DISCONNECT, (conn_handle, 0, memoryview(b"\x00" * 6)))
        return True

    def gatts_register_services(self, services):
        self._need_active()
        self._attrs = {}
        self._next_handle = 1
        out = []
        for service in services:
            uuid, chars = service[0], service[1]
            self._next_handle += 1  # service declaration
            hs = []
            for ch in chars:
                self._next_handle += 1  # characteristic declaration
                h = self._next_handle
                self._attrs[h] = _Attr(UUID(ch[0]), ch[1])
                self._next_handle += 1
                hs.append(h)
                if ch[1] & (FLAG_NOTIFY | FLAG_INDICATE):
                    self._next_handle += 1  # CCCD
                if len(ch) > 2:
                    for d in ch[2]:
                        hd = self._next_handle
                        self._attrs[hd] = _Attr(UUID(d[0]), d[1])
                        self._next_handle += 1
                        hs.append(hd)
            out.append(tuple(hs))
        self.services = services
        self.handles = tuple(out)
        return self.handles

    def gatts_read(self, value_handle):
        a = self._attr(value_handle)
        value = a.value
        if a.append:
            a.value = b""
        return value

    def gatts_write(self, value_handle, data, send_update=False):
        a = self._attr(value_handle)
        a.value = bytes(data)
        if send_update:
            for conn in self.connected:
                self._send(self.notifications, conn, value_handle, data)

    def gatts_set_buffer(self, value_handle, length, append=False):
        a = self._attr(value_handle)
        a.size = length
        a.append = append
        a.value = b""

    def gatts_notify(self, conn_handle, value_handle, data=None):
        self._attr(value_handle)
        if conn_handle not in self.connected:
            raise OSError(_ENOTCONN)
        self._send(self.notifications, conn_handle, value_handle, data)

    def gatts_indicate(self, conn_handle, value_handle, data=None):
        self._attr(value_handle)
        if conn_handle not in self.connected:
            raise OSError(_ENOTCONN)
        self._send(self.indications, conn_handle, value_handle, data)
        self._queue(_IRQ_GATTS_INDICATE_DONE, (conn_handle, value_handle, 0))

    # ---- the central's side (tests)

    def central_connect(self, addr=b"\x01\x02\x03\x04\x05\x06", force=False):
        if not force and (self.advertising is None or not self.advertising[3]):
            raise OSError(_ENOTCONN)
        conn = self._next_conn
        self._next_conn += 1
        self.connected[conn] = 23
        self.peers[conn] = b"\x00" + bytes(reversed(bytes(addr)))
        self.advertising = None
        self._queue(_IRQ_CENTRAL_CONNECT, (conn, 0, memoryview(bytes(addr))))
        return conn

    def central_connect_fail(self):
        if self.advertising is None or not self.advertising[3]:
            raise OSError(_ENOTCONN)
        conn = self._next_conn
        self._next_conn += 1
        self.advertising = None
        self._queue(_IRQ_CENTRAL_DISCONNECT, (conn, 0, memoryview(b"\x00" * 6)))
        return conn

    def central_disconnect(self, conn_handle):
        if conn_handle in self.connected:
            del self.connected[conn_handle]
            self.encrypted.discard(conn_handle)
            self._queue(_IRQ_CENTRAL_DISCONNECT, (conn_handle, 0, memoryview(b"\x00" * 6)))

    def central_mtu(self, conn_handle, client_mtu=247):
        if conn_handle not in self.connected:
            raise OSError(_ENOTCONN)
        mtu = min(client_mtu, self.config_values["mtu"])
        self.connected[conn_handle] = mtu
        self._queue(_IRQ_MTU_EXCHANGED, (conn_handle, mtu))
        return mtu

    def central_write(self, conn_handle, value_handle, data):
        a = self._attr(value_handle)
        if conn_handle not in self.connected:
            raise OSError(_ENOTCONN)
        if not a.flags & (FLAG_WRITE | FLAG_WRITE_NO_RESPONSE):
            raise OSError(_EINVAL)
        if a.flags & (FLAG_WRITE_ENCRYPTED | FLAG_WRITE_AUTHENTICATED) and conn_handle not in self.encrypted:
            if self._call(_IRQ_GET_SECRET, (_SECRET_PEER, 0, memoryview(self.peers[conn_handle]))) is not None:
                return _ATT_INSUFFICIENT_ENCRYPTION
            return _ATT_INSUFFICIENT_AUTHENTICATION
        data = bytes(data)[: self.connected[conn_handle] - 3]
        a.value = (a.value + data if a.append else data)[: a.size]
        self._queue(_IRQ_GATTS_WRITE, (conn_handle, value_handle))

    def central_pair(self, conn_handle, bond=True):
        if conn_handle not in self.connected:
            raise OSError(_ENOTCONN)
        self.encrypted.add(conn_handle)
        self._call(_IRQ_ENCRYPTION_UPDATE, (conn_handle, 1, 0, 1 if bond else 0, 16))
        if not bond or conn_handle not in self.connected:
            return False
        key = memoryview(self.peers[conn_handle])
        value = memoryview(bytes(range(80)))  # stands for NimBLE's ble_store_value_sec
        ours = self._call(_IRQ_SET_SECRET, (_SECRET_OUR, key, value))
        theirs = self._call(_IRQ_SET_SECRET, (_SECRET_PEER, key, value))
        return bool(ours) and bool(theirs)

    def central_encrypt(self, conn_handle):
        if conn_handle not in self.connected:
            raise OSError(_ENOTCONN)
        if self._call(_IRQ_GET_SECRET, (_SECRET_OUR, 0, memoryview(self.peers[conn_handle]))) is None:
            return False
        self.encrypted.add(conn_handle)
        self._call(_IRQ_ENCRYPTION_UPDATE, (conn_handle, 1, 0, 1, 16))
        return True

    def central_read(self, value_handle):
        a = self._attr(value_handle)
        if not a.flags & FLAG_READ:
            raise OSError(_EINVAL)
        return bytes(a.value)

    def handle(self, uuid):
        u = UUID(uuid)
        for h, a in self._attrs.items():
            if a.uuid == u:
                return h
        raise KeyError(str(u))

    def pending(self):
        return len(self._events)

    # ---- internals

    def _need_active(self):
        if not self._active:
            raise OSError(_ENODEV)

    def _attr(self, value_handle):
        if value_handle not in self._attrs:
            raise OSError(_EINVAL)
        return self._attrs[value_handle]

    def release(self, n=None):
        self.queued = 0 if n is None or n >= self.queued else self.queued - n

    def _send(self, log, conn, value_handle, data):
        if self.queue_max is not None:
            if self.queued >= self.queue_max:
                self.enomem += 1
                raise OSError(_ENOMEM)
            self.queued += 1
        self.notify_count += 1
        if data is None:
            data = self._attrs[value_handle].value
        if len(data) > self.connected[conn] - 3:
            self.truncated += 1
        if self.record:
            log.append((conn, value_handle, bytes(data)[: self.connected[conn] - 3]))

    # A secret IRQ: runs now, its value returned (None if no handler or it raised).
    def _call(self, event, data):
        if self._handler is None:
            return None
        try:
            return self._handler(event, data)
        except Exception as e:
            self.irq_errors.append(repr(e))
            sys.print_exception(e)
            self._handler = None
            return None

    def _queue(self, event, data):
        self._events.append((event, data))
        if not self._scheduled:
            self._scheduled = True
            micropython.schedule(self._drain, None)

    def _drain(self, _):
        try:
            while self._events:
                event, data = self._events.pop(0)
                if self._handler is not None:
                    try:
                        self._handler(event, data)
                    except Exception as e:  # the real port prints it and drops the handler
                        self.irq_errors.append(repr(e))
                        sys.print_exception(e)
                        self._handler = None
        finally:
            self._scheduled = False
