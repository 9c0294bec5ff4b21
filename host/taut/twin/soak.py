"""The soak: a person training on the virtual band for a long while, streamed live into the log
through every fault we know (link drops, loss, corrupted and wild packets, reboots, stalled
control, a locked log, a full disk), with exact accounting of every sample and every rep.

`run_soak(duration_s, seed=...)` runs the whole live chain (firmware twin → Bumble → `BleSource`
→ `RepDetector` → `LiveRecorder` → SQLite) on the simulated clock and returns a `SoakReport`
whose `checks` say which invariant held. Used by `benchmarks/soak.py` and `tests/ble/test_soak.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from taut.records import Rep
from taut.signal.events import RepCancelled, RepCompleted
from taut.sources import Gap

# Every fault kind the soak injects (`SoakReport.injected` keys).
FAULT_KINDS = ("drop", "loss", "corrupt", "wild", "reboot", "stall", "lock", "full")
_MALFORMED = ("truncated", "reserved-flags", "bad-offsets", "bad-version", "flipped", "flipped", "flipped")


@dataclass
class SoakReport:
    """Figures of one soak and the verdict on each invariant (name -> (held, detail))."""

    seed: int
    sim_s: float = 0.0
    wall_s: float = 0.0
    produced: int = 0  # samples the firmware put on the air
    delivered: int = 0
    lost: int = 0  # counted lost in gaps by sequence number
    not_sampled: int = 0  # holes in the device's own sampling
    link_down: int = 0  # samples' worth of time between epochs (reconnects, reboots, time jumps): never streamed
    logged: int = 0  # in the log, after importing the recovery file (if any)
    recovered: int = 0  # of which came from the recovery file
    reps_completed: int = 0
    reps_logged: int = 0
    sets: int = 0
    malformed_counted: int = 0
    injected: dict[str, int] = field(default_factory=dict)
    schedule_error: str | None = None  # the fault schedule failed (the soak is then void)
    held_by: dict[str, int] = field(default_factory=dict)  # log errors the recorder met, by kind (sampled)
    checks: dict[str, tuple[bool, str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(held for held, _ in self.checks.values())

    def lines(self) -> list[str]:
        """The figures and one PASS/FAIL line per invariant, for printing."""
        out = [
            f"seed {self.seed}: {self.sim_s:.0f} s simulated in {self.wall_s:.1f} s wall ({self.sim_s / max(self.wall_s, 1e-9):.0f}x)",
            f"samples produced {self.produced}, delivered {self.delivered}, lost in gaps {self.lost}, "
            f"not sampled {self.not_sampled}, logged {self.logged} (from the recovery file {self.recovered}); "
            f"link down for ~{self.link_down} samples' time",
            "log writes held back: " + (", ".join(f"{k} x{n}" for k, n in sorted(self.held_by.items())) or "never"),
            f"reps completed {self.reps_completed}, logged {self.reps_logged}, sets {self.sets}; malformed counted {self.malformed_counted}",
            "faults injected: " + ", ".join(f"{k} {self.injected.get(k, 0)}" for k in FAULT_KINDS),
        ]
        out += [f"{'PASS' if held else 'FAIL'}  {name}: {detail}" for name, (held, detail) in self.checks.items()]
        return out


class _Lock:
    """Another connection holds the log's write lock (`BEGIN IMMEDIATE`) until `release`."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=5.0)
        self.conn.execute("BEGIN IMMEDIATE")
        self.until_s = 0.0  # loop time it is held until (a second lock fault extends it)

    def release(self) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


def _cap_pages(db, pages: int | None) -> None:  # noqa: ANN001
    """A full disk: SQLite's `max_page_count` at the current size (None: lifted)."""
    with db._lock:
        conn = db._conn
        if pages is None:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")


def _measured(rep: Rep) -> tuple[object, ...]:
    """A rep's own figures (not those the set's end decides: index, range fraction, partial, pause)."""
    return (rep.start_s, rep.top_start_s, rep.top_end_s, rep.end_s, rep.bottom_n, rep.peak_n, rep.mean_n, rep.impulse_ns, rep.range_cm)


def fault_plan(duration_s: float, seed: int, *, every_s: float = 30.0) -> list[tuple[float, str]]:
    """(session time, kind): every kind once early on, then random kinds about every `every_s`."""
    rng = random.Random(seed)
    kinds = list(FAULT_KINDS)
    rng.shuffle(kinds)
    plan: list[tuple[float, str]] = []
    t = 20.0
    for kind in kinds:  # the first round: every kind at least once
        plan.append((t, kind))
        t += rng.uniform(6.0, 12.0)
    while True:
        t += rng.uniform(0.5, 1.5) * every_s
        if t > duration_s - 30.0:
            break
        plan.append((t, rng.choice(FAULT_KINDS)))
    return plan


async def _soak(duration_s: float, seed: int, exercise: str, workdir: Path, every_s: float, report: SoakReport):  # noqa: ANN202
    from taut import ble
    from taut.signal import RepDetector
    from taut.store import open_log
    from taut.store.recorder import LiveRecorder
    from taut.twin.band import VirtualBand
    from taut.twin.exercise_load import ExerciseLoad
    from taut.twin.faults import Faults
    from taut.ui.live_model import LiveModel
    from taut.ui.live_session import LiveSession

    loop = asyncio.get_running_loop()
    rng = random.Random(seed + 1)
    load = ExerciseLoad(exercise, seed=seed, duration_s=duration_s)
    band = VirtualBand(load, seed=seed, drift_ppm=30.0)
    faults = Faults(band, seed=seed)
    db = open_log(workdir / "log.db", timeout_s=0.05)
    sid = db.start_session(exercise=exercise, source="virtual")
    recorder = LiveRecorder(
        db, sid, exercise=exercise, flush_s=0.5, retry_s=0.02, final_wait_s=0.5, recovery_dirs=(workdir,), clock=loop.time,
    )  # fmt: skip
    source = ble.BleSource(band.address, backend=ble.virtual(), backoff_s=(0.2, 2.0), seed=seed)
    delivered: list[np.ndarray] = []
    live_reps: dict[tuple[int, int], Rep] = {}

    def on_event(ev: object) -> None:
        if isinstance(ev, RepCompleted):
            live_reps[(ev.set_index, ev.rep.index)] = ev.rep
        elif isinstance(ev, RepCancelled) and ev.rep_index is not None:
            live_reps.pop((ev.set_index, ev.rep_index), None)

    session = LiveSession(source, RepDetector(exercise), LiveModel(), recorder, on_event=on_event)
    original_process = session._process

    def process(time_s: np.ndarray, tension_n: np.ndarray) -> None:
        delivered.append(np.array(time_s, dtype=float))
        original_process(time_s, tension_n)

    session._process = process  # type: ignore[method-assign]
    injected = report.injected
    troubles: list[object] = []  # log troubles still on (lock holders, the page cap)

    async def watch_log() -> None:
        last = None
        while True:
            await asyncio.sleep(0.25)
            error = recorder.backlog().error
            name = type(error).__name__ if error is not None else None
            if name is not None and name != last:
                report.held_by[name] = report.held_by.get(name, 0) + 1
            last = name

    async def inject(kind: str, *, final: bool = False) -> None:
        injected[kind] = injected.get(kind, 0) + 1
        if kind == "drop":
            await faults.drop_link()
        elif kind == "loss":
            faults.lose_packets(rng.randint(1, 6))
        elif kind == "corrupt":
            faults.corrupt_next(rng.choice(_MALFORMED))
        elif kind == "wild":
            faults.wild_next(rng.choice(("seq", "time")))
        elif kind == "reboot":
            await faults.reboot()
        elif kind == "stall":
            faults.stall_control(rng.uniform(3.0, 8.0))
            client = source.band
            if client is not None and client.is_connected:
                with contextlib.suppress(Exception):  # a timeout is what a stall does
                    await client.get_settings()
            faults.stall_control(0.0)
        elif kind == "lock":
            holder = next((t for t in troubles if isinstance(t, _Lock)), None)
            if holder is None:
                holder = _Lock(db.path)
                troubles.append(holder)
            hold_s = float("inf") if final else rng.uniform(2.0, 20.0)
            holder.until_s = max(holder.until_s, loop.time() + hold_s)
            if not final:
                loop.call_later(hold_s, _lift, holder)
        elif kind == "full":
            _cap_pages(db, None)
            troubles.append("full")
            loop.call_later(rng.uniform(2.0, 30.0), _lift, "full")

    def _lift(trouble: object, *, force: bool = False) -> None:
        if isinstance(trouble, _Lock) and not force and loop.time() < trouble.until_s - 1e-6:
            return  # extended by a later lock fault
        if trouble in troubles:
            troubles.remove(trouble)
            if trouble == "full":
                if "full" not in troubles:
                    _cap_pages(db, 1 << 30)
            else:
                trouble.release()  # type: ignore[attr-defined]

    async def schedule() -> None:
        start_s = loop.time()
        for at_s, kind in fault_plan(duration_s, seed, every_s=every_s):
            await asyncio.sleep(max(0.0, start_s + at_s - loop.time()))
            await inject(kind)
        await asyncio.sleep(max(0.0, start_s + duration_s - 5.0 - loop.time()))
        # The log is locked at the end: what it has not taken goes to the recovery file.
        await inject("lock", final=True)
        await asyncio.sleep(max(0.0, start_s + duration_s - loop.time()))
        session.request_stop()

    await band.start()
    t0_wall = time.perf_counter()
    t0_sim = loop.time()
    task = loop.create_task(schedule())
    watcher = loop.create_task(watch_log())
    result = await session.run()
    report.sim_s = loop.time() - t0_sim
    report.wall_s = time.perf_counter() - t0_wall
    for t in (task, watcher):
        t.cancel()
        with contextlib.suppress(BaseException):
            await t
    if task.done() and not task.cancelled() and task.exception() is not None:
        report.schedule_error = repr(task.exception())
    for trouble in list(troubles):
        _lift(trouble, force=True)
    await band.close()
    return band, faults, source, db, sid, result, delivered, live_reps


def run_soak(
    duration_s: float = 3600.0,
    *,
    seed: int = 0,
    exercise: str = "face-pull",
    every_s: float = 30.0,
    workdir: Path | None = None,
) -> SoakReport:
    """Soak `duration_s` of simulated training under a seeded fault schedule; the report has the verdicts."""
    from taut.store.recovery import import_file
    from taut.twin.virtual_time import run

    report = SoakReport(seed)
    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="taut-soak-")))
        band, faults, source, db, sid, result, delivered, live_reps = run(
            _soak(duration_s, seed, exercise, workdir, every_s, report)
        )
        stats = source.stats
        out = result.log
        assert out is not None
        imported = import_file(db, out.recovery_path) if out.recovery_path is not None else None
        report.recovered = imported.samples if imported is not None else 0
        t_delivered = np.concatenate(delivered) if delivered else np.zeros(0)
        t_log, _ = db.samples(sid)
        log_reps = {(s.index, r.index): r for s in db.sets(sid) for r in s.reps}
        final_reps = {(s.index, r.index): r for s in result.sets for r in s.reps}
        db.close()

        report.produced = band.sent.samples
        report.delivered = stats.samples
        gaps = [e for e in source.events if isinstance(e, Gap)]
        report.lost = sum(g.lost_samples or 0 for g in gaps if g.reason == "lost")
        report.link_down = sum(g.lost_samples or 0 for g in gaps if g.reason not in ("lost", "sampling"))
        report.not_sampled = stats.missed_samples
        report.logged = len(t_log)
        report.reps_completed = len(live_reps)
        report.reps_logged = len(log_reps)
        report.sets = len(result.sets)
        report.malformed_counted = stats.malformed
        c = report.checks
        accounted = report.delivered + report.lost
        c["every sample produced is delivered or lost in a gap (by sequence number)"] = (
            accounted == report.produced,
            f"{report.produced} produced, {report.delivered} delivered + {report.lost} lost = {accounted}",
        )
        c["the assembler's counts add up"] = (
            stats.lost_samples + stats.missed_samples == report.lost + report.link_down + report.not_sampled,
            f"lost {stats.lost_samples} + missed {stats.missed_samples} vs gaps {report.lost} + {report.link_down} + {report.not_sampled}",
        )
        c["the log refused writes (locked and full) and the recorder held them"] = (
            {"LockedError", "DiskFullError"} <= set(report.held_by), f"{report.held_by}",
        )
        c["the session saw every delivered sample"] = (
            len(t_delivered) == report.delivered == result.samples,
            f"assembler {report.delivered}, session {result.samples}, handed on {len(t_delivered)}",
        )
        same = len(t_log) == len(t_delivered) and bool(np.allclose(t_log, t_delivered, rtol=0, atol=1e-6))
        c["every delivered sample is in the log (or the recovery file)"] = (
            same, f"{len(t_delivered)} delivered, {len(t_log)} logged ({report.recovered} via the recovery file)"
        )
        # A rep is known by its set and onset: the final set numbers its reps from 0 after leaving
        # out setup tugs, while live numbering counts them (RepCompleted.rep.index).
        live_by_start = {(k[0], r.start_s): r for k, r in live_reps.items()}
        log_by_start = {(k[0], r.start_s): r for k, r in log_reps.items()}
        missing = sorted(set(live_by_start) - set(log_by_start))
        extra = sorted(set(log_by_start) - set(live_by_start))
        c["every completed rep is in the log"] = (
            not missing and not extra,
            f"{len(live_reps)} completed, {len(log_reps)} logged, missing {missing[:3]}, extra {extra[:3]}",
        )
        differ = [k for k, r in live_by_start.items() if k in log_by_start and _measured(log_by_start[k]) != _measured(r)]
        final_differ = [k for k in set(final_reps) | set(log_reps) if final_reps.get(k) != log_reps.get(k)]
        renumbered = sum(1 for k, r in live_by_start.items() if k in log_by_start and log_by_start[k].index != r.index)
        c["logged reps have the live figures"] = (
            not differ and not final_differ,
            f"{len(differ)} differ from live {differ[:3]}, {len(final_differ)} from the final sets {final_differ[:3]}"
            f" ({renumbered} renumbered at set end: setup tugs left out)",
        )
        spoiled = faults.corrupted + faults.wild  # put on the air (one queued at the very end may not be)
        c["malformed packets counted = injected"] = (
            report.malformed_counted == spoiled == band.sent.corrupted_packets,
            f"{report.malformed_counted} counted ({dict(stats.malformed_reasons)}), {faults.corrupted} corrupted + {faults.wild} wild sent",
        )
        c["every fault kind was injected"] = (
            all(report.injected.get(k, 0) > 0 for k in FAULT_KINDS), ", ".join(f"{k} {report.injected.get(k, 0)}" for k in FAULT_KINDS)
        )
        c["the session's tail (log locked at the end) went to a recovery file that imported whole"] = (
            imported is not None and imported.left == 0,
            f"{out.message()}" if imported is None else f"{imported.samples} samples, {imported.reps} reps imported, {imported.left} left",
        )
        c["the fault schedule ran to its end"] = (report.schedule_error is None, report.schedule_error or "yes")
        c["the firmware raised nothing"] = (not band.errors, f"{len(band.errors)} errors {band.errors[:2]}")
    return report
