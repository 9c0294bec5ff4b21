"""Find the holds (plateaus) in a recording: spans where tension stays steady for long enough.

Every sample ends a window of `criteria.window_s`; a window is still by the same test the live
wizard uses (`still.is_still`). Samples covered by at least one still window form runs; a run
lasting `min_hold_s` or more, at a level above `min_level_n`, is a plateau. Its level is the mean
of the run with `trim_fraction` cut from each end (a hold settles and the hand starts moving
before the window notices). Running sums make this O(n) on whole recordings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from taut.calibration.still import StillCriteria, StillReading, still_windows, window_stats

# Hand-held holds on a band: a few percent of tremor and sway is still a hold.
HOLD_CRITERIA = StillCriteria(window_s=1.0, max_std_n=0.15, max_rel_std=0.02, min_samples=8)


@dataclass(frozen=True, slots=True)
class PlateauOptions:
    """What counts as a hold: steadiness, minimum duration, minimum level, edge trimming."""

    criteria: StillCriteria = HOLD_CRITERIA
    min_hold_s: float = 2.0
    min_level_n: float = 1.0
    trim_fraction: float = 0.15


def find_plateaus(time_s: np.ndarray, tension_n: np.ndarray, options: PlateauOptions = PlateauOptions()) -> list[StillReading]:
    """Every hold in the recording, in time order (see the module docstring for the rule).

    Raises ValueError when the arrays differ in length or the times do not increase.
    """
    t = np.asarray(time_s, dtype=float)
    x = np.asarray(tension_n, dtype=float)
    if t.shape != x.shape or t.ndim != 1:
        raise ValueError("time_s and tension_n must be 1-D arrays of the same length")
    if len(t) < 2:
        return []
    if not (np.diff(t) > 0).all():
        raise ValueError("time_s must be strictly increasing")
    starts, ok = still_windows(t, x, options.criteria)
    # Mark every sample covered by a still window (difference array over [start, end]).
    cover = np.zeros(len(t) + 1, dtype=np.int64)
    idx = np.flatnonzero(ok)
    np.add.at(cover, starts[idx], 1)
    np.add.at(cover, idx + 1, -1)
    covered = np.cumsum(cover[:-1]) > 0
    plateaus: list[StillReading] = []
    edges = np.flatnonzero(np.diff(np.concatenate(([0], covered.astype(np.int8), [0]))))
    for a, b in zip(edges[::2], edges[1::2]):  # run is samples a .. b-1
        if t[b - 1] - t[a] < options.min_hold_s:
            continue
        cut = int((b - a) * options.trim_fraction)
        ta, xa = t[a + cut : b - cut], x[a + cut : b - cut]
        mean, std, slope = window_stats(ta, xa)
        if mean < options.min_level_n:
            continue
        plateaus.append(StillReading(float(t[a]), float(t[b - 1]), mean, std, slope, int(b - a)))
    return plateaus
