"""app.py and the modules it pulls in stay within what the CPython virtual band shims provide:
asyncio.sleep_ms/create_task/Event, time.ticks_*, micropython.const, bluetooth.BLE/UUID, struct."""

import ast
from pathlib import Path

import pytest

FIRMWARE = Path(__file__).resolve().parents[2] / "firmware"
MODULES = ["app.py", "control.py", "gatt.py", "wire.py", "codes.py", "progressor.py"]
ALLOWED_IMPORTS = {"asyncio", "time", "micropython", "bluetooth", "struct", "codes", "wire", "control", "gatt", "progressor"}
ALLOWED_ATTRS = {
    "asyncio": {"sleep_ms", "create_task", "Event"},
    "time": {"ticks_ms", "ticks_us", "ticks_diff", "ticks_add"},
    "micropython": {"const"},
    "bluetooth": {"BLE", "UUID"},
    "struct": {"pack", "pack_into", "unpack_from", "calcsize"},
}


@pytest.mark.parametrize("name", MODULES)
def test_only_shimmed_apis(name):
    tree = ast.parse((FIRMWARE / name).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                assert a.name in ALLOWED_IMPORTS, f"{name}: import {a.name}"
        elif isinstance(node, ast.ImportFrom):
            assert node.module in ALLOWED_IMPORTS, f"{name}: from {node.module}"
            for a in node.names:
                if node.module in ALLOWED_ATTRS:
                    assert a.name in ALLOWED_ATTRS[node.module], f"{name}: from {node.module} import {a.name}"
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ALLOWED_ATTRS:
            assert node.attr in ALLOWED_ATTRS[node.value.id], f"{name}: {node.value.id}.{node.attr}"
