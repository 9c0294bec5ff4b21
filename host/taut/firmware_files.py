"""Where the band's firmware is and which files make it: one answer for deploy, the twin and the MicroPython runtime.

The firmware ships inside the package as `taut.firmware` (pyproject.toml maps the top-level
firmware/ folder, its one source, onto it), so an installed wheel and an editable checkout find
it alike, through importlib.resources. Its modules are those `firmware/manifest.py` lists, in
micropython-lib's manifest format, which a board build can also freeze.
"""

from __future__ import annotations

import ast
import importlib.resources
from pathlib import Path

MANIFEST = "manifest.py"


class FirmwareFilesError(Exception):
    """A firmware folder without a readable manifest, or a manifest naming missing files."""


def firmware_dir() -> Path:
    """The firmware folder as installed (site-packages/taut/firmware) or checked out (firmware/)."""
    return Path(str(importlib.resources.files("taut.firmware").joinpath(MANIFEST))).parent


def firmware_modules(source_dir: Path | None = None) -> list[str]:
    """The file names `manifest.py` lists with `module("x.py")`, in its order; each must exist.

    The manifest is read, never run: only `metadata(...)` and `module("name.py")` calls with
    literal arguments are accepted, so a foreign folder's manifest cannot execute anything.
    """
    folder = firmware_dir() if source_dir is None else Path(source_dir)
    path = folder / MANIFEST
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except (OSError, SyntaxError, UnicodeDecodeError) as exc:
        raise FirmwareFilesError(f"no readable {MANIFEST} in {folder}: {exc}") from None
    names = []
    for node in tree.body:
        call = node.value if isinstance(node, ast.Expr) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
            raise FirmwareFilesError(f"{path}:{node.lineno}: only metadata(...) and module(...) calls are read")
        if call.func.id == "metadata":
            continue
        args = call.args
        if not (call.func.id == "module" and len(args) == 1 and not call.keywords
                and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str)):
            raise FirmwareFilesError(f"{path}:{node.lineno}: expected module(\"name.py\")")
        name = args[0].value
        if "/" in name or "\\" in name or not name.endswith(".py") or not (folder / name).is_file():
            raise FirmwareFilesError(f"{path}:{node.lineno}: {name!r} is not a .py file in {folder}")
        names.append(name)
    if not names:
        raise FirmwareFilesError(f"{path} lists no module(...)")
    return names
