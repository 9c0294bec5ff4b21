"""`taut report`: one self-contained HTML page, opened in a real browser (Debian's headless chromium):
the screenshot is not blank, the plots are drawn, and the DOM holds every set and rep row."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from taut.cli import main
from taut.records import RepSet
from taut.store import BandProfileRecord, open_log

from sharesynth import T0_UNIX_S, fill_log, varied_reps

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)  # fmt: skip


def chromium() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if found is None:
        if not sys.platform.startswith("linux"):
            pytest.skip("the browser check uses Debian's chromium")
        pytest.fail("chromium is missing: `make test` installs Debian's package (apt-get install chromium)")
    return found


def browse(html: Path, tmp: Path, *, width: int = 1200, height: int = 5200) -> tuple[Path, str]:
    """(screenshot, DOM after loading) from a fresh headless chromium profile."""
    shot = tmp / "shot.png"
    common = [chromium(), *CHROMIUM_FLAGS, f"--window-size={width},{height}"]
    run = lambda *extra, profile: subprocess.run(  # noqa: E731
        [*common, f"--user-data-dir={tmp / profile}", *extra, html.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    run(f"--screenshot={shot}", profile="p1")
    dom = run("--dump-dom", profile="p2").stdout
    return shot, dom


class Tables(HTMLParser):
    """Rows per table id, row classes, and images with their sources."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self.images: list[str] = []
        self.scripts = 0
        self._table: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "table":
            self._table = a.get("id", "")
            self.rows.setdefault(self._table, [])
        elif tag == "tr" and self._table is not None:
            self.rows[self._table].append(a.get("class") or "")
        elif tag == "img":
            self.images.append(a.get("src", ""))
        elif tag in ("script", "link", "iframe", "object"):
            self.scripts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None


def pixels(png: Path) -> np.ndarray:
    """The screenshot as an (h, w, 3) uint8 array, read with Qt (the GUI extra)."""
    from pyqtgraph.Qt import QtGui

    from taut.ui.draw_qt import ensure_app

    ensure_app()
    img = QtGui.QImage(str(png)).convertToFormat(QtGui.QImage.Format.Format_RGB888)
    assert not img.isNull(), png
    ptr = img.constBits()
    buf = np.frombuffer(ptr, dtype=np.uint8, count=img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    return buf[:, : img.width() * 3].reshape(img.height(), img.width(), 3).copy()


def _count(rgb: np.ndarray, colour: tuple[int, int, int], tol: int = 12) -> int:
    return int((np.abs(rgb.astype(int) - np.array(colour)).max(axis=2) <= tol).sum())


@pytest.fixture
def report_log(tmp_path) -> Path:
    path = tmp_path / "log.db"
    fill_log(path, days=15, samples=True)
    with open_log(path) as db:
        db.add_calibration(device="Taut-1", offset_raw=8123, counts_per_n=412.5, created_unix_s=T0_UNIX_S - 5000)
        db.save_band_profile(BandProfileRecord(name="red", profile={"kind": "test"}, rest_length_m=1.2, force_100_n=88.0,
                                               force_200_n=151.0, colour="<red>", created_unix_s=T0_UNIX_S - 4000))  # fmt: skip
    return path


def test_report_renders_in_a_real_browser(report_log, tmp_path):
    out = tmp_path / "report.html"
    assert main(["report", "4", "--db", str(report_log), "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    with open_log(report_log, readonly=True) as db:
        sets = db.sets(4)
    n_reps = sum(len(s.reps) for s in sets)

    shot, dom = browse(out, tmp_path)
    parsed = Tables()
    parsed.feed(dom)
    assert len(parsed.rows["sets"]) == 1 + len(sets)
    for s in sets:
        rows = parsed.rows[f"reps-{s.index + 1}"]
        assert len(rows) == 1 + len(s.reps)
        assert [("partial" in c) for c in rows[1:]] == [r.partial for r in s.reps]
    assert sum(len(v) - 1 for k, v in parsed.rows.items() if k.startswith("reps-")) == n_reps
    assert len(parsed.rows["calibration"]) == 4  # header, band profile, load cell, band calibration row
    assert "120.0 cm" in dom and "88.0 N at 100 %" in dom and "412.50 counts/N" in dom
    assert "colour &lt;red&gt;" in html
    assert {"trend-1", "trend-2"} <= set(parsed.rows)  # face-pull and reverse-fly
    assert len(parsed.rows["trend-1"]) >= 3  # weeks up to this session
    # self-contained: every picture is a data URI, nothing is fetched, no scripts
    assert parsed.images and all(src.startswith("data:image/") for src in parsed.images)
    assert sum(src.startswith("data:image/png") for src in parsed.images) == len(sets)
    assert parsed.scripts == 0 and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html

    rgb = pixels(shot)
    white = (rgb.min(axis=2) >= 245).mean()
    assert 0.3 < white < 0.97, white  # a page, not a blank (or black) screen
    packed = (rgb[..., 0].astype(np.int32) << 16) | (rgb[..., 1].astype(np.int32) << 8) | rgb[..., 2]
    assert len(np.unique(packed)) > 200
    assert (rgb.max(axis=2) <= 10).sum() > 100_000  # the set plots' black backgrounds were drawn
    assert _count(rgb, (0, 200, 255), tol=40) > 2000  # the tension traces (cyan)
    assert _count(rgb, (25, 113, 194), tol=20) > 200  # the SVG trend's second line (#1971c2)
    assert _count(rgb, (255, 227, 227), tol=4) > 2000  # partial rows shaded


def test_report_escapes_what_comes_from_the_log(tmp_path):
    path = tmp_path / "log.db"
    evil = '<script>alert("x")</script>&"\x1b]0;t\x07'
    with open_log(path) as db:
        sid = db.start_session(exercise=evil, band="<b>red</b>", device="<img src=x>", source="ble", started_unix_s=T0_UNIX_S)
        db.end_set(sid, RepSet(0, varied_reps(np.random.default_rng(2), 5, 10.0, peak_n=90.0), evil))
    out = tmp_path / "r.html"
    assert main(["report", str(sid), "--db", str(path), "-o", str(out), "--no-plots"]) == 0
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html and "<b>red" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&quot;" in html
    assert "\x1b" not in html and "\x07" not in html and "\\x1b]0;t\\x07" in html
    parsed = Tables()
    parsed.feed(html)
    assert parsed.scripts == 0 and len(parsed.rows["reps-1"]) == 6


def test_report_errors(report_log, tmp_path, capsys):
    out = tmp_path / "r.html"
    out.write_text("old")
    assert main(["report", "99", "--db", str(report_log), "-o", str(out)]) == 2
    assert "no session 99" in capsys.readouterr().err
    assert main(["report", "1", "--db", str(report_log), "-o", str(report_log)]) == 2
    assert "workout log itself" in capsys.readouterr().err
    assert main(["report", "1", "--db", str(report_log), "-o", str(tmp_path)]) == 2
    assert "cannot write" in capsys.readouterr().err
    assert out.read_text() == "old"
