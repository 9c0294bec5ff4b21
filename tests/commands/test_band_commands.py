"""The band commands against the virtual band: scan, info, tare, stream (in-process and as a
fresh `taut` process in real time)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from taut.cli import main
from taut.recording import read_recording


def test_stream_fast_writes_a_recording(tmp_path, capsys) -> None:
    out = tmp_path / "x.csv"
    assert main(["stream", "--virtual", "face-pull", "--seconds", "10", "--out", str(out), "--fast"]) == 0
    rec = read_recording(out)
    assert out.read_text().splitlines()[0] == "time_s,tension_n"
    assert 790 <= len(rec) <= 810
    assert rec.time_s[0] == 0.0 and np.all(np.diff(rec.time_s) > 0)
    assert np.all(np.isfinite(rec.tension_n)) and rec.tension_n.max() > 5.0  # someone pulls
    err = capsys.readouterr().err
    assert "streaming from Taut-" in err and f"written to {out}" in err


def test_scan_info_and_tare_on_the_virtual_band(capsys) -> None:
    assert main(["scan", "--virtual", "row", "--seed", "2", "--scan-timeout", "0.5", "--fast"]) == 0
    scan_out = capsys.readouterr().out
    assert main(["info", "--virtual", "row", "--seed", "2", "--fast"]) == 0
    info_out = capsys.readouterr().out
    assert main(["tare", "--virtual", "row", "--seed", "2", "--samples", "8", "--fast"]) == 0
    tare_out = capsys.readouterr().out
    name = scan_out.splitlines()[1].split()[0]
    assert name.startswith("Taut-") and "dBm" in scan_out
    assert f"name          {name}" in info_out and "manufacturer  Taut" in info_out
    assert tare_out.startswith("tared: zero is now ")


def test_user_errors_are_one_line(capsys, monkeypatch) -> None:
    assert main(["stream", "--virtual", "no-such-exercise", "--seconds", "1", "--fast"]) == 2
    assert "unknown exercise 'no-such-exercise'" in capsys.readouterr().err
    assert main(["stream", "--fast", "--seconds", "1"]) == 2
    assert "--fast needs the virtual band" in capsys.readouterr().err
    monkeypatch.setenv("TAUT_VIRTUAL", "reverse-fly")
    assert main(["info", "Nobody", "--scan-timeout", "0.5", "--fast"]) == 2
    assert "no Taut band named or addressed 'Nobody'" in capsys.readouterr().err


def test_taut_stream_runs_in_real_time_in_a_fresh_process(tmp_path) -> None:
    out = tmp_path / "rt.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "taut", "stream", "--virtual", "band-pull-apart", "--seconds", "1.5", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    rec = read_recording(out)
    # Real time on a shared machine: the twin may miss a few conversions (reported as gaps).
    assert 0.75 * 1.5 * 80 <= len(rec) <= 1.5 * 80 + 10  # the last batch may end up to 60 ms late
    assert rec.time_s[-1] == pytest.approx(1.5, abs=0.15)
