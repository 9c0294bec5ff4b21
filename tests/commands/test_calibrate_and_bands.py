"""`taut calibrate` and `taut bands`: user errors are one clear line, and listings read the log."""

from __future__ import annotations

import pytest

from taut.calibration import BandCurve, BandProfile, BandStore
from taut.cli import main
from taut.store import open_log


def _shelf(tmp_path):
    db = tmp_path / "taut.sqlite3"
    with open_log(db) as log:
        store = BandStore(log)
        for name, f100, colour in (("blue-loop", 41.0, "blue"), ("red-loop", 22.0, "red"), ("old-red", 22.8, "red")):
            store.save(BandProfile(name, 1.0, BandCurve(f100, 30.0, 0.1), colour=colour, created_unix_s=1.7e9,
                                   fit_error=0.004))
    return db


def test_bands_lists_by_level_and_flags_look_alikes(tmp_path, capsys):
    db = _shelf(tmp_path)
    assert main(["bands", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    rows = [ln.split()[0] for ln in out.splitlines()[1:4]]
    assert rows == ["red-loop", "old-red", "blue-loop"]
    assert "'red-loop' and 'old-red' are not meaningfully different" in out
    assert "TheraBand" in out


def test_bands_remove_and_empty(tmp_path, capsys):
    db = _shelf(tmp_path)
    assert main(["bands", "--db", str(db), "--remove", "old-red"]) == 0
    assert "removed 'old-red'" in capsys.readouterr().out
    assert main(["bands", "--db", str(db)]) == 0
    assert "old-red" not in capsys.readouterr().out
    assert main(["bands", "--db", str(db), "--remove", "nope"]) == 2
    assert "no calibrated band 'nope'" in capsys.readouterr().err
    assert main(["bands", "--db", str(tmp_path / "empty" / "taut.sqlite3")]) == 0
    assert "no calibrated bands yet" in capsys.readouterr().out


def test_bands_user_errors(tmp_path, capsys):
    db = _shelf(tmp_path)
    assert main(["bands", "--db", str(db), "--target", "50"]) == 2
    assert "--target needs --exercise" in capsys.readouterr().err
    assert main(["bands", "--db", str(db), "--target", "50", "--exercise", "curl"]) == 2
    assert "unknown exercise 'curl'" in capsys.readouterr().err
    (tmp_path / "bands.json").write_text("{broken")
    assert main(["bands", "--db", str(db)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert (tmp_path / "bands.json").read_text() == "{broken"


def test_bands_imports_an_old_band_file_once(tmp_path, capsys):
    import json

    old = BandProfile("green-tube", 1.2, BandCurve(18.0, 30.0, 0.1), colour="green", created_unix_s=1.6e9)
    (tmp_path / "bands.json").write_text(json.dumps({"version": 1, "bands": [old.as_dict()]}))
    db = _shelf(tmp_path)
    assert main(["bands", "--db", str(db)]) == 0
    rows = [ln.split()[0] for ln in capsys.readouterr().out.splitlines()[1:5]]
    assert rows == ["green-tube", "red-loop", "old-red", "blue-loop"]
    assert main(["bands", "--db", str(db), "--remove", "green-tube"]) == 0
    capsys.readouterr()
    assert main(["bands", "--db", str(db)]) == 0
    assert "green-tube" not in capsys.readouterr().out
    with open_log(db) as log:
        assert [c.created_unix_s for c in log.calibrations(band="green-tube")] == [1.6e9]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["calibrate", "band", "x", "--rest-length", "0", "--virtual"], "rest length"),
        (["calibrate", "band", "x", "--rest-length", "60", "--marks", "150,140", "--virtual"], "must increase"),
        (["calibrate", "band", "x", "--rest-length", "60", "--virtual", "pink"], "unknown band 'pink'"),
    ],
)
def test_calibrate_user_errors(argv, message, tmp_path, capsys):
    assert main([*argv, "--db", str(tmp_path / "t.sqlite3")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("taut calibrate: error:") and message in err
    assert not (tmp_path / "bands.json").exists() and not (tmp_path / "t.sqlite3").exists()


def test_calibrate_load_cell_dry_run_saves_nothing(tmp_path, capsys):
    db = tmp_path / "t.sqlite3"
    assert main(["calibrate", "load-cell", "--virtual", "--mass", "2", "--dry-run", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "dry run: nothing saved" in out and "only two loads" in out
    assert not db.exists()


def test_interactive_confirm_reads_enter_or_a_length(monkeypatch, capsys):
    import argparse
    import asyncio
    import io

    from taut.calibration.wizard import CONFIRM, Prompt
    from taut.commands.calibrate import _Session

    confirm = _Session(argparse.Namespace()).confirm_fn(None)
    mark = Prompt("mark-2", CONFIRM, "stretch", 2, 7)
    answers = []
    for typed in ("\n", "91.5\n", "abc\n"):
        monkeypatch.setattr("sys.stdin", io.StringIO(typed))
        answers.append(asyncio.run(confirm(mark)))
    assert answers == [None, 91.5, None]
    out = capsys.readouterr().out
    assert "type the length held" in out and "'abc' is not a length in cm" in out
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # end of input: the user quit
    with pytest.raises(KeyboardInterrupt):
        asyncio.run(confirm(mark))
