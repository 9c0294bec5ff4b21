"""Resistance band force–strain model with hysteresis, and a catalogue of long loop bands.

Exact curves (the contract calibration checks a fitted curve against):

    elongation e = (L - L0) / L0        (0 = rest length, 1.0 = 100 %, slack for e <= 0)
    stretch    λ = 1 + e
    g(e)       = (λ - λ⁻²) · Jm / (Jm - (λ² + 2/λ - 3))      Gent rubber, uniaxial
    loading    F_load(e)   = force_100_n · g(e) / g(1)           for e > 0, else 0
    unloading  F_unload(e) = (1 - hysteresis_loss) · F_load(e)

`Band.force_n(elongation, loading)` returns exactly these. The Gent form stiffens at high strain
as latex does (the smaller `stiffening_jm`, the sooner). Between the branches, after a reversal
of direction at elongation e_r with force F_r, the force leaves F_r and joins the new branch
smoothly: F(e) = F_branch(e) + (F_r - F_branch(e_r)) · exp(-|e - e_r| / transition_strain)
(on unloading the correction is also scaled by e / e_r so a band let slack reads zero).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MAX_ELONGATION = 3.0  # 300 %: beyond this a long loop band is near breaking; the model refuses


def _gent_shape(e: np.ndarray, jm: float) -> np.ndarray:
    lam = 1.0 + np.maximum(e, 0.0)
    i1_minus_3 = lam * lam + 2.0 / lam - 3.0
    return (lam - lam**-2) * jm / (jm - i1_minus_3)


def _gent_shape_scalar(e: float, jm: float) -> float:
    lam = 1.0 + e
    return (lam - lam**-2) * jm / (jm - (lam * lam + 2.0 / lam - 3.0))


# Smallest Jm that keeps the Gent curve finite and increasing up to MAX_ELONGATION (with margin).
_LAM_MAX = 1.0 + MAX_ELONGATION
_MIN_JM = 1.2 * (_LAM_MAX * _LAM_MAX + 2.0 / _LAM_MAX - 3.0)


@dataclass(frozen=True, slots=True)
class Band:
    """One band: its loading curve (level and stiffening), hysteresis and reversal smoothness."""

    name: str
    force_100_n: float  # loading force at 100 % elongation
    stiffening_jm: float = 30.0  # Gent limit: smaller = stiffer at high strain (>= 16.2)
    hysteresis_loss: float = 0.10  # unloading force is (1 - loss) x loading force
    transition_strain: float = 0.05  # strain over which the force joins the new branch on reversal
    colour: str = ""
    level: str = ""  # catalogue level name ("light", "heavy", ...)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.force_100_n) and self.force_100_n > 0):
            raise ValueError(f"band {self.name!r}: force_100_n must be positive, got {self.force_100_n}")
        if not (math.isfinite(self.stiffening_jm) and self.stiffening_jm >= _MIN_JM):
            raise ValueError(f"band {self.name!r}: stiffening_jm must be >= {_MIN_JM:.1f}, got {self.stiffening_jm}")
        if not (0.0 <= self.hysteresis_loss < 0.5):
            raise ValueError(f"band {self.name!r}: hysteresis_loss must be in [0, 0.5), got {self.hysteresis_loss}")
        if not (0.0 < self.transition_strain <= 0.5):
            raise ValueError(f"band {self.name!r}: transition_strain must be in (0, 0.5], got {self.transition_strain}")

    # The exact branch curves (module docstring): calibration compares fitted curves to these.
    def force_n(self, elongation, loading: bool = True):
        """Force (N) on the loading or unloading branch at elongation (0 = rest, 1.0 = 100 %).

        Accepts a float or an array; zero when slack (e <= 0). Raises ValueError for NaN or
        elongation above MAX_ELONGATION.
        """
        e = np.asarray(elongation, dtype=float)
        if np.isnan(e).any():
            raise ValueError("elongation is NaN")
        if (e > MAX_ELONGATION).any():
            raise ValueError(f"elongation {float(np.max(e)):.3f} above the model's limit {MAX_ELONGATION}")
        f = self._load_unchecked(e)
        if not loading:
            f = f * (1.0 - self.hysteresis_loss)
        return float(f) if f.ndim == 0 else f

    def _load_unchecked(self, e: np.ndarray) -> np.ndarray:
        scale = self.force_100_n / _gent_shape_scalar(1.0, self.stiffening_jm)
        return np.where(e > 0.0, scale * _gent_shape(e, self.stiffening_jm), 0.0)

    @property
    def levels_n(self) -> tuple[float, float]:
        """The band's level (docs/bands.md): loading force at 100 % and 200 % elongation."""
        return float(self.force_n(1.0)), float(self.force_n(2.0))

    def force_after_reversal_n(self, elongation, loading, reversal_elongation, reversal_force_n) -> np.ndarray:
        """Force on a path that reversed direction at (reversal_elongation, reversal_force_n).

        `loading` says whether the elongation is now increasing. Arrays broadcast. This is how the
        simulator moves between branches; with reversal_force_n already on the branch it equals
        `force_n`.
        """
        e = np.asarray(elongation, dtype=float)
        if np.isnan(e).any():
            raise ValueError("elongation is NaN")
        if (e > MAX_ELONGATION).any():
            raise ValueError(f"elongation {float(np.max(e)):.3f} above the model's limit {MAX_ELONGATION}")
        return _after_reversal(self, e, np.asarray(loading, dtype=bool),
                               np.asarray(reversal_elongation, dtype=float),
                               np.asarray(reversal_force_n, dtype=float))


def _load_arrays(e: np.ndarray, force_100_n, jm) -> np.ndarray:
    """Loading branch with per-element parameters (arrays broadcast); zero when slack."""
    lam1_shape = (2.0 - 0.25) * jm / (jm - (4.0 + 1.0 - 3.0))  # g(1): λ = 2
    return np.where(e > 0.0, (force_100_n / lam1_shape) * _gent_shape(e, jm), 0.0)


def _after_reversal_arrays(e, loading, e_r, f_r, force_100_n, jm, loss, delta) -> np.ndarray:
    """Force after a reversal at (e_r, f_r), every band parameter per element (module doc)."""
    keep = np.where(loading, 1.0, 1.0 - loss)
    branch_e = keep * _load_arrays(e, force_100_n, jm)
    branch_r = keep * _load_arrays(e_r, force_100_n, jm)
    gap = f_r - branch_r
    w = np.exp(-np.abs(e - e_r) / delta)
    # On unloading, fade the excess to zero at e = 0 so a slack band reads exactly zero.
    ratio = np.divide(e, e_r, out=np.zeros(np.broadcast(e, e_r).shape), where=np.asarray(e_r) > 0)
    fade = np.where(loading, 1.0, np.clip(ratio, 0.0, 1.0))
    f = branch_e + gap * w * fade
    return np.where(e > 0.0, np.maximum(f, 0.0), 0.0)


def _load_one(e: float, force_100_n: float, jm: float) -> float:
    """Scalar `_load_arrays` (the per-sample streaming path)."""
    if e <= 0.0:
        return 0.0
    return (force_100_n / (1.75 * jm / (jm - 2.0))) * _gent_shape_scalar(e, jm)


def _after_reversal_one(e: float, loading: bool, e_r: float, f_r: float, force_100_n: float, jm: float,
                        loss: float, delta: float) -> float:
    """Scalar `_after_reversal_arrays`."""
    if e <= 0.0:
        return 0.0
    keep = 1.0 if loading else 1.0 - loss
    gap = f_r - keep * _load_one(e_r, force_100_n, jm)
    fade = 1.0 if loading else (min(max(e / e_r, 0.0), 1.0) if e_r > 0 else 0.0)
    f = keep * _load_one(e, force_100_n, jm) + gap * math.exp(-abs(e - e_r) / delta) * fade
    return f if f > 0.0 else 0.0


def _after_reversal(band: Band, e: np.ndarray, loading: np.ndarray, e_r: np.ndarray, f_r: np.ndarray) -> np.ndarray:
    return _after_reversal_arrays(e, loading, e_r, f_r, band.force_100_n, band.stiffening_jm,
                                  band.hysteresis_loss, band.transition_strain)


def band_from_params(
    name: str,
    force_100_n: float,
    *,
    stiffening_jm: float = 30.0,
    hysteresis_loss: float = 0.10,
    transition_strain: float = 0.05,
    colour: str = "",
    level: str = "",
) -> Band:
    """A band from its parameters (validated; ValueError names the bad one)."""
    return Band(name, float(force_100_n), float(stiffening_jm), float(hysteresis_loss), float(transition_strain),
                colour, level)


def band_from_levels(name: str, force_100_n: float, force_200_n: float, **kwargs) -> Band:
    """A band whose loading curve passes through given forces at 100 % and 200 % elongation.

    The Gent curve allows force_200_n / force_100_n between about 1.66 (no stiffening) and 2.4.
    """
    ratio = force_200_n / force_100_n
    g1 = _gent_shape_scalar(1.0, 1e12)
    g2 = _gent_shape_scalar(2.0, 1e12)
    base = g2 / g1  # the ratio with no stiffening
    # ratio = base * (Jm - I1(2)) / (Jm - I1(3)) with I1 = λ² + 2/λ - 3, solved for Jm.
    i2 = 4.0 + 1.0 - 3.0
    i3 = 9.0 + 2.0 / 3.0 - 3.0
    if not ratio > base * 1.0001:
        raise ValueError(f"force_200_n / force_100_n = {ratio:.3f} is below {base:.3f}: the model cannot soften")
    jm = (ratio * i3 - base * i2) / (ratio - base)
    if jm < _MIN_JM:
        raise ValueError(f"force_200_n / force_100_n = {ratio:.3f} needs more stiffening than the model allows")
    return band_from_params(name, force_100_n, stiffening_jm=jm, **kwargs)


# Long loop bands (about 208 cm loops), by colour. Levels are loading force at 100 % elongation of
# the stretched length; spans from "extra light" pull-apart bands to heavy assistance bands.
BANDS: dict[str, Band] = {
    b.name: b
    for b in (
        Band("yellow", 12.0, 40.0, 0.08, 0.05, "yellow", "extra light"),
        Band("red", 22.0, 34.0, 0.09, 0.05, "red", "light"),
        Band("black", 40.0, 30.0, 0.10, 0.05, "black", "medium"),
        Band("purple", 70.0, 27.0, 0.11, 0.06, "purple", "heavy"),
        Band("green", 120.0, 25.0, 0.12, 0.06, "green", "extra heavy"),
        Band("blue", 180.0, 23.0, 0.13, 0.07, "blue", "extra extra heavy"),
    )
}


def get_band(name: str) -> Band:
    """A catalogue band by name; KeyError lists the known names."""
    try:
        return BANDS[name]
    except KeyError:
        raise KeyError(f"unknown band {name!r}; known: {', '.join(BANDS)}") from None
