"""Band profiles and calibrations in the log: saved with their calibration row, read back, removed."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from taut.store import BandProfileRecord, NotFoundError, open_log


def _record(name: str, f100: float, *, created: float = 1.7e9, colour: str = "") -> BandProfileRecord:
    return BandProfileRecord(name, {"name": name, "curve": {"f": f100}}, 1.0, f100, 1.4 * f100, colour, created)


def test_save_reads_back_in_level_order_with_its_calibration_row(tmp_path):
    with open_log(tmp_path / "log.db") as db:
        heavy = db.save_band_profile(_record("heavy", 60.0), note='{"kind": "band"}')
        light = db.save_band_profile(_record("light", 10.0, colour="red"), device="taut-1")
        got = db.band_profiles()
        assert [p.name for p in got] == ["light", "heavy"]
        assert got[0].profile == {"name": "light", "curve": {"f": 10.0}}
        assert (got[0].colour, got[0].calibration_id, got[1].calibration_id) == ("red", light, heavy)
        [cal] = db.calibrations(band="light")
        assert (cal.id, cal.device, cal.stretch_cm, cal.tension_n, cal.created_unix_s) == (light, "taut-1", 100.0, 10.0, 1.7e9)
        assert db.calibrations(band="heavy")[0].note == '{"kind": "band"}'
        assert db.calibrations(device="taut-1", band="heavy") == []


def test_replacing_a_profile_keeps_the_older_calibration_rows(tmp_path):
    with open_log(tmp_path / "log.db") as db:
        first = db.save_band_profile(_record("red", 20.0, created=1.0e9))
        second = db.save_band_profile(_record("red", 22.0, created=2.0e9))
        assert db.band_profile("red").force_100_n == 22.0
        assert db.band_profile("red").calibration_id == second
        assert [c.id for c in db.calibrations(band="red")] == [second, first]  # newest first
        removed = db.remove_band_profile("red")
        assert removed.force_100_n == 22.0
        with pytest.raises(NotFoundError, match="none yet"):
            db.band_profile("red")
        assert len(db.calibrations(band="red")) == 2  # history stays
        with pytest.raises(NotFoundError):
            db.remove_band_profile("red")


def test_calibrations_filter_and_date(tmp_path):
    with open_log(tmp_path / "log.db") as db:
        a = db.add_calibration(device="d1", offset_raw=5, counts_per_n=100.0, created_unix_s=1.5e9)
        b = db.add_calibration(device="d2", offset_raw=6, counts_per_n=101.0)
        assert [c.id for c in db.calibrations()] == [b, a]
        [only] = db.calibrations(device="d1")
        assert (only.offset_raw, only.counts_per_n, only.created_unix_s, only.band) == (5, 100.0, 1.5e9, None)
        with pytest.raises(ValueError, match="finite"):
            db.add_calibration(device="d1", created_unix_s=float("nan"))
        assert len(db.calibrations()) == 2


@pytest.mark.parametrize("bad", [
    dict(rest_length_m=0.0), dict(force_100_n=float("nan")), dict(name=""), dict(profile=[1, 2]),
])
def test_bad_profiles_are_refused_before_writing(tmp_path, bad):
    fields: dict[str, Any] = dict(name="x", profile={"a": 1}, rest_length_m=1.0, force_100_n=10.0, force_200_n=14.0)
    fields.update(bad)
    with pytest.raises(ValueError):
        BandProfileRecord(**fields)


def test_unserialisable_profile_writes_nothing(tmp_path):
    with open_log(tmp_path / "log.db") as db:
        with pytest.raises(ValueError, match="JSON"):
            db.save_band_profile(BandProfileRecord("x", {"a": float("inf")}, 1.0, 10.0, 14.0))
        assert db.band_profiles() == [] and db.calibrations() == []


def test_a_failing_profile_write_rolls_back_the_calibration_row(tmp_path):
    p = tmp_path / "log.db"
    with open_log(p) as db:
        pass
    conn = sqlite3.connect(p)
    conn.execute("CREATE TRIGGER no_profiles BEFORE INSERT ON band_profiles BEGIN SELECT RAISE(ABORT, 'refused'); END")
    conn.commit()
    conn.close()
    with open_log(p) as db:
        with pytest.raises(Exception, match="refused"):
            db.save_band_profile(_record("red", 20.0))
        assert db.calibrations() == [] and db.band_profiles() == []


def test_import_happens_once_and_keeps_profiles_already_in_the_log(tmp_path):
    with open_log(tmp_path / "log.db") as db:
        old_cal = db.add_calibration(band="green", stretch_cm=100.0, tension_n=30.0, created_unix_s=1.6e9)
        db.save_band_profile(_record("black", 99.0))
        n = db.import_band_profiles([_record("green", 30.0), _record("black", 50.0), _record("red", 20.0)], key="k")
        assert n == 2
        assert {p.name: p.force_100_n for p in db.band_profiles()} == {"red": 20.0, "green": 30.0, "black": 99.0}
        assert db.band_profile("green").calibration_id == old_cal  # tied to the existing dated row
        assert db.calibrations(band="red")[0].created_unix_s == 1.7e9  # a row dated with the profile
        db.remove_band_profile("red")
        assert db.import_band_profiles([_record("red", 20.0)], key="k") is None
        assert [p.name for p in db.band_profiles()] == ["green", "black"]
        assert db.fact("k") is not None and db.fact("other") is None


def test_read_only_log_reads_profiles_and_refuses_writes(tmp_path):
    p = tmp_path / "log.db"
    with open_log(p) as db:
        db.save_band_profile(_record("red", 20.0))
    with open_log(p, readonly=True) as db:
        assert [r.name for r in db.band_profiles()] == ["red"]
        from taut.store import ReadOnlyError

        with pytest.raises(ReadOnlyError):
            db.remove_band_profile("red")
