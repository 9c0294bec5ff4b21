"""The commands' side of coaching: the calibrated bands to name in band advice, summaries recomputed."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def band_rank(db, exercise: str | None):  # noqa: ANN001, ANN201 - a path or None; a Rank or None
    """A ranking of the calibrated bands and stacks of two for the coach's band advice, or None
    (no bands, no exercise, or the log unreadable: advice then names no band)."""
    if exercise is None:
        return None
    from taut.calibration import BandStoreError, by_level, stacks
    from taut.calibration.advice import ranker
    from taut.calibration.band_store import load_bands
    from taut.store import LogError

    try:
        profiles = by_level(load_bands(db).values())
    except (LogError, BandStoreError, OSError) as exc:
        log.info("no band advice: %s", exc)
        return None
    return ranker(list(profiles) + stacks(profiles, 2), exercise)


def resummarize(old_sets, new_sets, exercise: str | None, rank):  # noqa: ANN001, ANN201
    """New sets with the coach's summary recomputed, by the targets the old set of the same index was
    judged by (or the exercise's, when the session names a known exercise)."""
    from taut.coach import logged_summary, targets_for, with_summary
    from taut.exercises import UnknownExerciseError

    old = {s.index: logged_summary(s) for s in old_sets}
    out = []
    for s in new_sets:
        prev = old.get(s.index)
        targets = prev.targets() if prev is not None else None
        if targets is None and exercise is not None:
            try:
                targets = targets_for(exercise)
            except UnknownExerciseError:
                targets = None
        out.append(with_summary(s, targets, rank=rank) if targets is not None and s.reps else s)
    return out
