"""Run a wizard against a live sample source: show prompts, wait for confirmations, feed batches.

The same loop serves the CLI (a person pressing Enter) and the virtual band (a `Rehearsal` acting
on each prompt). Samples older than the latest confirmation are dropped, so what the band did
before the user was ready never counts. A step that fails is shown and asked again, up to
`max_retries` failures in all; then the last error is raised and nothing has been saved.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import numpy as np

from taut.calibration.errors import CalibrationError
from taut.calibration.wizard import COLLECT, CONFIRM, DONE, Prompt
from taut.sources import SampleBatch

log = logging.getLogger(__name__)


ConfirmFn = Callable[[Prompt], Awaitable[float | None]]  # returns a length (cm) for a mark, or None
ShowFn = Callable[[Prompt], None]
ErrorFn = Callable[[CalibrationError], None]


class SourceEnded(CalibrationError):
    """The sample source stopped before the calibration finished."""


async def run_wizard(
    wizard: Any,
    batches: AsyncIterator[SampleBatch],
    *,
    confirm: ConfirmFn,
    now_s: Callable[[], float],
    show: ShowFn = lambda p: None,
    on_error: ErrorFn = lambda e: None,
    max_retries: int = 5,
) -> Any:
    """Drive `wizard` (a LoadCellWizard or BandWizard) to the end; returns its result. `now_s()` is on the batches' clock."""
    failures = 0
    since_s = -np.inf
    shown: tuple[str, str] | None = None
    while True:
        p = wizard.prompt
        if (p.step, p.action) != shown:
            show(p)
            shown = (p.step, p.action)
        if p.action == DONE:
            return wizard.result
        try:
            if p.action == CONFIRM:
                length_cm = await confirm(p)
                since_s = now_s()
                if length_cm is None:
                    wizard.confirm()
                else:
                    wizard.confirm(length_cm=length_cm)
                continue
            assert p.action == COLLECT
            try:
                batch = await anext(batches)
            except StopAsyncIteration:
                raise SourceEnded("the band stopped sending samples.", step=p.step,
                                  guidance="Check the connection and run the calibration again.") from None
            keep = batch.time_s > since_s
            if keep.any():
                wizard.feed(batch.time_s[keep], batch.tension_n[keep])
        except SourceEnded:
            raise
        except CalibrationError as exc:
            failures += 1
            log.info("calibration step %s failed: %s", exc.step, exc)
            on_error(exc)
            shown = None
            if failures > max_retries:
                raise
