"""Saving results: the band shelf file, and commits that are all or nothing."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest
from calibration.drive import LoadCellBench, run_band
from calibration.virtual import VirtualBandUser, VirtualLoadCell

from taut.calibration import BandCurve, BandProfile, BandShelf, BandWizard, CommitError, LoadCellWizard, ShelfError
from taut.calibration.commit import commit_band_sync, commit_load_cell
from taut.sim.band import BANDS
from taut.store import open_log


def _profile(name, f100=20.0):
    return BandProfile(name, 0.6, BandCurve(f100, 30.0, 0.1), colour="red", created_unix_s=1.0, fit_error=0.01)


def test_shelf_round_trip_order_and_replace(tmp_path):
    shelf = BandShelf(tmp_path / "sub" / "bands.json")
    assert shelf.load() == {}
    shelf.put(_profile("heavy", 60.0))
    shelf.put(_profile("light", 10.0))
    assert [p.name for p in shelf.profiles()] == ["light", "heavy"]
    old = shelf.put(_profile("light", 12.0))
    assert old == _profile("light", 10.0)
    assert shelf.get("light").curve.force_100_n == 12.0
    shelf.restore("light", old)
    assert shelf.get("light") == old
    shelf.remove("heavy")
    with pytest.raises(KeyError, match="calibrated: light"):
        shelf.get("heavy")
    assert not list((tmp_path / "sub").glob(".bands-*"))  # no temporary files left


def test_corrupt_or_foreign_file_is_a_typed_error_and_left_alone(tmp_path):
    path = tmp_path / "bands.json"
    for text in ("{not json", json.dumps({"version": 9, "bands": []}), json.dumps({"version": 1, "bands": [{"x": 1}]})):
        path.write_text(text)
        with pytest.raises(ShelfError):
            BandShelf(path).load()
        with pytest.raises(ShelfError):
            BandShelf(path).put(_profile("a"))
        assert path.read_text() == text


def _band_result(name="red"):
    rng = np.random.default_rng(1)
    return run_band(BandWizard(name, 60.0), VirtualBandUser(BANDS[name], 0.6, rng))


class _FailingLog:
    def add_calibration(self, **fields):  # any keywords: fails before looking at them
        raise OSError("disk full")


def test_band_commit_writes_shelf_and_log(tmp_path):
    result = _band_result()
    shelf = BandShelf(tmp_path / "bands.json")
    with open_log(tmp_path / "taut.sqlite3") as log:
        row = commit_band_sync(result, shelf, log=log)
        got = log._query("SELECT band_id, stretch_cm, tension_n, note FROM calibrations WHERE id = ?", (row,))[0]
    assert shelf.get("red") == result.profile
    assert got[1] == pytest.approx(60.0) and got[2] == pytest.approx(result.profile.levels_n[0])
    assert BandProfile.from_dict(json.loads(got[3])["profile"]) == result.profile


def test_band_commit_undoes_the_shelf_when_the_log_fails(tmp_path):
    shelf = BandShelf(tmp_path / "bands.json")
    before = _profile("red", 15.0)
    shelf.put(before)
    with pytest.raises(CommitError, match="disk full"):
        commit_band_sync(_band_result(), shelf, log=_FailingLog())
    assert shelf.get("red") == before  # the earlier calibration is still there
    with pytest.raises(CommitError):
        commit_band_sync(_band_result(), BandShelf(tmp_path / "other.json"), log=_FailingLog())
    assert BandShelf(tmp_path / "other.json").load() == {}


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
        got = log._query("SELECT offset_raw, counts_per_n, created_unix_s, note FROM calibrations WHERE id = ?",
                         (row,))[0]
    assert device.calls == [(result.offset_raw, result.counts_per_n)]
    assert got[0] == result.offset_raw and got[1] == pytest.approx(result.counts_per_n)
    assert got[2] > 1.7e9  # dated
    assert json.loads(got[3])["points"][1]["mass_kg"] == 5.0


def test_load_cell_commit_restores_the_device_when_the_log_fails():
    result = _load_cell_result()
    device = _Device()
    with pytest.raises(CommitError, match="previous calibration was restored"):
        asyncio.run(commit_load_cell(result, device, previous=(11, 7000.0), log=_FailingLog()))
    assert device.calls == [(result.offset_raw, result.counts_per_n), (11, 7000.0)]
    with pytest.raises(CommitError, match="Nothing was changed"):
        asyncio.run(commit_load_cell(result, _Device(fail=True), previous=(11, 7000.0)))
