"""What the guided calibration flows share: prompts, step phases, the sample buffer and `StepWizard`.

A wizard is a state machine, not a loop: the caller (CLI, GUI or test) reads `prompt`, makes the
user do what it says, calls `confirm()` once they have, then `feed()`s sample batches until the
prompt changes. A step that fails raises a `CalibrationError` naming it and goes back to its own
start, so the user redoes only that step. Nothing is saved by a wizard; its `result` is committed
explicitly (`taut.calibration.commit`). No BLE, no terminal, no clock: time comes with the samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from taut.calibration.errors import CalibrationError

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


R = TypeVar("R")


class StepWizard(Generic[R]):
    """The step machinery both flows share: the prompt, confirm-then-collect, redo and restart.

    A flow lists its steps and supplies `_text(step)` (what to do at a step), `_done_text()` and
    `_drop_from(i)` (forget what steps i and later found); it sets `_result` when done.
    """

    def __init__(self, steps: list[str]) -> None:
        self._steps = steps
        self._i = 0
        self._phase = CONFIRM
        self._retry = ""
        self._buf = SampleBuffer()
        self._new_from = 0  # where the latest batch starts in the buffer
        self._result: R | None = None

    def _text(self, step: str) -> str:
        raise NotImplementedError

    def _done_text(self) -> str:
        raise NotImplementedError

    def _drop_from(self, i: int) -> None:
        raise NotImplementedError

    @property
    def prompt(self) -> Prompt:
        if self._result is not None:
            return Prompt("done", DONE, self._done_text(), len(self._steps), len(self._steps))
        step = self._steps[self._i]
        return Prompt(step, self._phase, self._text(step), self._i, len(self._steps), self._retry)

    @property
    def result(self) -> R:
        if self._result is None:
            raise RuntimeError(f"the calibration is not finished (at step {self.prompt.step!r})")
        return self._result

    def redo(self, step: str) -> Prompt:
        """Go back to a step; what it and every later step found is dropped."""
        if step not in self._steps:
            raise ValueError(f"no step {step!r}; steps: {', '.join(self._steps)}")
        i = self._steps.index(step)
        self._drop_from(i)
        self._i = i
        self._result = None
        self._restart("")
        return self.prompt

    def _expect_confirm(self) -> None:
        if self._result is not None or self._phase != CONFIRM:
            raise RuntimeError(f"nothing to confirm at {self.prompt.step!r} ({self.prompt.action})")

    def _collect(self) -> Prompt:
        """The user is in position: the step starts collecting samples."""
        self._phase = COLLECT
        self._buf.clear()
        return self.prompt

    def _take_batch(self, time_s, tension_n) -> bool:
        """Append a batch to the collecting step's samples; False (ignored) when none collects."""
        if self._result is not None or self._phase != COLLECT:
            return False
        self._new_from = len(self._buf)
        self._buf.extend(time_s, tension_n)
        return True

    def _restart(self, reason: str) -> None:
        """The step starts again from its prompt, `reason` shown as the retry."""
        self._phase = CONFIRM
        self._retry = reason
        self._buf.clear()

    def _fail(self, exc: CalibrationError) -> None:
        self._restart(str(exc))
        raise exc

    def _advance(self) -> None:
        """On to the next step's prompt."""
        self._i += 1
        self._phase = CONFIRM
        self._retry = ""
        self._buf.clear()
