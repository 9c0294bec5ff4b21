"""The import contract (pyproject.toml [tool.importlinter], docs/architecture.md) holds, and breaking it fails.

Layers from the command line down to the wire format; nothing but the command line imports the
commands; bleak only under `ble` and `bumble_backend`; Qt only under `ui`. Checked by
import-linter over every import, those inside functions included.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = ROOT / "host" / "taut"
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
CONTRACTS = {c["id"]: c for c in CONFIG["contracts"]}
ALLOWED = {"commands": {"taut.cli", "taut.commands"}, "bleak": {"taut.ble", "taut.bumble_backend"}, "qt": {"taut.ui"}}


def _lint(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    lint = Path(sys.executable).parent / "lint-imports"
    return subprocess.run([str(lint), "--no-cache", "--no-logo", "--config", str(ROOT / "pyproject.toml")],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def _parts() -> set[str]:
    """taut's subpackages and top-level modules, as import-linter names them."""
    out = {f"taut.{p.name}" for p in HOST.iterdir() if (p / "__init__.py").is_file()}
    return out | {f"taut.{p.stem}" for p in HOST.glob("*.py") if p.stem not in ("__init__", "__main__")}


def test_the_import_contract_is_kept():
    proc = _lint(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "4 kept, 0 broken" in proc.stdout


def test_every_part_of_the_package_is_placed():
    """A new module or subpackage must take a layer and fall under every forbidden rule."""
    layered = {f"taut.{name.strip()}" for layer in CONTRACTS["layers"]["layers"] for name in layer.replace(":", "|").split("|")}
    assert _parts() == layered, f"give these a layer in pyproject.toml: {sorted(_parts() - layered)}"
    for cid, allowed in ALLOWED.items():
        assert set(CONTRACTS[cid]["source_modules"]) == _parts() - allowed, cid


def test_a_planted_breach_breaks_every_contract(tmp_path):
    shutil.copytree(HOST, tmp_path / "taut", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "taut" / "store" / "planted.py").write_text("from taut.signal import analyze\n")  # sideways
    (tmp_path / "taut" / "signal" / "planted.py").write_text(
        "def f():\n    from taut.commands import CommandError\n    import bleak\n    import PySide6\n")
    proc = _lint(tmp_path, pythonpath=tmp_path)
    assert proc.returncode != 0
    assert "0 kept, 4 broken" in proc.stdout, proc.stdout
    assert "taut.signal.planted -> taut.commands" in proc.stdout and "taut.store.planted -> taut.signal" in proc.stdout
