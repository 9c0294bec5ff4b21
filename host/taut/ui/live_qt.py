"""The Qt side of the UI (the one module importing Qt/pyqtgraph, lazily): the live window and set plots.

The window redraws from `LiveModel.frame()` on a 60 Hz timer: a 30 s scrolling trace (x is
seconds before the newest sample), shaded rep phases, a marker at each rep's top (partials in
magenta), an optional target zone, big counters and a status line.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from taut.atomic import atomic_path, describe_os_error
from taut.records import RepSet
from taut.ui.keys import handle_key
from taut.ui.live_model import LiveFrame, LiveModel
from taut.ui.units import per_newton

TRACE_RGB = (0, 200, 255)
REP_MARK_RGB = (255, 150, 0)
PARTIAL_MARK_RGB = (255, 0, 255)
PHASE_RGBA = {"concentric": (40, 200, 80, 60), "hold": (230, 210, 40, 60), "eccentric": (80, 110, 255, 60)}
ZONE_RGBA = (255, 255, 255, 28)
REP_MARK_PX = 16
PARTIAL_MARK_PX = 20
MARK_LIFT = 0.04  # rep markers float this fraction of the y span above the rep's peak
FRAME_INTERVAL_MS = 16  # ~60 frames/s
BANNER_WARN_RGB = (200, 40, 40)  # coach cue banners: something to fix
BANNER_GOOD_RGB = (30, 150, 60)  # ... and something done well (squeeze done, set done, rest over)
from taut.coach.guide import GOOD_KINDS as GOOD_BANNERS  # noqa: E402


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


def _shade(plot: Any, rgba: tuple[int, int, int, int], *, z: float) -> Any:
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


def despiked_span(values: np.ndarray) -> tuple[float, float]:
    """Min and max of a trace, ignoring lone one-sample spikes (median of 3 neighbours), so
    a single glitch cannot squash the plot; (0, 1) when nothing is finite."""
    v = values[np.isfinite(values)]
    if len(v) == 0:
        return 0.0, 1.0
    if len(v) >= 3:
        a, b, c = v[:-2], v[1:-1], v[2:]
        v = np.concatenate((v[:1], np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c)), v[-1:]))
    return float(v.min()), float(v.max())


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


class _SoundPlayer:
    """The coach's sounds in the window: QSoundEffect with the generated WAVs when Qt's multimedia
    module is installed (PySide6-Addons), else the system beep (PySide6-Essentials has no QtMultimedia)."""

    def __init__(self, parent: Any) -> None:
        self.effects: dict[str, Any] = {}
        self.backend = "beep"
        try:
            from PySide6.QtCore import QUrl
            from PySide6.QtMultimedia import QSoundEffect
        except ImportError:
            return
        import tempfile
        from pathlib import Path

        from taut.coach.sounds import write_sounds

        for name, path in write_sounds(Path(tempfile.mkdtemp(prefix="taut-sounds-"))).items():
            effect = QSoundEffect(parent)
            effect.setSource(QUrl.fromLocalFile(str(path)))
            self.effects[name] = effect
        self.backend = "qsoundeffect"

    def play(self, name: str) -> None:
        effect = self.effects.get(name)
        if effect is not None:
            effect.play()
            return
        from pyqtgraph.Qt import QtWidgets

        QtWidgets.QApplication.beep()


def _live_window_class() -> type:
    import pyqtgraph as pg
    from pyqtgraph.Qt import QtCore, QtGui, QtWidgets

    class LiveWindow(QtWidgets.QWidget):
        """Live tension window drawing one `LiveModel`."""

        def __init__(self, model: LiveModel, session: Any = None, *, width: int = 1000, height: int = 600) -> None:
            super().__init__()
            self.model = model
            self.session = session
            self.setWindowTitle("Taut — live tension")
            self.resize(width, height)
            layout = QtWidgets.QVBoxLayout(self)
            row = QtWidgets.QHBoxLayout()
            self.counter_labels: dict[str, QtWidgets.QLabel] = {}
            big = QtGui.QFont()
            big.setPointSize(26)
            big.setBold(True)
            for key, caption in (("reps", "reps"), ("tut", "set TUT"), ("tempo", "tempo c/h/e"), ("range", "range")):
                box = QtWidgets.QVBoxLayout()
                cap = QtWidgets.QLabel(caption)
                cap.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
                val = QtWidgets.QLabel("–")
                val.setFont(big)
                val.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
                box.addWidget(cap)
                box.addWidget(val)
                row.addLayout(box)
                self.counter_labels[key] = val
            layout.addLayout(row)
            self.plot = pg.PlotWidget()
            self.plot.setMenuEnabled(False)
            self.plot.setMouseEnabled(x=False, y=False)
            self.plot.hideButtons()
            self.plot.showGrid(x=True, y=True, alpha=0.2)
            self.plot.setLabel("bottom", "time", units="s")
            self.view: Any = cast(Any, self.plot.getPlotItem()).getViewBox()
            self.view.disableAutoRange()
            layout.addWidget(self.plot, stretch=1)
            self.status_label = QtWidgets.QLabel("")
            layout.addWidget(self.status_label)

            # Shading is plain QGraphicsRectItems in data coordinates: cheap to move every frame
            # (LinearRegionItem's signal machinery costs time and crashed PySide6 6.12 at exit).
            self.zone = _shade(self.plot, ZONE_RGBA, z=-20)
            self._regions: list[Any] = []
            self.in_progress = _shade(self.plot, PHASE_RGBA["concentric"], z=-10)
            self.trace = pg.PlotDataItem(pen=pg.mkPen(TRACE_RGB, width=2), skipFiniteCheck=False, connect="finite")
            self.trace.setDownsampling(auto=True, method="peak")
            self.trace.setClipToView(True)
            self.plot.addItem(self.trace)
            # Rep markers: triangles pointing down at each rep's top, as plain path items
            # (ScatterPlotItem updated every frame crashed PySide6 6.12 at interpreter exit).
            self.marks = {False: _path_item(self.plot, REP_MARK_RGB), True: _path_item(self.plot, PARTIAL_MARK_RGB)}
            self.mark_lift = 0.0
            self._brushes = {name: pg.mkBrush(*rgba) for name, rgba in PHASE_RGBA.items()}
            self.y_span = (0.0, 1.0)
            self._drawn_version = -1
            self._drawn_unit = ""
            self.last_frame: LiveFrame | None = None
            self.frames_drawn = 0

            # The coach (a guided set): its line (plan, target vs measured tempo, phase guide, rep
            # marks) and a banner for each cue, both hidden without a coach.
            self.coach_label = QtWidgets.QLabel("")
            self.coach_label.setWordWrap(True)
            self.banner = QtWidgets.QLabel("")
            banner_font = QtGui.QFont()
            banner_font.setPointSize(20)
            banner_font.setBold(True)
            self.banner.setFont(banner_font)
            self.banner.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
            self.banner.setMinimumHeight(48)
            layout.insertWidget(1, self.banner)
            layout.insertWidget(2, self.coach_label)
            self.coach_label.hide()
            self.banner.hide()
            self.sounds = _SoundPlayer(self)
            self.sounds_played: list[str] = []

            self.timer = QtCore.QTimer(self)
            self.timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
            self.timer.timeout.connect(self.refresh)

        def start(self) -> None:
            self.timer.start(FRAME_INTERVAL_MS)

        # -- drawing --------------------------------------------------------------------------

        def refresh(self) -> bool:
            """Redraw from the model if it changed; True when something was drawn."""
            if self.model.version == self._drawn_version and self.model.unit == self._drawn_unit:
                return False
            self.draw(self.model.frame())
            return True

        def draw(self, frame: LiveFrame) -> None:
            self.last_frame = frame
            self._drawn_version = frame.version
            self._drawn_unit = frame.unit
            now = frame.now_s
            self.trace.setData(frame.time_s - now, frame.tension)
            bottom, top = despiked_span(frame.tension)
            bottom = min(0.0, bottom)
            k = per_newton(frame.unit)
            peaks = [m.rep.peak_n * k for m in frame.reps]
            if peaks:  # rep markers sit above their peaks: keep them inside the plot
                top = max(top, max(peaks))
            if frame.target_zone is not None:
                top = max(top, frame.target_zone[1])
                lo, hi = frame.target_zone
                self.zone.setRect(-frame.window_s, lo, frame.window_s, hi - lo)
                self.zone.show()
            else:
                self.zone.hide()
            top = top * 1.1 + 1e-9
            self.mark_lift = MARK_LIFT * (top - bottom)
            top += 2 * self.mark_lift
            self.view.setRange(xRange=(-frame.window_s, 0.0), yRange=(bottom, top), padding=0)
            self.y_span = (bottom, top)
            self.plot.setLabel("left", "tension", units=frame.unit)
            self._draw_phases(frame)
            self._draw_marks(frame)
            self._draw_counters(frame)
            self._draw_coach(frame)
            self.status_label.setText(frame.status.text)
            self.frames_drawn += 1

        def _draw_coach(self, frame: LiveFrame) -> None:
            for name in self.model.take_sounds():
                self.sounds.play(name)
                self.sounds_played.append(name)
            st = frame.coach
            if st is None:
                return
            from taut.ui.live_term import coach_text

            self.coach_label.setText(coach_text(st).plain)
            self.coach_label.show()
            if st.banner is None:
                self.banner.hide()
                return
            kind, words = st.banner
            r, g, b = BANNER_GOOD_RGB if kind in GOOD_BANNERS else BANNER_WARN_RGB
            self.banner.setStyleSheet(f"background-color: rgb({r}, {g}, {b}); color: white")
            self.banner.setText(words)
            self.banner.show()

        def _draw_phases(self, frame: LiveFrame) -> None:
            y0, y1 = self.y_span
            while len(self._regions) < len(frame.phases):
                self._regions.append(_shade(self.plot, PHASE_RGBA["hold"], z=-10))
            for region, (a, b, name, _partial) in zip(self._regions, frame.phases):
                region.setBrush(self._brushes[name])
                region.setRect(a - frame.now_s, y0, b - a, y1 - y0)
                region.show()
            for region in self._regions[len(frame.phases) :]:
                region.hide()
            if frame.rep_in_progress_s is not None:
                a = frame.rep_in_progress_s - frame.now_s
                self.in_progress.setRect(a, y0, -a, y1 - y0)
                self.in_progress.show()
            else:
                self.in_progress.hide()

        def _draw_marks(self, frame: LiveFrame) -> None:
            k = per_newton(frame.unit)
            px_w, px_h = self.view.viewPixelSize()
            for partial, item in self.marks.items():
                reps = [m.rep for m in frame.reps if m.rep.partial == partial]
                size_px = PARTIAL_MARK_PX if partial else REP_MARK_PX
                item.setPath(
                    _triangles(
                        [0.5 * (r.top_start_s + r.top_end_s) - frame.now_s for r in reps],
                        [r.peak_n * k + self.mark_lift for r in reps],
                        size_px * px_w,
                        size_px * px_h,
                    )
                )

        def _draw_counters(self, frame: LiveFrame) -> None:
            c = frame.counters
            lab = self.counter_labels
            lab["reps"].setText(f"{c.reps}" + (f" ({c.partials} partial)" if c.partials else ""))
            lab["tut"].setText(f"{c.set_tut_s:.1f} s")
            lab["tempo"].setText(c.tempo_text)
            lab["range"].setText(f"{c.last_range_pct:.0f} %" if c.last_range_pct is not None else "–")
            lab["range"].setStyleSheet("color: magenta" if c.last_partial else "")

        def data_to_pixel(self, x: float, y: float) -> tuple[int, int]:
            """Window pixel of plot coordinates (x in seconds before now), for tests and tools."""
            scene_pt = self.view.mapViewToScene(QtCore.QPointF(x, y))
            view_pt = self.plot.mapFromScene(scene_pt)
            win_pt = self.plot.mapTo(self, view_pt)
            return int(round(win_pt.x())), int(round(win_pt.y()))

        def grab_rgb(self) -> np.ndarray:
            """The window as an (h, w, 3) uint8 array."""
            img = self.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB888)
            w, h = img.width(), img.height()
            buf = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes())
            return buf.reshape(h, img.bytesPerLine())[:, : 3 * w].reshape(h, w, 3).copy()

        # -- keys -----------------------------------------------------------------------------

        def keyPressEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
            text = event.text()
            if self.session is not None and text and handle_key(text, self.model, self.session):
                if text.lower() == "q":
                    self.close()
                self.refresh()
                return
            super().keyPressEvent(event)

    return LiveWindow


_WINDOW_CLASS: type | None = None


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


def make_window(model: LiveModel, session: Any = None, **kwargs: Any) -> Any:
    """A LiveWindow (not shown, timer not started) for `model`."""
    global _WINDOW_CLASS
    ensure_app()
    if _WINDOW_CLASS is None:
        _WINDOW_CLASS = _live_window_class()
    return _WINDOW_CLASS(model, session, **kwargs)


def run_window(model: LiveModel, session: Any, *, close_when_done: bool = True) -> None:
    """Show the live window until the user quits (or the session ends, if close_when_done)."""
    from pyqtgraph.Qt import QtCore

    app = ensure_app()
    win = make_window(model, session)
    win.show()
    win.start()
    watch = QtCore.QTimer(win)

    def check_done() -> None:
        if session.done.is_set():
            win.refresh()
            if close_when_done:
                win.close()

    watch.timeout.connect(check_done)
    watch.start(200)
    app.setQuitOnLastWindowClosed(True)
    app.exec()
    watch.stop()
    dispose(win)


def render_set_png(
    path: str | os.PathLike[str],
    time_s: np.ndarray,
    tension_n: np.ndarray,
    rep_set: RepSet,
    *,
    unit: str = "N",
    title: str = "",
    width: int = 1000,
    height: int = 420,
) -> None:
    """Save a plot of one set (trace, shaded phases, rep markers) as a PNG, offscreen."""
    import pyqtgraph as pg

    ensure_app()
    k = per_newton(unit)
    plot = pg.PlotWidget(title=title)
    plot.resize(width, height)
    plot.showGrid(x=True, y=True, alpha=0.2)
    plot.setLabel("bottom", "time", units="s")
    plot.setLabel("left", "tension", units=unit)
    t_ref = rep_set.start_s if rep_set.reps else (float(time_s[0]) if len(time_s) else 0.0)
    finite = np.asarray(tension_n)[np.isfinite(tension_n)] * k
    y0 = min(0.0, float(finite.min())) if len(finite) else 0.0
    y1 = float(finite.max()) * (1 + 2 * MARK_LIFT) if len(finite) else 1.0
    for rep in rep_set.reps:
        for a, b, name in (
            (rep.start_s, rep.top_start_s, "concentric"),
            (rep.top_start_s, rep.top_end_s, "hold"),
            (rep.top_end_s, rep.end_s, "eccentric"),
        ):
            if b > a:
                _shade(plot, PHASE_RGBA[name], z=-10).setRect(a - t_ref, y0, b - a, y1 - y0)
    plot_item: Any = plot.getPlotItem()
    for item in plot_item.items:
        item.show()
    plot.plot(np.asarray(time_s) - t_ref, np.asarray(tension_n) * k, pen=pg.mkPen(TRACE_RGB, width=2), connect="finite")
    view = plot_item.getViewBox()
    t_last = (float(time_s[-1]) - t_ref) if len(time_s) else 1.0
    view.setRange(xRange=(float(time_s[0]) - t_ref if len(time_s) else 0.0, t_last), yRange=(y0, y1), padding=0.02)
    px_w, px_h = view.viewPixelSize()
    for partial in (False, True):
        reps = [r for r in rep_set.reps if r.partial == partial]
        size_px = PARTIAL_MARK_PX if partial else REP_MARK_PX
        _path_item(plot, PARTIAL_MARK_RGB if partial else REP_MARK_RGB).setPath(
            _triangles(
                [0.5 * (r.top_start_s + r.top_end_s) - t_ref for r in reps],
                [r.peak_n * k + MARK_LIFT * (y1 - y0) for r in reps],
                size_px * px_w,
                size_px * px_h,
            )
        )
    _save_png(plot, path)


def render_progress_png(
    path: str | os.PathLike[str],
    series: dict[str, tuple[Sequence[str], Sequence[float], Sequence[float]]],
    *,
    title: str = "progress",
    width: int = 1000,
    height: int = 620,
) -> None:
    """Save weekly progress as a PNG: TUT per week (min) above, peak tension per week (N) below,
    one line per exercise. `series` maps a label to (week starts YYYY-MM-DD, TUT s, peak N)."""
    import pyqtgraph as pg

    ensure_app()
    weeks = sorted({w for ws, _, _ in series.values() for w in ws})
    x_of = {w: i for i, w in enumerate(weeks)}
    step = max(1, len(weeks) // 8)
    ticks = [[(i, w) for i, w in enumerate(weeks) if i % step == 0]]
    win = pg.GraphicsLayoutWidget(title=title)
    win.resize(width, height)
    top = win.addPlot(row=0, col=0, title=title)
    bottom = win.addPlot(row=1, col=0)
    top.setLabel("left", "TUT per week", units="min")
    bottom.setLabel("left", "peak tension", units="N")
    top.addLegend(offset=(10, 10))
    for plot in (top, bottom):
        plot.showGrid(x=True, y=True, alpha=0.2)
        plot.getAxis("bottom").setTicks(ticks)
    for i, (label, (ws, tut_s, peak_n)) in enumerate(series.items()):
        rgb = BAND_PALETTE_RGB[i % len(BAND_PALETTE_RGB)]
        xs = np.array([x_of[w] for w in ws], dtype=float)
        pen = pg.mkPen(rgb, width=2)
        top.plot(xs, np.asarray(tut_s, dtype=float) / 60.0, pen=pen, symbol="o", symbolBrush=rgb, symbolSize=6, name=label)
        bottom.plot(xs, np.asarray(peak_n, dtype=float), pen=pen, symbol="o", symbolBrush=rgb, symbolSize=6)
    _save_png(win, path)



def _save_png(plot: Any, path: str | os.PathLike) -> None:
    """Grab the widget as a PNG at `path`, written whole or not at all (taut.atomic); disposes it."""
    try:
        with atomic_path(path) as tmp:
            if not plot.grab().save(os.fspath(tmp), "PNG"):
                raise OSError(f"could not write {path}")
    except OSError as exc:
        if exc.errno is None:
            raise
        raise OSError(f"could not write {path}: {describe_os_error(exc)}") from None
    finally:
        dispose(plot)


BAND_PALETTE_RGB = ((255, 90, 90), (90, 200, 255), (120, 230, 120), (255, 200, 60), (200, 130, 255), (255, 150, 210))
UNLOADING_DIM = 0.55  # the releasing branch is drawn dashed in the band's colour times this


def band_curve_rgb(colour: str, index: int) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """(stretching, releasing) pen colours: the band's colour if Qt knows it and it shows on black, else a palette's."""
    from pyqtgraph.Qt import QtGui

    c = QtGui.QColor(colour) if colour else QtGui.QColor()
    if c.isValid() and c.lightness() >= 60:
        rgb = (c.red(), c.green(), c.blue())
    else:
        rgb = BAND_PALETTE_RGB[index % len(BAND_PALETTE_RGB)]
    r, g, b = (int(round(UNLOADING_DIM * v)) for v in rgb)
    return rgb, (r, g, b)


def render_band_curves_png(
    path: str | os.PathLike[str],
    elongation_pct: np.ndarray,
    curves: Sequence[tuple[str, str, np.ndarray, np.ndarray]],
    *,
    title: str = "Band curves",
    width: int = 900,
    height: int = 560,
) -> None:
    """Save force against elongation for bands, offscreen: each (name, colour, loading_n, unloading_n)
    drawn solid while stretching and dashed (dimmer) while releasing, with the 100 % and 200 % levels marked."""
    import pyqtgraph as pg
    from pyqtgraph.Qt import QtCore

    ensure_app()
    plot = pg.PlotWidget(title=title)
    plot.resize(width, height)
    plot.showGrid(x=True, y=True, alpha=0.2)
    plot.setLabel("bottom", "elongation (%) — solid: stretching, dashed: releasing")
    plot.setLabel("left", "tension", units="N")
    if curves:
        plot.addLegend(offset=(10, 10))
    x = np.asarray(elongation_pct, dtype=float)
    top_n = 1.0
    for i, (name, colour, loading_n, unloading_n) in enumerate(curves):
        load_rgb, unload_rgb = band_curve_rgb(colour, i)
        plot.plot(x, np.asarray(loading_n, dtype=float), pen=pg.mkPen(load_rgb, width=2), name=name, connect="finite")
        plot.plot(x, np.asarray(unloading_n, dtype=float), connect="finite",
                  pen=pg.mkPen(unload_rgb, width=2, style=QtCore.Qt.PenStyle.DashLine))
        finite = np.asarray(loading_n, dtype=float)
        finite = finite[np.isfinite(finite)]
        if len(finite):
            top_n = max(top_n, float(finite.max()))
    for level_pct in (100.0, 200.0):
        plot.addItem(pg.InfiniteLine(level_pct, angle=90, pen=pg.mkPen((110, 110, 110), width=1)))
    plot_item: Any = plot.getPlotItem()
    plot_item.getViewBox().setRange(xRange=(float(x.min()) if len(x) else 0.0, float(x.max()) if len(x) else 250.0),
                                    yRange=(0.0, 1.05 * top_n), padding=0.02)
    _save_png(plot, path)
