"""Frame time and display latency of the live window (offscreen), 30 s window at 80 Hz and 1 kHz.

Frame: append one frame's worth of new samples, rebuild the frame from the model and paint the
plot synchronously. Baseline, measured in the same run: a bare pyqtgraph plot painting the same
points (no model, phases, markers or counters). Latency: samples stamped with the wall clock
arrive in BLE-like batches; a 60 Hz timer draws; each sample's latency is the time from its stamp
until the paint that first shows it has finished.

Targets: median frame ≤ 4 ms offscreen at both rates. Usage: python benchmarks/live_frame.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

from taut.records import Rep  # noqa: E402
from taut.signal.events import RepCompleted  # noqa: E402
from taut.ui import draw_qt, live_qt  # noqa: E402
from taut.ui.live_model import LiveModel  # noqa: E402

WINDOW_S = 30.0
TARGET_MS = 4.0


def _trace(t: np.ndarray) -> np.ndarray:
    """A 6 s rep cycle with noise: what a band row looks like."""
    phase = np.mod(t, 6.0)
    x = np.interp(phase, [0, 1, 1.5, 3.0, 5.0, 6.0], [20, 20, 110, 110, 20, 20])
    return x + np.random.default_rng(0).normal(0, 0.3, len(t))


def _reps(t_end: float) -> list[Rep]:
    out = []
    for i, t0 in enumerate(np.arange(0.0, t_end - 6.0, 6.0)):
        s = t0 + 1.1
        out.append(Rep(i, s, t0 + 1.45, t0 + 3.2, t0 + 4.8, 20, 110, 70, 70 * 3.7, 1.0 if i % 4 else 0.6, i % 4 == 0))
    return out


def _filled_model(fs_hz: float) -> tuple[LiveModel, float]:
    model = LiveModel(window_s=WINDOW_S, capacity=1 << 16, target_zone_n=(90.0, 120.0))
    t = np.arange(0.0, WINDOW_S, 1.0 / fs_hz)
    model.push(t, _trace(t))
    for rep in _reps(WINDOW_S):
        model.apply_event(RepCompleted(rep, 0))
    return model, float(t[-1])


def frame_times_ms(fs_hz: float, n_frames: int) -> tuple[list[float], list[float]]:
    """(live window frame times, bare-plot baseline frame times) in ms."""
    import pyqtgraph as pg

    model, t_last = _filled_model(fs_hz)
    win = live_qt.make_window(model, width=1000, height=600)
    win.show()
    win.refresh()
    per_frame = max(1, round(fs_hz / 60.0))
    ours = []
    for _ in range(n_frames):
        t = t_last + np.arange(1, per_frame + 1) / fs_hz
        t_last = float(t[-1])
        t0 = time.perf_counter()
        model.push(t, _trace(t))
        win.refresh()
        win.repaint()  # the whole window, synchronously: plot, counters, status line
        ours.append((time.perf_counter() - t0) * 1e3)
    draw_qt.dispose(win)

    base = pg.PlotWidget()
    base.resize(1000, 520)
    base.show()
    item = base.plot(pen=pg.mkPen(draw_qt.TRACE_RGB, width=2))
    item.setDownsampling(auto=True, method="peak")
    item.setClipToView(True)
    base.getPlotItem().getViewBox().disableAutoRange()
    t_all = np.arange(0.0, WINDOW_S, 1.0 / fs_hz)
    x_all = _trace(t_all)
    baseline = []
    for _ in range(n_frames):
        t0 = time.perf_counter()
        item.setData(t_all - t_all[-1], x_all)
        base.getPlotItem().getViewBox().setRange(xRange=(-WINDOW_S, 0), yRange=(0, 130), padding=0)
        base.viewport().repaint()
        baseline.append((time.perf_counter() - t0) * 1e3)
    draw_qt.dispose(base)
    return ours, baseline


def latencies_ms(fs_hz: float, duration_s: float) -> tuple[list[float], list[float]]:
    """(stamp → drawn, arrival → drawn) per sample, in ms, with a 60 Hz draw timer and batched arrivals.

    Samples are stamped with the wall clock at their nominal sampling instant and arrive in
    BLE-like notifications (80 Hz: every 50 ms, the firmware's flush; 1 kHz: every 10 ms), so
    stamp → drawn includes the batching wait; arrival → drawn is the UI's own share.
    """
    from pyqtgraph.Qt import QtCore

    app = draw_qt.ensure_app()
    model = LiveModel(window_s=WINDOW_S, capacity=1 << 16)
    clock = time.perf_counter
    win = live_qt.make_window(model, width=1000, height=600)
    win.show()
    interval_ms = 50 if fs_hz <= 100 else 10
    pending: list[tuple[np.ndarray, float]] = []  # (stamps, arrival time)
    stamp_lat: list[float] = []
    ui_lat: list[float] = []
    next_sample = [0.0]

    def produce() -> None:
        now = clock()
        n = int((now - next_sample[0]) * fs_hz)
        if n < 1:
            return
        t = next_sample[0] + np.arange(n) / fs_hz
        next_sample[0] = float(t[-1]) + 1.0 / fs_hz
        model.push(t, _trace(t))
        pending.append((t, clock()))

    def draw() -> None:
        if win.refresh():
            win.repaint()
            done = clock()
            latest = win.last_frame.latest_sample_s
            while pending and pending[0][0][-1] <= latest:
                t, arrived = pending.pop(0)
                stamp_lat.extend(((done - t) * 1e3).tolist())
                ui_lat.extend([(done - arrived) * 1e3] * len(t))

    def start() -> None:
        t_hist = np.arange(-WINDOW_S, 0.0, 1.0 / fs_hz) + clock()
        model.push(t_hist, _trace(t_hist))
        win.refresh()
        next_sample[0] = float(t_hist[-1]) + 1.0 / fs_hz
        prod.start(interval_ms)
        frame.start(live_qt.FRAME_INTERVAL_MS)

    prod = QtCore.QTimer()
    prod.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
    prod.timeout.connect(produce)
    frame = QtCore.QTimer()
    frame.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
    frame.timeout.connect(draw)
    QtCore.QTimer.singleShot(0, start)
    QtCore.QTimer.singleShot(int(duration_s * 1000), app.quit)
    app.exec()
    prod.stop()
    frame.stop()
    draw_qt.dispose(win)
    return stamp_lat, ui_lat


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer frames, shorter latency runs")
    args = parser.parse_args()
    n_frames = 60 if args.quick else 300
    duration_s = 1.5 if args.quick else 5.0
    draw_qt.ensure_app()
    ok = True
    print(f"live window, {WINDOW_S:.0f} s window, offscreen, {n_frames} frames per rate")
    for fs_hz in (80.0, 1000.0):
        ours, base = frame_times_ms(fs_hz, n_frames)
        med, med_base = statistics.median(ours), statistics.median(base)
        p95 = float(np.percentile(ours, 95))
        stamp_lat, ui_lat = latencies_ms(fs_hz, duration_s)
        verdict = "ok" if med <= TARGET_MS else f"OVER {TARGET_MS} ms"
        ok &= med <= TARGET_MS
        print(
            f"  {fs_hz:6.0f} Hz ({int(WINDOW_S * fs_hz):5d} points): frame median {med:.2f} ms (p95 {p95:.2f}) "
            f"= {med / med_base:.2f}x bare-plot baseline ({med_base:.2f} ms) [{verdict}]"
        )
        if stamp_lat:
            print(
                f"          latency stamp→drawn: median {statistics.median(stamp_lat):.1f} ms, "
                f"p95 {np.percentile(stamp_lat, 95):.1f} ms; arrival→drawn: median "
                f"{statistics.median(ui_lat):.1f} ms, p95 {np.percentile(ui_lat, 95):.1f} ms "
                f"(frame interval {live_qt.FRAME_INTERVAL_MS} ms; {len(stamp_lat)} samples)"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
