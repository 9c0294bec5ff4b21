"""Live counting: setup tugs that a later full rep unmasks are withdrawn (RepCancelled with rep_index)."""

import pytest

from taut.signal import RepCancelled, RepCompleted, RepDetector, SetEnded

import humansynth as hs
import tautsynth


def _live_count(events):
    """What a live counter shows after each event: completed reps minus withdrawn ones, per set."""
    shown: dict[tuple[int, int], bool] = {}
    history = []
    for e in events:
        if isinstance(e, RepCompleted):
            shown[(e.set_index, e.rep.index)] = True
        elif isinstance(e, RepCancelled) and e.rep_index is not None:
            assert shown.pop((e.set_index, e.rep_index))  # only a rep that was shown is withdrawn
        elif isinstance(e, SetEnded):
            history.append((len(e.rep_set.reps), sum(1 for k in shown if k[0] == e.rep_set.index)))
    return history


@pytest.mark.parametrize("fs_hz", [10.0, 80.0])
def test_setup_tugs_leave_the_live_count_once_a_full_rep_shows_them(fs_hz):
    # two small tugs (quick, no hold), then six full reps; the set's final figures leave the tugs out
    tugs = hs.effort(3.0, 12.0, 0.4, 0.0, 0.4, 20.0) + hs.effort(4.6, 18.0, 0.4, 0.0, 0.4, 20.0)
    reps = [s for i in range(6) for s in hs.effort(6.0 + 4.5 * i, 60.0, 1.0, 1.0, 2.0, 20.0)]
    t, x = hs.render(tugs + reps, 40.0, fs_hz, 0.3, 5, base_n=20.0)
    det = RepDetector()
    events = []
    for i in range(0, len(t), 8):
        events += det.feed(t[i : i + 8], x[i : i + 8])
    events += det.finish()
    [ended] = [e for e in events if isinstance(e, SetEnded)]
    assert len(ended.rep_set.reps) == 6 and ended.rep_set.setup_movements == 2
    withdrawn = [e for e in events if isinstance(e, RepCancelled) and e.rep_index is not None]
    assert sorted(e.rep_index for e in withdrawn) == [0, 1]
    # withdrawn together with the first full rep's RepCompleted, so its 150 ms bound holds too
    first_full = next(e for e in events if isinstance(e, RepCompleted) and e.rep.index == 2)
    assert all(abs(e.time_s - first_full.rep.end_s) <= 0.15 for e in withdrawn)
    assert _live_count(events) == [(6, 6)]


def test_a_set_without_tugs_withdraws_nothing():
    s = tautsynth.make_session(80.0, (5, 3), partial={2: 0.5})
    det = RepDetector()
    events = det.feed(s.time_s, s.tension_n) + det.finish()
    assert not [e for e in events if isinstance(e, RepCancelled) and e.rep_index is not None]
    assert _live_count(events) == [(5, 5), (3, 3)]


@pytest.mark.parametrize("fs_hz", [10.0, 80.0])
def test_a_too_heavy_sets_short_partial_reps_after_long_holds_count_when_they_end(fs_hz):
    # three 60 N reps squeezed 2.5 s, then the band wins: full reps with a short hold and a quick
    # return, two short partial reps (29 N, held 0.6 s) after each, every rep after the set's 2 s
    # pause. Under half the full reps' range and TUT, the partials were taken for load left on the
    # handle until the full reps' median hold fell under 1.5 s (shown 4-20 s late); they keep the
    # set's rhythm (a hand resting on the handle follows the pull), so each counts as it ends
    held, full, partial = (60, 1.0, 2.5, 1.5), (60, 1.0, 0.5, 0.5), (29, 0.9, 0.6, 0.5)
    t0, efforts = 2.0, []
    for peak, rise, hold, fall in [held] * 3 + [full, partial, partial] * 3 + [full]:
        efforts.append(hs.effort(t0, peak, rise, hold, fall))
        t0 += rise + hold + fall + 2.0
    t, x = hs.render([s for e in efforts for s in e], t0 + 12.0, fs_hz, 0.3, 3)
    det = RepDetector()
    events, shown_at = [], {}
    for i in range(len(t)):
        new = det.feed(t[i : i + 1], x[i : i + 1])
        shown_at.update({e.rep.index: t[i] for e in new if isinstance(e, RepCompleted)})
        events += new
    events += det.finish()
    [ended] = [e for e in events if isinstance(e, SetEnded)]
    assert hs.matched(ended.rep_set.reps, hs.truth_of(efforts)) == (0, 0)
    assert [r.partial for r in ended.rep_set.reps] == [False] * 4 + [True, True, False] * 3
    assert _live_count(events) == [(len(efforts), len(efforts))]
    # every rep shown as it ends (within 150 ms of its end, as sampled), none withdrawn
    reps = [e.rep for e in events if isinstance(e, RepCompleted)]
    assert [r.index for r in reps] == list(range(len(efforts)))
    assert all(shown_at[r.index] - r.end_s <= 0.15 for r in reps)
    assert not [e for e in events if isinstance(e, RepCancelled) and e.rep_index is not None]
