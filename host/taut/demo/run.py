"""Running the demo: each set through the whole live chain, then checked against its truth.

Per set: a virtual band (the firmware, unchanged) whose load cell follows the set's plan, a
`BleSource` over the Bumble link, `run_live` (RepDetector → view → workout log) on a real or
simulated clock, then `SetCheck` against the physics model's truth.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from taut.demo.check import DemoResult, SetCheck, SetTotals
from taut.demo.plan import DemoSet
from taut.demo.stage import Stage
from taut.records import RepSet
from taut.store import WorkoutLog
from taut.twin.exercise_load import PlanLoad
from taut.ui.live_model import LiveModel
from taut.ui.live_session import LiveResult, LiveSession
from taut.ui.run_live import choose_view, run_live

log = logging.getLogger(__name__)

STOP_MARGIN_S = 1.0  # run this long past the plan's end


def _coach(ds: DemoSet):  # noqa: ANN202 - a LiveCoach
    """The coach for a demo set: one set of its exercise at the catalogue's targets (the habit
    model's tension target when it has one, so a band too light could show)."""
    from taut.coach.guide import LiveCoach
    from taut.coach.plan import plan_from_flags

    tension = getattr(ds.cue_truth, "tension_target_n", None)
    n = len(ds.plan.sets[0].reps)
    return LiveCoach(plan_from_flags(ds.exercise, sets=1, reps=n, tension_n=tension))


def _cue_columns(ds: DemoSet, coach: Any, found_sets: Sequence[RepSet], truth: Sequence[RepSet]) -> dict:
    """Cue counts and band verdicts found (the coach's summaries) and true: for a habit set the
    model's intent, otherwise the coach's rules on the model's noise-free truth reps."""
    from taut.coach import logged_summary
    from taut.coach.rep_cues import REP_CUE_KINDS, rep_cue_kinds

    found: dict[str, int] = {}
    band_found = "ok"
    for s in found_sets:
        summary = logged_summary(s)
        if summary is None:
            continue
        for k in REP_CUE_KINDS:
            found[k] = found.get(k, 0) + summary.cue_counts.get(k, 0)
        if summary.band_verdict != "ok":
            band_found = summary.band_verdict
    if ds.cue_truth is not None:
        kinds = list(ds.cue_truth.rep_cues)
        band_truth = ds.cue_truth.band
    else:
        targets = coach.block.targets
        kinds = [rep_cue_kinds(r, targets) for s in truth for r in s.reps]
        band_truth = "ok"
    true = {k: sum(k in ks for ks in kinds) for k in REP_CUE_KINDS}
    return {"cues_found": {k: v for k, v in found.items() if v}, "cues_truth": {k: v for k, v in true.items() if v},
            "band_found": band_found, "band_truth": band_truth, "habit": ds.habit}


def demo_log_path() -> Path:
    """`<user data dir>/taut/demo.sqlite3`: the demo's own log, apart from the user's real one."""
    import platformdirs

    return Path(platformdirs.user_data_dir("taut", appauthor=False)) / "demo.sqlite3"


def run_demo(
    sets: Sequence[DemoSet],
    *,
    fast: bool = False,
    view: str = "auto",
    log_db: WorkoutLog | None = None,
    on_set_start: Callable[[DemoSet, int], None] | None = None,
    on_set_done: Callable[[SetCheck], None] | None = None,
    on_session: Callable[[LiveSession], None] | None = None,
    window_s: float = 30.0,
    linger_s: float = 2.0,
    runtime: str = "cpython",
) -> DemoResult:
    """Run each set through the whole chain and check it; `fast` runs on the simulated clock.

    `view`: auto (a window with a display, else the terminal when interactive, else none), qt,
    term or none. `on_set_start(set, total)` and `on_set_done(check)` let a caller show progress;
    `on_session` gets each set's LiveSession (keys, stop). A set stopped before its planned end
    (q in a view, or `request_stop`) ends the demo: `stopped_by_user`. The window keeps each
    finished set (its final reps and counts) on screen for `linger_s` before the next one.
    `runtime`: "cpython" (the twin) or "micropython" (the real MicroPython with NimBLE; real time).
    """
    if fast and runtime == "micropython":
        raise ValueError("the micropython runtime runs in real time only (no fast)")
    view = choose_view(view)
    result = DemoResult()
    if view != "qt":
        for ds in sets:
            if on_set_start is not None:
                on_set_start(ds, len(sets))
            model = LiveModel(window_s=window_s)
            check, completed = _run_set(ds, fast=fast, view=view, log_db=log_db, model=model, on_session=on_session,
                                        runtime=runtime)
            if not completed:
                result.stopped_by_user = True
                break
            result.checks.append(check)
            if on_set_done is not None:
                on_set_done(check)
        return result

    from taut.ui import live_qt
    from taut.ui.run_live import run_with_qt

    stage = Stage(LiveModel(window_s=window_s))

    def attach(session: LiveSession) -> None:
        stage.attach(session)
        if on_session is not None:
            on_session(session)

    def work() -> LiveResult:
        try:
            for ds in sets:
                if stage.stopped:
                    break
                if on_set_start is not None:
                    on_set_start(ds, len(sets))
                model = LiveModel(window_s=window_s)
                stage.show(model)
                check, completed = _run_set(ds, fast=fast, view="none", log_db=log_db, model=model, on_session=attach,
                                            runtime=runtime)
                if not completed:
                    break
                result.checks.append(check)
                if on_set_done is not None:
                    on_set_done(check)
                stage.linger(linger_s)
        finally:
            stage.done.set()
        return stage.result

    run_with_qt(stage, live_qt, work)  # type: ignore[arg-type]
    result.stopped_by_user = len(result.checks) < len(sets)
    return result


def _run_set(
    ds: DemoSet,
    *,
    fast: bool,
    view: str,
    log_db: WorkoutLog | None,
    model: LiveModel,
    on_session: Callable[[LiveSession], None] | None = None,
    runtime: str = "cpython",
) -> tuple[SetCheck, bool]:
    """One set on its own virtual band; (the check, whether the set ran to its planned end)."""
    from taut import ble
    from taut.signal import RepDetector
    from taut.twin.band import VirtualBand

    load = PlanLoad(ds.plan)
    if runtime == "micropython":
        from taut.mpstack.band import MicroPythonBand

        band: Any = MicroPythonBand(load, seed=ds.seed)
    else:
        band = VirtualBand(load, seed=ds.seed)
    end_s = load.duration_s
    sessions: list[LiveSession] = []
    planned_stop: list[bool] = []

    def attach(session: LiveSession) -> None:
        sessions.append(session)
        if on_session is not None:
            on_session(session)

    def stop_at_end() -> None:
        planned_stop.append(True)
        sessions[0].request_stop()

    @asynccontextmanager
    async def around() -> AsyncIterator[Any]:
        handle: asyncio.TimerHandle | None = None
        try:
            await band.start()  # session time 0 of the plan
            handle = asyncio.get_running_loop().call_later(end_s + STOP_MARGIN_S, stop_at_end)
            yield band
        finally:
            if handle is not None:
                handle.cancel()
            await band.close()

    model.set_status(message=f"demo {ds.index + 1}: {ds.exercise} · band {ds.band}")
    runner: Callable[[Any], LiveResult] = asyncio.run
    if fast:
        from taut.twin.virtual_time import run as virtual_time_run

        runner = virtual_time_run
    coach = _coach(ds)
    live = run_live(
        ble.BleSource(band.address, backend=ble.virtual(), on_event=model.apply_link_event),
        RepDetector(ds.exercise, top_events=True),
        detector_factory=lambda: RepDetector(ds.exercise, top_events=True),
        log_db=log_db,
        view=view,
        model=model,
        exercise=ds.exercise,
        band=ds.band,
        device=band.name,
        source_kind="virtual",
        around=around,
        on_session=attach,
        runner=runner,
        coach=coach,
    )
    completed = bool(planned_stop)
    truth: tuple[RepSet, ...] = load.stream.truth_until(end_s)
    found = [r for s in live.sets for r in s.reps]
    check = SetCheck(
        exercise=ds.exercise,
        band=ds.band,
        found=SetTotals.of(found),
        truth=SetTotals.of([r for s in truth for r in s.reps]),
        sets_found=len(live.sets),
        session_id=live.session_id,
        **_cue_columns(ds, coach, live.sets, truth),
    )
    log.info("demo set %s: found %s, truth %s", ds.exercise, check.found, check.truth)
    return check, completed
