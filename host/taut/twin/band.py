"""The virtual band: the firmware package, unchanged, on CPython stand-ins over the Bumble radio.

Booting executes firmware/main.py as the ESP32 would, with `bluetooth` backed by a Bumble
peripheral on the event loop's radio, `machine` wiring a bit-level HX711 to a load-cell model
fed by a tension function of time, and `time`/`asyncio` on the loop's clock (a `VirtualTimeLoop`
runs it faster than real time). `asyncio.run(app.run())` in main.py starts the app as a task on
the running loop. Faults (`taut.twin.faults`) act on the radio and on the device itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taut import protocol
from taut.bumble_backend import radio as get_radio
from taut.twin import bluetooth_shim, mpy_modules
from taut.twin.clock import TwinClock
from taut.twin.loader import FIRMWARE_DIR, FirmwareLoader
from taut.twin.loadcell import LoadCell
from taut.twin.machine_shim import HX711Chip, ResetRequested, make_machine

log = logging.getLogger(__name__)
fw_log = logging.getLogger("taut.twin.firmware")

# Pin numbers come from firmware/board.py (read at boot), never repeated here.
_BOARD = "board"


def board_pins(firmware_dir: Path = FIRMWARE_DIR) -> dict[str, int]:
    """Pin numbers as firmware/board.py defines them (parsed, so board.py stays the only source)."""
    pins: dict[str, int] = {}
    text = (firmware_dir / f"{_BOARD}.py").read_text()
    for line in text.splitlines():
        if "_PIN = const(" in line and not line.startswith(" "):
            name, _, rest = line.partition("=")
            pins[name.strip()] = int(rest.split("const(")[1].split(")")[0], 0)
    for needed in ("HX711_DOUT_PIN", "HX711_PD_SCK_PIN"):
        if needed not in pins:
            raise RuntimeError(f"firmware/{_BOARD}.py defines no {needed} = const(...): cannot wire the HX711")
    return pins


def factory_settings(name: str, loadcell: LoadCell, mode: str = "taut") -> str:
    """settings.json of a band calibrated once at the factory, as firmware/settings.py writes it;
    `mode` the protocol it boots in ("taut" or "progressor")."""
    return json.dumps(
        {
            "v": 1,
            "name": name,
            "rate_hz": 80,
            "offset_raw": loadcell.offset_raw,
            "counts_per_n": loadcell.counts_per_n,
            "calibrated": True,
            "overload_permille": 900,
            "mode": mode,
        }
    )


@dataclass
class SentLog:
    """What the band put on the air (the twin's ground truth for "every sample accounted for")."""

    packets: int = 0
    samples: int = 0
    dropped_packets: int = 0  # lost on purpose by fault injection
    dropped_samples: int = 0
    corrupted_packets: int = 0
    seqs: list[int] = field(default_factory=list)


class VirtualBand:
    """One virtual Taut band on the running loop's radio.

    `tension_n(time_s)` is the force on the band (N, or (N, overload)) at seconds since the band
    was first powered on (session time, continuous across reboots); see `ExerciseLoad`.
    """

    def __init__(
        self,
        tension_n: Callable[[float], float | tuple[float, bool]],
        *,
        seed: int = 0,
        address: str | None = None,
        flash_dir: str | Path | None = None,
        drift_ppm: float = 0.0,
        factory_calibrated: bool = True,
        battery_mv: float = 3950.0,
        firmware_dir: Path = FIRMWARE_DIR,
        rssi_dbm: int = -55,
        os_tick_ms: int = 0,
        mode: str = "taut",
        pair_host: bool = True,
    ) -> None:
        """`pair_host`: at its first power-on, the band bonds with the radio's default host, as a
        user pairs a new band once (within its pairing window); False leaves it unpaired."""
        self.seed = seed
        self.mode = mode  # the mode its factory settings boot in
        self._rng = random.Random(seed)
        self.address = address or "D4:%02X:%02X:%02X:%02X:%02X" % tuple(self._rng.randrange(256) for _ in range(5))
        self.mac = bytes.fromhex(self.address.replace(":", ""))
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if flash_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="taut-twin-")
            flash_dir = self._tmp.name
        self.flash = mpy_modules.Flash(Path(flash_dir))
        self.loadcell = LoadCell(tension_n, seed=seed)
        self.drift_ppm = drift_ppm
        self.battery_mv = battery_mv
        self.rssi_dbm = rssi_dbm
        self._firmware_dir = firmware_dir
        self.os_tick_ms = os_tick_ms  # 10: asyncio wakes on the ESP32's 100 Hz tick
        self.pair_host = pair_host
        self.button_held = False  # the pair button (board.PAIR_BUTTON_PIN), as hold_button() left it
        self.sent = SentLog()
        self.boots = 0
        self.watchdog_resets = 0
        self._watchdog: asyncio.Task[None] | None = None
        self.errors: list[BaseException] = []
        self.clock: TwinClock | None = None
        self.session_start_s: float | None = None
        self.ble: bluetooth_shim.BLE | None = None
        self.hx711: HX711Chip | None = None
        self.loader: FirmwareLoader | None = None
        self._device: Any = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._alive = False
        self._pdu_filters: list[Callable[[int, bytes], bytes | None]] = []
        if factory_calibrated:
            self._write_factory_settings()

    # Boot and shutdown ------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The factory name main.py derives from the MAC ("Taut-XXXX")."""
        return "Taut-%02X%02X" % (self.mac[-2], self.mac[-1])

    def _write_factory_settings(self) -> None:
        """A band calibrated once at the factory: settings.json as firmware/settings.py writes it."""
        path = self.flash.path("/settings.json")
        if path.exists():
            return
        path.write_text(factory_settings(self.name, self.loadcell, self.mode))

    async def start(self) -> None:
        """Power on: boot the firmware (main.py) and wait until it advertises."""
        loop = asyncio.get_running_loop()
        if self.clock is None:
            self.clock = TwinClock(loop, drift_ppm=self.drift_ppm)
            self.session_start_s = loop.time()
        self.clock.boot(self._rng.randrange(1 << 30))
        radio = get_radio()
        device = radio.new_device(self.address, name=f"twin-{self.address}")
        radio.controller_of(device).rssi_dbm = self.rssi_dbm
        self._device = device
        self._alive = True
        self.boots += 1

        def schedule(fn: Callable[[], None]) -> None:
            loop.call_soon(self._run_irq, fn)

        ble = bluetooth_shim.BLE(device, mac=self.mac, schedule=schedule, run_now=self._run_irq)
        ble.on_gatt_pdu = self._filter_pdu
        self.ble = ble
        self._handles: dict[str, int] = {}
        board = self._board_pins()
        self.hx711 = HX711Chip(self.clock, self._raw_at)
        machine = make_machine(
            self.clock,
            hx711=self.hx711,
            dout_pin=board["HX711_DOUT_PIN"],
            sck_pin=board["HX711_PD_SCK_PIN"],
            rate_pin=board.get("HX711_RATE_PIN"),
            adc_uv={board["BATTERY_ADC_PIN"]: self._battery_pin_uv} if "BATTERY_ADC_PIN" in board else {},
            unique_id=self.mac,
            on_wdt_feed=self._wdt_fed,
            run_irq=self._run_irq,
        )
        self._machine = machine
        self._apply_button()
        self._wdt_fed_s = loop.time()
        shims = {
            "micropython": mpy_modules.make_micropython(schedule),
            "time": mpy_modules.make_time(self.clock),
            "asyncio": self._asyncio_shim(),
            "machine": machine,
            "bluetooth": bluetooth_shim.make_module(ble),
            "os": self.flash.make_os(),
            "gc": mpy_modules.make_gc(),
            "sys": mpy_modules.make_sys(),
        }
        self.loader = FirmwareLoader(shims, firmware_dir=self._firmware_dir, open_fn=self.flash.open, print_fn=self._print)
        try:
            self.loader.load("main", as_main=True)
        except ResetRequested:
            log.info("firmware reset during boot")
        await ble.idle()
        self._watchdog = loop.create_task(self._watch())
        log.info("virtual band %s (%s) booted (boot %d)", self.name, self.address, self.boots)
        if self.pair_host and self.boots == 1:
            from taut.bumble_backend.client import bond

            await bond(self.address)

    def hold_button(self, held: bool = True) -> None:
        """Presses (True) or releases the pair button; it stays so across reboots until changed."""
        self.button_held = held
        self._apply_button()

    def _apply_button(self) -> None:
        pin = self._board_pins().get("PAIR_BUTTON_PIN")
        if pin is not None and self.ble is not None:
            self._machine.set_input(pin, 0 if self.button_held else 1)

    def _wdt_fed(self) -> None:
        self._wdt_fed_s = asyncio.get_running_loop().time()

    async def _watch(self) -> None:
        """The ESP32's watchdog: once started, a firmware that stops feeding it is reset."""
        loop = asyncio.get_running_loop()
        while self._alive:
            await asyncio.sleep(0.5)
            wdts = self._machine.wdts
            if wdts and self._alive and loop.time() - self._wdt_fed_s > wdts[0].timeout_ms / 1000:
                self.watchdog_resets += 1
                log.warning("virtual band %s: watchdog reset", self.address)
                loop.create_task(self.reboot(reason="watchdog"))
                return

    def _raw_at(self, device_s: float) -> int:
        """The load cell at a conversion (device time since boot) in session time (across boots)."""
        assert self.clock is not None and self.session_start_s is not None
        return self.loadcell.raw_at(self.clock.loop_time_at(device_s * 1e6) - self.session_start_s)

    def session_time_s(self) -> float:
        """Seconds since the band was first powered on (the load model's clock)."""
        assert self.session_start_s is not None
        return asyncio.get_running_loop().time() - self.session_start_s

    def _board_pins(self) -> dict[str, int]:
        return board_pins(self._firmware_dir)

    def _battery_pin_uv(self) -> int:
        return int(self.battery_mv * 1000 / 2)  # the Feather's VBAT/2 divider

    def _asyncio_shim(self) -> Any:
        mod = mpy_modules.make_asyncio(self.os_tick_ms)
        band = self

        def create_task(coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
            task = asyncio.get_running_loop().create_task(band._guard(coro))
            band._tasks.add(task)
            task.add_done_callback(band._tasks.discard)
            return task

        def run(coro: Any) -> asyncio.Task[Any]:
            # On the chip asyncio.run never returns; here the app becomes a task on the loop.
            return create_task(coro)

        mod.create_task = create_task  # type: ignore[attr-defined]
        mod.run = run  # type: ignore[attr-defined]
        return mod

    async def _guard(self, coro: Any) -> Any:
        try:
            return await coro
        except asyncio.CancelledError:
            raise
        except ResetRequested:
            asyncio.get_running_loop().create_task(self.reboot(reason="machine.reset()"))
        except Exception as exc:
            self.errors.append(exc)
            fw_log.error("firmware task died: %r", exc, exc_info=exc)
            raise

    def _run_irq(self, fn: Callable[[], None]) -> None:
        if not self._alive:
            return
        try:
            fn()
        except ResetRequested:
            asyncio.get_running_loop().create_task(self.reboot(reason="machine.reset()"))
        except Exception as exc:  # MicroPython prints and carries on
            self.errors.append(exc)
            fw_log.error("unhandled exception in IRQ handler: %r", exc, exc_info=exc)

    def _print(self, *args: Any, **kwargs: Any) -> None:
        fw_log.info(" ".join(str(a) for a in args))

    async def power_off(self, *, reason: int = 0x08) -> None:
        """The band loses power: tasks stop, the link drops (supervision timeout), radio silent."""
        if self.ble is not None:  # let queued stack work (re-advertising after a client left) finish
            await self.ble.idle()
        self._alive = False
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is not None and watchdog is not asyncio.current_task():
            watchdog.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        device, self._device = self._device, None
        if device is None:
            return
        for connection in list(device.connections.values()):
            try:
                await connection.disconnect(reason=reason)
            except Exception as exc:
                log.debug("disconnect on power off: %r", exc)
        try:
            await device.stop_advertising()
        except Exception as exc:
            log.debug("stop advertising on power off: %r", exc)
        get_radio().unplug(device)

    async def reboot(self, *, reason: str = "reboot") -> None:
        """Power cycle: the tick counter restarts, the stream restarts with FIRST and seq 0."""
        log.info("virtual band %s reboots (%s)", self.address, reason)
        await self.power_off()
        await self.start()

    async def close(self) -> None:
        await self.power_off()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    # The air interface: ground truth and fault hooks ------------------------------------------

    def handle_of(self, uuid: str) -> int:
        assert self.ble is not None
        cached = self._handles.get(uuid)
        if cached is None:
            cached = self._handles[uuid] = self.ble.handle_of(uuid)
        return cached

    def add_pdu_filter(self, fn: Callable[[int, bytes], bytes | None]) -> None:
        """`fn(value_handle, att_pdu)` may change or drop (None) each outgoing notification."""
        self._pdu_filters.append(fn)

    def _filter_pdu(self, value_handle: int, pdu: bytes) -> bytes | None:
        stream = value_handle == self.handle_of(protocol.STREAM_UUID)
        n = 0
        if stream:
            payload = pdu[3:]
            n = max(0, (len(payload) - protocol.HEADER_BYTES) // protocol.SAMPLE_BYTES)
            self.sent.packets += 1
            self.sent.samples += n
            self.sent.seqs.append(int.from_bytes(payload[2:4], "little"))
        out: bytes | None = pdu
        for fn in list(self._pdu_filters):
            out = fn(value_handle, out)
            if out is None:
                break
        if stream and out is None:
            self.sent.dropped_packets += 1
            self.sent.dropped_samples += n
        elif stream and out != pdu:
            self.sent.corrupted_packets += 1
        return out
