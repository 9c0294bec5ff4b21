"""The live detector's TopReached: once per rep, at the top, the same for any chunking; off by default."""

from __future__ import annotations

import numpy as np

from taut.signal import RepCompleted, RepDetector, TopReached
from taut.sim.habits import habit_suite


def _events(rec, chunk: int, **kw) -> list:
    det = RepDetector(rec.plan.sets[0].exercise, **kw)
    out = []
    for i in range(0, len(rec.time_s), chunk):
        out += det.feed(rec.time_s[i:i + chunk], rec.tension_n[i:i + chunk])
    return out + det.finish()


def test_top_reached_comes_at_the_top_of_each_rep_whatever_the_chunking():
    lat = []
    for rec, _ in habit_suite(4, seed=3, habits=("good", "rush")):
        whole = _events(rec, len(rec.time_s), top_events=True)
        assert _events(rec, 1, top_events=True) == whole
        assert _events(rec, 7, top_events=True) == whole
        tops = [e for e in whole if isinstance(e, TopReached)]
        reps = [e.rep for e in whole if isinstance(e, RepCompleted)]
        assert len(tops) >= len(reps) > 5
        for r in reps[1:]:  # the session's first rep has no excursion to expect: a rough guess
            [top] = [e for e in tops if abs(e.start_s - r.start_s) < 0.5 and e.rep_index == r.index]
            assert r.start_s < top.time_s < r.end_s and top.time_s >= top.top_start_s
            lat.append(top.time_s - r.top_start_s)
            assert abs(top.concentric_s - r.concentric_s) < 0.35
    lat = np.array(lat)
    assert np.mean(np.abs(lat) <= 0.150) >= 0.85 and abs(np.median(lat)) < 0.08


def test_no_top_events_unless_asked_and_the_others_unchanged_by_them():
    for rec, _ in habit_suite(2, seed=4, habits=("too-heavy", "partials")):
        plain = _events(rec, 1)
        assert plain and not [e for e in plain if isinstance(e, TopReached)]
        assert [e for e in _events(rec, 1, top_events=True) if not isinstance(e, TopReached)] == plain
