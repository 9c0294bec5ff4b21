"""`taut analyze`: the JSON contract, the table, and bad input (error naming the line, no stdout)."""

import json

import numpy as np
import pytest

import tautsynth
from taut.cli import main
from taut.recording import write_recording


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    s = tautsynth.make_session(80, (5, 3), partial={2: 0.6}, noise_n=0.2)
    path = tmp_path_factory.mktemp("rec") / "rec.csv"
    write_recording(path, s.time_s, s.tension_n)
    return path, s


def test_json_contract(recording, capsys):
    path, s = recording
    assert main(["analyze", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [len(x["reps"]) for x in out["sets"]] == [5, 3]
    for found, truth in zip(out["sets"], s.sets):
        assert set(found) >= {"start_s", "end_s", "tut_s", "reps"}
        assert found["start_s"] == pytest.approx(truth[0].start_s, abs=0.04)
        assert found["end_s"] == pytest.approx(truth[-1].end_s, abs=0.04)
        for rep, tr in zip(found["reps"], truth):
            assert set(rep) >= {"start_s", "end_s", "concentric_s", "hold_s", "eccentric_s", "peak_n", "partial"}
            assert rep["partial"] == tr.partial
            assert rep["concentric_s"] == pytest.approx(tr.top_start_s - tr.start_s, abs=0.04)
            assert rep["hold_s"] == pytest.approx(tr.top_end_s - tr.top_start_s, abs=0.04)
            assert rep["eccentric_s"] == pytest.approx(tr.end_s - tr.top_end_s, abs=0.04)
            assert rep["peak_n"] == pytest.approx(tr.peak_n, abs=1.0)
        assert found["tut_s"] == pytest.approx(sum(r.end_s - r.start_s for r in truth), rel=0.02)


def test_table_with_exercise(recording, capsys):
    path, _ = recording
    assert main(["analyze", str(path), "--exercise", "row"]) == 0
    out = capsys.readouterr().out
    assert "set 1: 5 reps" in out and "set 2: 3 reps" in out
    assert "target 2-1-1-1" in out
    assert out.count(" yes") == 1  # the one partial rep


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1: empty file"),
        ("time,force\n0,1\n", "line 1: missing column"),
        ("time_s,tension_n\n0,1\n0.1,x\n", "line 3: tension_n is not a number"),
        ("time_s,tension_n\n0,1\n0.1,NaN\n", "line 3: tension_n is not finite"),
        ("time_s,tension_n\n0,1\n0.1,1e9\n", "line 3: tension_n 1000000000.0 N is not a plausible tension"),
        ("time_s,tension_n\n0,1\n0.2,1\n0.1,1\n", "line 4: time not increasing"),
    ],
)
def test_bad_input_error_on_stderr_nothing_on_stdout(tmp_path, capsys, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    assert main(["analyze", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err
    assert captured.err.count("\n") == 1


def test_repeated_timestamps_are_merged_with_one_note_on_stderr(tmp_path, capsys):
    t = np.round(np.arange(0, 40, 0.05), 2)
    f = 20 + 60 * np.clip(np.sin(2 * np.pi * (t - 5) / 6), 0, None) * (t > 5) * (t < 29)
    lines = [f"{ti:.2f},{fi:.3f}" for ti, fi in zip(t, f)]
    doubled = [x for line in lines for x in (line, line)]  # every time logged twice
    path = tmp_path / "coarse.csv"
    path.write_text("time_s,tension_n\n" + "\n".join(doubled) + "\n")
    assert main(["analyze", str(path), "--json"]) == 0
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)["sets"][0]["reps"]) == 4
    assert captured.err.count("\n") == 1 and f"{len(t)} sample(s) repeated" in captured.err


def test_unknown_exercise_and_missing_file(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "none.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err
    path = tmp_path / "ok.csv"
    path.write_text("time_s,tension_n\n0,1\n")
    assert main(["analyze", str(path), "--exercise", "curl"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "unknown exercise" in captured.err
