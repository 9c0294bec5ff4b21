# Who may do what over the air: reading the stream is open to anyone in range; the control point
# needs a bonded, encrypted link (LE Secure Connections, Just Works: the band has no screen or
# keys). New pairings are accepted only in the pairing window: the first WINDOW_MS after power-on,
# or WINDOW_MS after a press of the pair button (and while it is held). Holding the button
# RESET_HOLD_MS is a factory reset (settings and every bond); the FACTORY_RESET opcode also needs
# it held. NimBLE refuses unencrypted control writes itself (the control characteristic carries
# FLAG_WRITE_ENCRYPTED); this module refuses pairings outside the window by not storing their
# keys and dropping the link. irq() runs in the BLE IRQ handler: short, never raises.
import time

from micropython import const

from bonds import SECRET_OUR_IRK

_IRQ_ENCRYPTION_UPDATE = const(28)
_IRQ_GET_SECRET = const(29)
_IRQ_SET_SECRET = const(30)
_IO_CAPABILITY_NO_INPUT_OUTPUT = const(3)

WINDOW_MS = const(60_000)
RESET_HOLD_MS = const(10_000)


class Security:
    # bonds: a Bonds store; button: a Pin that reads 0 while pressed (or None);
    # on_factory_reset(): called once when the button has been held RESET_HOLD_MS.

    def __init__(self, ble, bonds, button=None, window_ms=WINDOW_MS, on_factory_reset=None):
        self._ble = ble
        self.bonds = bonds
        self._button = button
        self._window_ms = window_ms
        self.on_factory_reset = on_factory_reset
        self._window_until = time.ticks_add(time.ticks_ms(), window_ms)
        self._pressed_at = None
        self._reset_done = False
        self.conn = None
        self.trusted = False
        self._refused = False
        self.refused_pairings = 0
        ble.config(bond=True, le_secure=True, mitm=False, io=_IO_CAPABILITY_NO_INPUT_OUTPUT)

    # Whether a new pairing would be accepted now.
    def window_open(self):
        return time.ticks_diff(self._window_until, time.ticks_ms()) > 0 or self.button_held()

    # Whether the pair button is pressed (physical presence).
    def button_held(self):
        return self._button is not None and self._button.value() == 0

    # Whether the connected central may use the control point (bonded and encrypted).
    def may_control(self, conn):
        return conn == self.conn and self.trusted

    def on_connect(self, conn):
        self.conn = conn
        self.trusted = False
        self._refused = False

    def on_disconnect(self, conn):
        if conn == self.conn:
            self.conn = None
            self.trusted = False

    # The security IRQs (28..30); returns what the IRQ must return to the stack.
    def irq(self, event, data):
        if event == _IRQ_GET_SECRET:
            sec_type, index, key = data
            return self.bonds.get(sec_type, index, None if key is None else bytes(key))
        if event == _IRQ_SET_SECRET:
            sec_type, key, value = data
            if sec_type != SECRET_OUR_IRK and not self.window_open():
                self._refuse()
                return False
            return self.bonds.set(sec_type, bytes(key), None if value is None else bytes(value))
        if event == _IRQ_ENCRYPTION_UPDATE:
            conn, encrypted, _authenticated, bonded, _key_size = data
            if conn != self.conn:
                return None
            self.trusted = bool(encrypted and bonded) and not self._refused
            if encrypted and not self.trusted:
                self._refuse()  # encrypted without a bond we keep: no control for it
        return None

    def _refuse(self):
        if not self._refused:
            self.refused_pairings += 1
        self._refused = True
        self.trusted = False
        if self.conn is not None:
            self._ble.gap_disconnect(self.conn)

    # Reads the button (from a task, every ~100 ms): a press opens the window, a long hold resets.
    def poll(self):
        if not self.button_held():
            self._pressed_at = None
            self._reset_done = False
            return
        now = time.ticks_ms()
        if self._pressed_at is None:
            self._pressed_at = now
        self._window_until = time.ticks_add(now, self._window_ms)
        held_ms = time.ticks_diff(now, self._pressed_at)
        if held_ms >= RESET_HOLD_MS and not self._reset_done:
            self._reset_done = True
            if self.on_factory_reset is not None:
                self.on_factory_reset()

    # Forgets every bond and drops the link (factory reset).
    def forget_all(self):
        ok = self.bonds.clear()
        if self.conn is not None:
            self._ble.gap_disconnect(self.conn)
        return ok
