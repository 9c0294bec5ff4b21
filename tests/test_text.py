"""Strings from a band or the log never reach the terminal as control sequences or rich markup."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from taut.cli import main
from taut.records import Rep, RepSet
from taut.store import open_log
from taut.text import markup_safe, printable

EVIL = "\x1b]0;pwned\x07\x1b[2J[link=http://evil.example]red[/link]\u202e"


def test_printable_escapes_controls_and_bidi_but_keeps_unicode():
    assert printable("Taut-12AB") == "Taut-12AB"
    assert printable("Bänd grün 💪") == "Bänd grün 💪"
    assert printable("a\x1b[2Jb\x07") == "a\\x1b[2Jb\\x07"
    assert printable("x\u202ey\x9b") == "x\\u202ey\\x9b"
    assert printable(None) == "?" and printable(None, "–") == "–"
    assert "\x1b" not in printable(EVIL) and "\u202e" not in printable(EVIL)


def test_markup_safe_shows_brackets_literally():
    from rich.text import Text

    rendered = Text.from_markup(markup_safe("[link=http://evil.example]red[/link]"))
    assert rendered.plain == "[link=http://evil.example]red[/link]"
    assert not rendered.spans


def test_scan_shows_a_hostile_band_name_escaped(monkeypatch, capsys):
    from taut import ble
    from taut.ble.client import BandAdvert

    async def fake_scan(timeout_s, *, backend):
        return [BandAdvert(EVIL, "AA:BB:CC:DD:EE:FF", -40, None)]

    monkeypatch.setattr(ble, "scan", fake_scan)
    assert main(["scan", "--scan-timeout", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "\\x1b]0;pwned" in out


def test_history_and_show_print_log_strings_as_text(tmp_path, capsys):
    db = tmp_path / "log.db"
    rep = Rep(index=0, start_s=1.0, top_start_s=2.0, top_end_s=3.0, end_s=4.0, bottom_n=10.0, peak_n=90.0,
              mean_n=50.0, impulse_ns=150.0, range_fraction=1.0, partial=False, pause_s=None, range_cm=None)  # fmt: skip
    with open_log(db) as log:
        sid = log.start_session(exercise=EVIL, band=EVIL, source="test")
        log.end_set(sid, RepSet(0, (rep,), EVIL))
    for argv in (["history"], ["history", "--sets"], ["show", str(sid), "--no-png"]):
        assert main([*argv, "--db", str(db)]) == 0
        out = capsys.readouterr().out
        assert "\x1b" not in out and "\x07" not in out, argv
        assert "[link=http://evil.example]" in out.replace("\n", "").replace(" ", "") or "[link=http" in out, argv
