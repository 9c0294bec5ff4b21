"""The MicroPython child process: started with its environment, its output read line by line,
killed by PID when it resets or fails (never by name), and never left behind.

Lines starting "@taut " are the stand-ins' messages to the host (boot, wdt-reset, heap ...);
the rest is the firmware's own output, logged.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import signal
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path

log = logging.getLogger(__name__)
fw_log = logging.getLogger("taut.mpstack.firmware")

_TAIL_LINES = 40


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class MicroPythonProcess:
    """`micropython script` with `env`; `on_message(text)` gets each "@taut" message."""

    def __init__(self, binary: Path, script: Path, *, env: Mapping[str, str], cwd: Path,
                 on_message: Callable[[str], None]) -> None:  # fmt: skip
        self.binary = binary
        self.script = script
        self.env = dict(env)
        self.cwd = cwd
        self.on_message = on_message
        self.output: collections.deque[str] = collections.deque(maxlen=_TAIL_LINES)
        self.returncode: int | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._finalizer: weakref.finalize | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    async def start(self) -> None:
        self._proc = await asyncio.create_subprocess_exec(
            str(self.binary), str(self.script), cwd=self.cwd, env=self.env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        # Should the loop die without stop(), the child still goes with this object or the interpreter.
        self._finalizer = weakref.finalize(self, _kill, self._proc.pid)
        self._reader = asyncio.get_running_loop().create_task(self._read())
        log.debug("micropython started, pid %d", self._proc.pid)

    async def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        stream = self._proc.stdout
        while True:
            raw = await stream.readline()
            if not raw:
                break
            line = raw.decode(errors="replace").rstrip()
            if line.startswith("@taut "):
                self.on_message(line[6:].strip())
            else:
                self.output.append(line)
                fw_log.info("%s", line)
        self.returncode = await self._proc.wait()

    async def stop(self) -> None:
        """Kills the child by its PID and waits for it (a power cut: nothing runs after)."""
        proc = self._proc
        if proc is None:
            return
        if proc.returncode is None:
            _kill(proc.pid)
        self.returncode = await proc.wait()
        if self._reader is not None:
            try:
                await asyncio.wait_for(self._reader, 2.0)
            except (TimeoutError, asyncio.CancelledError):
                self._reader.cancel()
        if self._finalizer is not None:
            self._finalizer.detach()

    def tail(self) -> str:
        """The firmware's last lines of output (for error messages)."""
        return "\n".join(self.output)
