"""Taut installs as users install Python tools: a wheel in a fresh venv runs the demo and finds its firmware.

The wheel is built and installed offline. The fresh venv gets taut only from the wheel; its
dependencies come from this project's venv through a plain path line in a .pth file (not a
site dir, so the editable install's own .pth there is not read and the checkout stays out of
sight). What is checked is what broke before: package data (the firmware, the MicroPython
stand-ins) and code that found files by walking up from the source tree.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(argv: list[str], **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, **kw)


def test_every_host_package_is_in_the_wheel_list():
    """pyproject.toml lists the packages by hand (the firmware mapping needs it): none forgotten."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT / "host").parts) for p in (ROOT / "host" / "taut").rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
    assert "taut.firmware" in listed


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with the wheel of this checkout installed; its bin directory."""
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    build = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                  "-q", "-w", str(dist), str(ROOT)], cwd=tmp)
    assert build.returncode == 0, build.stderr
    (wheel,) = dist.glob("taut-*.whl")
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    site = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "taut-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = _run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index", "-q",
                    f"{wheel}[virtual]"])
    assert install.returncode == 0, install.stderr
    return env_dir / "bin"


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAUT_", "PYTHON"))}
    env.update(HOME=str(tmp), XDG_DATA_HOME=str(tmp / "data"), QT_QPA_PLATFORM="offscreen")
    return env


@pytest.mark.slow
def test_the_installed_wheel_runs_from_its_own_files(installed, tmp_path):
    py = installed / "python"
    where = _run([str(py), "-c", "import taut, taut.firmware_files as f; print(taut.__file__); print(f.firmware_dir())"],
                 cwd=tmp_path, env=_env(tmp_path))
    assert where.returncode == 0, where.stderr
    module, firmware = (Path(line) for line in where.stdout.split())
    assert ROOT not in module.parents and ROOT not in firmware.parents  # the wheel's, not the checkout's
    assert firmware == module.parent / "firmware" and (firmware / "manifest.py").is_file()


@pytest.mark.slow
def test_the_installed_cli_deploys_dry_and_runs_the_demo(installed, tmp_path):
    env = _env(tmp_path)
    dry = _run([str(installed / "taut"), "firmware", "deploy", "--dry-run", "--port", "/dev/ttyX"], cwd=tmp_path, env=env)
    assert dry.returncode == 0, dry.stderr
    assert "would deploy" in dry.stdout and "main.py" in dry.stdout and "manifest.py" not in dry.stdout
    demo = _run([str(installed / "taut"), "demo", "--fast", "--view", "none", "--exercise", "row", "--reps", "3",
                 "--db", str(tmp_path / "demo.sqlite3")], cwd=tmp_path, env=env)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "match" in demo.stdout
