"""A band calibration session: held stretches at marked lengths, then one slow full stretch.

The band is anchored and pulled in a straight line (the "row" geometry with the anchor level, so
hand travel = extra band length), starting just taut at its rest length L0. Marks are elongations:
0.25 is 125 % of L0. The plateaus are labelled "plateau" in the recording; the slow stretch is a
rep with truth. The band's exact curves are `plan.sets[0].band.force_n(e, loading)`.
"""

from __future__ import annotations

from taut.sim.band import Band
from taut.sim.plan import RepPlan, SessionPlan, SetPlan, SetupAction
from taut.sim.sensor import SensorModel

STRETCH_EXERCISE = "row"  # anchored, straight, level: extension = hand travel


def band_stretch_plan(
    band: Band,
    *,
    rest_length_m: float = 1.0,
    marks: tuple[float, ...] = (0.25, 0.5, 1.0, 1.5),
    hold_s: float = 3.0,
    move_s: float = 1.5,
    return_between: bool = False,
    full_stretch: float = 1.5,
    full_stretch_s: float = 4.0,
    sensor: SensorModel | None = None,
    seed: int = 0,
) -> SessionPlan:
    """The guided band calibration as a plan (marks in increasing order unless return_between)."""
    if not marks:
        raise ValueError("need at least one mark")
    if any(m <= 0 for m in marks) or full_stretch <= 0:
        raise ValueError("marks and full_stretch are elongations > 0 (0.25 = 125 % of L0)")
    if not return_between and list(marks) != sorted(marks):
        raise ValueError("marks must increase when the band is not released between them")
    if hold_s <= 0 or move_s <= 0 or full_stretch_s <= 0:
        raise ValueError("durations must be > 0")
    holds = tuple(
        SetupAction("hold", m * rest_length_m, move_s, move_s if return_between else 0.0, hold_s) for m in marks
    )
    rep = RepPlan(full_stretch * rest_length_m, full_stretch_s, 1.0, full_stretch_s, 0.0)
    sp = SetPlan(
        exercise=STRETCH_EXERCISE, band=band, rest_length_m=rest_length_m, start_elongation=0.0, reps=(rep,),
        setup=holds, grab_s=1.5, settle_s=2.0, end_settle_s=1.0, release_s=1.0, rest_after_s=2.0,
    )
    return SessionPlan((sp,), sensor if sensor is not None else SensorModel(noise_n=0.05), lead_in_s=2.0, seed=seed)
