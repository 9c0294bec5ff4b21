"""What the guided calibration flows share: prompts, step phases and the sample buffer.

A wizard is a state machine, not a loop: the caller (CLI, GUI or test) reads `prompt`, makes the
user do what it says, calls `confirm()` once they have, then `feed()`s sample batches until the
prompt changes. A step that fails raises a `CalibrationError` naming it and goes back to its own
start, so the user redoes only that step. Nothing is saved by a wizard; its `result` is committed
explicitly (`taut.calibration.commit`). No BLE, no terminal, no clock: time comes with the samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CONFIRM = "confirm"  # do what the text says, then call confirm()
COLLECT = "collect"  # keep feeding samples
DONE = "done"  # the result is ready


@dataclass(frozen=True, slots=True)
class Prompt:
    """What the user should do now. `retry` holds the reason when a step is being redone."""

    step: str
    action: str
    text: str
    index: int  # 0-based position of the step
    total: int  # number of steps
    retry: str = ""


class SampleBuffer:
    """Samples of the current step, appended batch by batch (time must increase across batches)."""

    def __init__(self) -> None:
        self._t: list[np.ndarray] = []
        self._x: list[np.ndarray] = []
        self._n = 0
        self._last_t = -np.inf

    def clear(self) -> None:
        self._t.clear()
        self._x.clear()
        self._n = 0
        self._last_t = -np.inf

    def extend(self, time_s, tension_n) -> None:
        """Append one batch; ValueError if lengths differ or times do not increase."""
        t = np.asarray(time_s, dtype=float).ravel()
        x = np.asarray(tension_n, dtype=float).ravel()
        if t.shape != x.shape:
            raise ValueError("time_s and tension_n differ in length")
        if not len(t):
            return
        if not np.isfinite(t).all() or t[0] <= self._last_t or (len(t) > 1 and not (np.diff(t) > 0).all()):
            raise ValueError("sample times must be finite and strictly increasing")
        self._t.append(t)
        self._x.append(x)
        self._n += len(t)
        self._last_t = float(t[-1])

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if len(self._t) > 1:
            self._t = [np.concatenate(self._t)]
            self._x = [np.concatenate(self._x)]
        if not self._t:
            return np.empty(0), np.empty(0)
        return self._t[0], self._x[0]

    def __len__(self) -> int:
        return self._n

    @property
    def span_s(self) -> float:
        if not self._n:
            return 0.0
        return self._last_t - float(self._t[0][0])
