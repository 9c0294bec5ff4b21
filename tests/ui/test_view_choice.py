"""`--view auto` on Linux: a window only when Qt's X11 platform can start; else one line naming the package."""

import ctypes.util
import logging
import sys

import pytest

import taut.ui.run_live as run_live
from taut.ui.run_live import choose_view, missing_window_library


@pytest.fixture
def x11_desktop(monkeypatch):
    """A Linux X11 session with Qt installed and a terminal on stdout."""
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setattr(run_live, "qt_available", lambda: True)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    def installed(libs):
        """Only these shared libraries are found (whatever this machine has)."""
        monkeypatch.setattr(ctypes.util, "find_library", lambda name: f"lib{name}.so.0" if name in libs else None)

    return installed


def test_without_libxcb_cursor_auto_falls_back_to_the_terminal_and_says_why(x11_desktop, caplog):
    x11_desktop(set())
    with caplog.at_level(logging.WARNING, logger="taut.ui.run_live"):
        assert choose_view("auto") == "term"
    [line] = [r.getMessage() for r in caplog.records]
    assert "libxcb-cursor0" in line and "sudo apt install libxcb-cursor0" in line and "terminal view" in line


def test_with_the_library_auto_opens_the_window(x11_desktop, caplog):
    x11_desktop({"xcb-cursor"})
    with caplog.at_level(logging.WARNING, logger="taut.ui.run_live"):
        assert choose_view("auto") == "qt"
    assert caplog.records == []


@pytest.mark.parametrize("env", [{"QT_QPA_PLATFORM": "offscreen"}, {"WAYLAND_DISPLAY": "wayland-0"}])
def test_other_platforms_need_no_xcb_library(x11_desktop, monkeypatch, env):
    x11_desktop(set())
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert missing_window_library() is None


def test_explicit_qt_is_left_alone(x11_desktop):
    x11_desktop(set())
    assert choose_view("qt") == "qt"
