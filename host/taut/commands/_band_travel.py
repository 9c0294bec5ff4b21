"""What `taut analyze --band` and `taut live --band` share: a calibrated band's name -> `travel_cm`."""

from __future__ import annotations

import os
import sys

from taut.commands import CommandError


def band_travel(band: str, exercise: str | None, db: str | os.PathLike[str] | None, rest_length_cm: float | None = None,
                *, required: bool = True):  # noqa: ANN201
    """Tension -> hand travel (cm) for a calibrated band (or NAME+NAME stack) in the exercise's set-up.

    Unreadable bands are a CommandError. A band not calibrated is one too when `required`; else
    (live, where --band also just names the band for the log) a note on stderr and None.
    """
    from taut.calibration import BandStoreError, band_travel_cm
    from taut.store import LogError

    rest_length_m = None if rest_length_cm is None else rest_length_cm / 100.0
    try:
        return band_travel_cm(band, exercise, db=db, rest_length_m=rest_length_m)
    except KeyError as exc:
        message = f"{exc.args[0]}; calibrate it with `taut calibrate band NAME`"
        if required:
            raise CommandError(message) from None
        print(f"note: {message}; no range in cm this time", file=sys.stderr)
        return None
    except (LogError, BandStoreError, ValueError) as exc:
        raise CommandError(str(exc)) from None
