"""Loads the firmware's modules unchanged into CPython, each twin in its own namespace.

Firmware code does `import time`, `import machine`, `from micropython import const`: a private
`__import__` gives every firmware module the twin's stand-ins for MicroPython-only modules, and
the twin's own copies of its sibling firmware modules, while CPython and other twins keep theirs.
`open` is mapped onto the twin's flash directory.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import types
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from taut.firmware_files import firmware_dir

FIRMWARE_DIR = firmware_dir()  # the packaged firmware, wherever taut is installed


class FirmwareLoader:
    """One isolated set of firmware modules; `load("app")` imports firmware/app.py and its imports."""

    def __init__(
        self,
        shims: Mapping[str, types.ModuleType],
        *,
        firmware_dir: Path = FIRMWARE_DIR,
        open_fn: Callable[..., Any] | None = None,
        print_fn: Callable[..., None] | None = None,
        transform: Callable[[ast.Module], ast.Module] | None = None,
    ) -> None:
        """`transform` rewrites each module's syntax tree before it runs (e.g. tests that
        emulate the ESP32's single-precision floats)."""
        self._shims = dict(shims)
        self._transform = transform
        self._dir = Path(firmware_dir)
        self.modules: dict[str, types.ModuleType] = {}
        self._builtins = dict(vars(builtins))
        self._builtins["__import__"] = self._import
        if open_fn is not None:
            self._builtins["open"] = open_fn
        if print_fn is not None:
            self._builtins["print"] = print_fn

    def _is_firmware(self, name: str) -> bool:
        return (self._dir / f"{name}.py").is_file()

    def load(self, name: str, *, as_main: bool = False) -> types.ModuleType:
        """The firmware module `name` (loaded once per loader); `as_main` runs it as `__main__`,
        as MicroPython runs main.py at boot."""
        mod = self.modules.get(name)
        if mod is not None:
            return mod
        path = self._dir / f"{name}.py"
        mod = types.ModuleType("__main__" if as_main else name)
        mod.__file__ = str(path)
        mod.__dict__["__builtins__"] = self._builtins
        self.modules[name] = mod
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            if self._transform is not None:
                tree = ast.fix_missing_locations(self._transform(tree))
            code = compile(tree, str(path), "exec")
            exec(code, mod.__dict__)
        except BaseException:
            del self.modules[name]
            raise
        return mod

    def _import(
        self,
        name: str,
        globals: Mapping[str, Any] | None = None,
        locals: Mapping[str, Any] | None = None,
        fromlist: tuple[str, ...] | list[str] | None = (),
        level: int = 0,
    ) -> types.ModuleType:
        if level == 0:
            top = name.split(".")[0]
            if top in self._shims:
                return self._shims[top]
            if "." not in name and self._is_firmware(name):
                return self.load(name)
        return importlib.__import__(name, globals, locals, fromlist or (), level)
