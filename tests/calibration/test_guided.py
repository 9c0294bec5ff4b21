"""`taut.calibration.guided`: a whole calibration from connecting to saving, without the command line.

The virtual band (firmware twin, Bumble radio) with a rehearsed person answering every prompt.
"""

from __future__ import annotations

import asyncio

import pytest

from taut import ble
from taut.calibration import BandWizard, CommitError
from taut.calibration.band_store import load_bands
from taut.calibration.guided import Person, connected, load_cell_wizard, measure, save_band, save_load_cell
from taut.sim.band import BANDS
from taut.store import open_log
from taut.twin.launch import virtual_band
from taut.twin.rehearsal import Rehearsal
from taut.twin.virtual_time import run


def _person(band, rehearsal, shown):
    async def confirm(prompt):
        rehearsal.act(prompt, band.session_time_s())
        return None

    return Person(confirm, show=shown.append)


def test_load_cell_is_measured_written_to_the_band_and_logged(tmp_path):
    db = tmp_path / "t.sqlite3"
    rehearsal = Rehearsal(masses_kg=[4.0, 12.0])

    async def main():
        async with virtual_band("", seed=5, load=rehearsal) as band:
            band.loadcell.counts_per_n *= 0.97  # the factory scale is 3 % off
            async with connected(band.name, backend=ble.virtual(), scan_timeout_s=2.0) as source:
                shown = []
                wizard, before = await load_cell_wizard(source.band, [4.0, 12.0])
                result = await measure(wizard, source, _person(band, rehearsal, shown),
                                       now_s=asyncio.get_running_loop().time)
                saved = await save_load_cell(result, source, before, open_log=lambda: open_log(db, readonly=False))
                return band, before, result, saved, shown

    band, before, result, saved, shown = run(main())
    assert shown and shown[-1].action == "done"
    assert saved.after.counts_per_n == pytest.approx(result.counts_per_n)
    assert saved.after.counts_per_n == pytest.approx(band.loadcell.counts_per_n, rel=0.002)
    assert before.counts_per_n != pytest.approx(band.loadcell.counts_per_n, rel=0.01)
    with open_log(db) as log:
        (row,) = log.calibrations()
    assert row.id == saved.log_row and row.counts_per_n == pytest.approx(result.counts_per_n)


def test_band_is_measured_and_saved_with_an_unreadable_old_band_file_named(tmp_path):
    db = tmp_path / "t.sqlite3"
    (tmp_path / "bands.json").write_text("{broken")
    wizard = BandWizard("purple", 70.0)
    rehearsal = Rehearsal(band=BANDS["purple"], rest_length_m=0.7, marks_percent=wizard.marks_percent)

    async def main():
        async with virtual_band("", seed=6, load=rehearsal) as band:
            async with connected(None, backend=ble.virtual(), scan_timeout_s=2.0) as source:
                result = await measure(wizard, source, _person(band, rehearsal, []),
                                       now_s=asyncio.get_running_loop().time)
        return result, await save_band(result, open_log=lambda: open_log(db, readonly=False), device="Taut-x")

    result, saved = run(main())
    assert saved.log_path == db and len(saved.warnings) == 1 and "not valid JSON" in saved.warnings[0]
    (tmp_path / "bands.json").unlink()
    assert load_bands(db)["purple"].levels_n == pytest.approx(result.profile.levels_n)


def test_a_log_that_cannot_be_written_gives_the_band_its_old_scale_back(tmp_path):
    rehearsal = Rehearsal(masses_kg=[5.0])

    def no_log():
        (tmp_path / "ro").mkdir()
        log = open_log(tmp_path / "ro" / "t.sqlite3", readonly=False)
        log.add_calibration = lambda **kw: (_ for _ in ()).throw(OSError("disk full"))
        return log

    async def main():
        async with virtual_band("", seed=7, load=rehearsal) as band:
            async with connected(band.name, backend=ble.virtual(), scan_timeout_s=2.0) as source:
                wizard, before = await load_cell_wizard(source.band, [5.0])
                result = await measure(wizard, source, _person(band, rehearsal, []),
                                       now_s=asyncio.get_running_loop().time)
                with pytest.raises(CommitError, match="previous calibration was restored"):
                    await save_load_cell(result, source, before, open_log=no_log)
                return before, await source.band.get_settings()

    before, after = run(main())
    assert (after.offset_raw, after.counts_per_n) == (before.offset_raw, pytest.approx(before.counts_per_n))
