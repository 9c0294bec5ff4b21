"""`taut analyze REC.csv`: sets, reps, tempo and time under tension of a recording."""

from __future__ import annotations

import argparse
import json
import math
import sys

from taut.commands import CommandError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recording", metavar="REC.csv", help="recording: CSV with header time_s,tension_n")
    parser.add_argument("--exercise", metavar="X", help="exercise id, for tempo targets (e.g. band-pull-apart)")
    parser.add_argument("--json", action="store_true", help="print JSON on stdout instead of a table")
    parser.add_argument("--band", metavar="NAME",
                        help="a calibrated band (stack: NAME+NAME): each rep's range in cm, partials by true range")
    parser.add_argument("--rest-length", type=float, metavar="CM",
                        help="with --band: the band's length as set up for this exercise (default: typical for it)")
    from taut.commands._log_access import add_db_argument

    add_db_argument(parser, purpose="with --band: the workout log holding the band")


def run(args: argparse.Namespace) -> int:
    from taut.recording import RecordingError, read_recording
    from taut.exercises import UnknownExerciseError, get_exercise
    from taut.signal import analyze

    try:
        if args.exercise is not None:
            get_exercise(args.exercise)
    except UnknownExerciseError as exc:
        raise CommandError(str(exc)) from None
    try:
        rec = read_recording(args.recording)
    except RecordingError as exc:
        raise CommandError(str(exc)) from None
    note_merged_samples(args.recording, rec)
    if args.band is None and args.rest_length is not None:
        raise CommandError("--rest-length needs --band")
    from taut.commands._band_travel import band_travel

    travel_cm = None if args.band is None else band_travel(args.band, args.exercise, args.db, args.rest_length)
    result = analyze(rec.time_s, rec.tension_n, exercise=args.exercise, travel_cm=travel_cm)
    if args.json:
        json.dump(analysis_json(result), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_table(result, args.exercise)
    return 0


def note_merged_samples(path: str, rec) -> None:
    """One line on stderr when samples sharing a timestamp were merged (nothing otherwise)."""
    if rec.merged_samples:
        print(f"note: {path}: {rec.merged_samples} sample(s) repeated the previous timestamp; "
              "merged into one sample per time (mean tension)", file=sys.stderr)


def analysis_json(result) -> dict:
    """The JSON contract of `taut analyze --json` (field names fixed: docs/analysis.md; `range_cm`:
    hand travel in cm with --band, else null)."""
    from taut.records import ANALYSIS_REP_KEYS, rep_fields

    fields = rep_fields(*ANALYSIS_REP_KEYS)
    sets = []
    for s in result.sets:
        reps = [{f.name: _finite_or_none(f.value(r)) if f.kind is float else f.value(r) for f in fields} for r in s.reps]
        sets.append(
            {
                "start_s": s.start_s,
                "end_s": s.end_s,
                "tut_s": s.tut_s,
                "tempo": None if s.tempo is None else str(s.tempo),
                "tut_cv": s.tut_cv,
                "reps": reps,
            }
        )
    return {"exercise": result.exercise, "sets": sets}


def _finite_or_none(x: float | None) -> float | None:
    """JSON has no NaN: a range the band set-up cannot explain (beyond the geometry) is null."""
    return x if x is not None and math.isfinite(x) else None


def _print_table(result, exercise: str | None) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from taut.exercises import get_exercise

    console = Console()
    target = None if exercise is None else get_exercise(exercise).tempo
    if not result.sets:
        console.print("no reps found")
        return
    for s in result.sets:
        title = f"set {s.index + 1}: {len(s.reps)} reps, TUT {s.tut_s:.1f} s, tempo {s.tempo}"
        if target is not None:
            title += f" (target {target})"
        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, caption="times in s")
        with_cm = any(r.range_cm is not None for r in s.reps)
        cols = ("rep", "start", "end", "con", "hold", "ecc", "TUT", "peak N", "range", *(("cm",) if with_cm else ()),
                "partial")
        for col in cols:
            table.add_column(col, justify="right", no_wrap=True)
        for r in s.reps:
            table.add_row(
                str(r.index + 1),
                f"{r.start_s:.2f}",
                f"{r.end_s:.2f}",
                f"{r.concentric_s:.2f}",
                f"{r.hold_s:.2f}",
                f"{r.eccentric_s:.2f}",
                f"{r.tut_s:.2f}",
                f"{r.peak_n:.1f}",
                f"{r.range_fraction:.0%}",
                *((("-" if _finite_or_none(r.range_cm) is None else f"{r.range_cm:.1f}"),) if with_cm else ()),
                "yes" if r.partial else "",
            )
        console.print(table)
        console.print(f"consistency: TUT CV {s.tut_cv or 0:.1%}, peak CV {s.peak_cv or 0:.1%}")
