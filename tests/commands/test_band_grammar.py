"""One grammar for every command that talks to a band: DEVICE, --virtual and TAUT_VIRTUAL alike
everywhere; the old spellings keep working for one release with a note on stderr."""

from __future__ import annotations

import pytest

from taut.cli import build_parser, main
from taut.store import open_log

# Each band command's words up to DEVICE (its own positionals first), and the options it requires.
BAND_COMMANDS = [
    (["info"], []), (["tare"], []), (["stream"], []), (["pair"], []), (["unpair"], []), (["live"], []),
    (["calibrate", "load-cell"], ["--mass", "2"]), (["calibrate", "band", "red"], ["--rest-length", "60"]),
    (["firmware", "mode", "progressor"], []),
]  # fmt: skip


def _parse(argv: list[str]):
    return build_parser(argv).parse_args(argv)


@pytest.mark.parametrize(("words", "required"), BAND_COMMANDS, ids=lambda w: " ".join(w[:2]))
def test_every_band_command_takes_device_and_virtual_the_same_way(words, required):
    args = _parse([*words, "Taut-1234", *required, "--virtual", "row", "--seed", "4", "--scan-timeout", "2"])
    assert (args.device, args.virtual, args.seed, args.scan_timeout) == ("Taut-1234", "row", 4, 2.0)
    args = _parse([*words, *required])
    assert args.device is None and args.virtual is None


def test_scan_takes_virtual_but_no_device():
    assert _parse(["scan", "--virtual", "row"]).virtual == "row"
    with pytest.raises(SystemExit):
        _parse(["scan", "Taut-1234"])


def test_a_device_named_like_an_exercise_is_caught(capsys):
    assert main(["info", "face-pull"]) == 2
    err = capsys.readouterr().err
    assert "'face-pull' is an exercise" in err and "--virtual face-pull" in err


def test_live_honours_taut_virtual(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("TAUT_VIRTUAL", "row")
    db = tmp_path / "t.sqlite3"
    assert main(["live", "--fast", "--seconds", "40", "--view", "none", "--db", str(db)]) == 0
    capsys.readouterr()
    with open_log(db) as log:
        (session,) = log.sessions()
    assert session.source == "virtual" and session.exercise == "row"


def test_live_replay_takes_no_band(tmp_path, capsys):
    rec = tmp_path / "r.csv"
    rec.write_text("time_s,tension_n\n0.0,1.0\n0.1,2.0\n")
    assert main(["live", "--replay", str(rec), "--virtual", "row", "--no-log", "--view", "none"]) == 2
    assert "--replay plays a recording" in capsys.readouterr().err


def test_calibrate_honours_taut_virtual(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("TAUT_VIRTUAL", "row")
    db = tmp_path / "t.sqlite3"
    assert main(["calibrate", "load-cell", "--mass", "2", "--dry-run", "--db", str(db)]) == 0
    assert "dry run: nothing saved" in capsys.readouterr().out and not db.exists()


def test_calibrate_without_a_band_needs_no_sim_band(capsys):
    assert main(["calibrate", "band", "red", "--rest-length", "60", "--sim-band", "red"]) == 2
    assert "--sim-band needs the virtual band" in capsys.readouterr().err


# -- the old spellings, for one release ---------------------------------------------------------


def test_live_target_is_the_old_zone(capsys):
    args = _parse(["live", "--target", "10:20"])
    assert args.zone == (10.0, 20.0)
    assert "--target is deprecated" in capsys.readouterr().err
    assert _parse(["live", "--zone", "1:2"]).zone == (1.0, 2.0)
    assert capsys.readouterr().err == ""


def test_live_device_option_is_the_old_device_argument(capsys, tmp_path):
    assert _parse(["live", "--device", "Taut-1"]).device_option == "Taut-1"
    assert "--device is deprecated" in capsys.readouterr().err
    assert main(["live", "Taut-1", "--device", "Taut-2", "--no-log", "--view", "none"]) == 2
    assert "give the band once" in capsys.readouterr().err


def test_bands_target_is_the_old_tension(capsys):
    assert _parse(["bands", "--target", "50"]).tension == 50.0
    assert "use --tension N" in capsys.readouterr().err


def test_calibrate_virtual_band_name_is_the_old_sim_band(tmp_path, capsys):
    db = tmp_path / "t.sqlite3"
    assert main(["calibrate", "band", "mine", "--rest-length", "60", "--virtual", "purple", "--dry-run",
                 "--db", str(db)]) == 0
    captured = capsys.readouterr()
    assert "--virtual purple is deprecated" in captured.err and "--sim-band purple" in captured.err
    assert "band 'mine'" in captured.out and "dry run: nothing saved" in captured.out
