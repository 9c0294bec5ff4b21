"""`--runtime micropython` on the commands: the virtual band on the real MicroPython, in real time."""

from __future__ import annotations

import numpy as np

from taut.cli import main
from taut.recording import read_recording


def test_stream_on_the_micropython_runtime_writes_a_recording(runtime, tmp_path, capsys) -> None:
    out = tmp_path / "mp.csv"
    assert main(["stream", "--virtual", "row", "--runtime", "micropython", "--seconds", "3", "--out", str(out)]) == 0
    rec = read_recording(out)
    assert 0.8 * 3 * 80 <= len(rec) <= 3 * 80 + 10
    assert np.all(np.diff(rec.time_s) > 0) and np.all(np.isfinite(rec.tension_n))
    assert "streaming from Taut-" in capsys.readouterr().err


def test_taut_runtime_chooses_micropython_for_info(runtime, monkeypatch, capsys) -> None:
    monkeypatch.setenv("TAUT_RUNTIME", "micropython")
    assert main(["info", "--virtual", "face-pull", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "manufacturer  Taut" in out


def test_runtime_errors_are_one_line(monkeypatch, capsys) -> None:
    assert main(["stream", "--virtual", "row", "--runtime", "micropython", "--fast", "--seconds", "1"]) == 2
    assert "--fast runs on a simulated clock, which the micropython runtime cannot" in capsys.readouterr().err
    assert main(["demo", "--runtime", "micropython", "--fast", "--view", "none"]) == 2
    assert "--fast runs on a simulated clock" in capsys.readouterr().err
    monkeypatch.setenv("TAUT_RUNTIME", "jython")
    assert main(["stream", "--virtual", "row", "--seconds", "1"]) == 2
    assert "TAUT_RUNTIME='jython': expected one of cpython, micropython" in capsys.readouterr().err


def test_live_on_the_micropython_runtime(runtime, tmp_path, capsys) -> None:
    args = ["live", "--virtual", "face-pull", "--runtime", "micropython", "--seconds", "3", "--view", "none",
            "--db", str(tmp_path / "log.sqlite3")]  # fmt: skip
    assert main(args) == 0
    assert main(["live", "--virtual", "face-pull", "--runtime", "micropython", "--fast", "--view", "none"]) == 2
    assert "--fast runs on a simulated clock" in capsys.readouterr().err
