"""Typed failures of a calibration: one root, one class per thing the user redoes.

Every error names the wizard step it belongs to (`step`) and says what to do (`guidance`), so a
front end can show one line and offer to redo exactly that step. Nothing is saved when one is
raised: results are only written by an explicit commit after the whole flow succeeded.
"""

from __future__ import annotations


class CalibrationError(ValueError):
    """Any calibration failure; `step` is the wizard step to redo (None: the whole setup)."""

    def __init__(self, message: str, *, step: str | None = None, guidance: str = "") -> None:
        text = message if not guidance else f"{message} {guidance}"
        super().__init__(text)
        self.step = step
        self.guidance = guidance


class BadSetupError(CalibrationError):
    """Inputs that make no calibration possible: a mass <= 0, a mark below the rest length, ..."""


class MovingReadingError(CalibrationError):
    """No still reading within the time allowed (a swinging mass, a hand that kept moving)."""


class NoPlateauError(CalibrationError):
    """A hold that should have shown a steady force did not (or too few holds were found)."""


class NotIncreasingError(CalibrationError):
    """Force did not grow with load or length (slipped anchor, wrong mark, mass not hanging)."""


class LengthOutsideMarksError(CalibrationError):
    """A length given for a hold is not one of the marks (or outside what the model covers)."""


class FitError(CalibrationError):
    """The points cannot be fitted (too few, degenerate, or no valid model through them)."""


class CommitError(CalibrationError):
    """Writing the result (device, log, band shelf) failed; what was written has been undone."""
