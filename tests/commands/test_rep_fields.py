"""A rep's fields as every output lists them: the SQL columns, `export --csv/--json`, `analyze --json`.

The names and their order are contracts (docs/log.md, docs/export.md, docs/analysis.md): they are
written out here by hand, so a change to the one definition they derive from shows up as a failure.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest

from taut.cli import main
from taut.recording import write_recording
from taut.store import open_log

from logsynth import trapezoids

EXPORT_REP_COLUMNS = [
    "set_index", "exercise", "rep_index", "start_s", "top_start_s", "top_end_s", "end_s", "concentric_s", "hold_s",
    "eccentric_s", "tut_s", "bottom_n", "peak_n", "mean_n", "impulse_ns", "range_fraction", "partial", "pause_s",
    "range_cm",
]  # fmt: skip
EXPORT_SET_KEYS = ["set_index", "exercise", "complete", "analysis", "tut_s", "reps"]
EXPORT_SESSION_KEYS = ["id", "started_unix_s", "ended_unix_s", "exercise", "band", "device", "source"]
ANALYZE_REP_KEYS = [
    "start_s", "end_s", "concentric_s", "hold_s", "eccentric_s", "peak_n", "partial", "tut_s", "pause_s", "bottom_n",
    "mean_n", "impulse_ns", "range_fraction", "range_cm",
]  # fmt: skip
ANALYZE_SET_KEYS = ["start_s", "end_s", "tut_s", "tempo", "tut_cv", "reps"]
REPS_TABLE_COLUMNS = [
    "id", "set_id", "rep_index", "start_s", "top_start_s", "top_end_s", "end_s", "bottom_n", "peak_n", "mean_n",
    "impulse_ns", "range_fraction", "partial", "pause_s", "concentric_s", "hold_s", "eccentric_s", "tut_s", "range_cm",
]  # fmt: skip


@pytest.fixture(scope="module")
def logged(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rep-fields")
    rec, db = tmp / "rec.csv", tmp / "log.db"
    write_recording(rec, *trapezoids(5))
    assert main(["live", "--replay", str(rec), "--speed", "0", "--view", "none", "--exercise", "row",
                 "--db", str(db)]) == 0  # fmt: skip
    return rec, db


def test_the_reps_table_columns(logged):
    _, db = logged
    with sqlite3.connect(db) as conn:
        assert [row[1] for row in conn.execute("PRAGMA table_info(reps)")] == REPS_TABLE_COLUMNS
        n = conn.execute("SELECT count(*) FROM reps").fetchone()[0]
    assert n == 5


def test_export_csv_columns_and_values(logged, capsys):
    _, db = logged
    capsys.readouterr()
    assert main(["export", "1", "--csv", "--db", str(db)]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0] == ",".join(EXPORT_REP_COLUMNS)
    rows = list(csv.DictReader(io.StringIO(text)))
    with open_log(db, readonly=True) as log:
        [rep_set] = log.sets(1)
    assert len(rows) == len(rep_set.reps) == 5
    for row, rep in zip(rows, rep_set.reps):
        assert row["rep_index"] == str(rep.index) and row["set_index"] == "0" and row["exercise"] == "row"
        assert float(row["tut_s"]) == pytest.approx(rep.tut_s) and float(row["peak_n"]) == rep.peak_n
        assert row["partial"] == str(rep.partial) and row["range_cm"] == ""


def test_export_json_keys_and_values(logged, capsys):
    _, db = logged
    capsys.readouterr()
    assert main(["export", "1", "--json", "--db", str(db)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert list(doc) == ["session", "sets"]
    assert list(doc["session"]) == EXPORT_SESSION_KEYS
    [s] = doc["sets"]
    assert list(s) == EXPORT_SET_KEYS and s["complete"] is True and s["analysis"] == "live"
    assert [list(r) for r in s["reps"]] == [EXPORT_REP_COLUMNS] * 5
    assert [r["partial"] for r in s["reps"]] == [False, False, True, False, False]


def test_analyze_json_keys_and_values(logged, capsys):
    rec, _ = logged
    capsys.readouterr()
    assert main(["analyze", str(rec), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert list(doc) == ["exercise", "sets"]
    [s] = doc["sets"]
    assert list(s) == ANALYZE_SET_KEYS and isinstance(s["tempo"], str) and s["tut_cv"] >= 0
    assert [list(r) for r in s["reps"]] == [ANALYZE_REP_KEYS] * 5
    assert [r["partial"] for r in s["reps"]] == [False, False, True, False, False]
    assert all(r["tut_s"] == pytest.approx(r["end_s"] - r["start_s"]) for r in s["reps"])


def test_the_one_definition_covers_the_rep():
    import dataclasses

    from taut.records import ANALYSIS_REP_KEYS, REP_FIELDS, REP_INIT_FIELDS, Rep, rep_fields

    assert [f.attr or f.name for f in REP_INIT_FIELDS] == [f.name for f in dataclasses.fields(Rep)]
    assert all(isinstance(getattr(Rep, f.name), property) for f in REP_FIELDS if f.derived)
    assert ["set_index", "exercise", *(f.name for f in REP_FIELDS)] == EXPORT_REP_COLUMNS
    assert list(ANALYSIS_REP_KEYS) == ANALYZE_REP_KEYS
    assert {f.name for f in REP_FIELDS} == set(REPS_TABLE_COLUMNS) - {"id", "set_id"}
    suffix = {"_s": "s", "_n": "N", "_ns": "N*s", "_cm": "cm"}
    for f in REP_FIELDS:
        want = next((u for end, u in sorted(suffix.items(), key=lambda kv: -len(kv[0])) if f.name.endswith(end)), "")
        assert f.unit == want, f
    with pytest.raises(KeyError):
        rep_fields("start_s", "no_such_field")
