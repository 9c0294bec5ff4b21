"""A Bumble virtual controller on a pseudo-terminal: the radio of a MicroPython process.

MicroPython's unix port speaks HCI over the serial device `$MICROPYBTUART` (1 Mbaud, RTS/CTS; a
pty accepts that). The controller joins the event loop's radio (`taut.bumble_backend.radio`), so
the host's central and the CPython twins share its air. It has NO public address: NimBLE then
makes up a random static one, which is what Bumble's LocalLink routes LE data by. NimBLE draws it
from the controller's LE_Rand at each start; an ESP32's address is fixed in eFuse, so with an
`identity_seed` the LE_Rand answers until the address is set come from that seed after every
reset: the band keeps its address across reboots and hosts find their bonds again.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import pty
import random
import tty
from typing import Any

from bumble import hci, ll
from bumble.transport.common import StreamPacketSink, StreamPacketSource

from taut.bumble_backend.radio import AirController, radio

log = logging.getLogger(__name__)

_NO_ADDRESS = hci.Address("00:00:00:00:00:00")
_POWER_OFF = 0x08
_ATT_CID = b"\x04\x00"
_ATT_NOTIFICATION = 0x1B  # HCI reason "connection timeout": what a peer sees when a band loses power


class _PtyAirController(AirController):
    """An AirController that can slow the radio down: "packets sent" reports to NimBLE go out at
    most `completions_per_s` a second (0: none), so its buffers fill as on a congested link."""

    completions_per_s: float | None = None
    # LE ACL buffers reported to the host: Bumble's default is 64; a phone-side or ESP32 controller
    # has far fewer, and with few, a stalled link fills NimBLE's own pool within a second.
    total_num_le_acl_data_packets = 8
    _held: collections.deque[Any] | None = None
    _releaser: asyncio.TimerHandle | None = None

    identity_seed: int | None = None
    _boot_rng: random.Random | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.notified: dict[int, list[bytes]] = collections.defaultdict(list)
        self._assemblers: dict[int, hci.HCI_AclDataPacketAssembler] = {}

    def on_hci_reset_command(self, command: Any) -> Any:
        if self.identity_seed is not None:
            self._boot_rng = random.Random(self.identity_seed)
        return super().on_hci_reset_command(command)

    def on_hci_le_rand_command(self, command: Any) -> Any:
        if self._boot_rng is None:
            return super().on_hci_le_rand_command(command)
        random_number = self._boot_rng.randbytes(8)
        return hci.HCI_LE_Rand_ReturnParameters(status=hci.HCI_ErrorCode.SUCCESS, random_number=random_number)

    def on_hci_le_set_random_address_command(self, command: Any) -> Any:
        self._boot_rng = None  # the address is chosen: later randomness (pairing) is random again
        return super().on_hci_le_set_random_address_command(command)

    def on_hci_acl_data_packet(self, packet: hci.HCI_AclDataPacket) -> None:
        """The ground truth: every ATT notification NimBLE hands to the radio, by value handle."""
        assembler = self._assemblers.get(packet.connection_handle)
        if assembler is None:
            assembler = self._assemblers[packet.connection_handle] = hci.HCI_AclDataPacketAssembler(self._on_l2cap)
        assembler.feed_packet(packet)
        super().on_hci_acl_data_packet(packet)

    def _on_l2cap(self, pdu: bytes) -> None:
        if len(pdu) >= 7 and pdu[2:4] == _ATT_CID and pdu[4] == _ATT_NOTIFICATION:
            self.notified[int.from_bytes(pdu[5:7], "little")].append(bytes(pdu[7:]))

    def send_hci_packet(self, packet) -> None:  # type: ignore[override]
        if isinstance(packet, hci.HCI_Number_Of_Completed_Packets_Event) and (
            self.completions_per_s is not None or self._held
        ):
            if self._held is None:
                self._held = collections.deque()
            self._held.append(packet)
            self._schedule_release()
            return
        super().send_hci_packet(packet)

    def _schedule_release(self) -> None:
        if self._releaser is not None or not self._held:
            return
        rate = self.completions_per_s
        if rate is None:
            self._release_all()
        elif rate > 0:
            self._releaser = asyncio.get_running_loop().call_later(1.0 / rate, self._release_one)

    def _release_one(self) -> None:
        self._releaser = None
        if self._held:
            super().send_hci_packet(self._held.popleft())
        self._schedule_release()

    def _release_all(self) -> None:
        while self._held:
            super().send_hci_packet(self._held.popleft())

    def set_throughput(self, completions_per_s: float | None) -> None:
        self.completions_per_s = completions_per_s
        if self._releaser is not None:
            self._releaser.cancel()
            self._releaser = None
        self._schedule_release()


class PtyController:
    """One AirController on the running loop's radio, reachable at `self.path` (the pty's replica)."""

    def __init__(self, name: str = "micropython", *, identity_seed: int | None = None) -> None:
        self.name = name
        self.identity_seed = identity_seed
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
        self.controller.identity_seed = self.identity_seed

    def congest(self, completions_per_s: float | None) -> None:
        """Lets the link carry at most that many packets a second (0: none; None: unlimited again)."""
        if self.controller is not None:
            self.controller.set_throughput(completions_per_s)

    @property
    def address(self) -> str | None:
        """The random static address NimBLE chose ("AA:BB:..."), once it has set one."""
        c = self.controller
        if c is None or c.random_address == _NO_ADDRESS:
            return None
        return str(c.random_address).split("/")[0]

    def notified(self, value_handle: int) -> list[bytes]:
        """Every notification value the band sent on `value_handle` (all connections, in order)."""
        c = self.controller
        return list(c.notified.get(value_handle, ())) if c is not None else []

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
