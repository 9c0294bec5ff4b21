"""The old home of band profiles: `bands.json` beside the workout log, read once to import it.

Band profiles now live in the workout log (`band_store.BandStore`). A `bands.json` written by an
earlier Taut is read here, imported into the log once, and never written or deleted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from taut.calibration.profiles import BandProfile

FILE_NAME = "bands.json"
FILE_VERSION = 1


class BandStoreError(Exception):
    """Stored band profiles cannot be read: a damaged or foreign `bands.json`, or a malformed profile."""


def band_file_beside(log_path: str | os.PathLike[str]) -> Path:
    """Where an earlier Taut kept band profiles for the log at `log_path`."""
    return Path(log_path).with_name(FILE_NAME)


def read_band_file(path: str | os.PathLike[str]) -> list[BandProfile]:
    """Every profile in a version-1 `bands.json` ([] when there is no file); BandStoreError if unreadable."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise BandStoreError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise BandStoreError(f"{path}: not valid JSON ({exc}); fix or remove the file") from None
    if not isinstance(doc, dict) or doc.get("version") != FILE_VERSION or not isinstance(doc.get("bands"), list):
        raise BandStoreError(f"{path}: not a version-{FILE_VERSION} Taut band file; it was left untouched")
    out = []
    for i, item in enumerate(doc["bands"]):
        try:
            out.append(BandProfile.from_dict(item))
        except (ValueError, AttributeError) as exc:
            raise BandStoreError(f"{path}: band #{i + 1}: {exc}") from None
    return out
