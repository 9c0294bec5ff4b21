"""One live window for the whole demo: it follows whichever set is running.

The Qt window takes one model and one session; the demo runs a fresh session (and model) per
set, so the window gets a `Stage`, which forwards drawing to the current model and keys to the
current session.
"""

from __future__ import annotations

import threading
from typing import Any

from taut.ui.live_model import LiveModel
from taut.ui.live_session import LiveResult, LiveSession, Request


class Stage:
    """The Qt window's view of the demo: the current set's model and session, one window for all.

    The window reads `model` and sends keys to `request`; both go to whichever set is running.
    `done` is set once every set has run (or the demo stopped).
    """

    def __init__(self, model: LiveModel) -> None:
        self._model = model
        self._session: LiveSession | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.done = threading.Event()
        self.result = LiveResult(None)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def linger(self, seconds: float) -> None:
        """Keep the finished set on screen for `seconds` (less if the user stops)."""
        self._stop.wait(seconds)

    @property
    def model(self) -> Any:
        return ModelRelay(self)

    def show(self, model: LiveModel) -> None:
        model.set_unit(self._model.unit)
        self._model = model

    def attach(self, session: LiveSession) -> None:
        with self._lock:
            self._session = session
            stop = self.stopped
        if stop:  # the user quit between two sets
            session.request_stop()

    def request(self, what: Request) -> None:
        with self._lock:
            if what is Request.STOP:
                self._stop.set()
            session = self._session
        if session is not None:
            session.request(what)

    def request_stop(self) -> None:
        self.request(Request.STOP)


class ModelRelay:
    """Attribute access forwarded to the stage's current LiveModel."""

    def __init__(self, stage: Stage) -> None:
        self._stage = stage

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stage._model, name)
