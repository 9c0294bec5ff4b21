"""Band profiles: a calibrated band's identity, curve and level, and how bands compare.

A band's **level** is its loading force at 100 % and 200 % elongation. Two bands are
"not meaningfully different" when both levels differ by less than what a user can tell apart or
the calibration can resolve: the larger of SIMILAR_FRACTION (10 %, about the smallest step in
load that changes how a set feels) and three times the two fits' combined error.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from taut.calibration.bandfit import BandCurve

SIMILAR_FRACTION = 0.10
PROFILE_VERSION = 1


def check_band_name(name: str) -> None:
    """ValueError unless the name is 1–40 printable characters with no '+' (which joins stacks)."""
    if not isinstance(name, str) or not name.strip() or len(name) > 40 or not name.isprintable() or "+" in name:
        raise ValueError(f"band name {name!r} must be 1–40 printable characters, without '+'")


@dataclass(frozen=True, slots=True)
class BandProfile:
    """One calibrated band as stored: name, colour, rest length, fitted curve, when, how well."""

    name: str
    rest_length_m: float  # L0, the band's resting length as anchored for the calibration
    curve: BandCurve
    colour: str = ""
    created_unix_s: float = field(default_factory=time.time)
    fit_error: float = 0.0  # RMS relative residual of the fit (0.01 = 1 %)
    max_elongation: float = 0.0  # largest elongation measured; beyond it the curve is extrapolated
    note: str = ""

    def __post_init__(self) -> None:
        check_band_name(self.name)
        if not (math.isfinite(self.rest_length_m) and 0.05 <= self.rest_length_m <= 5.0):
            raise ValueError(f"rest length {self.rest_length_m} m must be within 0.05…5 m")
        if not (math.isfinite(self.fit_error) and self.fit_error >= 0):
            raise ValueError(f"fit_error {self.fit_error} must be >= 0")

    @property
    def levels_n(self) -> tuple[float, float]:
        """(force at 100 %, force at 200 % elongation), loading branch, newtons."""
        return self.curve.levels_n

    def force_n(self, elongation, loading: bool = True):
        """The fitted curve's force (N) at elongation (see `BandCurve.force_n`)."""
        return self.curve.force_n(elongation, loading)

    def elongation(self, force_n, loading: bool = True):
        """The fitted curve's elongation for a force (see `BandCurve.elongation`)."""
        return self.curve.elongation(force_n, loading)

    def as_dict(self) -> dict:
        return {
            "version": PROFILE_VERSION,
            "name": self.name,
            "colour": self.colour,
            "rest_length_m": self.rest_length_m,
            "curve": self.curve.as_dict(),
            "created_unix_s": self.created_unix_s,
            "fit_error": self.fit_error,
            "max_elongation": self.max_elongation,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, d: dict) -> BandProfile:
        """Rebuild from `as_dict` output; ValueError (KeyError/TypeError wrapped) on anything malformed."""
        try:
            if d.get("version") != PROFILE_VERSION:
                raise ValueError(f"band profile version {d.get('version')!r} is not {PROFILE_VERSION}")
            return cls(
                name=str(d["name"]),
                rest_length_m=float(d["rest_length_m"]),
                curve=BandCurve.from_dict(d["curve"]),
                colour=str(d.get("colour", "")),
                created_unix_s=float(d["created_unix_s"]),
                fit_error=float(d.get("fit_error", 0.0)),
                max_elongation=float(d.get("max_elongation", 0.0)),
                note=str(d.get("note", "")),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"malformed band profile: {exc!r}") from None


def by_level(profiles: Iterable[BandProfile]) -> list[BandProfile]:
    """Profiles ordered light to heavy: by force at 100 %, then at 200 %, then name."""
    return sorted(profiles, key=lambda p: (*p.levels_n, p.name))


def similarity_threshold(a: BandProfile, b: BandProfile) -> float:
    """Relative level difference below which a and b are not meaningfully different."""
    return max(SIMILAR_FRACTION, 3.0 * math.hypot(a.fit_error, b.fit_error))


def not_meaningfully_different(a: BandProfile, b: BandProfile) -> bool:
    """True when both levels of a and b differ by less than `similarity_threshold`."""
    limit = similarity_threshold(a, b)
    for fa, fb in zip(a.levels_n, b.levels_n):
        if abs(fa - fb) / (0.5 * (fa + fb)) >= limit:
            return False
    return True


def similar_pairs(profiles: Sequence[BandProfile]) -> list[tuple[BandProfile, BandProfile]]:
    """Every pair (in level order) that is not meaningfully different."""
    ordered = by_level(profiles)
    return [
        (a, b)
        for i, a in enumerate(ordered)
        for b in ordered[i + 1 :]
        if not_meaningfully_different(a, b)
    ]
