"""`taut analyze --band` and `taut live --band`: each rep's range in cm from a calibrated band, JSON contract kept."""

from __future__ import annotations

import json

import numpy as np
import pytest

from taut.calibration import BandCurve, BandProfile, BandStore
from taut.cli import main
from taut.recording import write_recording
from taut.sim import random_plan, simulate_session
from taut.store import open_log

# The keys `taut analyze --json` gave each rep before band calibration added range: the contract, which stays.
REP_KEYS = {"start_s", "end_s", "concentric_s", "hold_s", "eccentric_s", "peak_n", "partial", "tut_s", "pause_s",
            "bottom_n", "mean_n", "impulse_ns", "range_fraction"}
SET_KEYS = {"start_s", "end_s", "tut_s", "tempo", "tut_cv", "reps"}


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """Seed 0: a straight-arm pulldown (band pre-stretched 19 %) with three partial reps in set 1."""
    tmp = tmp_path_factory.mktemp("band")
    plan = random_plan(0)
    sp = plan.sets[0]
    rec = simulate_session(plan)
    first = rec.time_s <= rec.sets[0].reps[-1].end_s + 3.0
    csv = tmp / "rec.csv"
    write_recording(csv, rec.time_s[first], rec.tension_n[first])
    db = tmp / "taut.sqlite3"
    b = sp.band
    with open_log(db) as log:
        store = BandStore(log)
        store.save(BandProfile("sim", sp.rest_length_m, BandCurve(b.force_100_n, b.stiffening_jm, b.hysteresis_loss)))
        store.save(BandProfile("other", 1.0, BandCurve(10.0, 30.0, 0.1)))
    return csv, db, sp, rec.sets[0].reps


def _no_nan(name):
    raise AssertionError(f"{name} in the JSON")


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out, parse_constant=_no_nan)


def test_json_gains_range_cm_near_the_true_hand_travel(session, capsys):
    csv, db, sp, truth = session
    plain = _json(capsys, ["analyze", str(csv), "--json", "--exercise", sp.exercise])
    out = _json(capsys, ["analyze", str(csv), "--json", "--exercise", sp.exercise, "--band", "sim", "--db", str(db)])
    for doc in (plain, out):
        [s] = doc["sets"]
        assert set(s) == SET_KEYS
        assert all(set(r) == REP_KEYS | {"range_cm"} for r in s["reps"])
    assert all(r["range_cm"] is None for r in plain["sets"][0]["reps"])
    reps = out["sets"][0]["reps"]
    assert len(reps) == len(truth)
    got = np.array([r["range_cm"] for r in reps])
    true_cm = np.array([r.range_cm for r in truth])
    assert np.median(np.abs(got / true_cm - 1)) < 0.05  # the exercise's typical set-up is close to this one
    assert [r["partial"] for r in reps] == [r.partial for r in truth] and sum(r.partial for r in truth) == 3
    # partials judged by true range: range_fraction is the cm range over the set's median
    assert np.allclose([r["range_fraction"] for r in reps], got / np.median(got), rtol=1e-9)
    # everything but the range figures is the same analysis
    for a, b in zip(plain["sets"][0]["reps"], reps):
        assert {k: a[k] for k in REP_KEYS - {"range_fraction"}} == {k: b[k] for k in REP_KEYS - {"range_fraction"}}


def test_rest_length_changes_the_travel(session, capsys):
    csv, db, sp, _ = session
    base = ["analyze", str(csv), "--json", "--exercise", sp.exercise, "--band", "sim", "--db", str(db)]
    short = _json(capsys, [*base, "--rest-length", "50"])["sets"][0]["reps"]
    long = _json(capsys, [*base, "--rest-length", "75"])["sets"][0]["reps"]
    ratio = np.median([b["range_cm"] / a["range_cm"] for a, b in zip(short, long)])
    assert 1.3 < ratio < 1.7  # same elongation, 1.5 times the band: about 1.5 times the travel
    # a band so long the arm's arc cannot stretch it that far: no range, and still valid JSON
    beyond = _json(capsys, [*base, "--rest-length", "100"])["sets"][0]["reps"]
    assert any(r["range_cm"] is None for r in beyond)


def test_table_shows_cm_and_stacks_work(session, capsys):
    csv, db, sp, _ = session
    assert main(["analyze", str(csv), "--exercise", sp.exercise, "--band", "sim+other", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    [header] = [ln for ln in out.splitlines() if "start" in ln and "peak N" in ln]
    assert " cm " in header
    assert "yes" in out  # the partial reps


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--band", "green"], "no calibrated band 'green' (calibrated: other, sim)"),
        (["--rest-length", "60"], "--rest-length needs --band"),
        (["--band", "sim", "--rest-length", "-3"], "rest length"),
    ],
)
def test_band_user_errors(session, capsys, extra, message):
    csv, db, _, _ = session
    assert main(["analyze", str(csv), "--json", "--db", str(db), *extra]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err


def test_no_log_yet_is_a_clear_error_and_creates_nothing(session, tmp_path, capsys):
    csv, *_ = session
    db = tmp_path / "none.sqlite3"
    assert main(["analyze", str(csv), "--band", "sim", "--db", str(db)]) == 2
    assert "calibrated: none yet" in capsys.readouterr().err
    assert not db.exists()


def test_live_logs_the_same_ranges_as_analyze(session, capsys):
    csv, db, sp, truth = session
    out = _json(capsys, ["analyze", str(csv), "--json", "--exercise", sp.exercise, "--band", "sim", "--db", str(db)])
    assert main(["live", "--replay", str(csv), "--speed", "0", "--view", "none", "--exercise", sp.exercise,
                 "--band", "sim", "--db", str(db)]) == 0
    assert "note:" not in capsys.readouterr().err
    with open_log(db, readonly=True) as log:
        session_id = log.sessions()[0].id
        [live_set] = log.sets(session_id)
    want = [r["range_cm"] for r in out["sets"][0]["reps"]]
    assert [r.range_cm for r in live_set.reps] == pytest.approx(want, rel=1e-6)
    assert [r.partial for r in live_set.reps] == [r.partial for r in truth]


def test_live_with_an_uncalibrated_band_just_names_it(session, tmp_path, capsys):
    csv, _, sp, _ = session
    db = tmp_path / "t.sqlite3"
    assert main(["live", "--replay", str(csv), "--speed", "0", "--view", "none", "--exercise", sp.exercise,
                 "--band", "blue", "--db", str(db)]) == 0
    assert "no calibrated band 'blue'" in capsys.readouterr().err
    with open_log(db, readonly=True) as log:
        assert log.sessions()[0].band == "blue"
        assert all(r.range_cm is None for r in log.sets(log.sessions()[0].id)[0].reps)
