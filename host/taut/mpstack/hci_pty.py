"""A Bumble virtual controller on a pseudo-terminal: the radio of a MicroPython process.

MicroPython's unix port speaks HCI over the serial device `$MICROPYBTUART` (1 Mbaud, RTS/CTS; a
pty accepts that). The controller joins the event loop's radio (`taut.bumble_backend.radio`), so
the host's central and the CPython twins share its air. It has NO public address: NimBLE then
makes up a random static one, which is what Bumble's LocalLink routes LE data by.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pty
import tty
from typing import Any

from bumble import hci, ll
from bumble.transport.common import StreamPacketSink, StreamPacketSource

from taut.bumble_backend.radio import AirController, radio

log = logging.getLogger(__name__)

_NO_ADDRESS = hci.Address("00:00:00:00:00:00")
_POWER_OFF = 0x08  # HCI reason "connection timeout": what a peer sees when a band loses power


class _PtyAirController(AirController):
    """An AirController that can slow the radio down: "packets sent" reports go out at most
    `completions_per_s` a second, so NimBLE's buffers fill as on a congested link."""

    completions_per_s: float | None = None

    def send_hci_packet(self, packet) -> None:  # type: ignore[override]
        if self.completions_per_s and isinstance(packet, hci.HCI_Number_Of_Completed_Packets_Event):
            loop = asyncio.get_running_loop()
            self._next_s = max(getattr(self, "_next_s", 0.0), loop.time()) + 1.0 / self.completions_per_s
            loop.call_at(self._next_s, super().send_hci_packet, packet)
            return
        super().send_hci_packet(packet)


class PtyController:
    """One AirController on the running loop's radio, reachable at `self.path` (the pty's replica)."""

    def __init__(self, name: str = "micropython") -> None:
        self.name = name
        self.controller: _PtyAirController | None = None
        self.path = ""
        self._fds: tuple[int, int] | None = None
        self._transports: list[Any] = []

    async def open(self) -> None:
        primary, replica = pty.openpty()
        tty.setraw(primary)
        tty.setraw(replica)
        self._fds = (primary, replica)
        self.path = os.ttyname(replica)
        loop = asyncio.get_running_loop()
        read_transport, source = await loop.connect_read_pipe(StreamPacketSource, open(primary, "rb", closefd=False))
        write_transport, _ = await loop.connect_write_pipe(asyncio.BaseProtocol, open(primary, "wb", closefd=False))
        self._transports = [read_transport, write_transport]
        self.controller = _PtyAirController(
            self.name, host_source=source, host_sink=StreamPacketSink(write_transport), link=radio().link
        )

    def congest(self, completions_per_s: float | None) -> None:
        """Lets the link carry at most that many packets a second (None: unlimited)."""
        if self.controller is not None:
            self.controller.completions_per_s = completions_per_s

    @property
    def address(self) -> str | None:
        """The random static address NimBLE chose ("AA:BB:..."), once it has set one."""
        c = self.controller
        if c is None or c.random_address == _NO_ADDRESS:
            return None
        return str(c.random_address).split("/")[0]

    def advertising(self) -> bool:
        c = self.controller
        return c is not None and bool(c.le_legacy_advertiser.enabled)

    def scan_response(self) -> bytes:
        c = self.controller
        return bytes(c.le_legacy_advertiser.scan_response_data) if c is not None else b""

    def power_off(self) -> None:
        """The band lost power: its peers see the link drop, its advertising stops."""
        c = self.controller
        if c is None:
            return
        for connection in list(c.le_connections.values()):
            try:
                connection.send_ll_control_pdu(ll.TerminateInd(_POWER_OFF))
            except Exception as exc:  # the peer may be gone already
                log.debug("terminate on power off: %r", exc)
        c.le_connections.clear()
        c.le_legacy_advertiser.stop()
        for adv_set in c.advertising_sets.values():
            adv_set.enabled = False

    async def close(self) -> None:
        self.power_off()
        c, self.controller = self.controller, None
        if c is not None and c in c.link.controllers:
            c.link.remove_controller(c)
        for t in self._transports:
            t.close()
        self._transports = []
        if self._fds is not None:
            for fd in self._fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
            self._fds = None
