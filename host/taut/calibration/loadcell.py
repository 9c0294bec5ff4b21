"""Load-cell calibration maths: raw counts from known masses -> factor and offset, and checks.

The firmware converts with `tension_n = (raw - offset_raw) / counts_per_n` (docs/protocol.md,
SET_CALIBRATION). The host sees tensions under the device's current calibration and recovers
raw counts exactly by inverting that. A least-squares line raw = offset + counts_per_n * F through
the tare point (F = 0) and the masses' weights gives the new calibration; the largest residual,
in newtons, is the linearity error, warned about above 0.5 % of the rated capacity.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from taut.calibration.errors import BadSetupError, FitError, NotIncreasingError

STANDARD_GRAVITY_M_S2 = 9.80665
LINEARITY_LIMIT_FRACTION = 0.005  # of rated capacity
DRIFT_LIMIT_FRACTION = 0.001  # zero shift between the tare and the unloaded end, of rated capacity
RAW_LIMIT = 0x7FFFFF  # HX711 is 24-bit signed


@dataclass(frozen=True, slots=True)
class LoadPoint:
    """One still reading: the mass hanging (kg, 0 for the tare) and the mean raw counts."""

    mass_kg: float
    raw_counts: float
    std_counts: float = 0.0


@dataclass(frozen=True, slots=True)
class LoadCellFit:
    """The fitted calibration and how good it is (residuals in newtons)."""

    counts_per_n: float
    offset_raw: int
    max_residual_n: float
    rms_residual_n: float
    capacity_n: float
    gravity_m_s2: float
    n_points: int
    warnings: tuple[str, ...] = ()

    @property
    def residual_fraction(self) -> float:
        """Largest residual as a fraction of rated capacity (the linearity figure)."""
        return self.max_residual_n / self.capacity_n

    def tension_n(self, raw_counts):
        """Tension for raw counts under this calibration (what the device will report)."""
        return (np.asarray(raw_counts, dtype=float) - self.offset_raw) / self.counts_per_n


def raw_from_tension(tension_n, offset_raw: int, counts_per_n: float):
    """Raw counts the device read, from a tension it reported under (offset_raw, counts_per_n)."""
    return np.asarray(tension_n, dtype=float) * counts_per_n + offset_raw


def weight_n(mass_kg: float, gravity_m_s2: float = STANDARD_GRAVITY_M_S2) -> float:
    """The force a hanging mass exerts (N)."""
    return mass_kg * gravity_m_s2


def check_setup(masses_kg: Sequence[float], capacity_n: float, gravity_m_s2: float = STANDARD_GRAVITY_M_S2) -> None:
    """Reject masses and constants no calibration can use (BadSetupError with what to change)."""
    if not (math.isfinite(gravity_m_s2) and 9.7 <= gravity_m_s2 <= 9.9):
        raise BadSetupError(f"local gravity {gravity_m_s2} m/s² is not on Earth (9.78…9.84).", step="setup")
    if not (math.isfinite(capacity_n) and capacity_n > 0):
        raise BadSetupError(f"rated capacity {capacity_n} N must be positive.", step="setup")
    if not masses_kg:
        raise BadSetupError("give at least one known mass.", step="setup", guidance="For example --mass 5.")
    for m in masses_kg:
        if not (math.isfinite(m) and m > 0):
            raise BadSetupError(f"mass {m} kg must be a positive number.", step="setup")
        if weight_n(m, gravity_m_s2) > capacity_n:
            raise BadSetupError(
                f"mass {m:g} kg weighs {weight_n(m, gravity_m_s2):.0f} N, over the load cell's rated "
                f"capacity of {capacity_n:.0f} N.", step="setup", guidance="Use a lighter mass.")


def fit_load_cell(
    points: Sequence[LoadPoint],
    *,
    capacity_n: float,
    gravity_m_s2: float = STANDARD_GRAVITY_M_S2,
) -> LoadCellFit:
    """Least-squares counts_per_n and offset_raw through the points, with the linearity check.

    Needs a tare point or several masses (two distinct loads at least). Raises NotIncreasingError
    naming the point whose reading did not move with its load, FitError for degenerate input.
    """
    if len(points) < 2:
        raise FitError(f"{len(points)} point(s): need the tare and at least one mass.", step="setup")
    masses = np.array([p.mass_kg for p in points], dtype=float)
    raw = np.array([p.raw_counts for p in points], dtype=float)
    if not (np.isfinite(masses).all() and np.isfinite(raw).all()):
        raise FitError("a reading or mass is not a number.", step="setup")
    if np.ptp(masses) <= 0:
        raise FitError("all points have the same mass: nothing to fit a slope to.", step="setup")
    force = masses * gravity_m_s2
    slope, offset = np.polyfit(force, raw, 1)
    order = np.argsort(force, kind="stable")
    noise = max(1.0, 4.0 * max(p.std_counts for p in points))
    for a, b in zip(order[:-1], order[1:]):
        if force[b] > force[a] and (raw[b] - raw[a]) * np.sign(slope) <= noise:
            raise NotIncreasingError(
                f"the reading with {masses[b]:g} kg is not beyond the one with {masses[a]:g} kg.",
                step=_point_step(points, int(b)),
                guidance="Make sure the mass hangs freely from the hook and nothing else touches it, then redo this step.",
            )
    if not (1.0 <= abs(slope) <= 1e6):
        raise FitError(f"fitted factor {slope:.4g} counts/N is outside 1…1e6: check the wiring and the masses.",
                       step="setup")
    offset_raw = int(round(offset))
    if abs(offset_raw) > RAW_LIMIT:
        raise FitError(f"fitted offset {offset_raw} is outside the 24-bit range.", step="setup")
    resid_n = (raw - (offset_raw + slope * force)) / slope
    max_res = float(np.max(np.abs(resid_n)))
    rms_res = float(np.sqrt(np.mean(resid_n**2)))
    warnings: list[str] = []
    if max_res > LINEARITY_LIMIT_FRACTION * capacity_n:
        warnings.append(
            f"linearity residual {max_res:.2f} N is {100 * max_res / capacity_n:.2f} % of the rated capacity "
            f"(limit {100 * LINEARITY_LIMIT_FRACTION:.1f} %): check the masses and that the cell is not overloaded."
        )
    if len(np.unique(masses)) < 3:
        warnings.append("only two loads: linearity cannot be checked (add a second mass to check it).")
    return LoadCellFit(float(slope), offset_raw, max_res, rms_res, float(capacity_n), float(gravity_m_s2),
                       len(points), tuple(warnings))


def zero_shift_warning(tare: LoadPoint, after: LoadPoint, fit: LoadCellFit) -> str | None:
    """A warning when the unloaded reading after the masses differs from the tare (drift/creep)."""
    shift_n = abs(after.raw_counts - tare.raw_counts) / abs(fit.counts_per_n)
    limit = DRIFT_LIMIT_FRACTION * fit.capacity_n
    if shift_n > limit:
        return (f"the unloaded reading moved {shift_n:.2f} N between the tare and the end (limit {limit:.2f} N): "
                "the reading drifts; let the cell warm up, check the mounting and calibrate again.")
    return None


def _point_step(points: Sequence[LoadPoint], i: int) -> str:
    return "tare" if points[i].mass_kg == 0 else f"mass-{i}"
