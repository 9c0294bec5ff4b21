"""`BleSource`: a band's tension stream as a `SampleSource`, reconnecting by itself after a drop.

Steps: find the band (name, address or the first one), connect, subscribe, start streaming;
every notification goes through the `StreamAssembler` (host time, gaps, malformed packets) into
a queue read by `batches()`. When the link drops, it reconnects with exponential backoff and
starts the stream again; the time lost shows up as a `gap` event. `close()` stops the stream and
disconnects.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Callable

from taut import protocol
from taut.ble.assembler import StreamAssembler, StreamStats
from taut.ble.backend import PLATFORM, Backend
from taut.ble.client import BandClient, DeviceInfo, find_band
from taut.ble.errors import BleError, NotConnected
from taut.sources import Connected, DeviceStatus, Disconnected, LinkEvent, Reconnecting, SampleBatch

log = logging.getLogger(__name__)

_END = object()


class LinkLost(BleError):
    """The link dropped and could not be restored (or reconnecting was turned off)."""


class BleSource:
    """Sample batches from a Taut band over BLE (real or virtual: only `backend` differs)."""

    def __init__(
        self,
        target: str | None = None,
        *,
        backend: Backend = PLATFORM,
        on_event: Callable[[LinkEvent], None] | None = None,
        reconnect: bool = True,
        max_attempts: int | None = None,
        backoff_s: tuple[float, float] = (0.25, 8.0),
        scan_timeout_s: float = 5.0,
        rate_hz: int | None = None,
        seed: int | None = None,
    ) -> None:
        self._target = target
        self._backend = backend
        self._user_on_event = on_event
        self._reconnect = reconnect
        self._max_attempts = max_attempts
        self._backoff_s = backoff_s
        self._scan_timeout_s = scan_timeout_s
        self._rate_hz = rate_hz
        self._rng = random.Random(seed)
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self.assembler = StreamAssembler(on_event=self._event)
        self.band: BandClient | None = None
        self.info: DeviceInfo | None = None
        self._address: str | None = None
        self._lost = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        self._closed = False
        self.reconnects = 0
        self.events: list[LinkEvent] = []

    @property
    def stats(self) -> StreamStats:
        return self.assembler.stats

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def _event(self, event: LinkEvent) -> None:
        self.events.append(event)
        if self._user_on_event is not None:
            self._user_on_event(event)

    async def start(self) -> DeviceInfo:
        """Connects and starts streaming; raises `BandNotFound` / `BleError` if that fails."""
        await self._open()
        self._supervisor = asyncio.get_running_loop().create_task(self._supervise())
        assert self.info is not None
        return self.info

    async def _open(self) -> None:
        target = self._address or self._target
        device = await find_band(target, timeout_s=self._scan_timeout_s, backend=self._backend)
        band = BandClient(device, backend=self._backend, on_disconnect=self._on_disconnect)
        self._lost.clear()
        await band.connect()
        try:
            self.info = await band.read_info()
            self.assembler.nominal_rate_hz = (await band.read_status()).rate_hz
            await band.subscribe_stream(self._on_packet)
            await band.subscribe_status(self._on_status)
            if self._rate_hz is not None:
                await band.set_rate(self._rate_hz)
            await band.start_stream()
        except BaseException:
            await band.disconnect()
            raise
        self.band = band
        self._address = band.address
        self._event(Connected(self._now(), band.address, self.info.name, band.mtu))

    def _on_packet(self, data: bytes, host_s: float) -> None:
        try:
            batch = self.assembler.feed(data, host_s)
        except protocol.UnsupportedVersion as exc:
            self._queue.put_nowait(exc)
            return
        if batch is not None:
            self._queue.put_nowait(batch)

    def _on_status(self, data: bytes) -> None:
        try:
            status = protocol.Status.from_bytes(data)
        except protocol.ProtocolError as exc:
            log.warning("malformed status skipped: %s", exc)
            return
        self.assembler.nominal_rate_hz = status.rate_hz
        self._event(DeviceStatus(self._now(), int(status.flags), status.battery_pct, status.rate_hz))

    def _on_disconnect(self) -> None:
        if self._closed:
            return
        batch = self.assembler.link_lost()  # held suspect packets, judged by the clock alone
        if batch is not None:
            self._queue.put_nowait(batch)
        self._event(Disconnected(self._now()))
        self._lost.set()

    async def _supervise(self) -> None:
        try:
            while not self._closed:
                await self._lost.wait()
                if self._closed:
                    return
                if not self._reconnect:
                    raise LinkLost("the band disconnected")
                await self._restore()
        except BaseException as exc:  # ends batches() with the error
            if not isinstance(exc, asyncio.CancelledError):
                self._queue.put_nowait(exc)
            raise
        finally:
            if not self._closed:  # else close() ends the queue, after what the stopping stream flushed
                self._queue.put_nowait(_END)

    async def _restore(self) -> None:
        attempt = 0
        delay_s = self._backoff_s[0]
        while not self._closed:
            attempt += 1
            if self._max_attempts is not None and attempt > self._max_attempts:
                raise LinkLost(f"could not reconnect after {attempt - 1} attempts")
            wait_s = delay_s * (0.75 + 0.5 * self._rng.random())
            self._event(Reconnecting(self._now(), attempt, wait_s))
            await asyncio.sleep(wait_s)
            try:
                await self._open()
            except Exception as exc:  # any failure of this attempt (link, scan, command): try again
                log.info("reconnect attempt %d failed: %r", attempt, exc)
                delay_s = min(delay_s * 2, self._backoff_s[1])
                continue
            self.reconnects += 1
            return

    async def batches(self) -> AsyncIterator[SampleBatch]:
        """Batches until `close()`; raises `LinkLost` or `UnsupportedVersion` if the stream dies."""
        while True:
            item = await self._queue.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, SampleBatch)
            yield item

    async def close(self) -> None:
        """Stops the stream, disconnects and ends `batches()`."""
        if self._closed:
            return
        self._closed = True
        self._lost.set()
        band = self.band
        if band is not None and band.is_connected:
            try:
                await band.stop_stream(timeout_s=1.0)
            except (BleError, protocol.CommandFailed, NotConnected) as exc:
                log.debug("stop stream on close: %s", exc)
            await band.disconnect()
        batch = self.assembler.stream_stopped()
        if batch is not None:
            self._queue.put_nowait(batch)
        if self._supervisor is not None:
            self._supervisor.cancel()
            try:
                await self._supervisor
            except BaseException:
                pass
        self._queue.put_nowait(_END)
