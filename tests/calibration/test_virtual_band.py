"""Both wizards end to end on the virtual band: unchanged firmware on the twin, BLE client, a
virtual person following the prompts; then the same from the `taut` CLI."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest

from taut import ble
from taut.calibration.band_store import load_bands
from taut.calibration import BandProfile, BandWizard, LoadCellWizard
from taut.twin.rehearsal import rehearsal_for
from taut.calibration.session import run_wizard
from taut.cli import main
from taut.sim.band import BANDS
from taut.twin.band import VirtualBand
from taut.twin.virtual_time import run

E_CHECK = np.linspace(0.5, 2.5, 201)


async def _calibrate_on_twin(wizard_factory, rehearsal_kwargs, seed, tweak=None):
    holder = {}
    band = VirtualBand(lambda t: holder["person"](t) if "person" in holder else 0.0, seed=seed)
    if tweak:
        tweak(band)
    await band.start()
    source = ble.BleSource(band.name, backend=ble.virtual(), reconnect=False)
    try:
        await source.start()
        settings = await source.band.get_settings()
        wizard = wizard_factory(settings)
        person = rehearsal_for(wizard, **rehearsal_kwargs)
        holder["person"] = person
        loop = asyncio.get_running_loop()

        async def confirm(prompt):
            person.act(prompt, band.session_time_s())
            return None

        errors = []
        result = await run_wizard(wizard, source.batches(), confirm=confirm, now_s=loop.time, on_error=errors.append)
        return band, settings, result, errors
    finally:
        await source.close()
        await band.close()


def test_load_cell_on_the_virtual_band_within_0_2_percent():
    def tweak(band):  # the factory calibration is 4 % off and the zero moved
        band.loadcell.counts_per_n *= 0.96
        band.loadcell.offset_raw -= 3000

    band, settings, result, errors = run(_calibrate_on_twin(
        lambda s: LoadCellWizard([4.0, 12.0], offset_raw=s.offset_raw, counts_per_n=s.counts_per_n,
                                 capacity_n=s.capacity_n), {}, seed=21, tweak=tweak))
    assert errors == [] and band.errors == []
    assert settings.counts_per_n != pytest.approx(band.loadcell.counts_per_n, rel=0.01)  # was off
    assert result.counts_per_n == pytest.approx(band.loadcell.counts_per_n, rel=0.002)
    assert abs(result.offset_raw - band.loadcell.offset_raw) / band.loadcell.counts_per_n < 0.05  # zero within 0.05 N


def test_band_on_the_virtual_band_within_3_percent():
    sim = BANDS["purple"]
    band, _, result, errors = run(_calibrate_on_twin(
        lambda s: BandWizard("purple", 70.0), {"band": sim}, seed=22))
    assert errors == [] and band.errors == []
    for loading in (True, False):
        worst = np.max(np.abs(result.profile.force_n(E_CHECK, loading) / sim.force_n(E_CHECK, loading) - 1))
        assert worst < 0.03


@pytest.mark.slow
def test_cli_calibrates_the_load_cell_and_three_bands(tmp_path, capsys):
    db = tmp_path / "taut.sqlite3"
    assert main(["calibrate", "load-cell", "--virtual", "--mass", "5", "--mass", "10", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "saved: the band now uses" in out
    for name in ("red", "black", "purple"):
        assert main(["calibrate", "band", name, "--virtual", "--rest-length", "60", "--colour", name,
                     "--db", str(db)]) == 0
        assert f"band {name!r}:" in capsys.readouterr().out
    assert not (tmp_path / "bands.json").exists()
    profiles = list(load_bands(db).values())
    assert [p.name for p in profiles] == ["red", "black", "purple"]  # stored light to heavy
    for p in profiles:
        sim = BANDS[p.name]
        assert np.max(np.abs(p.force_n(E_CHECK) / sim.force_n(E_CHECK) - 1)) < 0.03
    png = tmp_path / "curves.png"
    assert main(["bands", "--db", str(db), "--stacks", "--png", str(png), "--exercise", "row", "--tension", "50"]) == 0
    out = capsys.readouterr().out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    lines = out.splitlines()
    assert [ln.split()[0] for ln in lines[1:4]] == ["red", "black", "purple"]
    assert "red+black" in out and "for row ending at 50 N" in out
    # A live set with a calibrated band: every rep gets its hand travel in cm.
    assert main(["live", "--virtual", "row", "--fast", "--seconds", "60", "--view", "none", "--band", "black",
                 "--db", str(db)]) == 0
    assert "note:" not in capsys.readouterr().err
    from taut.store import open_log

    with open_log(db, readonly=True) as log:
        reps = [r for s in log.sets(log.sessions()[0].id) for r in s.reps]
    assert len(reps) >= 3 and all(r.range_cm is not None and 5.0 < r.range_cm < 150.0 for r in reps)
