"""The user's calibrated bands, kept in the workout log (taut.store) as `BandProfile`s.

Saving a profile writes it and its dated calibration row in one transaction, so a failure leaves
the log as it was. A `bands.json` left beside the log by an earlier Taut is imported once
(`import_band_file`) and then left untouched; on a read-only log its bands are read alongside.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence

from taut.calibration.band_file import BandStoreError, band_file_beside, read_band_file
from taut.calibration.profiles import BandProfile, by_level
from taut.store import BandProfileRecord, LogError, NotFoundError, WorkoutLog, open_log
from taut.store.paths import resolve_log_path

log = logging.getLogger(__name__)

IMPORT_KEY = "import:bands.json"


def to_record(profile: BandProfile) -> BandProfileRecord:
    f100, f200 = profile.levels_n
    return BandProfileRecord(profile.name, profile.as_dict(), profile.rest_length_m, float(f100), float(f200),
                             profile.colour, profile.created_unix_s)


def from_record(record: BandProfileRecord) -> BandProfile:
    try:
        return BandProfile.from_dict(record.profile)
    except (ValueError, AttributeError) as exc:
        raise BandStoreError(f"band {record.name!r} in the log: {exc}") from None


class BandStore:
    """Band profiles by name in an open workout log."""

    def __init__(self, workout_log: WorkoutLog) -> None:
        self.log = workout_log

    def import_band_file(self) -> int | None:
        """Import `bands.json` beside the log once; how many bands were added (None: nothing to do).

        BandStoreError when the file cannot be read (it is not marked imported, so a fixed file
        is imported next time). Read-only logs are left alone.
        """
        path = band_file_beside(self.log.path)
        if self.log.readonly or not path.exists() or self.log.fact(IMPORT_KEY) is not None:
            return None
        profiles = read_band_file(path)
        added = self.log.import_band_profiles([to_record(p) for p in profiles], key=IMPORT_KEY)
        if added is not None:
            log.info("imported %d band profile(s) from %s into %s", added, path, self.log.path)
        return added

    def load(self) -> dict[str, BandProfile]:
        """Every stored profile by name (on a read-only log not yet imported: plus those of `bands.json`)."""
        out = {r.name: from_record(r) for r in self.log.band_profiles()}
        if self.log.readonly and self.log.fact(IMPORT_KEY) is None:
            for p in read_band_file(band_file_beside(self.log.path)):
                out.setdefault(p.name, p)
        return out

    def profiles(self) -> list[BandProfile]:
        """Every profile, light to heavy."""
        return by_level(self.load().values())

    def get(self, name: str) -> BandProfile:
        """One profile; KeyError naming the calibrated bands when there is none by that name."""
        bands = self.load()
        try:
            return bands[name]
        except KeyError:
            known = ", ".join(sorted(bands)) or "none yet"
            raise KeyError(f"no calibrated band {name!r} (calibrated: {known})") from None

    def save(self, profile: BandProfile, *, warnings: Sequence[str] = (), device: str | None = None) -> int:
        """Store (or replace) a profile with its dated calibration row, in one transaction; the row id."""
        note = json.dumps({"kind": "band", "profile": profile.as_dict(), "warnings": list(warnings)})
        return self.log.save_band_profile(to_record(profile), device=device, note=note)

    def remove(self, name: str) -> BandProfile:
        """Forget a band's profile (its dated calibrations stay in the log); KeyError if unknown."""
        try:
            return from_record(self.log.remove_band_profile(name))
        except NotFoundError as exc:
            raise KeyError(str(exc)) from None


def load_bands(db: str | os.PathLike[str] | None = None) -> dict[str, BandProfile]:
    """The calibrated bands of the log at `db` (default: $TAUT_DB or the user data directory).

    Imports a `bands.json` beside it first when the log can be written; creates no log that is
    not there yet (then only such a file is read). LogError / BandStoreError when unreadable.
    """
    path = resolve_log_path(db)
    if not path.exists():
        return {p.name: p for p in read_band_file(band_file_beside(path))}
    with open_log(path, readonly=None) as workout_log:
        store = BandStore(workout_log)
        store.import_band_file()
        return store.load()


__all__ = ["BandStore", "BandStoreError", "from_record", "load_bands", "to_record"]
