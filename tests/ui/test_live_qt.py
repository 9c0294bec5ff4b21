"""Offscreen render of the live window after a known set: look at the pixels and the counters."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pyqtgraph")
from scipy import ndimage  # noqa: E402

from taut.signal.events import RepCompleted, RepStarted  # noqa: E402
from taut.ui import draw_qt, live_qt, plots_qt  # noqa: E402
from taut.ui.live_model import LiveModel  # noqa: E402
from taut.ui.units import per_newton  # noqa: E402


def _near(img: np.ndarray, xy: tuple[int, int], rgb: tuple[int, int, int], radius: int, tol: int = 40) -> bool:
    x, y = xy
    patch = img[max(0, y - radius) : y + radius + 1, max(0, x - radius) : x + radius + 1].astype(int)
    return bool(np.any(np.all(np.abs(patch - np.array(rgb)) <= tol, axis=-1)))


def _blobs(img: np.ndarray, rgb: tuple[int, int, int], tol: int = 40) -> list[tuple[float, float]]:
    mask = np.all(np.abs(img.astype(int) - np.array(rgb)) <= tol, axis=-1)
    labels, n = ndimage.label(mask)
    return [(c[1], c[0]) for c in ndimage.center_of_mass(mask, labels, range(1, n + 1))]  # (x, y)


@pytest.fixture
def window(known_set):
    model = LiveModel(window_s=30.0)
    model.push(known_set.time_s, known_set.tension_n)
    for rep in known_set.reps:
        model.apply_event(RepStarted(rep.start_s, 0))
        model.apply_event(RepCompleted(rep, 0))
    win = live_qt.make_window(model, width=1000, height=600)
    win.show()
    assert win.refresh()
    yield win
    draw_qt.dispose(win)


def test_trace_is_drawn_where_the_samples_are(window, known_set):
    img = window.grab_rgb()
    now = known_set.time_s[-1]
    hits = 0
    checked = 0
    for t, x in zip(known_set.time_s[::40], known_set.tension_n[::40]):
        if t < now - 30:
            continue
        checked += 1
        hits += _near(img, window.data_to_pixel(t - now, x), draw_qt.TRACE_RGB, radius=2)
    assert checked > 20 and hits == checked
    # Where the trace is not (far above the base between reps) there is no trace colour.
    gap_t = known_set.reps[0].end_s + 0.5  # bottom pause: tension at base
    assert not _near(img, window.data_to_pixel(gap_t - now, 100.0), draw_qt.TRACE_RGB, radius=2)


def test_rep_markers_sit_on_each_rep_top_partials_in_their_own_colour(window, known_set):
    img = window.grab_rgb()
    now = known_set.time_s[-1]
    full = _blobs(img, draw_qt.REP_MARK_RGB)
    partial = _blobs(img, draw_qt.PARTIAL_MARK_RGB)
    want_full = [r for r in known_set.reps if not r.partial]
    want_partial = [r for r in known_set.reps if r.partial]
    full_blobs = [b for b in full if b[1] > 80]  # the counter row above the plot is text, not markers
    partial_blobs = [b for b in partial if b[1] > 80]
    assert len(full_blobs) == len(want_full) and len(partial_blobs) == len(want_partial) == 1
    for reps, blobs, size_px in (
        (want_full, full_blobs, draw_qt.REP_MARK_PX),
        (want_partial, partial_blobs, draw_qt.PARTIAL_MARK_PX),
    ):
        for rep in reps:
            # The tip points at the rep's top (lifted a little); a triangle's centroid is 2/3 up from its tip.
            px, py = window.data_to_pixel(0.5 * (rep.top_start_s + rep.top_end_s) - now, rep.peak_n + window.mark_lift)
            assert min(np.hypot(bx - px, by - (py - 2 * size_px / 3)) for bx, by in blobs) < 3


def test_phases_are_shaded_between_rep_boundaries(window, known_set):
    img = window.grab_rgb()
    now = known_set.time_s[-1]
    rep = known_set.reps[0]
    y = 0.5 * (rep.bottom_n + 5)  # below the trace, inside the plot
    hold_px = img[window.data_to_pixel(0.5 * (rep.top_start_s + rep.top_end_s) - now, y)[::-1]].astype(int)
    ecc_px = img[window.data_to_pixel(0.5 * (rep.top_end_s + rep.end_s) - now, y)[::-1]].astype(int)
    outside_px = img[window.data_to_pixel(rep.end_s + 0.5 - now, y)[::-1]].astype(int)
    assert hold_px[0] > outside_px[0] + 15 and hold_px[1] > outside_px[1] + 15  # yellowish
    assert ecc_px[2] > outside_px[2] + 15  # bluish


def test_counters_read_the_known_values(window, known_set):
    reps = known_set.reps
    labels = {k: v.text() for k, v in window.counter_labels.items()}
    last = reps[-1]
    assert labels["reps"] == "4 (1 partial)"
    assert labels["tut"] == f"{sum(r.tut_s for r in reps):.1f} s"
    assert labels["tempo"] == f"{last.concentric_s:.1f}/{last.hold_s:.1f}/{last.eccentric_s:.1f}"
    assert labels["range"] == f"{100 * last.range_fraction:.0f} %"
    assert "lost 0" in window.status_label.text()


def test_status_line_shows_the_log_warning(window):
    window.model.set_status(log_note="disk full: 2 reps, 800 samples waiting")
    assert window.refresh()
    assert window.status_label.text().endswith("disk full: 2 reps, 800 samples waiting")


def test_unit_switch_redraws_in_kg(window, known_set):
    window.model.cycle_unit()
    assert window.refresh()
    img = window.grab_rgb()
    now = known_set.time_s[-1]
    k = per_newton("kg")
    rep = known_set.reps[1]
    px = window.data_to_pixel(0.5 * (rep.top_start_s + rep.top_end_s) - now, rep.peak_n * k + window.mark_lift)
    assert _near(img, px, draw_qt.REP_MARK_RGB, radius=10)
    assert window.last_frame.unit == "kg"
    assert not window.refresh()  # nothing changed: no redraw


def test_target_zone_is_drawn():
    model = LiveModel(target_zone_n=(50.0, 80.0))
    model.push(np.linspace(0, 10, 801), np.full(801, 20.0))
    win = live_qt.make_window(model)
    win.show()
    win.refresh()
    img = win.grab_rgb().astype(int)
    inside = img[win.data_to_pixel(-5.0, 65.0)[::-1]]
    outside = img[win.data_to_pixel(-5.0, 35.0)[::-1]]
    assert inside.sum() > outside.sum() + 30
    draw_qt.dispose(win)


def test_set_png_is_written(tmp_path, known_set):
    out = tmp_path / "set.png"
    plots_qt.render_set_png(out, known_set.time_s, known_set.tension_n, known_set.rep_set, title="set 1")
    from pyqtgraph.Qt import QtGui

    img = QtGui.QImage(str(out))
    assert (img.width(), img.height()) == (1000, 420)
    arr = np.array([[img.pixelColor(x, y).getRgb()[:3] for x in range(0, 1000, 4)] for y in range(0, 420, 4)])
    assert np.any(np.all(np.abs(arr - np.array(draw_qt.TRACE_RGB)) < 40, axis=-1))
    assert np.any(np.all(np.abs(arr - np.array(draw_qt.PARTIAL_MARK_RGB)) < 40, axis=-1))


def test_a_lone_spike_neither_squashes_the_trace_nor_hides_the_markers(known_set):
    """One glitch sample at -67 N must not stretch the y axis; every rep marker stays in view."""
    tension = known_set.tension_n.copy()
    tension[len(tension) // 2] = -67.0
    model = LiveModel(window_s=30.0)
    model.push(known_set.time_s, tension)
    for rep in known_set.reps:
        model.apply_event(RepStarted(rep.start_s, 0))
        model.apply_event(RepCompleted(rep, 0))
    win = live_qt.make_window(model, width=1000, height=600)
    win.show()
    try:
        assert win.refresh()
        bottom, top = win.y_span
        assert bottom > -5.0, "the spike stretched the y axis"
        assert top >= max(r.peak_n for r in known_set.reps) + 2 * win.mark_lift
        img = win.grab_rgb()
        marks = [b for b in _blobs(img, draw_qt.REP_MARK_RGB) if b[1] > 80]
        marks += [b for b in _blobs(img, draw_qt.PARTIAL_MARK_RGB) if b[1] > 80]
        assert len(marks) == len(known_set.reps)
    finally:
        draw_qt.dispose(win)


def test_despiked_span_ignores_one_sample_but_keeps_two():
    v = np.array([0.0, 1.0, 50.0, 1.0, 0.0, 30.0, 30.0, 0.0])
    assert live_qt.despiked_span(v) == (0.0, 30.0)
    assert live_qt.despiked_span(np.array([np.nan])) == (0.0, 1.0)
