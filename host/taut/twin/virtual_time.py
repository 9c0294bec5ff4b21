"""An asyncio event loop on a virtual clock: when nothing is ready, time jumps to the next timer.

Everything on the loop (firmware tasks, the Bumble stack, the host client) then runs faster than
real time yet sees consistent timing, so a 10 s recording costs only the CPU it needs.
"""

from __future__ import annotations

import asyncio
import selectors
from typing import Any


class _SkippingSelector:
    """Wraps a selector: polls without blocking, and reports a wait as time that has passed."""

    def __init__(self, inner: selectors.BaseSelector, loop: VirtualTimeLoop) -> None:
        self._inner = inner
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[Any]:
        events = self._inner.select(0)
        if events or timeout == 0:
            return events
        if timeout is None:  # no timers: only I/O can wake us
            return self._inner.select(None)
        self._loop.advance(timeout)
        return []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """A selector event loop whose `time()` only moves when the loop would otherwise wait."""

    def __init__(self, start_s: float = 1000.0) -> None:
        self._virtual_now = float(start_s)
        super().__init__()
        self._selector = _SkippingSelector(self._selector, self)  # type: ignore[assignment]

    def time(self) -> float:
        return self._virtual_now

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            self._virtual_now += seconds


def run(coro: Any, *, virtual: bool = True, debug: bool = False) -> Any:
    """asyncio.run on a virtual-time loop (or a normal one with `virtual=False`)."""
    factory = VirtualTimeLoop if virtual else None
    with asyncio.Runner(loop_factory=factory, debug=debug) as runner:
        return runner.run(coro)
