"""`taut export SESSION --csv|--json`: a logged session's reps (or raw samples) for other tools."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from taut.cli import CommandError
from taut.commands._log_access import add_db_argument, open_for
from taut.store import NotFoundError

NAME = "export"
HELP = "export a logged session as CSV or JSON"

REP_FIELDS = (
    "set_index", "exercise", "rep_index", "start_s", "top_start_s", "top_end_s", "end_s", "concentric_s", "hold_s",
    "eccentric_s", "tut_s", "bottom_n", "peak_n", "mean_n", "impulse_ns", "range_fraction", "partial", "pause_s",
    "range_cm",
)  # fmt: skip


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", type=int, help="session id (see `taut history`)")
    fmt = parser.add_mutually_exclusive_group(required=True)
    fmt.add_argument("--csv", action="store_true", help="CSV: one row per rep (with --samples: time_s,tension_n)")
    fmt.add_argument("--json", action="store_true", help="JSON: the session, its sets and reps")
    parser.add_argument("--samples", action="store_true", help="raw samples (CSV: instead of reps; JSON: added)")
    parser.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    add_db_argument(parser)


def _rep_dict(set_index: int, exercise: str | None, r) -> dict:  # noqa: ANN001
    return {
        "set_index": set_index, "exercise": exercise, "rep_index": r.index, "start_s": r.start_s,
        "top_start_s": r.top_start_s, "top_end_s": r.top_end_s, "end_s": r.end_s, "concentric_s": r.concentric_s,
        "hold_s": r.hold_s, "eccentric_s": r.eccentric_s, "tut_s": r.tut_s, "bottom_n": r.bottom_n, "peak_n": r.peak_n,
        "mean_n": r.mean_n, "impulse_ns": r.impulse_ns, "range_fraction": r.range_fraction, "partial": r.partial,
        "pause_s": r.pause_s, "range_cm": r.range_cm,
    }  # fmt: skip


def run(args: argparse.Namespace) -> int:
    with open_for(args, readonly=None) as db:
        try:
            info = db.session(args.session)
        except NotFoundError as exc:
            raise CommandError(str(exc)) from exc
        sets = db.sets(args.session)
        samples = db.samples(args.session) if args.samples else None
    try:
        out = open(args.output, "w", newline="", encoding="utf-8") if args.output else sys.stdout
    except OSError as exc:
        raise CommandError(f"cannot write {args.output}: {exc}") from exc
    try:
        if args.csv and samples is not None:
            from taut.recording import RecordingWriter

            writer = RecordingWriter(out)
            writer.write(samples[0], samples[1])
            writer.close()
        elif args.csv:
            w = csv.DictWriter(out, fieldnames=REP_FIELDS, lineterminator="\n")
            w.writeheader()
            for s in sets:
                for r in s.reps:
                    w.writerow(_rep_dict(s.index, s.exercise, r))
        else:
            doc = {
                "session": {
                    "id": info.id, "started_unix_s": info.started_unix_s, "ended_unix_s": info.ended_unix_s,
                    "exercise": info.exercise, "band": info.band, "device": info.device, "source": info.source,
                },
                "sets": [
                    {
                        "set_index": s.index, "exercise": s.exercise, "complete": s.extra.get("complete"),
                        "analysis": s.extra.get("analysis"), "tut_s": s.tut_s,
                        "reps": [_rep_dict(s.index, s.exercise, r) for r in s.reps],
                    }
                    for s in sets
                ],
            }  # fmt: skip
            if samples is not None:
                doc["samples"] = {
                    "time_s": samples[0].round(6).tolist(),
                    "tension_n": [None if x != x else round(x, 2) for x in samples[1].tolist()],
                }
            json.dump(doc, out, indent=1)
            out.write("\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0
