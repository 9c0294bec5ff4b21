"""A Taut band on the real MicroPython: firmware/*.py, unchanged, in the unix port's VM with its
NimBLE `bluetooth`, over a Bumble controller on a pty joined to the loop's radio.

Stand-ins cover what the unix port lacks (`mp/machine.py`: bit-level HX711, WDT, ADC); the HX711
reads the `taut.sim` physics model through `feed.Feed`. Time is real (wall clock): the event
loop must be an ordinary one, never `taut.twin.virtual_time`. The host connects through the
project's bleak backend (`taut.ble.virtual()`), as to the CPython twin.
"""

from __future__ import annotations

import asyncio
import logging
import random
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from taut.firmware_files import firmware_modules
from taut.mpstack import build
from taut.mpstack.feed import Feed
from taut.mpstack.hci_pty import PtyController
from taut.mpstack.process import MicroPythonProcess
from taut.twin.band import board_pins, factory_settings
from taut.twin.loader import FIRMWARE_DIR
from taut.twin.loadcell import LoadCell

log = logging.getLogger(__name__)

STANDINS_DIR = Path(__file__).resolve().parent / "mp"
_BOOT_SCRIPT = "taut_boot.py"
BOOT_TIMEOUT_S = 20.0


class BandError(RuntimeError):
    """The MicroPython band did not boot or died; the message carries its last output."""


@dataclass(frozen=True)
class HeapSample:
    """One "@taut heap" report: gc.mem_alloc(), gc.mem_free() and HX711 reads so far."""

    time_s: float  # session time
    alloc_bytes: int
    free_bytes: int
    reads: int


class MicroPythonBand:
    """One band on the real MicroPython (same role as `taut.twin.band.VirtualBand`).

    `tension_n(time_s)` is the force at seconds since the band was first powered (session time).
    `heap_ms` > 0 makes the process report its heap that often; `gc=False` disables the
    collector at boot so mem_alloc() growth is every byte allocated (benchmarks).
    """

    def __init__(
        self,
        tension_n: Callable[[float], float | tuple[float, bool]],
        *,
        seed: int = 0,
        factory_calibrated: bool = True,
        battery_mv: float = 3950.0,
        firmware_dir: Path = FIRMWARE_DIR,
        heap_ms: int = 0,
        gc: bool = True,
        mode: str = "taut",
        pair_host: bool = True,
        pairing_window_ms: int | None = None,
    ) -> None:
        self.mode = mode  # the mode its factory settings boot in
        rng = random.Random(seed)
        self._seed = seed
        mac = bytes(rng.randrange(256) for _ in range(5))
        self.factory_name = "Taut-%02X%02X" % (mac[-2], mac[-1])
        self.loadcell = LoadCell(tension_n, seed=seed)
        self.loadcell.keep_history = False
        self.factory_calibrated = factory_calibrated
        self.battery_mv = battery_mv
        self.heap_ms = heap_ms
        self.gc = gc
        self._firmware_dir = firmware_dir
        self.pair_host = pair_host  # bond with the radio's default host at first power-on
        # Tests of the real stack cannot wait 60 s of wall-clock time for the window to close:
        # this rewrites security.WINDOW_MS in the band's copy of the firmware (None: unchanged).
        self.pairing_window_ms = pairing_window_ms
        self.boots = 0
        self.watchdog_resets = 0
        self.resets = 0
        self.wdt_timeout_ms: int | None = None
        self.wdt_started_s: float | None = None  # session time the firmware started its watchdog
        self.heap: list[HeapSample] = []
        self.name = ""
        self.address = ""
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._root: Path | None = None
        self.feed: Feed | None = None
        self._feeder: asyncio.Task[None] | None = None
        self.radio: PtyController | None = None
        self.process: MicroPythonProcess | None = None
        self._booted: asyncio.Event | None = None
        self._rebooting: asyncio.Task[None] | None = None
        self._runtime: build.Runtime | None = None
        self._last_reset = ""  # "wdt" or "soft": what reset_cause() says after the next boot

    # Set-up ----------------------------------------------------------------------------------

    def _prepare(self) -> Path:
        """The temp tree: flash/ (firmware files, settings) and sys/ (stand-ins)."""
        self._tmp = tempfile.TemporaryDirectory(prefix="taut-mp-")
        root = Path(self._tmp.name)
        flash = root / "flash"
        flash.mkdir()
        for name in firmware_modules(self._firmware_dir):  # as `taut firmware deploy` puts them on a board
            shutil.copy2(self._firmware_dir / name, flash / name)
        if self.pairing_window_ms is not None:
            _set_window(flash / "security.py", self.pairing_window_ms)
        (root / "low_pins").write_text("")  # hold_button() names the pins held low here
        (flash / "lib").mkdir()
        if self.factory_calibrated:
            (flash / "settings.json").write_text(factory_settings(self.factory_name, self.loadcell, self.mode))
        sys_dir = root / "sys"
        sys_dir.mkdir()
        for f in STANDINS_DIR.glob("*.py"):
            shutil.copy2(f, sys_dir / f.name)
        return root

    def _env(self) -> dict[str, str]:
        assert self._root is not None and self.radio is not None and self.feed is not None
        assert self._runtime is not None
        pins = board_pins(self._firmware_dir)
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(self._root),
            "MICROPYPATH": f"{self._root / 'sys'}:{self._runtime.lib_dir}",
            "MICROPYBTUART": self.radio.path,
            "TAUT_MP_FLASH": str(self._root / "flash"),
            "TAUT_MP_FEED": str(self.feed.path),
            "TAUT_MP_DOUT": str(pins["HX711_DOUT_PIN"]),
            "TAUT_MP_SCK": str(pins["HX711_PD_SCK_PIN"]),
            "TAUT_MP_BATTERY_UV": str(int(self.battery_mv * 1000 / 2)),  # the Feather's VBAT/2 divider
            "TAUT_MP_RESET_CAUSE": "1" if self.boots == 0 else "3" if self._last_reset == "wdt" else "2",
            "TAUT_MP_HEAP_MS": str(self.heap_ms),
            "TAUT_MP_GC": "1" if self.gc else "0",
            "TAUT_MP_LOW_PINS": str(self._root / "low_pins"),
        }
        if "HX711_RATE_PIN" in pins:
            env["TAUT_MP_RATE"] = str(pins["HX711_RATE_PIN"])
        return env

    def hold_button(self, held: bool = True) -> None:
        """Presses (True) or releases the pair button (board.PAIR_BUTTON_PIN held low)."""
        assert self._root is not None, "start() the band first"
        pin = board_pins(self._firmware_dir)["PAIR_BUTTON_PIN"]
        (self._root / "low_pins").write_text(f"{pin}\n" if held else "")

    async def start(self) -> None:
        """Power on: build/locate the binary, boot the firmware, wait until it advertises."""
        if self._runtime is None:
            self._runtime = await asyncio.to_thread(build.ensure_built)
        if self._root is None:
            self._root = self._prepare()
            self.feed = Feed(self._root / "feed.bin", self.loadcell)
            self.feed.fill()
            self._feeder = asyncio.get_running_loop().create_task(self.feed.run())
        if self.radio is None:
            self.radio = PtyController(name=f"mp-{self.factory_name}", identity_seed=self._seed)
            await self.radio.open()
        await self._boot()
        if self.pair_host and self.boots == 1:
            from taut.bumble_backend.client import bond

            await bond(self.address)

    async def _boot(self) -> None:
        assert self._root is not None and self._runtime is not None and self.radio is not None
        self._booted = asyncio.Event()
        self.process = MicroPythonProcess(
            self._runtime.binary, self._root / "sys" / _BOOT_SCRIPT, env=self._env(), cwd=self._root,
            on_message=self._on_message,
        )  # fmt: skip
        self.boots += 1
        await self.process.start()
        try:
            await self._wait_advertising()
        except BaseException:
            await self.process.stop()
            raise
        log.info("micropython band %s (%s) booted (boot %d, pid %s)", self.name, self.address, self.boots,
                 self.process.pid)  # fmt: skip

    async def _wait_advertising(self) -> None:
        assert self.process is not None and self.radio is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BOOT_TIMEOUT_S
        while True:
            if not self.process.running and self.process.returncode is not None:
                raise BandError(f"micropython exited with {self.process.returncode} while booting:\n{self.process.tail()}")
            name = _local_name(self.radio.scan_response())
            if self.radio.advertising() and self.radio.address and name:
                self.name = name
                self.address = self.radio.address
                return
            if loop.time() > deadline:
                raise BandError(f"micropython did not advertise within {BOOT_TIMEOUT_S:.0f} s:\n{self.process.tail()}")
            await asyncio.sleep(0.02)

    def _on_message(self, text: str) -> None:
        kind, _, rest = text.partition(" ")
        if kind == "heap" and self.feed is not None:
            alloc, free, reads = (int(x) for x in rest.split())
            self.heap.append(HeapSample(self.feed.session_time_s(), alloc, free, reads))
        elif kind == "wdt":
            self.wdt_timeout_ms = int(rest)
            if self.feed is not None:
                self.wdt_started_s = self.feed.session_time_s()
        elif kind in ("wdt-reset", "reset"):
            if kind == "wdt-reset":
                self.watchdog_resets += 1
            else:
                self.resets += 1
            log.warning("micropython band %s: %s", self.name, kind)
            self._last_reset = "wdt" if kind == "wdt-reset" else "soft"
            if self._rebooting is None or self._rebooting.done():
                self._rebooting = asyncio.get_running_loop().create_task(self.reboot(reason=kind))
        elif kind == "boot":
            pass
        else:
            log.debug("micropython says %s", text)

    # Power ----------------------------------------------------------------------------------

    async def power_off(self) -> None:
        """The band loses power: the process is killed, its links drop, its radio falls silent."""
        if self.process is not None:
            await self.process.stop()
        if self.radio is not None:
            self.radio.power_off()

    async def reboot(self, *, reason: str = "reboot") -> None:
        """A hard reset: the process restarts with the same flash and load model."""
        log.info("micropython band %s reboots (%s)", self.name, reason)
        await self.power_off()
        await self._boot()

    async def close(self) -> None:
        rebooting, self._rebooting = self._rebooting, None
        if rebooting is not None and rebooting is not asyncio.current_task():
            rebooting.cancel()
            await asyncio.gather(rebooting, return_exceptions=True)
        await self.power_off()
        if self._feeder is not None:
            self._feeder.cancel()
            await asyncio.gather(self._feeder, return_exceptions=True)
            self._feeder = None
        if self.radio is not None:
            await self.radio.close()
            self.radio = None
        if self.feed is not None:
            self.feed.close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
            self._root = None

    @property
    def flash_dir(self) -> Path | None:
        return self._root / "flash" if self._root is not None else None

    def session_time_s(self) -> float:
        """Seconds since the band was first powered on (the load model's clock)."""
        assert self.feed is not None
        return self.feed.session_time_s()


def _set_window(path: Path, window_ms: int) -> None:
    """Rewrites `WINDOW_MS = const(...)` in the band's copy of security.py."""
    text = path.read_text()
    lines = [i for i, line in enumerate(text.splitlines()) if line.startswith("WINDOW_MS = const(")]
    if len(lines) != 1:
        raise BandError(f"{path.name} has no single 'WINDOW_MS = const(...)' line to set the pairing window")
    out = text.splitlines()
    out[lines[0]] = f"WINDOW_MS = const({int(window_ms)})"
    path.write_text("\n".join(out) + "\n")


def _local_name(ad: bytes) -> str:
    """The complete (or shortened) local name in advertising data, or ""."""
    i = 0
    while i + 1 < len(ad):
        n = ad[i]
        if n == 0 or i + 1 + n > len(ad):
            break
        kind = ad[i + 1]
        if kind in (0x08, 0x09):
            return ad[i + 2 : i + 1 + n].decode(errors="replace")
        i += 1 + n
    return ""
