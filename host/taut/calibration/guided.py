"""A guided calibration with a band sensor, from connecting to saving: what `taut calibrate` runs.

    async with connected(device, backend=backend, scan_timeout_s=5.0) as source:
        wizard, before = await load_cell_wizard(source.band, masses_kg=[5, 10])
        result = await measure(wizard, source, person, now_s=loop.time)   # prompts, confirmations, retries
        saved = await save_load_cell(result, source, before, open_log=open_log)

A `Person` is the user's side (a terminal, a test, or the virtual band's rehearsal): prompts
shown, confirmations awaited, failed steps shown. Nothing here prints; a failure is a
`CalibrationError` (nothing saved) or a `BleError` from the link.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from taut.ble import Backend, BleSource
from taut.calibration.band_file import BandStoreError
from taut.calibration.band_store import BandStore
from taut.calibration.band_wizard import BandResult
from taut.calibration.commit import commit_band, commit_load_cell
from taut.calibration.loadcell import STANDARD_GRAVITY_M_S2
from taut.calibration.loadcell_wizard import LoadCellResult, LoadCellWizard
from taut.calibration.session import ConfirmFn, ErrorFn, ShowFn, run_wizard
from taut.protocol import Settings
from taut.store import WorkoutLog


@dataclass(frozen=True, slots=True)
class Person:
    """The user's side of a guided calibration: each prompt shown, each confirmation awaited
    (a mark's held length in cm, or None), each failed step shown before it is asked again."""

    confirm: ConfirmFn
    show: ShowFn = lambda prompt: None
    on_error: ErrorFn = lambda exc: None


@dataclass(frozen=True, slots=True)
class LoadCellSaved:
    """A load-cell calibration written to the band and the log."""

    log_row: int | None
    after: Settings  # the band's settings read back after the write


@dataclass(frozen=True, slots=True)
class BandSaved:
    """A band's curve saved in the log."""

    log_row: int
    log_path: Any  # the log file's path
    warnings: tuple[str, ...] = field(default=())  # e.g. an old bands.json that could not be imported


@asynccontextmanager
async def connected(device: str | None, *, backend: Backend, scan_timeout_s: float = 5.0) -> AsyncIterator[BleSource]:
    """A streaming band sensor (`device`: name or address, None for the first found), its control
    client as `.band`; no reconnecting, since a calibration cut short must be run again."""
    source = BleSource(device, backend=backend, scan_timeout_s=scan_timeout_s, reconnect=False)
    try:
        await source.start()
        yield source
    finally:
        await source.close()


def device_name(source: BleSource) -> str | None:
    """The connected band sensor's name, for the log."""
    return source.info.name if source.info is not None else None


async def measure(wizard: Any, source: BleSource, person: Person, *, now_s: Callable[[], float]) -> Any:
    """Drive `wizard` on the source's samples to its result (`run_wizard`: retries, stale samples dropped)."""
    return await run_wizard(wizard, source.batches(), confirm=person.confirm, now_s=now_s, show=person.show,
                            on_error=person.on_error)


async def load_cell_wizard(client: Any, masses_kg: Sequence[float], *,
                           gravity_m_s2: float = STANDARD_GRAVITY_M_S2) -> tuple[LoadCellWizard, Settings]:
    """The load-cell wizard for the band's current scale, and the settings it started from."""
    before = await client.get_settings()
    wizard = LoadCellWizard(masses_kg, offset_raw=before.offset_raw, counts_per_n=before.counts_per_n,
                            capacity_n=before.capacity_n, gravity_m_s2=gravity_m_s2)
    return wizard, before


async def save_load_cell(result: LoadCellResult, source: BleSource, before: Settings, *,
                         open_log: Callable[[], WorkoutLog]) -> LoadCellSaved:
    """Write the new scale to the band, then to the log (the band gets `before` back if the log fails)."""
    assert source.band is not None
    log = open_log()
    try:
        row = await commit_load_cell(result, source.band, previous=(before.offset_raw, before.counts_per_n),
                                     log=log, device_name=device_name(source))
    finally:
        log.close()
    return LoadCellSaved(row, await source.band.get_settings())


async def save_band(result: BandResult, *, open_log: Callable[[], WorkoutLog], device: str | None) -> BandSaved:
    """Store the band's profile and dated calibration in the log (an old bands.json beside it is imported first)."""
    warnings: list[str] = []
    log = open_log()
    try:
        store = BandStore(log)
        try:
            store.import_band_file()
        except BandStoreError as exc:
            warnings.append(f"{exc}; its bands were not imported")
        row = await commit_band(result, store, device=device)
    finally:
        log.close()
    return BandSaved(row, log.path, tuple(warnings))
