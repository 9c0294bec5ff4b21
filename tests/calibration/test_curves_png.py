"""`taut bands --png`: band curves drawn by Qt; the pixels show each curve, stretching above releasing."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pyqtgraph")

from taut.calibration import BandCurve, BandProfile, BandStore  # noqa: E402
from taut.calibration.curve_png import curve_lines  # noqa: E402
from taut.cli import main  # noqa: E402
from taut.store import open_log  # noqa: E402


def _pixels(path) -> np.ndarray:
    """The PNG as an (h, w, 3) RGB array."""
    from pyqtgraph.Qt import QtGui

    img = QtGui.QImage(str(path)).convertToFormat(QtGui.QImage.Format.Format_RGB32)
    h, w = img.height(), img.width()
    raw = np.frombuffer(img.constBits(), np.uint8, count=h * img.bytesPerLine()).reshape(h, img.bytesPerLine())
    bgra = raw[:, : 4 * w].reshape(h, w, 4)
    return bgra[:, :, 2::-1].copy()


def _rows(px: np.ndarray, rgb) -> list[np.ndarray]:
    """For each column, the rows whose pixel is exactly `rgb`."""
    hit = np.all(px == np.array(rgb, dtype=np.uint8), axis=2)
    return [np.flatnonzero(hit[:, j]) for j in range(px.shape[1])]


def _tops(px: np.ndarray, rgb, columns) -> dict[int, int]:
    rows = _rows(px, rgb)
    return {j: int(rows[j].min()) for j in columns if len(rows[j])}


@pytest.fixture(scope="module")
def chart(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("png")
    db = tmp / "taut.sqlite3"
    with open_log(db) as log:
        store = BandStore(log)
        store.save(BandProfile("red-loop", 1.0, BandCurve(22.0, 30.0, 0.25), colour="red"))
        store.save(BandProfile("black-loop", 1.0, BandCurve(45.0, 30.0, 0.25), colour="black"))
    png = tmp / "curves.png"
    assert main(["bands", "--db", str(db), "--png", str(png)]) == 0
    return _pixels(png)


def test_each_band_is_drawn_stretching_above_releasing(chart):
    from taut.ui.plots_qt import band_curve_rgb

    h, w = chart.shape[:2]
    right = range(w // 2, w)  # clear of the legend (top left)
    for colour, index in (("red", 0), ("black", 1)):  # listed light to heavy; black shows in the palette's colour
        load_rgb, unload_rgb = band_curve_rgb(colour, index)
        load = _tops(chart, load_rgb, right)
        unload = _tops(chart, unload_rgb, right)
        assert len(load) > 0.8 * len(right), colour  # the curve spans the right half
        assert len(unload) > 0.3 * len(right), colour  # dashed: gaps allowed
        both = [j for j in load if j in unload]
        above = sum(load[j] < unload[j] for j in both)
        assert len(both) > 0.3 * len(right) and above >= 0.95 * len(both), colour
        cols = sorted(load)
        quarter = len(cols) // 4
        assert np.mean([load[j] for j in cols[-quarter:]]) < np.mean([load[j] for j in cols[:quarter]])  # rising
    assert band_curve_rgb("black", 1)[0] != (0, 0, 0)


def test_heavier_band_is_higher(chart):
    from taut.ui.plots_qt import band_curve_rgb

    w = chart.shape[1]
    right = range(w // 2, w)
    red = _tops(chart, band_curve_rgb("red", 0)[0], right)
    black = _tops(chart, band_curve_rgb("black", 1)[0], right)
    both = [j for j in red if j in black]
    assert both and all(black[j] < red[j] for j in both)


def test_no_curve_without_bands_in_the_list(tmp_path):
    from taut.ui.plots_qt import band_curve_rgb, render_band_curves_png

    x, lines = curve_lines([])
    assert lines == [] and x[0] == 0.0 and x[-1] == pytest.approx(250.0)
    render_band_curves_png(tmp_path / "empty.png", x, lines)
    px = _pixels(tmp_path / "empty.png")
    assert not np.all(px == np.array(band_curve_rgb("red", 0)[0], dtype=np.uint8), axis=2).any()


def test_unwritable_png_is_a_clear_error(chart, tmp_path, capsys):
    db = tmp_path / "taut.sqlite3"
    with open_log(db) as log:
        BandStore(log).save(BandProfile("red", 1.0, BandCurve(22.0, 30.0, 0.1)))
    assert main(["bands", "--db", str(db), "--png", str(tmp_path / "no" / "dir" / "c.png")]) == 2
    assert "could not write" in capsys.readouterr().err
