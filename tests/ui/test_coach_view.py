"""The coach shown and heard: terminal lines and bell, the window's banner (pixels), the WAV sounds."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest
from rich.console import Console

from taut.coach.guide import LiveCoach
from taut.coach.plan import plan_from_flags
from taut.coach.sounds import RATE_HZ, SOUNDS, samples, sound_for, write_sounds
from taut.signal.events import RepCompleted, RepStarted
from taut.ui.live_model import LiveModel
from taut.ui.live_term import coach_text, render_frame, rep_marks_text


def _coached_model(known_set, hold_s: float = 2.0) -> LiveModel:
    """The known set fed through a coach whose target tempo its reps are too fast for."""
    model = LiveModel(window_s=30.0)
    coach = LiveCoach(plan_from_flags("face-pull", sets=2, reps=5, tempo="4-0-3-2", hold_s=hold_s, rest_s=30))
    model.coach = coach
    t = known_set.time_s[known_set.time_s <= known_set.reps[-1].end_s + 0.5]  # cues still fresh: banner up
    model.push(t, known_set.tension_n[: len(t)])
    for rep in known_set.reps:
        i = int(np.searchsorted(t, rep.end_s))
        evs = [RepStarted(rep.start_s, 0), RepCompleted(rep, 0)]
        for ev in evs:
            model.apply_event(ev)
        for cue in coach.feed(t[i:i + 1], known_set.tension_n[i:i + 1], evs):
            model.apply_cue(cue)
    return model


def test_sounds_are_valid_short_audible_wavs(tmp_path):
    paths = write_sounds(tmp_path)
    assert set(paths) == {"rep", "squeeze", "fast", "rest"}
    for name, path in paths.items():
        with wave.open(str(path)) as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, RATE_HZ)
            duration_s = w.getnframes() / w.getframerate()
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        assert 0.05 < duration_s < 1.0, name
        assert np.abs(pcm).max() > 8000 and np.sqrt(np.mean(pcm.astype(float) ** 2)) > 1000, name  # not silent
        assert abs(int(pcm[0])) < 500 and abs(int(pcm[-1])) < 500  # faded: no click
    assert len(samples("rest")) > len(samples("rep"))
    assert [sound_for(type("C", (), {"kind": k})()) for k in ("rep", "too-fast", "squeeze-done", "rest-over", "short-range")] == \
        ["rep", "fast", "squeeze", "rest", None]
    assert sum(d for _, d in SOUNDS["rest"]) < 1.0


def test_terminal_view_shows_targets_marks_banner_and_rings(known_set):
    model = _coached_model(known_set)
    frame = model.frame()
    st = frame.coach
    assert st.phase == "set" and st.reps_done == len(known_set.reps) and st.target_tempo == "4-0-3-2"
    text = coach_text(st).plain
    last = known_set.reps[-1]
    assert "set 1/2" in text and "tempo target 4-0-3-2" in text
    assert f"last rep c/h/e {last.concentric_s:.1f}/{last.hold_s:.1f}/{last.eccentric_s:.1f}" in text
    assert "reps " + rep_marks_text(st.marks) in text and "F" in rep_marks_text(st.marks)
    assert ">> Too fast" in text or ">> Squeeze" in text or ">> Full range" in text
    out = io.StringIO()
    Console(file=out, width=100, force_terminal=False).print(render_frame(frame, width=60))
    assert "tempo target 4-0-3-2" in out.getvalue()
    sounds = model.take_sounds()
    assert "rep" in sounds and "fast" in sounds and model.take_sounds() == []
    quiet = _coached_model(known_set)
    quiet.take_sounds()
    quiet.quiet = True
    quiet.apply_cue(type("C", (), {"kind": "rep"})())
    assert quiet.take_sounds() == []


def test_window_shows_a_cue_banner_in_its_colour(known_set):
    pytest.importorskip("pyqtgraph")
    from taut.ui import draw_qt, live_qt

    model = _coached_model(known_set)
    win = live_qt.make_window(model, width=1000, height=600)
    win.show()
    assert win.refresh()
    assert win.banner.isVisible() and win.coach_label.isVisible()
    img = win.grab_rgb().astype(int)
    r = win.banner.geometry()
    patch = img[r.top() + 2:r.bottom() - 2, r.left() + 2:r.left() + 40]
    assert np.all(np.abs(patch - np.array(live_qt.BANNER_WARN_RGB)) <= 30)
    assert "tempo target 4-0-3-2" in win.coach_label.text()
    assert "fast" in win.sounds_played and win.sounds.backend in ("beep", "qsoundeffect")
    draw_qt.dispose(win)


def test_window_without_a_coach_shows_no_banner(known_set):
    pytest.importorskip("pyqtgraph")
    from taut.ui import draw_qt, live_qt

    model = LiveModel()
    model.push(known_set.time_s, known_set.tension_n)
    win = live_qt.make_window(model)
    win.show()
    win.refresh()
    assert not win.banner.isVisible() and not win.coach_label.isVisible()
    draw_qt.dispose(win)
