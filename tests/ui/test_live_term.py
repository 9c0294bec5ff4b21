"""The terminal live view: sparkline and counters as text."""

from __future__ import annotations

import numpy as np
from rich.console import Console

from taut.signal.events import RepCompleted
from taut.ui.live_model import LiveModel
from taut.ui.live_term import marker_line, render_frame, sparkline


def test_sparkline_bins_by_time_and_scales_by_peak():
    t = np.array([0.0, 1.0, 2.0, 3.0, 9.5])
    x = np.array([0.0, 10.0, 5.0, np.nan, 10.0])
    line = sparkline(t, x, width=10, t0=0.0, t1=10.0, lo=0.0, hi=10.0)
    assert len(line) == 10
    assert line[0] == "▁" and line[1] == "█" and line[2] in "▄▅" and line[3] == "!" and line[9] == "█"
    assert line[4:9] == "     "  # no samples there: blank, nothing invented


def test_terminal_frame_shows_the_counters_and_markers(known_set):
    m = LiveModel()
    m.push(known_set.time_s, known_set.tension_n)
    for r in known_set.reps:
        m.apply_event(RepCompleted(r, 0))
    frame = m.frame()
    marks = marker_line(frame, 60)
    assert marks.count("^") == 3 and marks.count("p") == 1
    assert marks.index("p") > marks.index("^")  # the partial is the third rep
    console = Console(record=True, width=100, color_system=None)
    console.print(render_frame(frame, width=60))
    text = console.export_text()
    last = known_set.reps[-1]
    assert "4 (1p)" in text
    assert f"{sum(r.tut_s for r in known_set.reps):.1f} s" in text
    assert f"{last.concentric_s:.1f}/{last.hold_s:.1f}/{last.eccentric_s:.1f} s" in text
    assert f"{100 * last.range_fraction:.0f}%" in text
    assert "peak 125.0 N" in text


def test_terminal_view_runs_the_session_to_the_end(known_set, scripted_detector):
    import asyncio
    import io

    from taut.sources import ReplaySource
    from taut.ui.live_session import LiveSession
    from taut.ui.live_term import TerminalView

    model = LiveModel()
    session = LiveSession(ReplaySource(known_set.time_s, known_set.tension_n, speed=0), scripted_detector(known_set.reps), model)
    out = io.StringIO()
    console = Console(file=out, width=100, color_system=None, force_terminal=False)
    result = asyncio.run(TerminalView(model, session, fps=50, console=console).run())
    assert result.samples == len(known_set.time_s)
    text = out.getvalue()
    assert "4 (1p)" in text and "ended" in text


def test_terminal_status_line_shows_the_log_warning(known_set):
    m = LiveModel()
    m.push(known_set.time_s, known_set.tension_n)
    m.set_status(log_note="log busy: 3 reps, 240 samples waiting")
    console = Console(record=True, width=120, color_system=None)
    console.print(render_frame(m.frame(), width=60))
    assert "log busy: 3 reps, 240 samples waiting" in console.export_text()
