"""`taut export --fit`: the file is read back by Garmin's own decoder (garmin-fit-sdk), CRC valid,
every value equal to what the log holds; fitdecode, a second independent decoder, agrees."""

from __future__ import annotations

import datetime as dt

import fitdecode
import numpy as np
import pytest
from garmin_fit_sdk import Decoder, Stream

from taut.cli import main
from taut.share.fit import DEV_FIELDS, EXERCISE_CATEGORY
from taut.exercises import get_exercise
from taut.signal.tempo import tempo_summary
from taut.store import open_log

from sharesynth import on_target


def garmin_read(data: bytes) -> dict:
    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    assert decoder.is_fit()
    assert decoder.check_integrity()  # header and file CRCs
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    return messages


def _unix(t: dt.datetime) -> float:
    return t.timestamp()


def test_fit_export_reads_back_equal_to_the_log(log_path, tmp_path):
    out = tmp_path / "s.fit"
    assert main(["export", "2", "--fit", "-o", str(out), "--db", str(log_path)]) == 0
    data = out.read_bytes()
    msgs = garmin_read(data)

    with open_log(log_path, readonly=True) as db:
        info = db.session(2)
        started, origin = db.session_time_origin(2)
        sets = db.sets(2)
    wall = lambda t: started + t - origin  # noqa: E731

    assert msgs["file_id_mesgs"][0]["type"] == "activity"
    [session] = msgs["session_mesgs"]
    assert (session["sport"], session["sub_sport"]) == ("training", "strength_training")
    assert abs(_unix(session["start_time"]) - started) <= 0.5
    assert session["total_elapsed_time"] == pytest.approx(info.ended_unix_s - started, abs=1e-3)
    assert msgs["activity_mesgs"][0]["num_sessions"] == 1

    names = {d["field_definition_number"]: d["field_name"] for d in msgs["field_description_mesgs"]}
    assert names == {f.number: f.name for f in DEV_FIELDS}
    set_mesgs = msgs["set_mesgs"]
    active = [m for m in set_mesgs if m["set_type"] == "active"]
    rest = [m for m in set_mesgs if m["set_type"] == "rest"]
    assert len(active) == len(sets) == 3 and len(rest) == len(sets) - 1
    assert [m["set_type"] for m in set_mesgs] == ["active", "rest", "active", "rest", "active"]
    assert [m["message_index"] for m in set_mesgs] == list(range(5))

    for m, s in zip(active, sets):
        dev = {names[k]: v for k, v in m["developer_fields"].items()}
        assert m["repetitions"] == len(s.reps)
        assert abs(_unix(m["start_time"]) - wall(s.start_s)) <= 0.5  # FIT times are whole seconds
        assert abs(_unix(m["timestamp"]) - wall(s.end_s)) <= 0.5
        assert m["duration"] == pytest.approx(s.end_s - s.start_s, abs=0.0005)  # ms resolution
        category, subtype, _ = EXERCISE_CATEGORY[s.exercise]
        assert m["category"] == {23: "row", 9: "flye"}[category]
        assert m.get("category_subtype") == subtype
        # developer fields: float64, so exactly the log's sums (same order of addition)
        assert dev["tut_s"] == sum(r.tut_s for r in s.reps)
        assert dev["impulse_ns"] == sum(r.impulse_ns for r in s.reps)
        assert dev["peak_tension_n"] == max(r.peak_n for r in s.reps)
        assert dev["mean_tension_n"] == sum(r.impulse_ns for r in s.reps) / sum(r.tut_s for r in s.reps)
        assert dev["partial_reps"] == sum(r.partial for r in s.reps) > 0
        assert dev["good_reps"] == sum(not r.partial for r in s.reps)
        target = get_exercise(s.exercise).tempo
        assert dev["target_tempo"] == str(target)
        assert dev["tempo"] == str(tempo_summary(s.reps, np.array([r.range_fraction for r in s.reps])).tempo)
        assert dev["tempo_adherence"] == sum(on_target(r, target) for r in s.reps) / len(s.reps)
    for m, before, after in zip(rest, sets, sets[1:]):
        assert m["duration"] == pytest.approx(after.start_s - before.end_s, abs=0.0005)
        assert "repetitions" not in m and "developer_fields" not in m

    # A second, independent decoder reads the same values (and checks the CRC itself).
    with fitdecode.FitReader(str(out), check_crc=fitdecode.CrcCheck.RAISE) as reader:
        fd_sets = [
            {f.name: f.value for f in frame.fields}
            for frame in reader
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "set"
        ]
    assert len(fd_sets) == len(set_mesgs)
    for ours, theirs in zip(set_mesgs, fd_sets):
        for key in ("timestamp", "start_time", "duration", "repetitions", "set_type", "category", "message_index"):
            assert theirs.get(key) == ours.get(key), key
        dev = {names[k]: v for k, v in ours.get("developer_fields", {}).items()}
        for name, value in dev.items():
            assert theirs[name] == value, name


def test_fit_export_is_refused_cleanly(log_path, tmp_path, capsys):
    out = tmp_path / "s.fit"
    out.write_bytes(b"old")
    assert main(["export", "2", "--fit", "--db", str(log_path)]) == 2
    assert "-o FILE.fit" in capsys.readouterr().err
    assert main(["export", "99", "--fit", "-o", str(out), "--db", str(log_path)]) == 2
    assert "no session 99" in capsys.readouterr().err
    assert main(["export", "2", "--fit", "--samples", "-o", str(out), "--db", str(log_path)]) == 2
    assert "--samples" in capsys.readouterr().err
    assert main(["export", "2", "--fit", "-o", str(log_path), "--db", str(log_path)]) == 2
    assert "workout log itself" in capsys.readouterr().err
    assert out.read_bytes() == b"old"  # nothing was written over it
    assert main(["export", "2", "--fit", "-o", str(tmp_path), "--db", str(log_path)]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_an_exercise_without_a_profile_has_no_target_and_an_unknown_category(tmp_path):
    from taut.records import RepSet

    from sharesynth import T0_UNIX_S, varied_reps

    path = tmp_path / "log.db"
    with open_log(path) as db:
        sid = db.start_session(exercise="bicep-curl", started_unix_s=T0_UNIX_S)  # no session end: cut short
        reps = varied_reps(np.random.default_rng(5), 6, 4.0, peak_n=70.0)
        db.end_set(sid, RepSet(0, reps, None))
    out = tmp_path / "x.fit"
    assert main(["export", str(sid), "--fit", "-o", str(out), "--db", str(path)]) == 0
    msgs = garmin_read(out.read_bytes())
    names = {d["field_definition_number"]: d["field_name"] for d in msgs["field_description_mesgs"]}
    [m] = msgs["set_mesgs"]
    dev = {names[k]: v for k, v in m["developer_fields"].items()}
    assert m["category"] == "unknown" and "category_subtype" not in m
    assert "target_tempo" not in dev and "tempo_adherence" not in dev
    assert dev["tut_s"] == sum(r.tut_s for r in reps) and m["repetitions"] == 6
    # a session cut short ends with its last set
    assert msgs["session_mesgs"][0]["total_elapsed_time"] == pytest.approx(reps[-1].end_s, abs=1e-3)
