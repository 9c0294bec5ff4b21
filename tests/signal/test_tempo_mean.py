"""`mean_tempo`: the mean phases a live set's summary shows, next to `tempo_summary`'s medians."""

from __future__ import annotations

import pytest

from taut.records import Rep
from taut.signal.tempo import mean_tempo, tempo_summary


def _rep(i: int, start_s: float, concentric_s: float, hold_s: float, eccentric_s: float, pause_s: float | None) -> Rep:
    top = start_s + concentric_s
    return Rep(index=i, start_s=start_s, top_start_s=top, top_end_s=top + hold_s, end_s=top + hold_s + eccentric_s,
               bottom_n=5.0, peak_n=40.0, mean_n=25.0, impulse_ns=60.0, range_fraction=1.0, partial=False,
               pause_s=pause_s)


def test_mean_tempo_is_the_mean_of_each_phase():
    reps = [_rep(0, 0.0, 1.0, 0.5, 2.0, 1.0), _rep(1, 5.0, 2.0, 0.5, 2.0, 3.0), _rep(2, 11.0, 6.0, 2.0, 5.0, None)]
    t = mean_tempo(reps)
    assert (t.concentric_s, t.hold_s, t.eccentric_s, t.pause_s) == pytest.approx((3.0, 1.0, 3.0, 2.0))
    # a slow last rep moves the mean, not the median: the two are different summaries
    assert tempo_summary(reps, [1.0, 1.0, 1.0]).tempo.concentric_s == pytest.approx(2.0)


def test_mean_tempo_of_no_reps_is_zero():
    t = mean_tempo([])
    assert (t.eccentric_s, t.pause_s, t.concentric_s, t.hold_s) == (0.0, 0.0, 0.0, 0.0)
