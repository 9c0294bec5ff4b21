"""The guided load-cell calibration: tare, one or more known masses, back to zero; then the fit.

Steps: "tare" (nothing attached), "mass-1" … "mass-n" (hang each mass), "unload" (take the masses
off: checks the zero came back, i.e. no drift). Each step waits for a still reading (STILL) and
gives up after `max_wait_s` of samples with MovingReadingError. Tensions arrive under the device's
current calibration (offset_raw, counts_per_n) and are turned back into raw counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from taut.calibration.errors import CalibrationError, MovingReadingError, NotIncreasingError
from taut.calibration.loadcell import (
    STANDARD_GRAVITY_M_S2,
    LoadCellFit,
    LoadPoint,
    check_setup,
    fit_load_cell,
    raw_from_tension,
    zero_shift_warning,
)
from taut.calibration.still import StillCriteria, StillReading, first_still_reading
from taut.calibration.wizard import COLLECT, Prompt, StepWizard

# A hanging mass is still when it varies by under 0.05 N or 0.05 % over 2 s.
STILL = StillCriteria(window_s=2.0, max_std_n=0.05, max_rel_std=0.0005, min_samples=8)


@dataclass(frozen=True, slots=True)
class LoadCellResult:
    """The whole calibration: the fit, the points it came from, every warning."""

    fit: LoadCellFit
    points: tuple[LoadPoint, ...]
    readings: tuple[StillReading, ...]
    warnings: tuple[str, ...]

    @property
    def counts_per_n(self) -> float:
        return self.fit.counts_per_n

    @property
    def offset_raw(self) -> int:
        return self.fit.offset_raw


class LoadCellWizard(StepWizard[LoadCellResult]):
    """State machine of the load-cell flow (see the module docstring and `taut.calibration.wizard`)."""

    def __init__(
        self,
        masses_kg: Sequence[float],
        *,
        offset_raw: int,
        counts_per_n: float,
        capacity_n: float,
        gravity_m_s2: float = STANDARD_GRAVITY_M_S2,
        criteria: StillCriteria = STILL,
        max_wait_s: float = 20.0,
        check_zero: bool = True,
    ) -> None:
        check_setup(list(masses_kg), capacity_n, gravity_m_s2)
        if counts_per_n == 0:
            raise ValueError("counts_per_n of the current calibration cannot be 0")
        self.masses_kg = tuple(float(m) for m in masses_kg)
        self.gravity_m_s2 = float(gravity_m_s2)
        self.capacity_n = float(capacity_n)
        self._device_cal = (int(offset_raw), float(counts_per_n))
        self._criteria = criteria
        self._max_wait_s = float(max_wait_s)
        steps = ["tare", *(f"mass-{i + 1}" for i in range(len(self.masses_kg)))]
        if check_zero:
            steps.append("unload")
        super().__init__(steps)
        self._readings: dict[str, StillReading] = {}

    # -- what to do now -------------------------------------------------------------------

    def _text(self, step: str) -> str:
        if self._phase == COLLECT:
            return "Keep still: waiting for a steady reading…"
        if step == "tare":
            return "Remove everything from the load cell's hook and let it hang still."
        if step == "unload":
            return "Take all masses off the hook again and let it hang still."
        m = self.masses_kg[int(step.split("-")[1]) - 1]
        return f"Hang the {m:g} kg mass from the hook (nothing else), let it stop swinging."

    def _done_text(self) -> str:
        r = self._result
        assert r is not None
        return (f"Calibrated: {r.fit.counts_per_n:.2f} counts/N, offset {r.fit.offset_raw}; linearity "
                f"{r.fit.max_residual_n:.3f} N ({100 * r.fit.residual_fraction:.3f} % of capacity).")

    # -- input ----------------------------------------------------------------------------

    def confirm(self) -> Prompt:
        """The user did what the prompt said: start waiting for a still reading."""
        self._expect_confirm()
        return self._collect()

    def feed(self, time_s, tension_n) -> Prompt:
        """Samples (s, N under the device's current calibration); returns the prompt afterwards.

        Raises MovingReadingError when the step saw no still reading within `max_wait_s`
        (the step starts again), NotIncreasingError when a mass did not raise the reading.
        Samples fed while no step is collecting are ignored.
        """
        if not self._take_batch(time_s, tension_n):
            return self.prompt
        t, x = self._buf.arrays()
        reading = first_still_reading(t, x, self._criteria, self._new_from)
        step = self._steps[self._i]
        if reading is None:
            if self._buf.span_s > self._max_wait_s:
                self._restart(f"no steady reading in {self._max_wait_s:.0f} s")
                raise MovingReadingError(
                    f"{step}: the reading kept moving for {self._max_wait_s:.0f} s.", step=step,
                    guidance="Stop the mass swinging, keep hands and cables off the sensor, and redo this step.")
            return self.prompt
        self._take(step, reading)
        return self.prompt

    # -- internals ------------------------------------------------------------------------

    def _drop_from(self, i: int) -> None:
        for s in self._steps[i:]:
            self._readings.pop(s, None)

    def _point(self, step: str, reading: StillReading) -> LoadPoint:
        offset_raw, counts_per_n = self._device_cal
        mass = 0.0 if step in ("tare", "unload") else self.masses_kg[int(step.split("-")[1]) - 1]
        raw = float(raw_from_tension(reading.mean_n, offset_raw, counts_per_n))
        return LoadPoint(mass, raw, abs(reading.std_n * counts_per_n))

    def _take(self, step: str, reading: StillReading) -> None:
        if step.startswith("mass-"):
            self._check_moved(step, reading)
        self._readings[step] = reading
        self._advance()
        if self._i == len(self._steps):
            self._finish()

    def _check_moved(self, step: str, reading: StillReading) -> None:
        """A heavier mass must move the reading, by a fair share of its weight and the same way as before.

        The device's current calibration may be far off (factory default), so only 2 % of the
        expected change is asked for; the direction is set by the first mass.
        """
        prev_step = self._steps[self._i - 1]
        prev = self._point(prev_step, self._readings[prev_step])
        here = self._point(step, reading)
        if here.mass_kg <= prev.mass_kg:
            return
        delta_raw = here.raw_counts - prev.raw_counts
        expected_raw = (here.mass_kg - prev.mass_kg) * self.gravity_m_s2 * abs(self._device_cal[1])
        tare = self._point("tare", self._readings["tare"])
        direction = 0.0 if prev_step == "tare" else np.sign(prev.raw_counts - tare.raw_counts)
        if abs(delta_raw) < 0.02 * expected_raw or (direction and np.sign(delta_raw) != direction):
            self._restart("the reading did not move with the mass")
            raise NotIncreasingError(
                f"{step}: with {here.mass_kg:g} kg the reading did not move beyond the one with {prev.mass_kg:g} kg.",
                step=step, guidance="Make sure the mass hangs freely from the hook, then redo this step.")

    def _finish(self) -> None:
        fit_steps = [s for s in self._steps if s != "unload"]
        points = [self._point(s, self._readings[s]) for s in fit_steps]
        try:
            fit = fit_load_cell(points, capacity_n=self.capacity_n, gravity_m_s2=self.gravity_m_s2)
        except CalibrationError as exc:
            self.redo(exc.step if exc.step in self._steps else self._steps[-1])
            self._retry = str(exc)
            raise
        warnings = list(fit.warnings)
        if "unload" in self._readings:
            w = zero_shift_warning(points[0], self._point("unload", self._readings["unload"]), fit)
            if w:
                warnings.append(w)
        self._result = LoadCellResult(fit, tuple(points), tuple(self._readings[s] for s in self._steps),
                                      tuple(warnings))
