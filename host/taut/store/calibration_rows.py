"""Calibrations and band profiles in the log: the typed rows and the SQL that reads and writes them.

The store does not know what a band curve is: a profile is the calibration layer's JSON document
plus the few figures the log sorts and lists by (rest length, level at 100 % and 200 %).
`WorkoutLog` exposes these as methods; each write runs inside the caller's transaction, each read
on the caller's connection under its lock.
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from taut.store.errors import CorruptError, NotFoundError


@dataclass(frozen=True, slots=True)
class CalibrationRecord:
    """One dated calibration (load cell: offset and factor; band: L0 in `stretch_cm`, level in `tension_n`)."""

    id: int
    created_unix_s: float
    device: str | None
    band: str | None
    offset_raw: int | None
    counts_per_n: float | None
    stretch_cm: float | None
    tension_n: float | None
    note: str | None


@dataclass(frozen=True, slots=True, eq=True)
class BandProfileRecord:
    """A calibrated band as the log keeps it: its profile document and the figures it is listed by."""

    name: str
    profile: dict[str, Any] = field(hash=False)  # the calibration layer's JSON document (BandProfile.as_dict)
    rest_length_m: float
    force_100_n: float  # loading force at 100 % elongation (the level)
    force_200_n: float
    colour: str = ""
    created_unix_s: float = 0.0
    calibration_id: int | None = None  # the calibrations row it was saved with

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"band name {self.name!r} must be a non-empty string")
        if not isinstance(self.profile, dict):
            raise ValueError(f"band {self.name!r}: the profile must be a dict, not {type(self.profile).__name__}")
        for label, v in (("rest_length_m", self.rest_length_m), ("force_100_n", self.force_100_n),
                         ("force_200_n", self.force_200_n)):
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ValueError(f"band {self.name!r}: {label} must be a positive number, not {v!r}")
        if not math.isfinite(self.created_unix_s):
            raise ValueError(f"band {self.name!r}: created_unix_s must be finite")

    def profile_json(self) -> str:
        try:
            return json.dumps(self.profile, allow_nan=False, sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"band {self.name!r}: the profile is not JSON data ({exc})") from None


_CALIBRATION_SELECT = """
SELECT c.id, c.created_unix_s, d.name, b.name, c.offset_raw, c.counts_per_n, c.stretch_cm, c.tension_n, c.note
FROM calibrations c LEFT JOIN devices d ON d.id = c.device_id LEFT JOIN bands b ON b.id = c.band_id
"""
_PROFILE_SELECT = """
SELECT b.name, p.profile, p.rest_length_m, p.force_100_n, p.force_200_n, p.colour, p.created_unix_s, p.calibration_id
FROM band_profiles p JOIN bands b ON b.id = p.band_id
"""
_PROFILE_ORDER = " ORDER BY p.force_100_n, p.force_200_n, b.name"


def named_id(c: sqlite3.Connection, table: str, name: str | None) -> int | None:
    """The id of the device/band called `name`, created if new (None stays None)."""
    if name is None:
        return None
    row = c.execute(f"SELECT id FROM {table} WHERE name = ?", (name,)).fetchone()
    if row:
        return row[0]
    cur = c.execute(f"INSERT INTO {table} (name) VALUES (?)", (name,))
    assert cur.lastrowid is not None
    return int(cur.lastrowid)


def insert_calibration(c: sqlite3.Connection, *, created_unix_s: float | None, device: str | None, band: str | None,
                       offset_raw: int | None, counts_per_n: float | None, stretch_cm: float | None,
                       tension_n: float | None, note: str | None) -> int:
    when = time.time() if created_unix_s is None else float(created_unix_s)
    if not math.isfinite(when):
        raise ValueError(f"created_unix_s must be finite, not {created_unix_s!r}")
    cur = c.execute(
        "INSERT INTO calibrations (created_unix_s, device_id, band_id, offset_raw, counts_per_n, stretch_cm,"
        " tension_n, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (when, named_id(c, "devices", device), named_id(c, "bands", band), offset_raw, counts_per_n, stretch_cm,
         tension_n, note),
    )  # fmt: skip
    assert cur.lastrowid is not None
    return int(cur.lastrowid)


def put_profile(c: sqlite3.Connection, record: BandProfileRecord, calibration_id: int) -> None:
    """Insert or replace the band's profile row, pointing at `calibration_id`."""
    band_id = named_id(c, "bands", record.name)
    c.execute(
        "INSERT INTO band_profiles (band_id, calibration_id, created_unix_s, colour, rest_length_m, force_100_n,"
        " force_200_n, profile) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(band_id) DO UPDATE SET calibration_id = excluded.calibration_id,"
        " created_unix_s = excluded.created_unix_s, colour = excluded.colour, rest_length_m = excluded.rest_length_m,"
        " force_100_n = excluded.force_100_n, force_200_n = excluded.force_200_n, profile = excluded.profile",
        (band_id, calibration_id, record.created_unix_s, record.colour, record.rest_length_m, record.force_100_n,
         record.force_200_n, record.profile_json()),
    )  # fmt: skip


def calibration_rows(c: sqlite3.Connection, device: str | None, band: str | None) -> list[CalibrationRecord]:
    where, params = ["1"], []
    if device is not None:
        where.append("d.name = ?")
        params.append(device)
    if band is not None:
        where.append("b.name = ?")
        params.append(band)
    sql = _CALIBRATION_SELECT + " WHERE " + " AND ".join(where) + " ORDER BY c.created_unix_s DESC, c.id DESC"
    return [CalibrationRecord(*row) for row in c.execute(sql, params).fetchall()]


def _profile(row: tuple, path: object) -> BandProfileRecord:
    name, text, *rest = row
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise CorruptError(f"{path}: band {name!r}: damaged profile ({exc})") from None
    try:
        return BandProfileRecord(name, doc, *rest)
    except ValueError as exc:
        raise CorruptError(f"{path}: {exc}") from None


def profile_rows(c: sqlite3.Connection, path: object) -> list[BandProfileRecord]:
    return [_profile(row, path) for row in c.execute(_PROFILE_SELECT + _PROFILE_ORDER).fetchall()]


def profile_row(c: sqlite3.Connection, name: str, path: object) -> BandProfileRecord:
    row = c.execute(_PROFILE_SELECT + " WHERE b.name = ?", (name,)).fetchone()
    if row is None:
        known = ", ".join(r[0] for r in c.execute("SELECT b.name FROM band_profiles p JOIN bands b ON b.id = p.band_id"
                                                 " ORDER BY b.name").fetchall()) or "none yet"
        raise NotFoundError(f"no calibrated band {name!r} (calibrated: {known})")
    return _profile(row, path)


def latest_band_calibration(c: sqlite3.Connection, name: str) -> int | None:
    row = c.execute(
        "SELECT c.id FROM calibrations c JOIN bands b ON b.id = c.band_id WHERE b.name = ?"
        " ORDER BY c.created_unix_s DESC, c.id DESC LIMIT 1",
        (name,),
    ).fetchone()
    return None if row is None else int(row[0])


def save_profile(c: sqlite3.Connection, record: BandProfileRecord, device: str | None, note: str | None) -> int:
    """The band's profile and a dated calibration row for it (L0 in `stretch_cm`, level in `tension_n`)."""
    cal_id = insert_calibration(
        c, created_unix_s=record.created_unix_s, device=device, band=record.name, offset_raw=None,
        counts_per_n=None, stretch_cm=100.0 * record.rest_length_m, tension_n=record.force_100_n, note=note,
    )  # fmt: skip
    put_profile(c, record, cal_id)
    return cal_id


def remove_profile(c: sqlite3.Connection, name: str, path: object) -> BandProfileRecord:
    old = profile_row(c, name, path)
    c.execute("DELETE FROM band_profiles WHERE band_id = (SELECT id FROM bands WHERE name = ?)", (name,))
    return old


def import_profiles(c: sqlite3.Connection, records: Sequence[BandProfileRecord], key: str) -> int | None:
    """Profiles kept elsewhere, once per `key` (None: imported before); a band's own profile is kept."""
    if c.execute("SELECT 1 FROM log_facts WHERE key = ?", (key,)).fetchone():
        return None
    added = 0
    for r in records:
        if c.execute(
            "SELECT 1 FROM band_profiles p JOIN bands b ON b.id = p.band_id WHERE b.name = ?", (r.name,)
        ).fetchone():
            continue
        cal_id = latest_band_calibration(c, r.name)
        if cal_id is None:
            cal_id = insert_calibration(
                c, created_unix_s=r.created_unix_s, device=None, band=r.name, offset_raw=None,
                counts_per_n=None, stretch_cm=100.0 * r.rest_length_m, tension_n=r.force_100_n,
                note=json.dumps({"kind": "band", "imported_from": key}),
            )  # fmt: skip
        put_profile(c, r, cal_id)
        added += 1
    c.execute(
        "INSERT INTO log_facts (key, value, set_unix_s) VALUES (?, ?, ?)",
        (key, json.dumps({"imported": added}), time.time()),
    )
    return added

