"""`taut live`: the live tension graph (window, or terminal view without a display), rep counting and logging."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path


from taut.commands import CommandError
from taut.commands._log_access import add_db_argument, open_for
from taut.ui.units import UNITS, per_newton


def _zone(text: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"target zone must be LOW:HIGH, got {text!r}") from None
    if not 0 <= lo < hi:
        raise argparse.ArgumentTypeError(f"target zone needs 0 <= LOW < HIGH, got {text!r}")
    return lo, hi


def add_arguments(parser: argparse.ArgumentParser) -> None:
    src = parser.add_mutually_exclusive_group()
    src.add_argument("--device", metavar="NAME", help="a band by name or address (default: the first found)")
    src.add_argument("--virtual", metavar="EXERCISE", help="the built-in virtual band doing EXERCISE")
    src.add_argument("--replay", metavar="REC.csv", type=Path, help="replay a recording (time_s,tension_n CSV)")
    parser.add_argument("--speed", type=float, default=1.0, help="replay speed (1 = real time, 0 = as fast as possible)")
    parser.add_argument("--seed", type=int, default=0, help="virtual band: random seed (default 0)")
    parser.add_argument("--fast", action="store_true", help="virtual band: run on a simulated clock, faster than real time")
    from taut.commands._band_args import add_runtime_argument

    add_runtime_argument(parser)
    parser.add_argument("--seconds", type=float, metavar="S", help="stop after S seconds (of the source's clock)")
    parser.add_argument("--exercise", help="exercise id (e.g. face-pull): targets and the log entry")
    parser.add_argument("--band", metavar="NAME", help="band name for the log; a calibrated one also gives range in cm")
    parser.add_argument("--view", choices=("auto", "qt", "term", "none"), default="auto", help="how to show it")
    parser.add_argument("--unit", choices=UNITS, default="N", help="tension unit to start with (u cycles)")
    parser.add_argument("--target", type=_zone, metavar="LOW:HIGH", help="target tension zone, in --unit")
    parser.add_argument("--window", type=float, default=30.0, metavar="S", help="seconds of trace shown (default 30)")
    parser.add_argument("--no-log", action="store_true", help="do not write the workout log")
    parser.add_argument("--keep-open", action="store_true", help="keep the window open when the source ends")
    add_db_argument(parser)


def _source(args: argparse.Namespace, model):  # noqa: ANN001, ANN202
    if args.replay is not None:
        from taut.recording import RecordingError, read_recording
        from taut.sources import ReplaySource

        try:
            rec = read_recording(args.replay)
        except RecordingError as exc:
            raise CommandError(str(exc)) from exc
        from taut.commands.analyze import note_merged_samples

        note_merged_samples(args.replay, rec)
        if args.speed < 0:
            raise CommandError("--speed must be >= 0")
        return ReplaySource(rec.time_s, rec.tension_n, speed=args.speed, on_event=model.apply_link_event), "replay"
    from taut import ble

    if args.virtual is not None:
        return ble.BleSource(None, backend=ble.virtual(), on_event=model.apply_link_event), "virtual"
    return ble.BleSource(args.device, on_event=model.apply_link_event), "ble"


def _virtual_band(args: argparse.Namespace):  # noqa: ANN202
    """The context that runs the virtual band on the live loop (None for other sources)."""
    if args.virtual is None:
        return None
    from taut.commands._band_args import virtual_runtime

    try:
        from taut.twin.launch import virtual_band

        if virtual_runtime(args) == "micropython":
            from taut.mpstack.launch import micropython_band as virtual_band  # noqa: F811
    except ImportError as exc:
        raise CommandError(f"the virtual band needs Bumble ({exc.name}): pip install 'taut[virtual]'") from None
    return lambda: virtual_band(args.virtual, seed=args.seed)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from taut.exercises import UnknownExerciseError, get_exercise
    from taut.signal import RepDetector
    from taut.store import LogError
    from taut.ui.live_model import LiveModel
    from taut.ui.run_live import run_live

    if args.window <= 0:
        raise CommandError("--window must be positive")
    if args.seconds is not None and args.seconds <= 0:
        raise CommandError("--seconds must be positive")
    if args.fast and args.virtual is None:
        raise CommandError("--fast needs the virtual band (--virtual EXERCISE)")
    from taut.commands._band_args import check_runtime

    check_runtime(args)
    exercise = args.exercise or args.virtual
    try:
        if exercise is not None:
            get_exercise(exercise)
    except UnknownExerciseError as exc:
        raise CommandError(str(exc)) from exc
    runner = asyncio.run
    if args.fast:
        from taut.twin.virtual_time import run as virtual_time_run

        runner = virtual_time_run
    k = per_newton(args.unit)
    zone_n = None if args.target is None else (args.target[0] / k, args.target[1] / k)
    model = LiveModel(window_s=args.window, unit=args.unit, target_zone_n=zone_n)
    source, kind = _source(args, model)
    around = _virtual_band(args)
    failures: tuple[type[BaseException], ...] = (LogError,)
    if kind in ("ble", "virtual"):
        from taut.ble import BleError

        failures += (BleError,)
    if kind == "virtual":
        from taut.mpstack.band import BandError
        from taut.mpstack.build import BuildError

        failures += (BandError, BuildError)
    from taut.commands._band_travel import band_travel

    travel = None if args.band is None else band_travel(args.band, exercise, args.db, required=False)
    db = None if args.no_log else open_for(args, readonly=False, create=True)
    sessions: list = []

    def unlogged() -> str:
        """'; <where the data went>' when a failed or interrupted run could not log everything."""
        out = sessions[0].result.log if sessions else None
        return "" if out is None or out.complete else "; " + out.message()

    try:
        result = run_live(
            source,
            RepDetector(exercise, travel_cm=travel),
            detector_factory=lambda: RepDetector(exercise, travel_cm=travel),
            log_db=db,
            view=args.view,
            model=model,
            exercise=exercise,
            band=args.band,
            device=args.device,
            source_kind=kind,
            close_when_done=not args.keep_open,
            around=around,
            stop_after_s=args.seconds,
            runner=runner,
            on_session=sessions.append,
        )
    except failures as exc:
        raise CommandError(str(exc) + unlogged()) from exc
    except KeyboardInterrupt:
        if unlogged():
            raise CommandError("interrupted" + unlogged()) from None
        raise
    finally:
        if db is not None:
            db.close()
    console = Console()
    table = Table("set", "reps", "partial", "TUT s", "tempo c/h/e (mean s)", title="sets this session")
    for s in result.sets:
        n = len(s.reps) or 1
        tempo = "/".join(f"{sum(getattr(r, a) for r in s.reps) / n:.1f}" for a in ("concentric_s", "hold_s", "eccentric_s"))
        table.add_row(str(s.index + 1), str(len(s.reps)), str(sum(r.partial for r in s.reps)), f"{s.tut_s:.1f}", tempo)
    console.print(table)
    if result.log is not None:
        if not result.log.complete:  # one line: what is in the log, what is in the recovery file, where
            raise CommandError(result.log.message())
        console.print(result.log.message())
    return 0
