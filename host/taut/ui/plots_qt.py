"""Plots saved as PNGs, drawn offscreen with Qt (imported lazily): a set with its reps, weekly
progress, band curves. Each file is written whole or not at all."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from taut.atomic import atomic_path, describe_os_error
from taut.records import RepSet
from taut.ui.draw_qt import MARK_LIFT, TRACE_RGB, PhaseShading, RepMarks, dispose, ensure_app
from taut.ui.live_model import rep_phases
from taut.ui.units import per_newton

BAND_PALETTE_RGB = ((255, 90, 90), (90, 200, 255), (120, 230, 120), (255, 200, 60), (200, 130, 255), (255, 150, 210))
UNLOADING_DIM = 0.55  # the releasing branch is drawn dashed in the band's colour times this


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
    PhaseShading(plot).draw((p for rep in rep_set.reps for p in rep_phases(rep)), t_ref, y0, y1)
    plot.plot(np.asarray(time_s) - t_ref, np.asarray(tension_n) * k, pen=pg.mkPen(TRACE_RGB, width=2), connect="finite")
    plot_item: Any = plot.getPlotItem()
    view = plot_item.getViewBox()
    t_last = (float(time_s[-1]) - t_ref) if len(time_s) else 1.0
    view.setRange(xRange=(float(time_s[0]) - t_ref if len(time_s) else 0.0, t_last), yRange=(y0, y1), padding=0.02)
    RepMarks(plot).draw(rep_set.reps, view, t_ref_s=t_ref, per_n=k, lift=MARK_LIFT * (y1 - y0))
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
