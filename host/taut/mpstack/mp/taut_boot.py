# Boots the unchanged firmware on the unix port as an ESP32 would: the band's flash folder becomes
# "/" (main.py, settings.json, lib/), then main.main() runs. The stand-in `machine` and MicroPython's
# asyncio are imported first, from the host's folders, before "/" is replaced.
import io
import os
import select
import sys
import time

import gc
from micropython import const
import machine  # noqa: F401  (the stand-in; the firmware's imports find it in sys.modules)
import asyncio  # noqa: F401
import vfs

# asyncio loads Event, ThreadSafeFlag, gather, ... on first use from its own folder, which the
# remount below hides (on an ESP32 they are frozen in): load them all now.
for _name in asyncio._attrs:
    getattr(asyncio, _name)

_flash = os.getenv("TAUT_MP_FLASH")


class _Flash:
    # The flash folder as "/": a VfsPosix rooted there, except rename. MicroPython 1.27's
    # VfsPosix.rename with a root builds both paths in one buffer, so it renames the new path
    # onto itself and reports success (extmod/vfs_posix.c); an unrooted one gets host paths.
    def __init__(self, root):
        self._vfs = vfs.VfsPosix(root)
        self._plain = vfs.VfsPosix()
        self._root = root

    def mount(self, readonly, mkfs):
        self._vfs.mount(readonly, mkfs)

    def umount(self):
        self._vfs.umount()

    def rename(self, old, new):
        self._plain.rename(self._root + old, self._root + new)

    def __getattr__(self, name):
        return getattr(self._vfs, name)




class _Wake(io.IOBase):
    # Never ready, and no file descriptor (ioctl answers only MP_STREAM_POLL, 3).
    def ioctl(self, req, arg):
        return 0 if req == 3 else -1


# The ESP32 runs scheduled callbacks (a pin IRQ's handler) as soon as the ISR wakes the main task,
# and NimBLE on a task of its own. The unix port runs both from the scheduler (NimBLE as a task an
# HCI thread schedules every 1 ms), and its select.poll, when everything polled has a file
# descriptor, blocks in poll(2) until the next asyncio task is due, running none of them. One
# pollable without a descriptor makes asyncio's poll wake every 1 ms to run them
# (MICROPY_PY_SELECT_IOCTL_CALL_PERIOD_MS), whatever the firmware waits on.
asyncio.core._io_queue.poller.register(_Wake(), select.POLLIN)

vfs.umount("/")
vfs.mount(_Flash(_flash), "/")
os.chdir("/")
sys.path[:] = ["", "/lib"]

_heap_ms = int(os.getenv("TAUT_MP_HEAP_MS") or "0")
if os.getenv("TAUT_MP_GC") == "0":
    gc.disable()

_line = bytearray(80)


# Writes n (a non-negative small int) as digits at _line[i:], returns the next index; no allocation.
def _digits(n, i):
    j = i
    while True:
        _line[j] = 48 + n % 10
        n //= 10
        j += 1
        if n == 0:
            break
    k = j - 1
    while i < k:
        _line[i], _line[k] = _line[k], _line[i]
        i += 1
        k -= 1
    return j


# The heap in use, least of _HEAP_LOOKS looks 1 ms apart. A bytecode function whose frame is over
# 11 words gets it from the heap for the length of the call and frees it on return
# (py/objfun.c), so one look can catch the main thread mid-call: bytes that come straight back,
# not garbage. Garbage is never freed with the collector off, so the least look still counts it.
_HEAP_LOOKS = const(10)


def _heap_in_use():
    low = gc.mem_alloc()
    for _ in range(_HEAP_LOOKS - 1):
        time.sleep_ms(1)
        a = gc.mem_alloc()
        if a < low:
            low = a
    return low


# "@taut heap <mem_alloc> <mem_free> <hx711 reads>" every _heap_ms, allocation-free.
def _heap_report():
    out = sys.stdout.buffer
    head = b"@taut heap "
    for i in range(len(head)):
        _line[i] = head[i]
    start = len(head)
    while True:
        time.sleep_ms(_heap_ms - _HEAP_LOOKS)
        i = _digits(_heap_in_use(), start)
        _line[i] = 32
        i = _digits(gc.mem_free(), i + 1)
        _line[i] = 32
        c = machine._chip
        i = _digits(c.reads if c is not None else 0, i + 1)
        while i < 79:
            _line[i] = 32
            i += 1
        _line[79] = 10
        out.write(_line)


if _heap_ms:
    import _thread

    _thread.start_new_thread(_heap_report, ())

print("@taut boot")
import main  # noqa: E402

main.main()
