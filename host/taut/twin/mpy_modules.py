"""CPython stand-ins for MicroPython's `micropython`, `time`, `asyncio`, `os`, `gc` and `sys`.

Each factory builds a fresh module bound to one twin (its clock, its flash directory), so several
virtual bands can run side by side in one process.
"""

from __future__ import annotations

import asyncio
import gc as _gc
import math
import os as _os
import sys as _sys
import traceback
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from taut.twin.clock import TwinClock, ticks_add, ticks_diff


def make_micropython(schedule: Callable[[Callable[[], None]], object]) -> types.ModuleType:
    mod = types.ModuleType("micropython")

    def const(value: Any) -> Any:
        return value

    def schedule_fn(fn: Callable[[Any], None], arg: Any) -> None:
        schedule(lambda: fn(arg))

    def identity(fn: Any) -> Any:
        return fn

    mod.const = const  # type: ignore[attr-defined]
    mod.schedule = schedule_fn  # type: ignore[attr-defined]
    mod.alloc_emergency_exception_buf = lambda size: None  # type: ignore[attr-defined]
    mod.heap_lock = lambda: 0  # type: ignore[attr-defined]
    mod.heap_unlock = lambda: 0  # type: ignore[attr-defined]
    mod.mem_info = lambda *a: None  # type: ignore[attr-defined]
    mod.opt_level = lambda *a: 0  # type: ignore[attr-defined]
    mod.native = mod.viper = mod.bytecode = identity  # type: ignore[attr-defined]
    return mod


def make_time(clock: TwinClock) -> types.ModuleType:
    mod = types.ModuleType("time")
    mod.ticks_us = clock.ticks_us  # type: ignore[attr-defined]
    mod.ticks_ms = clock.ticks_ms  # type: ignore[attr-defined]
    mod.ticks_cpu = clock.ticks_us  # type: ignore[attr-defined]
    mod.ticks_add = ticks_add  # type: ignore[attr-defined]
    mod.ticks_diff = ticks_diff  # type: ignore[attr-defined]
    mod.sleep_ms = lambda ms: clock.block_us(ms * 1000)  # type: ignore[attr-defined]
    mod.sleep_us = lambda us: clock.block_us(us)  # type: ignore[attr-defined]
    mod.sleep = lambda s: clock.block_us(s * 1e6)  # type: ignore[attr-defined]
    mod.time = lambda: 946_684_800 + clock.elapsed_us() // 1_000_000  # type: ignore[attr-defined]
    mod.time_ns = lambda: clock.elapsed_us() * 1000  # type: ignore[attr-defined]
    return mod


class ThreadSafeFlag:
    """asyncio.ThreadSafeFlag: set from an IRQ, awaited by one task."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    async def wait(self) -> None:
        await self._event.wait()
        self._event.clear()


def make_asyncio(os_tick_ms: int = 0) -> types.ModuleType:
    """MicroPython's asyncio on the running loop; with `os_tick_ms` (10 on an ESP32: the 100 Hz
    FreeRTOS tick) every sleep ends on the next multiple of the tick, as on the chip, while a
    ThreadSafeFlag set from a pin interrupt still wakes its task at once."""
    mod = types.ModuleType("asyncio")
    for name in dir(asyncio):
        if not name.startswith("_"):
            setattr(mod, name, getattr(asyncio, name))
    tick_s = os_tick_ms / 1000

    async def sleep_ms(ms: int) -> None:
        if tick_s and ms > 0:
            now = asyncio.get_running_loop().time()
            due = math.ceil(round((now + ms / 1000) / tick_s, 9)) * tick_s
            await asyncio.sleep(due - now)
            return
        await asyncio.sleep(ms / 1000)

    async def sleep(seconds: float) -> None:
        await sleep_ms(int(seconds * 1000))

    async def wait_for_ms(aw: Any, timeout_ms: int) -> Any:
        return await asyncio.wait_for(aw, timeout_ms / 1000)

    mod.sleep_ms = sleep_ms  # type: ignore[attr-defined]
    if tick_s:
        mod.sleep = sleep  # type: ignore[attr-defined]
    mod.wait_for_ms = wait_for_ms  # type: ignore[attr-defined]
    mod.ThreadSafeFlag = ThreadSafeFlag  # type: ignore[attr-defined]
    return mod


class Flash:
    """The twin's filesystem: firmware paths ("/settings.json") live under one host directory."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.fail_writes = False  # fault injection: the flash is full / failing

    def path(self, p: str) -> Path:
        rel = str(p).lstrip("/")
        full = (self.root / rel).resolve()
        if self.root.resolve() not in full.parents and full != self.root.resolve():
            raise OSError(1, "outside flash")
        return full

    def open(self, file: str, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if self.fail_writes and any(c in mode for c in "wax+"):
            raise OSError(28, "ENOSPC")
        return open(self.path(file), mode, *args, **kwargs)

    def make_os(self) -> types.ModuleType:
        mod = types.ModuleType("os")
        flash = self

        def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
            def call(*paths: str) -> Any:
                if flash.fail_writes:
                    raise OSError(28, "ENOSPC")
                return fn(*(flash.path(p) for p in paths))

            return call

        mod.rename = guarded(_os.replace)  # type: ignore[attr-defined]
        mod.remove = guarded(_os.remove)  # type: ignore[attr-defined]
        mod.mkdir = guarded(_os.mkdir)  # type: ignore[attr-defined]
        mod.rmdir = guarded(_os.rmdir)  # type: ignore[attr-defined]
        mod.listdir = lambda p="/": sorted(_os.listdir(flash.path(p)))  # type: ignore[attr-defined]
        mod.stat = lambda p: tuple(_os.stat(flash.path(p)))  # type: ignore[attr-defined]
        mod.sync = lambda: None  # type: ignore[attr-defined]
        mod.urandom = _os.urandom  # type: ignore[attr-defined]
        mod.uname = lambda: ("esp32", "taut-twin", "1.27.0", "v1.27.0", "ESP32 module (twin)")  # type: ignore[attr-defined]
        mod.statvfs = lambda p: (4096, 4096, 512, 400, 400, 0, 0, 0, 0, 255)  # type: ignore[attr-defined]
        return mod


def make_gc() -> types.ModuleType:
    mod = types.ModuleType("gc")
    mod.collect = _gc.collect  # type: ignore[attr-defined]
    mod.enable = lambda: None  # type: ignore[attr-defined]
    mod.disable = lambda: None  # type: ignore[attr-defined]
    mod.isenabled = lambda: True  # type: ignore[attr-defined]
    mod.mem_alloc = lambda: 0  # type: ignore[attr-defined]
    mod.mem_free = lambda: 100_000  # type: ignore[attr-defined]
    mod.threshold = lambda *a: -1  # type: ignore[attr-defined]
    return mod


def make_sys() -> types.ModuleType:
    mod = types.ModuleType("sys")
    for name in ("version", "version_info", "byteorder", "maxsize", "modules", "path", "argv", "exit", "stdout", "stderr", "stdin"):
        setattr(mod, name, getattr(_sys, name))
    mod.implementation = types.SimpleNamespace(name="micropython", version=(1, 27, 0), _machine="ESP32 twin", _mpy=0)  # type: ignore[attr-defined]
    mod.platform = "esp32"  # type: ignore[attr-defined]

    def print_exception(exc: BaseException, file: Any = None) -> None:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=file or _sys.stderr)

    mod.print_exception = print_exception  # type: ignore[attr-defined]
    return mod
