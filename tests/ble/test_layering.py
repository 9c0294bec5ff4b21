"""bleak stays in one module of the host package (plus the backend that implements it)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

HOST = Path(__file__).resolve().parents[2] / "host" / "taut"
_IMPORT = re.compile(r"^\s*(from bleak\b|import bleak\b)", re.MULTILINE)


def test_only_the_client_and_the_bumble_backend_import_bleak() -> None:
    importers = sorted(
        p.relative_to(HOST).as_posix() for p in HOST.rglob("*.py") if _IMPORT.search(p.read_text(encoding="utf-8"))
    )
    assert "ble/client.py" in importers
    assert [p for p in importers if p != "ble/client.py" and not p.startswith("bumble_backend/")] == []


def test_importing_the_ble_package_and_its_pure_parts_loads_no_bleak() -> None:
    code = (
        "import sys, taut.ble, taut.ble.assembler, taut.ble.control, taut.ble.clock, taut.protocol;"
        "print('bleak' in sys.modules, 'bumble' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_an_unusable_bluetooth_stack_is_a_typed_error() -> None:
    import asyncio

    import pytest
    from bleak.backends.scanner import BaseBleakScanner
    from bleak.exc import BleakBluetoothNotAvailableError, BleakBluetoothNotAvailableReason

    from taut.ble import Backend, BluetoothUnavailable, find_band, scan

    class PoweredOff(BaseBleakScanner):
        def __init__(self, detection_callback, service_uuids, scanning_mode="active", **kwargs) -> None:
            super().__init__(detection_callback, service_uuids)

        async def start(self) -> None:
            raise BleakBluetoothNotAvailableError("adapter off", BleakBluetoothNotAvailableReason.POWERED_OFF)

        async def stop(self) -> None:
            pass

    class NoDbus(PoweredOff):
        async def start(self) -> None:
            raise FileNotFoundError(2, "No such file or directory")

    with pytest.raises(BluetoothUnavailable, match="adapter off"):
        asyncio.run(scan(0.1, backend=Backend("off", scanner=PoweredOff)))
    with pytest.raises(BluetoothUnavailable, match="FileNotFoundError"):
        asyncio.run(find_band("Taut-1", timeout_s=0.1, backend=Backend("nodbus", scanner=NoDbus)))
