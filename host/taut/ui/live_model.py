"""What a live view draws, independent of any display: recent samples, reps, counters, status.

The pipeline thread feeds it (`push`, `apply_event`, `apply_link_event`); a view takes a
consistent copy with `frame()` at its own pace. Tensions are kept in newtons; `frame()`
converts to the display unit.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from taut.records import Rep, RepSet
from taut.signal.events import RepCancelled, RepCompleted, RepStarted, SetEnded, TopReached
from taut.sources import Connected, DeviceStatus, Disconnected, Gap, LinkEvent, Malformed, Reboot, Reconnecting
from taut.ui.units import next_unit, per_newton

PHASES = ("concentric", "hold", "eccentric")


def rep_phases(rep: Rep) -> tuple[tuple[float, float, str], ...]:
    """A rep's (start s, end s, phase) for each phase of it that lasts: concentric, hold, eccentric."""
    spans = (
        (rep.start_s, rep.top_start_s, "concentric"),
        (rep.top_start_s, rep.top_end_s, "hold"),
        (rep.top_end_s, rep.end_s, "eccentric"),
    )
    return tuple(span for span in spans if span[1] > span[0])


@dataclass(frozen=True, slots=True)
class RepMark:
    """A completed rep as drawn: its set and its record."""

    set_index: int
    rep: Rep


@dataclass(frozen=True, slots=True)
class Counters:
    """The big numbers: reps, set TUT, last rep's tempo and range, for the current set."""

    set_index: int | None
    reps: int
    partials: int
    set_tut_s: float
    last_concentric_s: float | None
    last_hold_s: float | None
    last_eccentric_s: float | None
    last_range_pct: float | None
    last_partial: bool

    @property
    def tempo_text(self) -> str:
        if self.last_concentric_s is None:
            return "–"
        return f"{self.last_concentric_s:.1f}/{self.last_hold_s:.1f}/{self.last_eccentric_s:.1f}"


@dataclass(frozen=True, slots=True)
class Status:
    """Link and device state for the status line."""

    link: str = "waiting"  # waiting, connected, reconnecting, disconnected, ended
    battery_pct: int | None = None
    lost_samples: int = 0
    set_active: bool = False
    message: str = ""
    log_note: str = ""  # e.g. "log busy: 3 reps, 240 samples waiting"; "" when the log keeps up

    @property
    def text(self) -> str:
        parts = [self.link]
        parts.append(f"battery {self.battery_pct}%" if self.battery_pct is not None else "battery ?")
        parts.append(f"lost {self.lost_samples}")
        if self.set_active:
            parts.append("SET")
        if self.message:
            parts.append(self.message)
        if self.log_note:
            parts.append(self.log_note)
        return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class LiveFrame:
    """A consistent copy of the model for one drawn frame (tensions in `unit`)."""

    version: int
    now_s: float
    window_s: float
    unit: str
    time_s: np.ndarray
    tension: np.ndarray
    reps: tuple[RepMark, ...]
    rep_in_progress_s: float | None
    counters: Counters
    status: Status
    target_zone: tuple[float, float] | None
    latest_sample_s: float | None = None
    phases: tuple[tuple[float, float, str, bool], ...] = field(default=())  # (t0, t1, phase, partial)
    coach: object | None = None  # taut.coach.guide.GuideState when a coach runs


class SampleRing:
    """Fixed-capacity ring of (time_s, tension_n) samples; no allocation per push."""

    def __init__(self, capacity: int) -> None:
        if capacity < 2:
            raise ValueError("ring capacity must be at least 2")
        self.capacity = capacity
        self._t = np.zeros(capacity)
        self._x = np.zeros(capacity)
        self._head = 0  # next write position
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def push(self, time_s: np.ndarray, tension_n: np.ndarray) -> None:
        n = len(time_s)
        if n >= self.capacity:
            time_s, tension_n, n = time_s[-self.capacity :], tension_n[-self.capacity :], self.capacity
        first = min(n, self.capacity - self._head)
        self._t[self._head : self._head + first] = time_s[:first]
        self._x[self._head : self._head + first] = tension_n[:first]
        if first < n:
            self._t[: n - first] = time_s[first:]
            self._x[: n - first] = tension_n[first:]
        self._head = (self._head + n) % self.capacity
        self._count = min(self.capacity, self._count + n)

    def since(self, t_min: float) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the samples with time >= t_min, oldest first."""
        if not self._count:
            return np.empty(0), np.empty(0)
        start = (self._head - self._count) % self.capacity
        if start + self._count <= self.capacity:
            t = self._t[start : start + self._count]
            x = self._x[start : start + self._count]
        else:
            t = np.concatenate((self._t[start:], self._t[: self._head]))
            x = np.concatenate((self._x[start:], self._x[: self._head]))
        i = int(np.searchsorted(t, t_min, side="left"))
        return t[i:].copy(), x[i:].copy()

    def last_time(self) -> float | None:
        return float(self._t[(self._head - 1) % self.capacity]) if self._count else None

    def recent_median(self, span_s: float) -> float | None:
        last = self.last_time()
        if last is None:
            return None
        _, x = self.since(last - span_s)
        x = x[np.isfinite(x)]
        return float(np.median(x)) if len(x) else None


class LiveModel:
    """Thread-safe state of a live session for drawing and tests."""

    def __init__(
        self,
        *,
        window_s: float = 30.0,
        capacity: int = 1 << 16,
        unit: str = "N",
        target_zone_n: tuple[float, float] | None = None,
    ) -> None:
        per_newton(unit)
        if window_s <= 0:
            raise ValueError("window_s must be positive")
        if target_zone_n is not None and not target_zone_n[0] < target_zone_n[1]:
            raise ValueError("target zone must be (low_n, high_n) with low < high")
        self.window_s = window_s
        self._lock = threading.Lock()
        self._ring = SampleRing(capacity)
        self._unit = unit
        self._target_zone_n = target_zone_n
        self._marks: list[RepMark] = []
        self._set_index: int | None = None
        self._rep_in_progress_s: float | None = None
        self._status = Status()
        self._version = 0
        self.finished_sets: list[RepSet] = []
        self.coach = None  # a taut.coach.guide.LiveCoach: its state is drawn with each frame
        self.quiet = False  # no sounds
        self._sounds: list[str] = []

    # -- feeding (pipeline side) --------------------------------------------------------------

    def push(self, time_s: np.ndarray, tension_n: np.ndarray) -> None:
        with self._lock:
            self._ring.push(np.asarray(time_s, dtype=float), np.asarray(tension_n, dtype=float))
            self._version += 1

    def apply_event(self, event: object) -> None:
        """Take in a detector event (RepStarted, RepCancelled, RepCompleted, SetEnded)."""
        with self._lock:
            if isinstance(event, RepStarted):
                self._start_set_locked(event.set_index)
                self._rep_in_progress_s = event.time_s
            elif isinstance(event, RepCancelled):
                if event.rep_index is None:  # the rep in progress was not one
                    self._rep_in_progress_s = None
                else:  # a completed rep withdrawn: later reps showed it to be a setup tug
                    self._marks = [
                        m for m in self._marks if not (m.set_index == event.set_index and m.rep.index == event.rep_index)
                    ]
            elif isinstance(event, RepCompleted):
                self._start_set_locked(event.set_index)
                self._rep_in_progress_s = None
                self._marks = [m for m in self._marks if not (m.set_index == event.set_index and m.rep.index == event.rep.index)]
                self._marks.append(RepMark(event.set_index, event.rep))
            elif isinstance(event, SetEnded):
                s = event.rep_set
                self._marks = [m for m in self._marks if m.set_index != s.index] + [RepMark(s.index, r) for r in s.reps]
                self._marks.sort(key=lambda m: m.rep.start_s)
                self._rep_in_progress_s = None
                self.finished_sets.append(s)
                self._status = _replace(self._status, set_active=False)
            elif not isinstance(event, TopReached):  # a top is the coach's, not the counters'
                raise TypeError(f"not a detector event: {event!r}")
            self._version += 1

    def apply_cue(self, cue: object) -> None:
        """Take in a coach's cue: the views draw the coach's state; a cue that makes a sound queues it."""
        from taut.coach.sounds import sound_for

        with self._lock:
            name = None if self.quiet else sound_for(cue)
            if name is not None:
                self._sounds.append(name)
            self._version += 1

    def take_sounds(self) -> list[str]:
        """Sounds queued since the last call (the view plays them)."""
        with self._lock:
            out, self._sounds = self._sounds, []
            return out

    def _start_set_locked(self, set_index: int) -> None:
        if self._set_index != set_index:
            self._set_index = set_index
            self._status = _replace(self._status, set_active=True)

    def begin_manual_set(self, set_index: int) -> None:
        with self._lock:
            self._start_set_locked(set_index)
            self._status = _replace(self._status, set_active=True)
            self._version += 1

    def apply_link_event(self, event: LinkEvent) -> None:
        """Take in a source's link event for the status line."""
        with self._lock:
            st = self._status
            if isinstance(event, Connected | Reconnecting | Disconnected):
                st = _replace(st, link=event.kind)
            elif isinstance(event, Gap):  # every missing sample, lost on the link or never sampled
                st = _replace(st, lost_samples=st.lost_samples + (event.lost_samples or 0))
            elif isinstance(event, DeviceStatus) and event.battery_pct is not None:
                st = _replace(st, battery_pct=event.battery_pct)
            elif isinstance(event, Malformed | Reboot):
                st = _replace(st, message=event.kind)
            self._status = st
            self._version += 1

    @property
    def status(self) -> Status:
        with self._lock:
            return self._status

    def set_status(self, **changes: object) -> None:
        with self._lock:
            self._status = _replace(self._status, **changes)
            self._version += 1

    # -- controls -----------------------------------------------------------------------------

    @property
    def unit(self) -> str:
        return self._unit

    def cycle_unit(self) -> str:
        with self._lock:
            self._unit = next_unit(self._unit)
            self._version += 1
            return self._unit

    def set_unit(self, unit: str) -> None:
        per_newton(unit)
        with self._lock:
            self._unit = unit
            self._version += 1

    def recent_median_n(self, span_s: float = 0.5) -> float | None:
        with self._lock:
            return self._ring.recent_median(span_s)

    # -- reading (view side) ------------------------------------------------------------------

    @property
    def version(self) -> int:
        return self._version

    def frame(self) -> LiveFrame:
        with self._lock:
            last = self._ring.last_time()
            now = last if last is not None else 0.0
            t0 = now - self.window_s
            t, x = self._ring.since(t0)
            k = per_newton(self._unit)
            reps = tuple(m for m in self._marks if m.rep.end_s >= t0)
            counters = self._counters_locked()
            phases = tuple((a, b, name, m.rep.partial) for m in reps for a, b, name in rep_phases(m.rep))
            zone = None if self._target_zone_n is None else (self._target_zone_n[0] * k, self._target_zone_n[1] * k)
            return LiveFrame(
                version=self._version,
                now_s=now,
                window_s=self.window_s,
                unit=self._unit,
                time_s=t,
                tension=x * k,
                reps=reps,
                rep_in_progress_s=self._rep_in_progress_s,
                counters=counters,
                status=self._status,
                target_zone=zone,
                latest_sample_s=last,
                phases=phases,
                coach=None if self.coach is None else self.coach.state(now),
            )

    def rep_keys(self) -> set[tuple[int, int]]:
        """(set_index, rep_index) of every rep shown this session: what the screen counted."""
        with self._lock:
            return {(m.set_index, m.rep.index) for m in self._marks}

    def counters(self) -> Counters:
        with self._lock:
            return self._counters_locked()

    def _counters_locked(self) -> Counters:
        reps = [m.rep for m in self._marks if m.set_index == self._set_index]
        last = reps[-1] if reps else None
        return Counters(
            set_index=self._set_index,
            reps=len(reps),
            partials=sum(r.partial for r in reps),
            set_tut_s=sum(r.tut_s for r in reps),
            last_concentric_s=last.concentric_s if last else None,
            last_hold_s=last.hold_s if last else None,
            last_eccentric_s=last.eccentric_s if last else None,
            last_range_pct=100.0 * last.range_fraction if last else None,
            last_partial=bool(last.partial) if last else False,
        )


def _replace(status: Status, **changes: object) -> Status:
    from dataclasses import replace

    return replace(status, **changes)
