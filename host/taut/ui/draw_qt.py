"""Qt drawing shared by the live window and the saved plots: the app, the colours, and the rep phases
and markers drawn the same way on both (Qt is imported lazily, so importing this costs nothing)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from taut.records import Rep

TRACE_RGB = (0, 200, 255)
REP_MARK_RGB = (255, 150, 0)
PARTIAL_MARK_RGB = (255, 0, 255)
PHASE_RGBA = {"concentric": (40, 200, 80, 60), "hold": (230, 210, 40, 60), "eccentric": (80, 110, 255, 60)}
REP_MARK_PX = 16
PARTIAL_MARK_PX = 20
MARK_LIFT = 0.04  # rep markers float this fraction of the y span above the rep's peak


def ensure_app() -> Any:
    """The QApplication (created once); offscreen when there is no display."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import pyqtgraph as pg
    from pyqtgraph.Qt import QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        pg.setConfigOptions(antialias=False, background="k", foreground="w")
        app = pg.mkQApp("taut")
    return app


def dispose(widget: Any) -> None:
    """Close a window and delete its Qt side now (PySide6 6.12 can crash at interpreter exit
    when a used pyqtgraph window is left for the final garbage collection)."""
    from pyqtgraph.Qt import QtCore

    timer = getattr(widget, "timer", None)
    if timer is not None:
        timer.stop()
    widget.close()
    widget.deleteLater()
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)


def shade(plot: Any, rgba: tuple[int, int, int, int], *, z: float) -> Any:
    """A borderless translucent rectangle in the plot's data coordinates, hidden until placed."""
    import pyqtgraph as pg
    from pyqtgraph.Qt import QtWidgets

    rect = QtWidgets.QGraphicsRectItem(0.0, 0.0, 0.0, 0.0)
    rect.setPen(pg.mkPen(None))
    rect.setBrush(pg.mkBrush(*rgba))
    rect.setZValue(z)
    rect.hide()
    plot.addItem(rect)
    return rect


def _path_item(plot: Any, rgb: tuple[int, int, int]) -> Any:
    """A filled, borderless path item in data coordinates, drawn above the trace."""
    import pyqtgraph as pg
    from pyqtgraph.Qt import QtWidgets

    item = QtWidgets.QGraphicsPathItem()
    item.setPen(pg.mkPen(None))
    item.setBrush(pg.mkBrush(*rgb))
    item.setZValue(10)
    plot.addItem(item)
    return item


def _triangles(xs: Sequence[float], ys: Sequence[float], width: float, height: float) -> Any:
    """A path of downward triangles whose tips sit at (x, y); sizes in data units."""
    from pyqtgraph.Qt import QtCore, QtGui

    path = QtGui.QPainterPath()
    for x, y in zip(xs, ys):
        path.addPolygon(
            QtGui.QPolygonF(
                [
                    QtCore.QPointF(x, y),
                    QtCore.QPointF(x - width / 2, y + height),
                    QtCore.QPointF(x + width / 2, y + height),
                    QtCore.QPointF(x, y),
                ]
            )
        )
    return path


class PhaseShading:
    """Reps' concentric, hold and eccentric phases as translucent bands behind the trace.

    Plain QGraphicsRectItems in data coordinates, reused from one draw to the next: cheap to move
    every frame (LinearRegionItem's signal machinery costs time and crashed PySide6 6.12 at exit).
    """

    def __init__(self, plot: Any) -> None:
        import pyqtgraph as pg

        self._plot = plot
        self._rects: list[Any] = []
        self._brushes = {name: pg.mkBrush(*rgba) for name, rgba in PHASE_RGBA.items()}

    def draw(self, phases: Iterable[tuple[Any, ...]], t_ref_s: float, y0: float, y1: float) -> None:
        """Shade each (start s, end s, phase name, …) from y0 to y1, x counted from `t_ref_s`."""
        n = 0
        for a, b, name, *_ in phases:
            if n == len(self._rects):
                self._rects.append(shade(self._plot, PHASE_RGBA["hold"], z=-10))
            rect = self._rects[n]
            rect.setBrush(self._brushes[name])
            rect.setRect(a - t_ref_s, y0, b - a, y1 - y0)
            rect.show()
            n += 1
        for rect in self._rects[n:]:
            rect.hide()


class RepMarks:
    """A downward triangle at each rep's top, above its peak: full reps in orange, partials bigger in magenta.

    Two path items (ScatterPlotItem updated every frame crashed PySide6 6.12 at interpreter exit).
    """

    def __init__(self, plot: Any) -> None:
        self._items = {False: _path_item(plot, REP_MARK_RGB), True: _path_item(plot, PARTIAL_MARK_RGB)}

    def draw(self, reps: Sequence[Rep], view: Any, *, t_ref_s: float, per_n: float, lift: float) -> None:
        """Mark `reps` (x from `t_ref_s`, y in the unit `per_n` converts newtons to), `lift` above each peak;
        sizes in pixels of `view`, the plot's ViewBox once its range is set."""
        px_w, px_h = view.viewPixelSize()
        for partial, item in self._items.items():
            chosen = [r for r in reps if r.partial == partial]
            size_px = PARTIAL_MARK_PX if partial else REP_MARK_PX
            item.setPath(
                _triangles(
                    [0.5 * (r.top_start_s + r.top_end_s) - t_ref_s for r in chosen],
                    [r.peak_n * per_n + lift for r in chosen],
                    size_px * px_w,
                    size_px * px_h,
                )
            )
