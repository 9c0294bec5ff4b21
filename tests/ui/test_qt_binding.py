"""The Qt binding must not drop references per signal: a live plot emits thousands a minute.

PySide6 6.12.0's Signal.emit() dropped a reference to True on every call, which aborted the
interpreter ("bool_dealloc") after a minute of plotting; pyproject.toml keeps it out. The checks
allow some noise (other threads, caches) but the bug loses one reference per emit.
"""

from __future__ import annotations

import gc
import sys

import pytest

pytest.importorskip("PySide6")


def _true_refs_lost(fn, n: int) -> int:  # noqa: ANN001
    gc.disable()
    try:
        before = sys.getrefcount(True)
        for i in range(n):
            fn(i)
        return before - sys.getrefcount(True)
    finally:
        gc.enable()


def test_signal_emit_keeps_reference_counts():
    from PySide6 import QtCore

    class Emitter(QtCore.QObject):
        changed = QtCore.Signal(object)

    e = Emitter()
    e.changed.connect(lambda value: None)
    e.changed.emit(None)  # warm-up: first emits may cache things
    assert _true_refs_lost(lambda i: e.changed.emit(None), 400) < 100  # the 6.12.0 bug: 400


def test_view_box_set_range_keeps_reference_counts():
    from taut.ui import draw_qt

    draw_qt.ensure_app()
    import pyqtgraph as pg

    plot = pg.PlotWidget()
    view = plot.getPlotItem().getViewBox()
    view.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
    lost = _true_refs_lost(lambda i: view.setRange(xRange=(-30, 0), yRange=(0, i + 1), padding=0), 200)
    draw_qt.dispose(plot)
    assert lost < 100  # the 6.12.0 bug: several per call
