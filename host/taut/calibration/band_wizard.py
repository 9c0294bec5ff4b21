"""The guided band calibration: slack zero, holds at marked lengths, one slow stretch-and-release.

Steps: "slack" (band anchored, hanging slack: the zero), "mark-1" … "mark-n" (stretch to each
marked length, low to high, and hold about 3 s: the loading branch), "sweep" (stretch slowly to
the top mark and release slowly, pausing at each lower mark: the unloading branch). Then the
Gent curve is fitted (`bandfit`) and a `BandProfile` built. Marks are lengths in % of L0.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from taut.calibration.bandfit import MAX_ELONGATION, BandFit, fit_band
from taut.calibration.errors import (
    BadSetupError,
    CalibrationError,
    LengthOutsideMarksError,
    MovingReadingError,
    NoPlateauError,
    NotIncreasingError,
)
from taut.calibration.profiles import BandProfile, check_band_name
from taut.calibration.still import StillCriteria, StillReading, first_still_reading
from taut.calibration.relaxation import branch_forces
from taut.calibration.sweep import arrival, hold_level_n, read_sweep
from taut.calibration.wizard import COLLECT, DONE, Prompt, StepWizard

DEFAULT_MARKS_PERCENT = (125.0, 150.0, 200.0, 250.0, 300.0)
HOLD = StillCriteria(window_s=2.0, max_std_n=0.15, max_rel_std=0.02, min_samples=8)
SLACK = StillCriteria(window_s=1.5, max_std_n=0.3, max_rel_std=0.0, min_samples=8)
LENGTH_TOLERANCE = 0.05  # a given length may differ from its mark by 5 % of L0
POOR_FIT = 0.05
SLACK_WARN_N = 2.0


@dataclass(frozen=True, slots=True)
class BandResult:
    """A finished band calibration: the profile to store and what it came from."""

    profile: BandProfile
    fit: BandFit
    loading_e: tuple[float, ...]
    loading_n: tuple[float, ...]  # loading branch at the marks (holds corrected for relaxation)
    unloading_e: tuple[float, ...]
    unloading_n: tuple[float, ...]
    holds_n: tuple[float, ...]  # the holds as measured on the way up
    pauses_n: tuple[float, ...]  # the pauses as measured on the way down
    sweep_peak_n: float
    slack_n: float
    warnings: tuple[str, ...]


def check_marks(marks_percent: Sequence[float]) -> tuple[float, ...]:
    """Marks as given, validated: two or more, increasing, above 100 % and at most 400 % of L0."""
    marks = tuple(float(m) for m in marks_percent)
    if len(marks) < 2:
        raise BadSetupError("give at least two marks (e.g. 125,150,200,250,300 % of L0).", step="setup")
    for m in marks:
        if not (math.isfinite(m) and 100.0 < m <= 100.0 * (1.0 + MAX_ELONGATION)):
            raise LengthOutsideMarksError(
                f"mark {m:g} % of L0 is outside 100…{100 * (1 + MAX_ELONGATION):.0f} %.", step="setup",
                guidance="A mark must stretch the band (over 100 %) and stay within 4× its rest length.")
    if any(b <= a for a, b in zip(marks, marks[1:])):
        raise BadSetupError(f"marks {', '.join(f'{m:g}' for m in marks)} must increase.", step="setup")
    return marks


class BandWizard(StepWizard[BandResult]):
    """State machine of the band flow (see the module docstring and `taut.calibration.wizard`)."""

    def __init__(
        self,
        name: str,
        rest_length_cm: float,
        marks_percent: Sequence[float] = DEFAULT_MARKS_PERCENT,
        *,
        colour: str = "",
        hold: StillCriteria = HOLD,
        max_wait_s: float = 30.0,
        sweep_max_s: float = 120.0,
        created_unix_s: float | None = None,
    ) -> None:
        if not (math.isfinite(rest_length_cm) and 5.0 <= rest_length_cm <= 500.0):
            raise BadSetupError(f"rest length {rest_length_cm} cm must be within 5…500 cm.", step="setup")
        self.marks_percent = check_marks(marks_percent)
        try:
            check_band_name(name)
        except ValueError as exc:
            raise BadSetupError(str(exc) + ".", step="setup") from None
        self.name = name
        self.colour = colour
        self.rest_length_cm = float(rest_length_cm)
        self._hold = hold
        self._max_wait_s = float(max_wait_s)
        self._sweep_max_s = float(sweep_max_s)
        self._created = created_unix_s
        super().__init__(["slack", *(f"mark-{i + 1}" for i in range(len(self.marks_percent))), "sweep"])
        self._slack: StillReading | None = None
        self._lengths_cm: dict[int, float] = {}
        self._holds: dict[int, StillReading] = {}
        self._arrivals: dict[int, float] = {}
        self._pending_length: float | None = None

    # -- what to do now -------------------------------------------------------------------

    def mark_length_cm(self, k: int) -> float:
        return self.rest_length_cm * self.marks_percent[k] / 100.0

    def _label(self, k: int) -> str:
        return f"{self.marks_percent[k]:g} % ({self.mark_length_cm(k):.0f} cm)"

    def _text(self, step: str) -> str:
        if step == "slack":
            if self._phase == COLLECT:
                return "Keep the band slack and still…"
            return (f"Anchor the band, let it hang slack (rest length {self.rest_length_cm:g} cm) "
                    "and keep the sensor still.")
        if step == "sweep":
            lower = ", ".join(self._label(k) for k in reversed(range(len(self.marks_percent) - 1)))
            if self._phase == COLLECT:
                return "Stretching… then release slowly, pausing at each mark, and let the band go slack."
            return (f"Let the band go slack, then stretch slowly in one go to the top mark {self._label(len(self.marks_percent) - 1)}, then "
                    f"release slowly, pausing about 2 s at each mark on the way back ({lower}), "
                    "and let the band go slack.")
        k = int(step.split("-")[1]) - 1
        if self._phase == COLLECT:
            return f"Hold at {self._label(k)}…"
        return f"From slack or a shorter mark, stretch the band to the {self._label(k)} mark and hold it about 3 s."

    def _done_text(self) -> str:
        r = self._result
        assert r is not None
        f1, f2 = r.profile.levels_n
        return (f"Band {self.name!r}: {f1:.1f} N at 100 %, {f2:.1f} N at 200 % elongation; "
                f"fit error {100 * r.fit.fit_error:.1f} %.")

    # -- input ----------------------------------------------------------------------------

    def confirm(self, length_cm: float | None = None) -> Prompt:
        """The user is in position; at a mark, `length_cm` is the length actually held if not the mark.

        Raises LengthOutsideMarksError when that length is not the mark's (the step stays ready).
        """
        self._expect_confirm()
        step = self._steps[self._i]
        if length_cm is not None:
            if not step.startswith("mark-"):
                raise ValueError(f"a length can only be given at a mark step, not at {step!r}")
            k = int(step.split("-")[1]) - 1
            mark = self.mark_length_cm(k)
            if not (math.isfinite(length_cm) and abs(length_cm - mark) <= LENGTH_TOLERANCE * self.rest_length_cm):
                raise LengthOutsideMarksError(
                    f"{length_cm:g} cm is not the {self._label(k)} mark.", step=step,
                    guidance=f"Redo this step holding at {mark:.0f} cm (within ±"
                    f"{LENGTH_TOLERANCE * self.rest_length_cm:.0f} cm).")
        self._pending_length = length_cm
        return self._collect()

    def feed(self, time_s, tension_n) -> Prompt:
        """Samples (s, N); returns the prompt afterwards. Raises a CalibrationError naming the
        step to redo (that step starts again). Samples fed while not collecting are ignored."""
        if not self._take_batch(time_s, tension_n):
            return self.prompt
        step = self._steps[self._i]
        if step == "sweep":
            self._feed_sweep()
        else:
            self._feed_hold(step)
        return self.prompt

    # -- internals ------------------------------------------------------------------------

    def _drop_from(self, i: int) -> None:
        if i == 0:
            self._slack = None
        for k in list(self._holds):
            if k + 1 >= i:  # mark k is step k + 1
                self._holds.pop(k)
                self._lengths_cm.pop(k, None)

    def _feed_hold(self, step: str) -> None:
        t, x = self._buf.arrays()
        criteria = SLACK if step == "slack" else self._hold
        reading = first_still_reading(t, x, criteria, self._new_from)
        if reading is None:
            if self._buf.span_s > self._max_wait_s:
                cls = MovingReadingError if step == "slack" else NoPlateauError
                what = "the reading kept moving" if step == "slack" else "no steady hold"
                self._fail(cls(f"{step}: {what} in {self._max_wait_s:.0f} s.", step=step,
                               guidance="Redo this step and keep still for about 3 s."))
            return
        if step == "slack":
            self._slack = reading
            self._advance()
            return
        k = int(step.split("-")[1]) - 1
        level = reading.mean_n - self._slack_n()
        floor = max(0.5, 5.0 * SLACK.max_std_n)
        if level < floor:
            self._fail(NotIncreasingError(
                f"{step}: the band pulls only {level:.2f} N at {self._label(k)}.", step=step,
                guidance=f"Check the band is anchored and stretched to {self.mark_length_cm(k):.0f} cm, then redo this step."))
        if k > 0:
            prev = self._holds[k - 1].mean_n - self._slack_n()
            if level <= prev * 1.02:
                self._fail(NotIncreasingError(
                    f"{step}: {level:.1f} N at {self._label(k)} is not above the {prev:.1f} N at {self._label(k - 1)}.",
                    step=step, guidance="The band may have slipped at the anchor or you held short of the mark: "
                    "redo this step."))
        # Read the level at a set time after arriving, as the sweep's pauses are read (see `relaxation`).
        arrived_s, arrived_n = arrival(t, x, reading.start_s, rising=True)
        if x[0] - self._slack_n() > 1.03 * level:
            self._fail(NotIncreasingError(
                f"{step}: the band came down to {self._label(k)} from a longer stretch.", step=step,
                guidance="Reach each mark by stretching: let the band go slacker first, then stretch to "
                f"{self.mark_length_cm(k):.0f} cm and redo this step."))
        self._holds[k] = dataclasses.replace(reading, mean_n=hold_level_n(t, x, arrived_s))
        self._arrivals[k] = arrived_n - self._slack_n()
        if self._pending_length is not None:
            self._lengths_cm[k] = self._pending_length
        self._advance()

    def _feed_sweep(self) -> None:
        t, x = self._buf.arrays()
        x0 = x - self._slack_n()
        top = self._holds[len(self.marks_percent) - 1].mean_n - self._slack_n()
        release_n = max(1.0, 0.1 * (self._holds[0].mean_n - self._slack_n()))
        # The sweep starts from slack, rises to near the top, and ends after 0.5 s slack again.
        level = np.nan_to_num(x0, nan=np.inf)
        slack = level <= release_n
        first_slack = int(np.argmax(slack)) if slack.any() else len(level)
        high = np.flatnonzero(level[first_slack:] >= 0.5 * top)
        if len(high):
            rise = first_slack + int(high[0])
            # First sample (new in this batch) ending a run of slack samples 0.5 s long after the rise:
            # checking each one keeps the result independent of how samples were batched.
            last_taut = np.maximum.accumulate(np.where(~slack, np.arange(len(t)), -1))
            run_start = np.minimum(last_taut + 1, len(t) - 1)
            ends = np.arange(max(rise, self._new_from), len(t))
            done = ends[(last_taut[ends] >= rise) & (t[ends] - t[run_start[ends]] >= 0.5)]
            if len(done):
                j = int(done[0]) + 1
                self._finish_sweep(t[first_slack:j], x0[first_slack:j])
                return
        if self._buf.span_s > self._sweep_max_s:
            self._fail(NoPlateauError(
                f"sweep: no full stretch-and-release within {self._sweep_max_s:.0f} s.", step="sweep",
                guidance="Redo it: stretch to the top mark, release with a pause at each mark, let the band go slack."))

    def _finish_sweep(self, t: np.ndarray, x0: np.ndarray) -> None:
        n = len(self.marks_percent)
        up_n = [self._holds[k].mean_n - self._slack_n() for k in range(n)]
        labels = [self._label(k) for k in range(n)]
        try:
            sweep = read_sweep(t, x0, mark_labels=labels, loading_n=up_n)
        except CalibrationError as exc:
            self._fail(exc)
            return
        arrivals = [self._arrivals[k] for k in range(n)]
        branches = branch_forces(up_n, sweep.pauses_n, [*arrivals[:-1], max(arrivals[-1], sweep.peak_n)])
        loading_n, unloading_n = branches.loading_n, branches.unloading_n
        le = [self._elongation(k) for k in range(n)]
        ue = le[:-1]
        try:
            fit = fit_band(le, loading_n, ue, unloading_n)
        except CalibrationError as exc:
            self._fail(exc)
            return
        warnings = []
        slack_n = self._slack_n()
        if abs(slack_n) > SLACK_WARN_N:
            warnings.append(f"the load cell read {slack_n:.1f} N with the band slack (subtracted): "
                            "tare it before the next calibration.")
        if fit.fit_error > POOR_FIT:
            warnings.append(f"the model fits this band poorly ({100 * fit.fit_error:.1f} % RMS): check the "
                            "marks and the anchor, and calibrate again.")
        if fit.max_elongation < 2.0:
            warnings.append(f"the longest mark is {100 * (1 + fit.max_elongation):.0f} % of L0: the level at 200 % "
                            "elongation (300 % of L0) is extrapolated.")
        profile = BandProfile(
            self.name, self.rest_length_cm / 100.0, fit.curve, colour=self.colour,
            created_unix_s=time.time() if self._created is None else self._created,
            fit_error=fit.fit_error, max_elongation=fit.max_elongation)
        self._result = BandResult(profile, fit, tuple(le), tuple(loading_n), tuple(ue), tuple(unloading_n),
                                  tuple(up_n), sweep.pauses_n, sweep.peak_n, slack_n, tuple(warnings))
        self._i = len(self._steps)
        self._phase = DONE

    def _elongation(self, k: int) -> float:
        length = self._lengths_cm.get(k, self.mark_length_cm(k))
        return length / self.rest_length_cm - 1.0

    def _slack_n(self) -> float:
        return 0.0 if self._slack is None else self._slack.mean_n

    def _advance(self) -> None:
        super()._advance()
        self._pending_length = None

