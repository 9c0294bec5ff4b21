"""Save a finished calibration: all of it or none of it.

Load cell: the new factor and offset go to the device (SET_CALIBRATION), then into the workout
log with the date; if the log write fails, the device gets its previous calibration back.
Band: the profile and its dated calibration row go into the log in one transaction. Either way a
`CommitError` says what happened.
"""

from __future__ import annotations

import json
from typing import Protocol

from taut.calibration.band_wizard import BandResult
from taut.calibration.errors import CommitError
from taut.calibration.loadcell_wizard import LoadCellResult
from taut.calibration.band_store import BandStore
from taut.store import LogError, WorkoutLog


class CalibrationTarget(Protocol):
    """What a load-cell commit needs from a connected band (the BLE client provides it)."""

    async def set_calibration(self, offset_raw: int, counts_per_n: float) -> object: ...


def load_cell_note(result: LoadCellResult) -> str:
    """The JSON kept with a load-cell calibration in the log: points, residuals, warnings."""
    return json.dumps({
        "kind": "load-cell",
        "gravity_m_s2": result.fit.gravity_m_s2,
        "capacity_n": result.fit.capacity_n,
        "points": [{"mass_kg": p.mass_kg, "raw_counts": p.raw_counts} for p in result.points],
        "max_residual_n": result.fit.max_residual_n,
        "rms_residual_n": result.fit.rms_residual_n,
        "warnings": list(result.warnings),
    })


async def commit_load_cell(
    result: LoadCellResult,
    device: CalibrationTarget,
    *,
    previous: tuple[int, float],
    log: WorkoutLog | None = None,
    device_name: str | None = None,
) -> int | None:
    """Write the calibration to the device, then the log; returns the log row id (None without a log).

    `previous` is the device's (offset_raw, counts_per_n) before, restored if the log write fails.
    """
    try:
        await device.set_calibration(result.offset_raw, result.counts_per_n)
    except Exception as exc:
        raise CommitError(f"the band sensor refused the calibration: {exc}", step="commit",
                          guidance="Nothing was changed; reconnect and run the calibration again.") from exc
    if log is None:
        return None
    try:
        return log.add_calibration(device=device_name, offset_raw=result.offset_raw,
                                   counts_per_n=result.counts_per_n, note=load_cell_note(result))
    except Exception as exc:
        try:
            await device.set_calibration(*previous)
        except Exception as undo_exc:
            raise CommitError(
                f"the log could not be written ({exc}) and the device kept the new calibration ({undo_exc}).",
                step="commit", guidance="Run the calibration again once the log is writable.") from exc
        raise CommitError(f"the log could not be written ({exc}); the device's previous calibration was restored.",
                          step="commit", guidance="Fix the log (see the message) and calibrate again.") from exc


async def commit_band(result: BandResult, store: BandStore, *, device: str | None = None) -> int:
    """Store the band profile with its dated calibration row (one transaction); returns the row id."""
    return commit_band_sync(result, store, device=device)


def commit_band_sync(result: BandResult, store: BandStore, *, device: str | None = None) -> int:
    """`commit_band` for callers without an event loop."""
    try:
        return store.save(result.profile, warnings=result.warnings, device=device)
    except (LogError, ValueError) as exc:
        raise CommitError(f"the log could not be written ({exc}); the band was not saved.", step="commit",
                          guidance="Fix the log (see the message) and calibrate again.") from exc
