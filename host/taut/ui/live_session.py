"""The live loop: sample source → (tare) → rep detector → live model and workout log.

Runs in one asyncio task; views and key handlers talk to it only through the thread-safe
`request` method (a `Request`), so the Qt window can run it in a worker thread and the terminal view in
the same loop.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import logging
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

import numpy as np

from taut.records import RepSet
from taut.signal.events import RepCancelled, RepCompleted, RepStarted, SetEnded, TopReached
from taut.sources import SampleSource
from taut.store.recorder import LiveRecorder, LogOutcome
from taut.ui.live_model import LiveModel

log = logging.getLogger(__name__)

# Loop turns a stopping source gets to hand over a batch it already has.
_READY_SPINS = 4


class Request(enum.Enum):
    """What a view asks of the live loop (from any thread)."""

    TOGGLE_SET = "toggle_set"  # start a set by hand, or end the one started
    TARE = "tare"  # zero the tension: on the band when it can, else on the host
    STOP = "stop"  # end the session


class Detector(Protocol):
    """A streaming rep detector: events for each batch of samples."""

    def feed(self, time_s: np.ndarray, tension_n: np.ndarray) -> Sequence[object]: ...


@dataclass
class LiveResult:
    """What a live run produced."""

    session_id: int | None
    sets: list[RepSet] = field(default_factory=list)
    samples: int = 0
    stopped_by_user: bool = False
    log: LogOutcome | None = None  # where the session's data went (None: not logged)


def _finish_events(detector: Any) -> Sequence[object]:
    """Ask the detector to close whatever set is open (end of stream or a manual set end)."""
    fn = getattr(detector, "finish", None)
    return cast(Sequence[object], fn() or ()) if callable(fn) else ()


def _shift_set(event: object, offset: int) -> object:
    """The event with its set index moved by `offset` (sets numbered across detector restarts)."""
    if offset == 0:
        return event
    if isinstance(event, RepStarted | TopReached | RepCancelled | RepCompleted):
        return dataclasses.replace(event, set_index=event.set_index + offset)
    if isinstance(event, SetEnded):
        return SetEnded(dataclasses.replace(event.rep_set, index=event.rep_set.index + offset))
    return event


class LiveSession:
    """Drives one live session; construct, then `await run()` (or run it via `run_live`)."""

    def __init__(
        self,
        source: SampleSource,
        detector: Detector,
        model: LiveModel,
        recorder: LiveRecorder | None = None,
        *,
        tare_span_s: float = 0.5,
        on_event: Callable[[object], None] | None = None,
        detector_factory: Callable[[], Detector] | None = None,
        coach: Any = None,
    ) -> None:
        """`detector_factory` lets a set ended by hand (space), or a timed set whose time is up,
        close the detector's set and go on with a fresh detector; without it, ending a set by hand
        only changes the display and a timed set waits for the detector's rest rule.
        `coach` (a `taut.coach.guide.LiveCoach`) is fed the samples and events; its cues go to the
        model (`apply_cue`) and each closed set is logged with the coach's summary."""
        self.source = source
        self.detector = detector
        self.detector_factory = detector_factory
        self._set_offset = 0
        self.model = model
        self.recorder = recorder
        self.tare_span_s = tare_span_s
        self.on_event = on_event
        self.coach = coach
        self.tare_offset_n = 0.0
        self.result = LiveResult(recorder.session_id if recorder else None)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._pending: list[Request] = []
        self._pending_lock = threading.Lock()
        self._manual_set_index: int | None = None
        self._next_set_index = 0
        self.done = threading.Event()

    # -- requests from views (any thread) -----------------------------------------------------

    def request(self, what: Request) -> None:
        """Queue a request for the loop; safe to call from any thread."""
        if not isinstance(what, Request):
            raise TypeError(f"not a live-session Request: {what!r}")
        with self._pending_lock:
            self._pending.append(what)
        if what is Request.STOP and self._loop is not None and self._stop is not None and not self.done.is_set():
            try:
                self._loop.call_soon_threadsafe(self._stop.set)
            except RuntimeError:  # the loop has just finished: nothing left to stop
                pass

    def request_stop(self) -> None:
        self.request(Request.STOP)

    # -- the loop -----------------------------------------------------------------------------

    async def run(self) -> LiveResult:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        with self._pending_lock:
            if Request.STOP in self._pending:
                self._stop.set()
        poll_task = asyncio.create_task(self._poll_recorder())
        stop_task = asyncio.create_task(self._stop.wait())
        try:
            start: Callable[[], Awaitable[object]] | None = getattr(self.source, "start", None)
            if start is not None:
                await start()  # e.g. BleSource: connect and start streaming (it reports "connected")
            else:
                self.model.set_status(link="connected")
            it = self.source.batches().__aiter__()
            while True:
                next_task = asyncio.ensure_future(it.__anext__())
                done, _ = await asyncio.wait({next_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
                if next_task not in done:
                    self.result.stopped_by_user = True
                    await self._take_what_is_left(it, next_task)
                    break
                try:
                    batch = next_task.result()
                except StopAsyncIteration:
                    break
                self._process(batch.time_s, batch.tension_n)
            self._finish_detector()
        finally:
            poll_task.cancel()
            stop_task.cancel()
            await self.source.close()
            if self.recorder is not None:
                if self.recorder.backlog().text:
                    self.model.set_status(log_note="saving what the log has not taken…")
                self.result.log = self.recorder.close()  # never raises a LogError: the outcome says
                self.model.set_status(log_note="" if self.result.log.complete else "not all logged: see the message")
            self.model.set_status(link="ended", set_active=False)
            self.done.set()
        return self.result

    async def _take_what_is_left(self, it: Any, next_task: asyncio.Future[Any]) -> None:
        """On a stop, close the source and take the batches it hands over as it stops (a BLE source
        flushes packets it held for a verdict): samples it delivered are never dropped unseen."""
        await self.source.close()
        while True:
            for _ in range(_READY_SPINS):  # ready now, not waited for: a replay's next batch is not
                if next_task.done():
                    break
                await asyncio.sleep(0)
            if not next_task.done():
                next_task.cancel()
                return
            try:
                batch = next_task.result()
            except StopAsyncIteration:
                return
            except Exception as exc:  # the source failed while closing: what came before is kept
                log.info("source ended with %r after the stop", exc)
                return
            self._process(batch.time_s, batch.tension_n)
            next_task = asyncio.ensure_future(it.__anext__())

    async def _poll_recorder(self) -> None:
        while True:
            await asyncio.sleep(0.1)
            self._do_requests()
            if self.recorder is not None:
                self.recorder.poll()
                note = self.recorder.backlog().text
                if note != self.model.status.log_note:
                    self.model.set_status(log_note=note)

    def _process(self, time_s: np.ndarray, tension_n: np.ndarray) -> None:
        self._do_requests()
        x = np.asarray(tension_n, dtype=float) - self.tare_offset_n
        t = np.asarray(time_s, dtype=float)
        self.model.push(t, x)
        if self.recorder is not None:
            self.recorder.add_samples(t, x)
        self.result.samples += len(t)
        self._handle(self.detector.feed(t, x), t, x)

    def _finish_detector(self) -> None:
        self._handle(_finish_events(self.detector))

    def _close_detector_set(self) -> None:
        """Close the detector's open set now (a set ended by hand or by the plan's clock) and go on
        with a fresh detector."""
        assert self.detector_factory is not None
        self._finish_detector()
        self.detector = self.detector_factory()
        self._set_offset = self._next_set_index

    def _handle(self, events: Sequence[object], time_s: np.ndarray | None = None,
                tension_n: np.ndarray | None = None) -> None:
        shifted = [_shift_set(e, self._set_offset) for e in events]
        cues: Sequence[object] = ()
        if self.coach is not None:
            empty = np.empty(0)
            cues = self.coach.feed(empty if time_s is None else time_s, empty if tension_n is None else tension_n, shifted)
            shifted = [SetEnded(self.coach.coached(e.rep_set)) if isinstance(e, SetEnded) else e for e in shifted]
        self._handle_events(shifted)
        apply_cue = getattr(self.model, "apply_cue", None)
        for cue in cues:
            if apply_cue is not None:
                apply_cue(cue)
        if self.coach is not None and self.detector_factory is not None and self.coach.set_closing():
            self._close_detector_set()  # a timed set's time is up

    def _handle_events(self, events: Sequence[object]) -> None:
        for ev in events:
            self.model.apply_event(ev)
            if isinstance(ev, RepStarted | RepCompleted):
                self._next_set_index = max(self._next_set_index, ev.set_index + 1)
            if self.recorder is not None:
                if isinstance(ev, RepCompleted):
                    self.recorder.rep_completed(ev.set_index, ev.rep)
                elif isinstance(ev, RepCancelled) and ev.rep_index is not None:
                    self.recorder.rep_withdrawn(ev.set_index, ev.rep_index)
                elif isinstance(ev, SetEnded):
                    self.recorder.flush()
                    self.recorder.set_ended(ev.rep_set)
            if isinstance(ev, SetEnded):
                self.result.sets.append(ev.rep_set)
                self._next_set_index = max(self._next_set_index, ev.rep_set.index + 1)
                self._manual_set_index = None
            if self.on_event is not None:
                self.on_event(ev)

    def _do_requests(self) -> None:
        with self._pending_lock:
            pending, self._pending = self._pending, []
        for what in pending:
            if what is Request.TARE:
                band = getattr(self.source, "band", None)
                if band is not None and callable(getattr(band, "tare", None)):
                    asyncio.get_running_loop().create_task(self._device_tare(band))
                    continue
                med = self.model.recent_median_n(self.tare_span_s)
                if med is not None:
                    self.tare_offset_n += med
                    self.model.set_status(message=f"tared {self.tare_offset_n:.1f} N")
                    log.info("host-side tare: offset %.2f N", self.tare_offset_n)
            elif what is Request.TOGGLE_SET:
                if self._manual_set_index is None:
                    self._manual_set_index = self._next_set_index
                    self.model.begin_manual_set(self._manual_set_index)
                    if self.recorder is not None:
                        self.recorder.set_started(self._manual_set_index)
                else:
                    self._manual_set_index = None
                    if self.detector_factory is not None:
                        self._close_detector_set()
                    self.model.set_status(set_active=False)

    async def _device_tare(self, band: Any) -> None:
        try:
            offset_raw = await band.tare()
        except Exception as exc:  # a failed tare is shown, the stream goes on
            log.warning("tare failed: %s", exc)
            self.model.set_status(message=f"tare failed: {exc}")
            return
        self.model.set_status(message=f"tared (offset {offset_raw})")
