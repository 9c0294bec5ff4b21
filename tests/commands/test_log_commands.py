"""The log commands end to end: live (replay) → history → show → export → reanalyze, and their errors."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import numpy as np
import pytest

from taut.cli import main
from taut.recording import write_recording
from taut.store import SCHEMA_VERSION, open_log

from logsynth import trapezoids


@pytest.fixture
def logged(tmp_path, capsys):
    rec = tmp_path / "rec.csv"
    write_recording(rec, *trapezoids(5))
    db = tmp_path / "log.db"
    code = main(["live", "--replay", str(rec), "--speed", "0", "--view", "none", "--exercise", "row", "--band", "red",
                 "--db", str(db)])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    return db, out


def test_live_replay_is_logged_with_the_real_detector(logged):
    db, out = logged
    assert "logged as session 1" in out
    with open_log(db) as log:
        [rep_set] = log.sets(1)
        assert len(rep_set.reps) == 5 and [r.partial for r in rep_set.reps] == [False, False, True, False, False]
        assert rep_set.exercise == "row" and rep_set.complete
        assert log.session(1).band == "red"
        assert log.sample_count(1) == len(trapezoids(5)[0])


def test_history_show_export(logged, capsys, tmp_path):
    db, _ = logged
    assert main(["history", "--db", str(db), "--exercise", "row"]) == 0
    assert "red" in capsys.readouterr().out
    assert main(["history", "--db", str(db), "--exercise", "face-pull"]) == 0
    assert "nothing matches" in capsys.readouterr().out
    assert main(["history", "--db", str(db), "--until", "2000-01-01"]) == 0
    assert "nothing matches" in capsys.readouterr().out
    assert main(["history", "--db", str(db), "--sets"]) == 0
    assert "row" in capsys.readouterr().out

    png_dir = tmp_path / "plots"
    assert main(["show", "1", "--db", str(db), "--png", str(png_dir), "--unit", "kg"]) == 0
    out = capsys.readouterr().out
    assert "partial" in out and "peak kg" in out
    assert (png_dir / "set-1.png").stat().st_size > 5000

    assert main(["export", "1", "--csv", "--db", str(db)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["partial"] for r in rows] == ["False", "False", "True", "False", "False"]
    assert float(rows[0]["peak_n"]) == pytest.approx(120.0, abs=0.5)

    out_json = tmp_path / "s.json"
    assert main(["export", "1", "--json", "--samples", "-o", str(out_json), "--db", str(db)]) == 0
    doc = json.loads(out_json.read_text())
    assert doc["session"]["exercise"] == "row" and len(doc["sets"][0]["reps"]) == 5
    assert len(doc["samples"]["time_s"]) == len(trapezoids(5)[0])

    out_csv = tmp_path / "samples.csv"
    assert main(["export", "1", "--csv", "--samples", "-o", str(out_csv), "--db", str(db)]) == 0
    from taut.recording import read_recording

    assert len(read_recording(out_csv)) == len(trapezoids(5)[0])


def test_reanalyze_rebuilds_sets_from_samples(logged, capsys):
    db, _ = logged
    with open_log(db) as log:
        before = log.sets(1)
        log.replace_analysis(1, [], analysis="wiped")  # as if an old analysis had found nothing
    assert main(["reanalyze", "--dry-run", "--db", str(db)]) == 0
    assert "1/5/1" in capsys.readouterr().out
    with open_log(db) as log:
        assert log.sets(1) == []
    assert main(["reanalyze", "1", "--db", str(db)]) == 0
    with open_log(db) as log:
        after = log.sets(1)
    # Same reps as live; stored samples are rounded to 0.01 N and 1 µs, so figures agree closely, not bit for bit.
    assert after[0].analysis.startswith("reanalyze")
    assert [len(s.reps) for s in after] == [len(s.reps) for s in before]
    for a, b in zip(after[0].reps, before[0].reps):
        assert a.partial == b.partial
        assert (a.start_s, a.top_start_s, a.top_end_s, a.end_s) == pytest.approx((b.start_s, b.top_start_s, b.top_end_s, b.end_s), abs=1e-3)
        assert (a.peak_n, a.mean_n, a.range_fraction) == pytest.approx((b.peak_n, b.mean_n, b.range_fraction), abs=0.01)
    assert main(["reanalyze", "99", "--db", str(db)]) == 2
    assert "no session 99" in capsys.readouterr().err


@pytest.mark.parametrize("damage", ["garbage", "future"])
def test_commands_report_a_bad_log_in_one_line(tmp_path, capsys, damage, file_digest):
    db = tmp_path / "log.db"
    if damage == "garbage":
        db.write_bytes(b"this is not a database at all" * 100)
    else:
        open_log(db).close()
        conn = sqlite3.connect(db)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
    before = file_digest(db)
    for argv in (["history"], ["show", "1"], ["export", "1", "--json"], ["reanalyze"]):
        assert main([*argv, "--db", str(db)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "error" in err[0] and ("newer" in err[0] or "not a SQLite" in err[0])
    assert file_digest(db) == before


def test_live_refuses_bad_arguments(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("time_s,tension_n\n0.0,1.0\nzero,2.0\n")
    assert main(["live", "--replay", str(bad), "--view", "none", "--no-log"]) == 2
    assert "line 3" in capsys.readouterr().err
    assert main(["live", "--replay", str(bad), "--exercise", "squat", "--no-log"]) == 2
    assert "unknown exercise" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["live", "--target", "80:20"])
