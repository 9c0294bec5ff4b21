"""`taut --help` and `taut <command> --help` load only what they show: no numpy, rich or Qt, no other command."""

import json
import subprocess
import sys

import pytest

from taut.commands import COMMANDS

_PROBE = """
import json, sys
from taut.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""
HEAVY = ("numpy", "scipy", "numba", "rich", "bleak", "bumble", "PySide6", "pyqtgraph")


def _modules_after(*argv: str) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, timeout=60, check=True)
    return set(json.loads(proc.stdout.splitlines()[-1]))


def _loaded_commands(modules: set[str]) -> set[str]:
    return {m.split(".")[2] for m in modules if m.startswith("taut.commands.") and not m.split(".")[2].startswith("_")}


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_loads_only_its_command(command):
    modules = _modules_after(*([command] if command else []), "--help")
    assert "taut.cli" in modules
    assert not {m.split(".")[0] for m in modules} & set(HEAVY)
    assert _loaded_commands(modules) == ({command} if command else set())


def test_every_command_module_is_listed():
    from pathlib import Path

    import taut.commands

    found = {p.stem for p in Path(taut.commands.__file__).parent.glob("*.py") if not p.stem.startswith("_")}
    assert found == set(COMMANDS), "list each command module in taut.commands.COMMANDS (name: one-line help)"


def test_the_probe_sees_what_a_running_command_loads(tmp_path):
    """The check can fail: a command that runs (here on a missing recording) loads numpy."""
    modules = _modules_after("analyze", str(tmp_path / "missing.csv"))
    assert "numpy" in modules and "taut.commands.analyze" in modules
