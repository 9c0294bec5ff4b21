"""`taut live`: the live tension graph (window, or terminal view without a display), rep counting and logging."""

from __future__ import annotations

import argparse
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
    from taut.commands._band_args import DeprecatedOption, add_band_arguments

    add_band_arguments(parser)
    parser.add_argument("--device", dest="device_option", metavar="NAME", action=DeprecatedOption, new="the DEVICE argument")
    parser.add_argument("--replay", metavar="REC.csv", type=Path, help="replay a recording (time_s,tension_n CSV) instead of a band")
    parser.add_argument("--speed", type=float, default=1.0, help="replay speed (1 = real time, 0 = as fast as possible)")
    parser.add_argument("--seconds", type=float, metavar="S", help="stop after S seconds (of the source's clock)")
    parser.add_argument("--exercise", help="exercise id (e.g. face-pull): targets and the log entry")
    parser.add_argument("--band", metavar="NAME", help="band name for the log; a calibrated one also gives range in cm")
    parser.add_argument("--view", choices=("auto", "qt", "term", "none"), default="auto", help="how to show it")
    parser.add_argument("--unit", choices=UNITS, default="N", help="tension unit to start with (u cycles)")
    parser.add_argument("--zone", type=_zone, metavar="LOW:HIGH", help="target tension zone, in --unit")
    parser.add_argument("--target", type=_zone, dest="zone", action=DeprecatedOption, new="--zone LOW:HIGH")
    parser.add_argument("--window", type=float, default=30.0, metavar="S", help="seconds of trace shown (default 30)")
    parser.add_argument("--no-log", action="store_true", help="do not write the workout log")
    parser.add_argument("--keep-open", action="store_true", help="keep the window open when the source ends")
    coach = parser.add_argument_group("guided sets (the coach: cues, rest countdown, a summary after each set)")
    coach.add_argument("--plan", metavar="FILE.toml", help="a plan file, or a ready plan by name (e.g. upper-back, reverse-fly)")
    coach.add_argument("--sets", type=int, metavar="N", help="sets of --exercise (default 1)")
    coach.add_argument("--reps", type=int, metavar="N", help="reps per set (default 12)")
    coach.add_argument("--set-seconds", type=float, metavar="S", help="a timed set instead of reps")
    coach.add_argument("--rest", type=float, metavar="S", help="rest between sets (default 60 s)")
    coach.add_argument("--tempo", metavar="E-P-C-H", help="target tempo, e.g. 3-0-1-2 (default: the exercise's)")
    coach.add_argument("--hold", type=float, metavar="S", help="target squeeze at the top (default: the tempo's)")
    coach.add_argument("--tension", type=float, metavar="N", help="target tension at end range, newtons (band too light?)")
    coach.add_argument("--quiet", action="store_true", help="no sounds")
    add_db_argument(parser)


def _coach_plan(args: argparse.Namespace):  # noqa: ANN202 - a taut.coach.plan.Plan or None
    """The guided plan from --plan or the coaching flags (None: no coaching); CommandError on a bad one."""
    from taut.coach.plan import PlanError, load_plan, plan_from_flags
    from taut.commands._band_args import virtual_exercise

    flags = {"sets": args.sets, "reps": args.reps, "seconds": args.set_seconds, "rest_s": args.rest,
             "tempo": args.tempo, "hold_s": args.hold, "tension_n": args.tension}
    given = {k: v for k, v in flags.items() if v is not None}
    try:
        if args.plan is not None:
            if given:
                raise PlanError(f"--plan sets {', '.join(sorted(given))} itself: give either the plan or the flags")
            return load_plan(args.plan)
        if not given:
            return None
        exercise = args.exercise or (None if args.replay is not None else virtual_exercise(args))
        if exercise is None:
            raise PlanError("guided sets need --exercise (or --plan)")
        return plan_from_flags(exercise, band=args.band, **given)
    except PlanError as exc:
        raise CommandError(str(exc)) from None


def _source(args: argparse.Namespace, model):  # noqa: ANN001, ANN202
    """The sample source (a band, the virtual band or a replayed recording) and its kind for the log."""
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
    from taut.commands._band_args import backend_for, virtual_exercise

    return (ble.BleSource(args.device, backend=backend_for(args), on_event=model.apply_link_event,
                          scan_timeout_s=args.scan_timeout, seed=args.seed),
            "ble" if virtual_exercise(args) is None else "virtual")


def _check_source(args: argparse.Namespace) -> None:
    """One source: a band (DEVICE, or the virtual one) or --replay; the band's own checks."""
    from taut.commands._band_args import check_band_arguments

    if args.device_option is not None:
        if args.device is not None:
            raise CommandError("give the band once: DEVICE (--device is its old spelling)")
        args.device = args.device_option
    if args.replay is not None:
        if args.device is not None or args.virtual is not None:
            raise CommandError("--replay plays a recording: drop DEVICE and --virtual")
        args.virtual = None
        if args.fast or args.progressor:
            raise CommandError("--fast and --progressor need the virtual band (--virtual EXERCISE), not --replay")
        return
    check_band_arguments(args)


def _live_coach(plan, args: argparse.Namespace):  # noqa: ANN001, ANN202
    """The live coach for a plan (None without one), naming calibrated bands in its band advice."""
    if plan is None:
        return None
    from taut.coach.guide import LiveCoach
    from taut.commands._coach import band_rank

    return LiveCoach(plan, rank_for=lambda exercise: band_rank(args.db, exercise))


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from taut.exercises import UnknownExerciseError, get_exercise
    from taut.signal import RepDetector
    from taut.signal.tempo import mean_tempo
    from taut.store import LogError
    from taut.ui.live_model import LiveModel
    from taut.ui.run_live import run_live

    if args.window <= 0:
        raise CommandError("--window must be positive")
    if args.seconds is not None and args.seconds <= 0:
        raise CommandError("--seconds must be positive")
    _check_source(args)
    from taut.commands._band_args import runner_for, virtual_band_errors, virtual_band_for, virtual_exercise

    plan = _coach_plan(args)
    virtual = None if args.replay is not None else virtual_exercise(args)
    exercise = args.exercise or virtual or (plan.blocks[0].exercise if plan is not None else None)
    if plan is not None and args.band is None:
        args.band = plan.blocks[0].band
    try:
        if exercise is not None:
            get_exercise(exercise)
    except UnknownExerciseError as exc:
        raise CommandError(str(exc)) from exc
    k = per_newton(args.unit)
    zone_n = None if args.zone is None else (args.zone[0] / k, args.zone[1] / k)
    model = LiveModel(window_s=args.window, unit=args.unit, target_zone_n=zone_n)
    model.quiet = args.quiet
    source, kind = _source(args, model)
    around = None if kind == "replay" else virtual_band_for(args)
    failures: tuple[type[BaseException], ...] = (LogError,)
    if kind in ("ble", "virtual"):
        from taut.ble import BleError

        failures += (BleError, *virtual_band_errors(args))
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
            RepDetector(exercise, travel_cm=travel, top_events=True),
            detector_factory=lambda: RepDetector(exercise, travel_cm=travel, top_events=True),
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
            runner=runner_for(args),
            on_session=sessions.append,
            coach=_live_coach(plan, args),
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
        t = mean_tempo(s.reps)
        tempo = f"{t.concentric_s:.1f}/{t.hold_s:.1f}/{t.eccentric_s:.1f}"
        table.add_row(str(s.index + 1), str(len(s.reps)), str(sum(r.partial for r in s.reps)), f"{s.tut_s:.1f}", tempo)
    console.print(table)
    from taut.coach import logged_summary
    from taut.coach.text import summary_lines

    for s in result.sets:
        summary = logged_summary(s)
        if summary is not None:
            for line in summary_lines(summary):
                console.print(f"set {s.index + 1} coach: {line}", markup=False, highlight=False)
    if result.log is not None:
        if not result.log.complete:  # one line: what is in the log, what is in the recovery file, where
            raise CommandError(result.log.message())
        console.print(result.log.message())
    return 0
