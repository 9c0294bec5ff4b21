"""One call for the whole live chain: `run_live(source, detector, log=..., view="auto")`.

Picks the view (Qt window when a display and Qt are there, else the terminal view, or none),
opens a session in the log, and returns when the source ends or the user quits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from typing import Any

from taut.store import WorkoutLog
from taut.store.recorder import LiveRecorder
from taut.ui.live_model import LiveModel
from taut.ui.live_session import Detector, LiveResult, LiveSession
from taut.sources import SampleSource

log = logging.getLogger(__name__)

VIEWS = ("auto", "qt", "term", "none")


def has_display() -> bool:
    """True when a window can be shown (X11/Wayland on Linux; always elsewhere)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def qt_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("pyqtgraph") is not None and importlib.util.find_spec("PySide6") is not None


def missing_window_library() -> str | None:
    """The system package Qt's X11 (xcb) platform needs and this machine lacks, else None.

    Without libxcb-cursor0 (missing on many fresh Ubuntu installs) Qt aborts the whole process
    with "could not load the Qt platform plugin", so it is looked for before Qt is started.
    """
    if not sys.platform.startswith("linux"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    xcb = platform.startswith("xcb") or (not platform and not os.environ.get("WAYLAND_DISPLAY"))
    if not xcb:
        return None
    import ctypes.util

    return None if ctypes.util.find_library("xcb-cursor") else "libxcb-cursor0"


def choose_view(view: str) -> str:
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    if view != "auto":
        return view
    fallback = "term" if sys.stdout.isatty() else "none"
    if has_display() and qt_available():
        missing = missing_window_library()
        if missing is None:
            return "qt"
        log.warning("no window: Qt needs %s (sudo apt install %s); %s instead", missing, missing,
                    "the terminal view" if fallback == "term" else "no live view")
    return fallback


def run_live(
    source: SampleSource,
    detector: Detector,
    *,
    log_db: WorkoutLog | None = None,
    view: str = "auto",
    model: LiveModel | None = None,
    exercise: str | None = None,
    band: str | None = None,
    device: str | None = None,
    source_kind: str = "unknown",
    close_when_done: bool = True,
    flush_s: float = 0.5,
    detector_factory: Callable[[], Detector] | None = None,
    around: Callable[[], AbstractAsyncContextManager[Any]] | None = None,
    stop_after_s: float | None = None,
    on_session: Callable[[LiveSession], None] | None = None,
    runner: Callable[[Coroutine[Any, Any, LiveResult]], LiveResult] = asyncio.run,
    recorder_options: dict[str, Any] | None = None,
    coach: Any = None,
) -> LiveResult:
    """Run source → detector → view → log until the source ends, `stop_after_s` passes or the user quits.

    Build `model` first and pass `on_event=model.apply_link_event` to the source to get
    link status (connected, battery, lost samples) on the status line. `around` is entered on
    the live loop around the whole run (e.g. `lambda: virtual_band("face-pull")`, so the virtual
    band lives on the same loop as its client); `runner` runs that loop (e.g. the virtual-time
    runner of `taut.twin.virtual_time`). `detector_factory` lets space end a set early.
    `on_session` gets the LiveSession before it runs (e.g. to forward keys or stop it).
    `recorder_options` go to the `LiveRecorder` (retry_s, final_wait_s, max_pending_bytes, recovery_dirs).
    `coach` (a `taut.coach.guide.LiveCoach`) guides the sets: cues, summaries logged with each set.
    The log is written by a thread that holds writes through locks and a full disk; the result's
    `log` says what reached the log and what went to a recovery file.
    """
    view = choose_view(view)
    model = model or LiveModel()
    recorder = None
    if log_db is not None:
        info = {"exercise": exercise, "band": band, "device": device, "source": source_kind, "created_unix_s": time.time()}
        session_id = log_db.start_session(
            exercise=exercise, band=band, device=device, source=source_kind, started_unix_s=info["created_unix_s"]
        )
        recorder = LiveRecorder(log_db, session_id, flush_s=flush_s, exercise=exercise, session_info=info, **(recorder_options or {}))
    if coach is not None:
        model.coach = coach
    session = LiveSession(source, detector, model, recorder, detector_factory=detector_factory, coach=coach)
    if on_session is not None:
        on_session(session)

    async def main() -> LiveResult:
        if stop_after_s is not None:
            asyncio.get_running_loop().call_later(stop_after_s, session.request_stop)
        async with around() if around is not None else contextlib.nullcontext():
            if view == "term":
                from taut.ui.live_term import TerminalView

                return await TerminalView(model, session).run()
            return await session.run()

    if view in ("none", "term"):
        return runner(main())
    from taut.ui import live_qt

    return run_with_qt(session, live_qt, lambda: runner(main()), close_when_done=close_when_done)


def run_with_qt(
    session: LiveSession,
    live_qt: Any,
    run_loop: Callable[[], LiveResult],
    *,
    close_when_done: bool = True,
) -> LiveResult:
    """The Qt window in this thread, the live loop (`run_loop`) in a worker thread."""
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            run_loop()
        except BaseException as exc:  # surfaced in the caller's thread below
            errors.append(exc)
            session.model.set_status(link="failed", message=str(exc))
            session.done.set()

    thread = threading.Thread(target=worker, name="taut-live", daemon=True)
    thread.start()
    live_qt.run_window(session.model, session, close_when_done=close_when_done)
    session.request_stop()
    thread.join(timeout=10)
    if errors:
        raise errors[0]
    return session.result
