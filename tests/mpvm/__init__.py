"""Run firmware code in the real MicroPython VM (WebAssembly build under Node.js).

Tests use `run()` to copy firmware files and fakes onto the VM's filesystem, execute a script
and get back its stdout, the JSON lines it printed and any files it wrote.
"""

from __future__ import annotations

import base64
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("runner.mjs")
FIRMWARE_DIR = ROOT / "firmware"
FAKES_DIR = Path(__file__).with_name("fakes")
# The stand-in code both MicroPython runtimes share, kept with the real MicroPython's stand-ins.
SHARED_STANDINS = ROOT / "host" / "taut" / "mpstack" / "mp" / "machine_common.py"
_MARK = "\n__MPVM_RESULT__ "


class MicroPythonError(AssertionError):
    """The script raised inside the VM (or the VM could not run it)."""


@dataclass
class Result:
    stdout: str
    sim_ms: int
    files: dict[str, bytes | None] = field(default_factory=dict)

    @property
    def json_lines(self) -> list:
        """Every stdout line that parses as JSON, in order."""
        found = []
        for line in self.stdout.splitlines():
            line = line.strip()
            if line[:1] in "[{":
                try:
                    found.append(json.loads(line))
                except ValueError:
                    pass
        return found

    @property
    def last(self):
        lines = self.json_lines
        if not lines:
            raise MicroPythonError(f"script printed no JSON line; stdout was:\n{self.stdout}")
        return lines[-1]


def tree(directory: Path, mount: str, suffixes=(".py", ".mpy", ".json")) -> dict[str, bytes]:
    """Files below `directory` mapped to their path in the VM below `mount`."""
    return {
        f"{mount}/{p.relative_to(directory).as_posix()}": p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.suffix in suffixes and "__pycache__" not in p.parts
    }


def run(
    script: str,
    *,
    files: dict[str, bytes | str] | None = None,
    firmware: bool = True,
    fakes: bool = True,
    is_async: bool = False,
    fake_timers: bool = True,
    max_sim_ms: int = 600_000,
    tick_ms: int = 1,
    collect: list[str] | None = None,
    timeout_s: float = 120.0,
    heapsize: int = 4 * 1024 * 1024,
    os_tick_ms: int = 0,
    driver: Path | None = None,
) -> Result:
    """Run `script` in a fresh MicroPython VM with firmware in /lib and fakes in /fakes.

    With `is_async`, the script runs via `runPythonAsync` (top-level `await` allowed) under
    fake JS timers, advanced `tick_ms` at a time, so asyncio sleeps cost no wall time.
    `driver`: a JS module loaded in the same Node process (on the same fake timers) that the
    script reaches as `js.mpvmDriver`, e.g. a client library talking to the firmware.
    """
    all_files: dict[str, bytes] = {}
    sys_path = []
    if fakes:
        all_files.update(tree(FAKES_DIR, "/fakes"))
        all_files[f"/fakes/{SHARED_STANDINS.name}"] = SHARED_STANDINS.read_bytes()
        sys_path.append("/fakes")
    if firmware:
        all_files.update(tree(FIRMWARE_DIR, "/lib"))
        sys_path.append("/lib")
    for path, content in (files or {}).items():
        all_files[path] = content.encode() if isinstance(content, str) else content
    spec = {
        "files": {k: base64.b64encode(v).decode() for k, v in all_files.items()},
        "sys_path": sys_path,
        "script": script,
        "async": is_async,
        "fake_timers": fake_timers and is_async,
        "max_sim_ms": max_sim_ms,
        "tick_ms": tick_ms,
        "heapsize": heapsize,
        "collect": collect or [],
        "os_tick_ms": os_tick_ms,
        "driver": driver.as_uri() if driver is not None else None,
    }
    proc = subprocess.run(
        ["node", str(RUNNER)],
        input=json.dumps(spec).encode(),
        capture_output=True,
        timeout=timeout_s,
        cwd=ROOT,
    )
    text = proc.stdout.decode("utf-8", "replace")
    if _MARK not in text:
        raise MicroPythonError(f"VM runner failed (exit {proc.returncode}):\n{text}\n{proc.stderr.decode()}")
    stdout, _, tail = text.rpartition(_MARK)
    meta = json.loads(tail)
    if not meta["ok"]:
        raise MicroPythonError(f"MicroPython raised: {meta['error']}\nstdout:\n{stdout}")
    files_out = {k: (base64.b64decode(v) if v is not None else None) for k, v in meta["files"].items()}
    return Result(stdout=stdout, sim_ms=meta["sim_ms"], files=files_out)
