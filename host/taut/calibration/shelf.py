"""The user's band profiles on disk: one JSON file, replaced atomically on every change.

The workout log (taut.store) records every calibration with its date, but has no table for band
curves yet, so the profiles themselves live here, beside the log (`bands.json` in the log's
directory unless a path is given). A write goes to a temporary file that replaces the old one,
so a crash leaves either the old or the new file, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from taut.calibration.profiles import BandProfile, by_level

FILE_NAME = "bands.json"
SHELF_VERSION = 1


class ShelfError(Exception):
    """The band file cannot be read (corrupt, newer version) or written."""


def default_shelf_path() -> Path:
    """`bands.json` beside the workout log (which honours $TAUT_DB)."""
    from taut.store import default_log_path

    return default_log_path().with_name(FILE_NAME)


class BandShelf:
    """Band profiles by name, read from and written to one JSON file."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_shelf_path()

    def load(self) -> dict[str, BandProfile]:
        """Every stored profile by name (empty if the file does not exist yet)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise ShelfError(f"{self.path}: cannot read: {exc.strerror}") from exc
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise ShelfError(f"{self.path}: not valid JSON ({exc}); fix or remove the file") from None
        if not isinstance(doc, dict) or doc.get("version") != SHELF_VERSION or not isinstance(doc.get("bands"), list):
            raise ShelfError(f"{self.path}: not a version-{SHELF_VERSION} Taut band file; it was left untouched")
        out: dict[str, BandProfile] = {}
        for i, item in enumerate(doc["bands"]):
            try:
                p = BandProfile.from_dict(item)
            except ValueError as exc:
                raise ShelfError(f"{self.path}: band #{i + 1}: {exc}") from None
            out[p.name] = p
        return out

    def profiles(self) -> list[BandProfile]:
        """Every profile, light to heavy."""
        return by_level(self.load().values())

    def get(self, name: str) -> BandProfile:
        """One profile; KeyError naming the stored bands when there is none by that name."""
        bands = self.load()
        try:
            return bands[name]
        except KeyError:
            known = ", ".join(sorted(bands)) or "none yet"
            raise KeyError(f"no calibrated band {name!r} (calibrated: {known})") from None

    def put(self, profile: BandProfile) -> BandProfile | None:
        """Store (or replace) a profile; returns the one it replaced."""
        bands = self.load()
        old = bands.get(profile.name)
        bands[profile.name] = profile
        self._write(bands)
        return old

    def remove(self, name: str) -> BandProfile:
        bands = self.load()
        old = bands.pop(name)
        self._write(bands)
        return old

    def restore(self, name: str, previous: BandProfile | None) -> None:
        """Undo a `put`: bring back the previous profile, or drop the name if there was none."""
        bands = self.load()
        if previous is None:
            bands.pop(name, None)
        else:
            bands[name] = previous
        self._write(bands)

    def _write(self, bands: dict[str, BandProfile]) -> None:
        doc = {"version": SHELF_VERSION, "bands": [p.as_dict() for p in by_level(bands.values())]}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".bands-", suffix=".json", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump(doc, f, indent=1)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise ShelfError(f"{self.path}: cannot write: {exc.strerror or exc}") from exc
