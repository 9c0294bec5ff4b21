"""Close a set: reference range, range fractions, partial flags, pauses and the tempo summary.

The reference range is the median range of the set's reps (hand travel with a calibrated band,
tension excursion P - B otherwise); a rep below PARTIAL_FRACTION of it is partial.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from taut.records import Rep, RepSet
from taut.signal.filters import median_of
from taut.signal.levels import PARTIAL_FRACTION
from taut.signal.measure import RepShape
from taut.signal.tempo import tempo_summary

SETUP_BIG_FRACTION = 0.5  # reps of at least this fraction of the set's largest are its full reps...
SETUP_FIRST_FULL_FRACTION = 0.7  # ...and the first rep of at least this fraction of their median ends the setup
SETUP_LIKE_FRACTION = 0.6  # a leading movement with this fraction of the reps' TUT and hold is an effort...
SETUP_MIN_HOLD_S = 0.5  # ...and a hold of at least this (fast reps without a hold look just like tugs)...
REST_LOAD_MIN_HOLD_S = 1.5  # in a set whose reps hold this long (median)...
REST_LOAD_RANGE_FRACTION = 0.5  # ...a movement under this fraction of their range...
REST_LOAD_TUT_FRACTION = 0.45  # ...lasting less than this fraction of their TUT is load left in the rest
REST_LOAD_OFF_BEAT_FRACTION = 0.7  # (under this fraction when it is a plateau, its rise and fall shorter than its hold,...
REST_LOAD_BEAT_TOLERANCE = 0.15  # ...off the pulls' steady beat: further than this fraction of their period from a whole number)
REST_LOAD_PAUSE_FRACTION = 0.4  # ...unless it keeps the set's rhythm: it starts this fraction of the full reps' pause after the last movement...
REST_LOAD_RAMP_FRACTION = 0.25  # ...and rises and falls in this fraction of their time at least (a twitch is quicker)
SETUP_HOLD_EXCESS = 2.0  # ...unless held longer than this many times their hold...
SETUP_HOLD_SLACK_S = 0.3  # ...plus this (a held stretch where the reps have no hold)
SETUP_EFFORT_RANGE_FRACTION = 0.3  # a leading movement this large (of the reps' median range)...
SETUP_EFFORT_FRACTION = 0.5  # ...with this fraction of their TUT and hold...
SETUP_EFFORT_MIN_HOLD_S = 1.0  # ...and held this long is an effort too (holds vary 1-3 s in a set)...
SETUP_RAMP_FRACTION = 0.5  # ...if its rise and fall take this fraction of the reps' (a re-grip is a quick step)
SETUP_ABOVE_FRACTION = 0.15  # ...and it rises above the reps' bottom by this fraction of their excursion
PARTIAL_NOISE_K = 3.0  # without calibration, a partial also falls short by this many noise sigmas

TravelFn = Callable[[np.ndarray], np.ndarray]


def rep_range(shape: RepShape, travel_cm: TravelFn | None) -> tuple[float, float | None]:
    """(range used for partial detection, range_cm or None) of one measured rep."""
    if travel_cm is None:
        return shape.peak_n - shape.bottom_n, None
    split = getattr(travel_cm, "range_cm", None)
    if split is not None:  # bottom on the unloading branch, peak on the loading one (hysteresis)
        range_cm = float(split(shape.bottom_n, shape.peak_n))
    else:
        cm = np.asarray(travel_cm(np.array([shape.bottom_n, shape.peak_n], dtype=float)), dtype=float)
        range_cm = float(cm[1] - cm[0])
    return range_cm, range_cm


def judged_ranges(
    shapes: Sequence[RepShape], ranges: Sequence[float], ranges_cm: Sequence[float | None]
) -> tuple[list[float], list[float | None], str]:
    """(ranges to judge partials by, range_cm per rep, unit) for a set's reps.

    Hand travel when every rep has a finite one; when the calibration cannot place some rep
    (travel NaN: beyond the curve), the whole set is judged by tension excursion instead (a
    median over a mix of units, or over NaN, would flag nothing), and those reps get range_cm None.
    """
    if not ranges_cm or ranges_cm[0] is None:
        return list(ranges), list(ranges_cm), "N"
    finite = [c is not None and np.isfinite(c) for c in ranges_cm]
    if all(finite):
        return list(ranges), list(ranges_cm), "cm"
    excursions = [s.peak_n - s.bottom_n for s in shapes]
    return excursions, [c if ok else None for c, ok in zip(ranges_cm, finite)], "N"


def _reference_range(ranges: Sequence[float]) -> float:
    """Median range, ignoring reps whose calibrated range is undefined (NaN: beyond the curve)."""
    r = np.asarray(ranges, dtype=float)
    r = r[np.isfinite(r)]
    return median_of(r) if len(r) else float("nan")


def build_rep(
    index: int, shape: RepShape, range_value: float, range_cm: float | None, reference: float,
    pause_s: float | None = None,
) -> Rep:
    """A `Rep` record from a measured shape and the reference range it is judged against."""
    fraction = range_value / reference if reference > 0 else 1.0
    partial = fraction < PARTIAL_FRACTION
    if range_cm is None and reference - range_value < PARTIAL_NOISE_K * shape.noise_n:
        partial = False  # a tension shortfall that noise alone could make (small reps, noisy cell)
    return Rep(
        index=index,
        start_s=shape.start_s,
        top_start_s=shape.top_start_s,
        top_end_s=shape.top_end_s,
        end_s=shape.end_s,
        bottom_n=shape.bottom_n,
        peak_n=shape.peak_n,
        mean_n=shape.mean_n,
        impulse_ns=shape.impulse_ns,
        range_fraction=fraction,
        partial=bool(partial),
        pause_s=pause_s,
        range_cm=range_cm,
    )


def leading_setup_count(ranges: Sequence[float], shapes: Sequence[RepShape] | None = None) -> int:
    """How many of a set's first movements are setup (tugs), not reps.

    By size: before the first rep of at least 0.7 of the full reps' median range, movements
    smaller than a partial rep of the rest (PARTIAL_FRACTION of its median) are candidates.
    By shape and context (with `shapes`): setup ends at the first candidate shaped like the set's
    reps (`like_the_reps`: as long, held as long; or `effort_in_small`), its rise and fall taking at
    least SETUP_RAMP_FRACTION of their time, its peak SETUP_ABOVE_FRACTION of their excursion above
    the bottom they start from; that one and all after it are efforts (a warm-up, a rising load, a
    lighter first intensity), whatever their size. A set never starts with a partial rep (only its
    effort-shaped leading movements can be smaller than its reps).
    """
    r = np.asarray(ranges, dtype=float)
    if len(r) < 2:
        return 0
    big = r[r >= SETUP_BIG_FRACTION * r.max()]  # the full reps (a spike-inflated one cannot set the bar alone)
    first_big = int(np.argmax(r >= SETUP_FIRST_FULL_FRACTION * median_of(big)))
    if first_big == 0:
        return 0
    reference = median_of(r[first_big:])
    small = r[:first_big] < PARTIAL_FRACTION * reference
    count = first_big if small.all() else int(np.argmin(small))
    if shapes is None or count == 0:
        return count
    full = shapes[first_big:]
    hold_ref = median_of(np.array([s.top_end_s - s.top_start_s for s in full]))
    tut_ref = median_of(np.array([s.end_s - s.start_s for s in full]))
    ramps_ref = median_of(np.array([_ramps_s(s) for s in full]))
    # tension the reps start from, and their excursion: a movement that only reaches that level is
    # the band taken up to its pre-tension, whatever its shape
    bottom_n = median_of(np.array([s.bottom_n for s in full]))
    excursion_n = median_of(np.array([s.peak_n - s.bottom_n for s in full]))
    for j in range(count):
        shape = shapes[j]
        if (
            (like_the_reps(shape, hold_ref, tut_ref) or effort_in_small(shape, r[j] / reference, hold_ref, tut_ref))
            and _ramps_s(shape) >= SETUP_RAMP_FRACTION * ramps_ref
            and shape.peak_n - bottom_n >= SETUP_ABOVE_FRACTION * excursion_n
        ):
            return j
    return count


def _ramps_s(shape: RepShape) -> float:
    """Time a movement spends rising and falling (its TUT less its hold)."""
    return (shape.end_s - shape.start_s) - (shape.top_end_s - shape.top_start_s)


def like_the_reps(shape: RepShape, hold_ref_s: float, tut_ref_s: float) -> bool:
    """Shaped like a set's reps (median hold and TUT given): as long, held as long and for at least
    SETUP_MIN_HOLD_S, not held where they are not. A setup tug is short and has no hold; a
    warm-up effort is a rep in small. (Reps without a hold look like tugs: there, size decides.)"""
    hold = shape.top_end_s - shape.top_start_s
    tut = shape.end_s - shape.start_s
    return (
        tut >= SETUP_LIKE_FRACTION * tut_ref_s
        and hold >= max(SETUP_LIKE_FRACTION * hold_ref_s, SETUP_MIN_HOLD_S)
        and hold <= SETUP_HOLD_EXCESS * hold_ref_s + SETUP_HOLD_SLACK_S
    )


def effort_in_small(shape: RepShape, range_fraction: float, hold_ref_s: float, tut_ref_s: float) -> bool:
    """A smaller effort of the set's kind (a 30 % squeeze before the 60 % and 100 % ones): at least
    SETUP_EFFORT_RANGE_FRACTION of the reps' range, held SETUP_EFFORT_MIN_HOLD_S and half as long as
    they hold, and lasting half as long. A tug has no hold; a re-grip is smaller."""
    hold = shape.top_end_s - shape.top_start_s
    return (
        range_fraction >= SETUP_EFFORT_RANGE_FRACTION
        and shape.end_s - shape.start_s >= SETUP_EFFORT_FRACTION * tut_ref_s
        and hold >= max(SETUP_EFFORT_FRACTION * hold_ref_s, SETUP_EFFORT_MIN_HOLD_S)
        and hold <= SETUP_HOLD_EXCESS * hold_ref_s + SETUP_HOLD_SLACK_S
    )


def counted_movements(ranges: Sequence[float], shapes: Sequence[RepShape]) -> list[bool]:
    """Which of a set's movements are reps: not its leading setup tugs (`leading_setup_count`) and
    not `rest_loads`."""
    skip = leading_setup_count(ranges, shapes)
    rest = rest_loads(ranges[skip:], shapes[skip:])
    return [False] * skip + [not r for r in rest]


def rest_loads(ranges: Sequence[float], shapes: Sequence[RepShape]) -> list[bool]:
    """Movements that are load left on the handle during a rest, not partial reps.

    Only in a set whose full reps (at least SETUP_BIG_FRACTION of the largest) are held long, for
    REST_LOAD_MIN_HOLD_S and more (repeaters, isometric pulls): there, a movement under
    REST_LOAD_RANGE_FRACTION of their median range lasting less than REST_LOAD_TUT_FRACTION of their
    TUT is a hand resting on the handle in the off time; so is one under REST_LOAD_OFF_BEAT_FRACTION,
    not itself a full rep, shaped as a plateau (its rise and fall shorter than its hold) and starting
    off the beat the full reps keep (a partial pull takes a beat of its own, whole periods after the
    last full pull, or ramps up and down like a rep when a too-heavy load changes the set's pace).
    A partial pull of such a set lasts as long as its other pulls (the protocol's on time) and stays
    a rep; a hold, which fades with fatigue, is no measure of either. Neither is a movement that
    keeps the set's rhythm (`keeps_rhythm`): a hand rests on the handle as the pull ends, a rep comes
    after a pause of its own (a too-heavy set's short partial reps, counted when they end).
    """
    r = np.asarray(ranges, dtype=float)
    out = [False] * len(r)
    if len(r) < 3:
        return out
    full = np.flatnonzero(r >= SETUP_BIG_FRACTION * r.max())
    hold_ref = median_of(np.array([shapes[j].top_end_s - shapes[j].top_start_s for j in full]))
    if hold_ref < REST_LOAD_MIN_HOLD_S:
        return out
    reference = median_of(r[full])
    tut_ref = median_of(np.array([shapes[j].end_s - shapes[j].start_s for j in full]))
    starts = np.array([shapes[j].start_s for j in full])
    period_s = _steady_period_s(starts)
    pause_s = _full_pause_s(shapes, full)
    ramps_ref = median_of(np.array([_ramps_s(shapes[j]) for j in full]))
    for j in range(len(r)):
        tut = shapes[j].end_s - shapes[j].start_s
        bar = REST_LOAD_RANGE_FRACTION
        before = starts[full < j]
        plateau = _ramps_s(shapes[j]) < shapes[j].top_end_s - shapes[j].top_start_s
        if period_s > 0 and len(before) and plateau and r[j] < SETUP_BIG_FRACTION * r.max():
            beats = (shapes[j].start_s - before[-1]) / period_s
            if abs(beats - round(beats)) > REST_LOAD_BEAT_TOLERANCE:
                bar = REST_LOAD_OFF_BEAT_FRACTION  # a plateau with no beat of its own: it sits in an off time
        small = r[j] < bar * reference and tut < REST_LOAD_TUT_FRACTION * tut_ref
        out[j] = bool(small and not keeps_rhythm(shapes, j, pause_s, ramps_ref))
    return out


def _full_pause_s(shapes: Sequence[RepShape], full: np.ndarray) -> float:
    """The set's pause: median time from a full rep's end to the start of the next movement when that
    is a full rep too (a pause with a rest load or a partial in it is no measure), or NaN without one."""
    pauses = [shapes[b].start_s - shapes[a].end_s for a, b in zip(full[:-1], full[1:]) if b == a + 1]
    return median_of(np.array(pauses)) if pauses else float("nan")


def keeps_rhythm(shapes: Sequence[RepShape], j: int, pause_s: float, ramps_ref_s: float) -> bool:
    """Movement j is a rep of its own: it starts at least REST_LOAD_PAUSE_FRACTION of the set's pause
    after the movement before it ended, and rises and falls like a rep (at least
    REST_LOAD_RAMP_FRACTION of the full reps' ramps). Load left on the handle follows the pull it
    rests from (the human-like suite's within 0.06-0.25 of the pause; a too-heavy set's partial reps
    come after 0.51-0.82 of it, their ramps 0.46-0.58 of the full reps'); a twitch is quicker (0.07-0.11)."""
    shape = shapes[j]
    return (
        j > 0 and pause_s > 0
        and shape.start_s - shapes[j - 1].end_s >= REST_LOAD_PAUSE_FRACTION * pause_s
        and _ramps_s(shape) >= REST_LOAD_RAMP_FRACTION * ramps_ref_s
    )


def _steady_period_s(starts: np.ndarray) -> float:
    """The start-to-start period of a steady rhythm (each one within REST_LOAD_BEAT_TOLERANCE of the
    median once a missed beat is allowed for), or 0 when the starts keep none."""
    if len(starts) < 3:
        return 0.0
    gaps = np.diff(starts)
    period_s = median_of(gaps)
    if not period_s > 0:
        return 0.0
    beats = gaps / period_s
    steady = bool((np.abs(beats - np.round(beats)) <= REST_LOAD_BEAT_TOLERANCE).all() and (np.round(beats) >= 1).all())
    return period_s if steady else 0.0


def close_set(
    index: int,
    shapes: Sequence[RepShape],
    ranges: Sequence[float],
    ranges_cm: Sequence[float | None],
    exercise: str | None = None,
) -> RepSet:
    """The final `RepSet` for measured reps (at least one), with pauses and a tempo summary.

    Leading setup movements (`leading_setup_count`) and load held during rests (`rest_loads`)
    are left out.
    """
    ranges, ranges_cm, unit = judged_ranges(shapes, ranges, ranges_cm)
    skip = leading_setup_count(ranges, shapes)
    counted = counted_movements(ranges, shapes)
    rest = sum(1 for j, c in enumerate(counted) if not c and j >= skip)
    shapes = [s for s, c in zip(shapes, counted) if c]
    ranges = [r for r, c in zip(ranges, counted) if c]
    ranges_cm = [r for r, c in zip(ranges_cm, counted) if c]
    reference = _reference_range(ranges)
    pauses = [b.start_s - a.end_s for a, b in zip(shapes[:-1], shapes[1:])] + [None]
    reps = [
        build_rep(i, s, r, c, reference, p) for i, (s, r, c, p) in enumerate(zip(shapes, ranges, ranges_cm, pauses))
    ]
    summary = tempo_summary(reps, np.asarray(ranges, dtype=float))
    return RepSet(
        index=index, reps=tuple(reps), exercise=exercise, tempo=summary.tempo, tut_cv=summary.tut_cv,
        peak_cv=summary.peak_cv, range_cv=summary.range_cv, setup_movements=skip, rest_loads=rest,
        reference_range=reference, range_unit=unit,
        # reps with a crossing inside lost samples: counted, timings interpolated across the gap
        gap_reps=tuple(i for i, s in enumerate(shapes) if s.gap_s > 0),
    )  # fmt: skip
