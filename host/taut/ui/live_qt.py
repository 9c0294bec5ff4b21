"""The live window (Qt, imported lazily): draws `LiveModel.frame()` on a 60 Hz timer.

A 30 s scrolling trace (x is seconds before the newest sample), shaded rep phases, a marker at each
rep's top (partials in magenta), an optional target zone, big counters, a status line, and the
coach's line and banners in a guided set.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from taut.ui.draw_qt import MARK_LIFT, PHASE_RGBA, TRACE_RGB, PhaseShading, RepMarks, dispose, ensure_app, shade
from taut.ui.keys import handle_key
from taut.ui.live_model import LiveFrame, LiveModel
from taut.ui.units import per_newton

ZONE_RGBA = (255, 255, 255, 28)
FRAME_INTERVAL_MS = 16  # ~60 frames/s
BANNER_WARN_RGB = (200, 40, 40)  # coach cue banners: something to fix
BANNER_GOOD_RGB = (30, 150, 60)  # ... and something done well (squeeze done, set done, rest over)
from taut.coach.guide import GOOD_KINDS as GOOD_BANNERS  # noqa: E402


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

            self.zone = shade(self.plot, ZONE_RGBA, z=-20)
            self.phases = PhaseShading(self.plot)
            self.in_progress = shade(self.plot, PHASE_RGBA["concentric"], z=-10)
            self.trace = pg.PlotDataItem(pen=pg.mkPen(TRACE_RGB, width=2), skipFiniteCheck=False, connect="finite")
            self.trace.setDownsampling(auto=True, method="peak")
            self.trace.setClipToView(True)
            self.plot.addItem(self.trace)
            self.marks = RepMarks(self.plot)
            self.mark_lift = 0.0
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
            self.marks.draw([m.rep for m in frame.reps], self.view, t_ref_s=now, per_n=k, lift=self.mark_lift)
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
            self.phases.draw(frame.phases, frame.now_s, y0, y1)
            if frame.rep_in_progress_s is not None:
                a = frame.rep_in_progress_s - frame.now_s
                self.in_progress.setRect(a, y0, -a, y1 - y0)
                self.in_progress.show()
            else:
                self.in_progress.hide()

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
