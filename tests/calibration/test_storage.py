"""Saving results: band profiles in the log, the old bands.json imported once, commits all or nothing."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest
from calibration.drive import LoadCellBench, run_band
from calibration.virtual import VirtualBandUser, VirtualLoadCell

from taut.calibration import BandCurve, BandProfile, BandStore, BandStoreError, BandWizard, CommitError, LoadCellWizard
from taut.calibration.band_file import read_band_file
from taut.calibration.band_store import load_bands
from taut.calibration.commit import commit_band_sync, commit_load_cell
from taut.sim.band import BANDS
from taut.store import open_log


def _profile(name, f100=20.0):
    return BandProfile(name, 0.6, BandCurve(f100, 30.0, 0.1), colour="red", created_unix_s=1.0, fit_error=0.01)


def _band_file(path, profiles):
    path.write_text(json.dumps({"version": 1, "bands": [p.as_dict() for p in profiles]}))
    return path.read_text()


def test_store_round_trip_order_and_replace(tmp_path):
    with open_log(tmp_path / "taut.sqlite3") as log:
        store = BandStore(log)
        assert store.load() == {}
        store.save(_profile("heavy", 60.0))
        store.save(_profile("light", 10.0))
        assert [p.name for p in store.profiles()] == ["light", "heavy"]
        store.save(_profile("light", 12.0))
        assert store.get("light") == _profile("light", 12.0)
        assert store.remove("heavy") == _profile("heavy", 60.0)
        with pytest.raises(KeyError, match="calibrated: light"):
            store.get("heavy")
        with pytest.raises(KeyError, match="no calibrated band 'heavy'"):
            store.remove("heavy")
        assert len(log.calibrations(band="light")) == 2  # both calibrations are history


def test_band_file_is_imported_once_and_left_untouched(tmp_path):
    text = _band_file(tmp_path / "bands.json", [_profile("red", 20.0), _profile("blue", 40.0)])
    with open_log(tmp_path / "taut.sqlite3") as log:
        store = BandStore(log)
        assert store.import_band_file() == 2
        assert store.import_band_file() is None
        assert [p.name for p in store.profiles()] == ["red", "blue"]
        assert store.get("red") == _profile("red", 20.0)  # nothing lost on the way
        store.remove("red")
    with open_log(tmp_path / "taut.sqlite3") as log:
        assert BandStore(log).import_band_file() is None  # a removed band does not come back
        assert [p.name for p in BandStore(log).profiles()] == ["blue"]
    assert (tmp_path / "bands.json").read_text() == text


def test_read_only_log_shows_bands_of_a_file_not_yet_imported(tmp_path):
    with open_log(tmp_path / "taut.sqlite3") as log:
        BandStore(log).save(_profile("green", 30.0))
    _band_file(tmp_path / "bands.json", [_profile("red", 20.0), _profile("green", 99.0)])
    with open_log(tmp_path / "taut.sqlite3", readonly=True) as log:
        store = BandStore(log)
        assert store.import_band_file() is None
        assert {n: p.curve.force_100_n for n, p in store.load().items()} == {"red": 20.0, "green": 30.0}


def test_load_bands_without_a_log_reads_the_file_and_creates_nothing(tmp_path):
    _band_file(tmp_path / "bands.json", [_profile("red", 20.0)])
    assert list(load_bands(tmp_path / "taut.sqlite3")) == ["red"]
    assert not (tmp_path / "taut.sqlite3").exists()
    assert load_bands(tmp_path / "none" / "taut.sqlite3") == {}


def test_corrupt_or_foreign_file_is_a_typed_error_and_left_alone(tmp_path):
    path = tmp_path / "bands.json"
    for text in ("{not json", json.dumps({"version": 9, "bands": []}), json.dumps({"version": 1, "bands": [{"x": 1}]})):
        path.write_text(text)
        with pytest.raises(BandStoreError):
            read_band_file(path)
        with open_log(tmp_path / "taut.sqlite3") as log:
            with pytest.raises(BandStoreError):
                BandStore(log).import_band_file()
            assert log.fact("import:bands.json") is None  # tried again once the file is fixed
        assert path.read_text() == text


def _band_result(name="red"):
    rng = np.random.default_rng(1)
    return run_band(BandWizard(name, 60.0), VirtualBandUser(BANDS[name], 0.6, rng))


def test_band_commit_writes_profile_and_calibration_row_together(tmp_path):
    result = _band_result()
    with open_log(tmp_path / "taut.sqlite3") as log:
        row = commit_band_sync(result, BandStore(log), device="Taut-1")
        [cal] = log.calibrations(band="red")
        assert BandStore(log).get("red") == result.profile
        assert log.band_profile("red").calibration_id == row
    assert (cal.id, cal.device) == (row, "Taut-1")
    assert cal.stretch_cm == pytest.approx(60.0) and cal.tension_n == pytest.approx(result.profile.levels_n[0])
    assert BandProfile.from_dict(json.loads(cal.note or "")["profile"]) == result.profile


def test_band_commit_saves_nothing_when_the_log_fails(tmp_path):
    with open_log(tmp_path / "taut.sqlite3") as log:
        store = BandStore(log)
        before = _profile("red", 15.0)
        store.save(before)
        log._conn.execute("CREATE TEMP TRIGGER full BEFORE INSERT ON band_profiles BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        log._conn.execute("CREATE TEMP TRIGGER full2 BEFORE UPDATE ON band_profiles BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        with pytest.raises(CommitError, match="disk full"):
            commit_band_sync(_band_result(), store)
        assert store.get("red") == before  # the earlier calibration is still there
        assert len(log.calibrations(band="red")) == 1  # and no orphan calibration row


class _FailingLog:
    def add_calibration(self, **fields):  # any keywords: fails before looking at them
        raise OSError("disk full")


class _Device:
    def __init__(self, fail=False):
        self.calls = []
        self.fail = fail

    async def set_calibration(self, offset_raw, counts_per_n):
        if self.fail:
            raise RuntimeError("STORAGE_ERROR")
        self.calls.append((offset_raw, counts_per_n))


def _load_cell_result():
    cell = VirtualLoadCell()
    wizard = LoadCellWizard([5.0], offset_raw=cell.device_offset_raw, counts_per_n=cell.device_counts_per_n,
                            capacity_n=cell.capacity_n)
    return LoadCellBench(cell, np.random.default_rng(0)).run(wizard)


def test_load_cell_commit_device_then_log(tmp_path):
    result = _load_cell_result()
    device = _Device()
    with open_log(tmp_path / "taut.sqlite3") as log:
        row = asyncio.run(commit_load_cell(result, device, previous=(0, 7000.0), log=log, device_name="Taut-1234"))
        [got] = [c for c in log.calibrations(device="Taut-1234") if c.id == row]
    assert device.calls == [(result.offset_raw, result.counts_per_n)]
    assert got.offset_raw == result.offset_raw and got.counts_per_n == pytest.approx(result.counts_per_n)
    assert got.created_unix_s > 1.7e9  # dated
    assert json.loads(got.note)["points"][1]["mass_kg"] == 5.0


def test_load_cell_commit_restores_the_device_when_the_log_fails():
    result = _load_cell_result()
    device = _Device()
    with pytest.raises(CommitError, match="previous calibration was restored"):
        asyncio.run(commit_load_cell(result, device, previous=(11, 7000.0), log=_FailingLog()))
    assert device.calls == [(result.offset_raw, result.counts_per_n), (11, 7000.0)]
    with pytest.raises(CommitError, match="Nothing was changed"):
        asyncio.run(commit_load_cell(result, _Device(fail=True), previous=(11, 7000.0)))
