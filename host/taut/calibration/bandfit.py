"""Fit a band's force–strain curve, loading and unloading, to measured holds.

Model (the Gent form for rubber, which stiffens at high strain as latex does):

    e = (L - L0) / L0,  λ = 1 + e,  g(e) = (λ - λ⁻²) · Jm / (Jm - (λ² + 2/λ - 3))
    loading    F_load(e)   = force_100_n · g(e) / g(1)        (0 when slack, e <= 0)
    unloading  F_unload(e) = (1 - hysteresis_loss) · F_load(e)

Two parameters for the loading branch (level, stiffening) and one for hysteresis keep the fit
stable from four or five holds. For a fixed Jm the best level is closed-form, so the fit is a
bounded one-dimensional search over 1/Jm on relative residuals. The fit error is the RMS of the
relative residuals over all holds (loading and unloading).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from taut.calibration.errors import FitError

MAX_ELONGATION = 3.0  # the curve is defined (finite, increasing) up to 300 % elongation
_LAM_MAX = 1.0 + MAX_ELONGATION
_MIN_JM = 1.05 * (_LAM_MAX**2 + 2.0 / _LAM_MAX - 3.0)
_NEO_HOOKEAN_JM = 1e9  # "no stiffening"


def _shape(e: np.ndarray, jm: float) -> np.ndarray:
    lam = 1.0 + np.maximum(e, 0.0)
    return (lam - lam**-2) * jm / (jm - (lam * lam + 2.0 / lam - 3.0))


@dataclass(frozen=True, slots=True)
class BandCurve:
    """A band's fitted curves: level at 100 % elongation, stiffening Jm, hysteresis loss."""

    force_100_n: float
    stiffening_jm: float
    hysteresis_loss: float = 0.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.force_100_n) and self.force_100_n > 0):
            raise ValueError(f"force_100_n must be positive, got {self.force_100_n}")
        if not (self.stiffening_jm >= _MIN_JM):
            raise ValueError(f"stiffening_jm must be >= {_MIN_JM:.2f}, got {self.stiffening_jm}")
        if not (0.0 <= self.hysteresis_loss < 1.0):
            raise ValueError(f"hysteresis_loss must be in [0, 1), got {self.hysteresis_loss}")

    def force_n(self, elongation, loading: bool = True):
        """Force (N) at elongation (0 = rest, 1.0 = 100 %) on the loading or unloading branch."""
        e = np.asarray(elongation, dtype=float)
        if np.isnan(e).any() or (e > MAX_ELONGATION).any():
            raise ValueError(f"elongation must be a number <= {MAX_ELONGATION}")
        g1 = _shape(np.array(1.0), self.stiffening_jm)
        f = np.where(e > 0, self.force_100_n * _shape(e, self.stiffening_jm) / g1, 0.0)
        if not loading:
            f = f * (1.0 - self.hysteresis_loss)
        return float(f) if f.ndim == 0 else f

    def elongation(self, force_n, loading: bool = True):
        """Inverse of `force_n`: elongation for a force (0 when force <= 0, NaN beyond 300 % or for NaN)."""
        f = np.asarray(force_n, dtype=float)
        grid = _inverse_grid()
        e = np.interp(f, self.force_n(grid, loading), grid, left=0.0, right=np.nan)
        e = np.where(np.isnan(f), np.nan, e)
        return float(e) if e.ndim == 0 else e

    @property
    def levels_n(self) -> tuple[float, float]:
        """The band's level: loading force at 100 % and at 200 % elongation."""
        return float(self.force_n(1.0)), float(self.force_n(2.0))

    def as_dict(self) -> dict:
        return {"model": "gent", "force_100_n": self.force_100_n, "stiffening_jm": self.stiffening_jm,
                "hysteresis_loss": self.hysteresis_loss}

    @classmethod
    def from_dict(cls, d: dict) -> BandCurve:
        if d.get("model") != "gent":
            raise ValueError(f"unknown band model {d.get('model')!r}")
        return cls(float(d["force_100_n"]), float(d["stiffening_jm"]), float(d.get("hysteresis_loss", 0.0)))


_GRID: np.ndarray | None = None


def _inverse_grid() -> np.ndarray:
    global _GRID
    if _GRID is None:
        _GRID = np.linspace(0.0, MAX_ELONGATION, 6001)
    return _GRID


@dataclass(frozen=True, slots=True)
class BandFit:
    """The fitted curve and its errors: RMS and largest relative residual per branch."""

    curve: BandCurve
    loading_rms: float
    loading_max: float
    unloading_rms: float | None
    unloading_max: float | None
    max_elongation: float  # largest measured elongation: beyond it the curve is extrapolated

    @property
    def fit_error(self) -> float:
        """One figure: the larger RMS relative residual of the two branches (0.01 = 1 %)."""
        return max(self.loading_rms, self.unloading_rms or 0.0)


def fit_loading(elongation: Sequence[float], force_n: Sequence[float]) -> tuple[float, float]:
    """(force_100_n, stiffening_jm) of the loading branch through (elongation, force) holds."""
    e = np.asarray(elongation, dtype=float)
    f = np.asarray(force_n, dtype=float)
    if e.shape != f.shape or len(e) < 2:
        raise FitError("need at least two holds on the loading branch.", step="setup")
    if not (np.isfinite(e).all() and np.isfinite(f).all()) or (e <= 0).any() or (f <= 0).any():
        raise FitError("every hold needs a positive elongation and force.", step="setup")
    if (e > MAX_ELONGATION).any():
        raise FitError(f"a hold beyond {100 * MAX_ELONGATION:.0f} % elongation is outside the model.", step="setup")
    if len(np.unique(np.round(e, 6))) < 2:
        raise FitError("all holds are at the same length.", step="setup")

    def level_and_cost(c: float) -> tuple[float, float]:
        jm = 1.0 / c if c > 0 else _NEO_HOOKEAN_JM
        g = _shape(e, jm) / _shape(np.array(1.0), jm)
        r = g / f  # relative residual (k g - f)/f = k r - 1: least squares in k
        k = float(np.sum(r) / np.sum(r * r))
        return k, float(np.sum((k * r - 1.0) ** 2))

    c_max = 1.0 / _MIN_JM
    grid = np.linspace(0.0, c_max, 200)
    costs = [level_and_cost(c)[1] for c in grid]
    i = int(np.argmin(costs))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    best_c = grid[i]
    if hi > lo:
        res = minimize_scalar(lambda c: level_and_cost(c)[1], bounds=(lo, hi), method="bounded",
                              options={"xatol": 1e-7})
        if res.success and res.fun <= costs[i]:
            best_c = float(getattr(res, "x"))
    k, _ = level_and_cost(best_c)
    return k, (1.0 / best_c if best_c > 0 else _NEO_HOOKEAN_JM)


def fit_band(
    loading_e: Sequence[float],
    loading_n: Sequence[float],
    unloading_e: Sequence[float] = (),
    unloading_n: Sequence[float] = (),
) -> BandFit:
    """Fit both branches: loading level and stiffening, then the hysteresis loss from unloading holds.

    Without unloading holds the loss is 0 and its errors None. Raises FitError for unusable input
    (unloading above loading everywhere, for instance).
    """
    k, jm = fit_loading(loading_e, loading_n)
    load = BandCurve(k, jm, 0.0)
    le = np.asarray(loading_e, dtype=float)
    ln = np.asarray(loading_n, dtype=float)
    rel_load = load.force_n(le) / ln - 1.0
    ue = np.asarray(unloading_e, dtype=float)
    un = np.asarray(unloading_n, dtype=float)
    loss = 0.0
    u_rms = u_max = None
    if len(ue):
        if ue.shape != un.shape or (ue <= 0).any() or (un <= 0).any() or (ue > MAX_ELONGATION).any():
            raise FitError("unloading holds need positive elongations and forces within the model.", step="sweep")
        fl = load.force_n(ue)
        # Relative least squares of un ≈ s · fl:  s = Σ(fl/un) / Σ(fl/un)².
        r = fl / un
        keep = float(np.sum(r) / np.sum(r * r))
        loss = 1.0 - keep
        if not (0.0 <= loss < 0.6):
            raise FitError(
                f"unloading force is {100 * keep:.0f} % of loading force: on the way back the band should pull "
                "a little less, not more, and not under half.",
                step="sweep", guidance="Redo the slow stretch-and-release, pausing at each mark on the way back.")
        rel_un = keep * r - 1.0
        u_rms = float(np.sqrt(np.mean(rel_un**2)))
        u_max = float(np.max(np.abs(rel_un)))
    curve = BandCurve(k, jm, loss)
    max_e = float(max(np.max(le), np.max(ue) if len(ue) else 0.0))
    return BandFit(curve, float(np.sqrt(np.mean(rel_load**2))), float(np.max(np.abs(rel_load))), u_rms, u_max, max_e)
