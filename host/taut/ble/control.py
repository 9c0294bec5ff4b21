"""Control point requests and their answers: req_id matching, timeouts, typed errors.

The write returns before the command has run; the answer arrives later as a notification with
the same req_id. Late answers (after a timeout) are logged and dropped, never matched to another
request. Pure: the transport is a `write(bytes)` coroutine given by the caller.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from taut import protocol
from taut.ble.errors import ControlTimeout

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 3.0


class ControlChannel:
    """Sends `protocol.Command`s and awaits their `ControlResponse`s."""

    def __init__(self, write: Callable[[bytes], Awaitable[None]]) -> None:
        self._write = write
        self._next_id = 0
        self._pending: dict[int, asyncio.Future[protocol.ControlResponse]] = {}
        self.late_responses = 0
        self.malformed_responses = 0

    def _new_id(self) -> int:
        for _ in range(255):
            self._next_id = self._next_id % 255 + 1  # 1..255: 0 is what the band uses for runts
            if self._next_id not in self._pending:
                return self._next_id
        raise RuntimeError("255 control requests outstanding")

    async def request(self, command: protocol.Command, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> protocol.ResponseValue:
        """Runs one command; returns its value or raises `CommandFailed` / `ControlTimeout`."""
        req_id = self._new_id()
        request = protocol.ControlRequest(req_id, command)
        fut: asyncio.Future[protocol.ControlResponse] = asyncio.get_running_loop().create_future()
        self._pending[req_id] = fut
        try:
            async with asyncio.timeout(timeout_s):
                await self._write(request.to_bytes())
                response = await fut
        except TimeoutError:
            raise ControlTimeout(f"{request.opcode.name}: no answer within {timeout_s:g} s") from None
        finally:
            self._pending.pop(req_id, None)
            if fut.done() and not fut.cancelled():
                fut.exception()  # failed by fail_all() while the write itself raised: seen
        if response.opcode != request.opcode:
            log.warning("answer to req %d has opcode 0x%02x, sent 0x%02x", req_id, response.opcode, request.opcode)
        return response.check()

    def on_notification(self, data: bytes | bytearray) -> None:
        """Feed every control point notification here."""
        try:
            response = protocol.ControlResponse.from_bytes(data)
        except protocol.ProtocolError as exc:
            self.malformed_responses += 1
            log.warning("malformed control response skipped: %s [%s]", exc, bytes(data).hex())
            return
        fut = self._pending.get(response.req_id)
        if fut is None or fut.done():
            self.late_responses += 1
            log.warning("control response for req %d matches no pending request: dropped", response.req_id)
            return
        fut.set_result(response)

    def fail_all(self, exc: BaseException) -> None:
        """The link is gone: every pending request fails with `exc`."""
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(exc)
