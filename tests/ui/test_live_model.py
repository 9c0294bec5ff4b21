"""The display-independent live model: ring buffer, window, counters, units, status."""

from __future__ import annotations

import numpy as np
import pytest

from taut.records import RepSet
from taut.signal.events import RepCancelled, RepCompleted, RepStarted, SetEnded
from taut.sources import Connected, DeviceStatus, Gap, Reconnecting
from taut.ui.live_model import LiveModel, SampleRing
from taut.ui.units import NEWTONS_PER_LBF, STANDARD_GRAVITY_M_S2, next_unit, per_newton


def test_ring_keeps_the_newest_samples_in_order_across_wraps():
    ring = SampleRing(100)
    rng = np.random.default_rng(1)
    t_all = np.arange(1000) / 80.0
    x_all = rng.normal(size=1000)
    i = 0
    while i < 1000:  # uneven batch sizes, including ones bigger than the ring
        n = int(rng.integers(1, 150))
        ring.push(t_all[i : i + n], x_all[i : i + n])
        i += n
    t, x = ring.since(-np.inf)
    assert len(ring) == 100
    np.testing.assert_array_equal(t, t_all[-100:])
    np.testing.assert_array_equal(x, x_all[-100:])
    t, _ = ring.since(t_all[-10])
    np.testing.assert_array_equal(t, t_all[-10:])


def test_frame_holds_only_the_last_window(known_set):
    m = LiveModel(window_s=10.0)
    m.push(known_set.time_s, known_set.tension_n)
    f = m.frame()
    assert f.now_s == known_set.time_s[-1]
    assert f.time_s[0] >= f.now_s - 10.0
    assert f.time_s[0] - (f.now_s - 10.0) < 1 / 80 + 1e-9
    np.testing.assert_array_equal(f.tension, known_set.tension_n[-len(f.tension) :])


def test_counters_follow_the_current_set(known_set):
    m = LiveModel()
    m.push(known_set.time_s, known_set.tension_n)
    reps = known_set.reps
    m.apply_event(RepStarted(reps[0].start_s, 0))
    assert m.frame().rep_in_progress_s == reps[0].start_s
    for r in reps:
        m.apply_event(RepCompleted(r, 0))
    c = m.counters()
    assert c.reps == 4 and c.partials == 1
    assert c.set_tut_s == pytest.approx(sum(r.tut_s for r in reps))
    last = reps[-1]
    assert (c.last_concentric_s, c.last_hold_s, c.last_eccentric_s) == pytest.approx(
        (last.concentric_s, last.hold_s, last.eccentric_s)
    )
    assert c.last_range_pct == pytest.approx(100 * last.range_fraction)
    assert c.tempo_text == f"{last.concentric_s:.1f}/{last.hold_s:.1f}/{last.eccentric_s:.1f}"
    # A new set resets the counters; a cancelled start clears the in-progress shading.
    m.apply_event(RepStarted(100.0, 1))
    assert m.counters().reps == 0 and m.counters().set_index == 1
    m.apply_event(RepCancelled(100.5, 1))
    assert m.frame().rep_in_progress_s is None


def test_set_ended_replaces_provisional_reps(known_set):
    m = LiveModel()
    m.push(known_set.time_s, known_set.tension_n)
    provisional = known_set.reps[0]
    m.apply_event(RepCompleted(provisional, 0))
    from dataclasses import replace

    final = tuple(replace(r, range_fraction=0.5, partial=True) for r in known_set.reps[:2])
    m.apply_event(SetEnded(RepSet(0, final)))
    f = m.frame()
    assert [mk.rep for mk in f.reps] == list(final)
    assert f.counters.partials == 2
    assert not f.status.set_active
    assert len(f.phases) == 6 and {p[2] for p in f.phases} == {"concentric", "hold", "eccentric"}


def test_units_convert_and_cycle():
    assert per_newton("kg") == pytest.approx(1 / STANDARD_GRAVITY_M_S2)
    assert per_newton("lb") == pytest.approx(1 / NEWTONS_PER_LBF)
    assert [next_unit(u) for u in ("N", "kg", "lb")] == ["kg", "lb", "N"]
    with pytest.raises(ValueError, match="unknown unit"):
        per_newton("stone")
    m = LiveModel(target_zone_n=(98.0665, 196.133))
    m.push(np.array([0.0, 1.0]), np.array([9.80665, 98.0665]))
    assert m.cycle_unit() == "kg"
    f = m.frame()
    np.testing.assert_allclose(f.tension, [1.0, 10.0])
    assert f.target_zone == pytest.approx((10.0, 20.0))
    m.cycle_unit()
    np.testing.assert_allclose(m.frame().tension, np.array([9.80665, 98.0665]) / NEWTONS_PER_LBF)


def test_link_events_reach_the_status_line():
    m = LiveModel()
    m.apply_link_event(Connected(0.0, "AA:BB", "Taut", 185))
    m.apply_link_event(DeviceStatus(1.0, 1, 77, 80))
    m.apply_link_event(Gap(2.0, "lost", 1.9, 2.0, 0.1, 1, 5))
    m.apply_link_event(Gap(3.0, "sampling", 2.9, 3.0, 0.05, 0, 2))
    m.apply_link_event(Gap(3.5, "reconnect", 3.0, 3.5, 0.5, None, None))  # rate unknown: nothing counted
    m.apply_link_event(DeviceStatus(3.6, 1, None, 80))  # battery unknown: the last known stays
    m.apply_link_event(Reconnecting(4.0, 1, 0.5))
    st = m.frame().status
    assert (st.link, st.battery_pct, st.lost_samples) == ("reconnecting", 77, 7)
    assert "reconnecting" in st.text and "battery 77%" in st.text and "lost 7" in st.text


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        LiveModel(target_zone_n=(50.0, 10.0))
    with pytest.raises(ValueError):
        LiveModel(window_s=0)
    with pytest.raises(TypeError):
        LiveModel().apply_event("not an event")


def test_a_withdrawn_tug_leaves_the_count_but_not_the_rep_in_progress(known_set):
    m = LiveModel()
    m.push(known_set.time_s, known_set.tension_n)
    reps = known_set.reps
    for r in reps[:3]:
        m.apply_event(RepCompleted(r, 0))
    m.apply_event(RepStarted(reps[3].start_s, 0))
    m.apply_event(RepCancelled(reps[3].start_s, 0, rep_index=reps[0].index))
    assert m.counters().reps == 2
    assert [mk.rep.index for mk in m.frame().reps] == [r.index for r in reps[1:3]]
    assert m.frame().rep_in_progress_s == reps[3].start_s
    m.apply_event(RepCompleted(reps[0], 0))  # the verdict may change back
    assert m.counters().reps == 3
