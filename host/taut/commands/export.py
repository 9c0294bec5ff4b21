"""`taut export SESSION --csv|--json|--fit`: a logged session's reps (or raw samples) for other tools;
--fit: a FIT strength-training activity for Garmin Connect and the like (docs/export.md)."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path

from taut.atomic import atomic_write, describe_os_error
from taut.commands import CommandError
from taut.commands._log_access import add_db_argument, open_for
from taut.records import REP_FIELDS

# One CSV row / JSON rep: the set it belongs to, then every field of a rep (taut.records.REP_FIELDS).
REP_COLUMNS = ("set_index", "exercise", *(f.name for f in REP_FIELDS))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", type=int, help="session id (see `taut history`)")
    fmt = parser.add_mutually_exclusive_group(required=True)
    fmt.add_argument("--csv", action="store_true", help="CSV: one row per rep (with --samples: time_s,tension_n)")
    fmt.add_argument("--json", action="store_true", help="JSON: the session, its sets and reps")
    fmt.add_argument("--fit", action="store_true", help="FIT activity (strength training, one set message per set); needs -o")
    parser.add_argument("--samples", action="store_true", help="raw samples (CSV: instead of reps; JSON: added)")
    parser.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    add_db_argument(parser)


def _rep_dict(set_index: int, exercise: str | None, r) -> dict:  # noqa: ANN001
    return {"set_index": set_index, "exercise": exercise, **{f.name: f.value(r) for f in REP_FIELDS}}


def _write(out, args: argparse.Namespace, info, sets, samples) -> None:  # noqa: ANN001
    """The export itself, onto an open text file."""
    if args.csv and samples is not None:
        from taut.recording import RecordingWriter

        writer = RecordingWriter(out)
        writer.write(samples[0], samples[1])
        writer.close()
    elif args.csv:
        w = csv.DictWriter(out, fieldnames=REP_COLUMNS, lineterminator="\n")
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
                    "set_index": s.index, "exercise": s.exercise, "complete": s.complete,
                    "analysis": s.analysis, "tut_s": s.tut_s,
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


def _refuse_the_log(output: Path, log_path: Path) -> None:
    """Never write an export onto the log it reads (or any other link to that file)."""
    try:
        same = output.exists() and os.path.samefile(output, log_path)
    except OSError:
        same = False
    if same or output.resolve() == log_path.resolve():
        raise CommandError(f"{output} is the workout log itself; choose another file")


def _fit_bytes(db, info, sets) -> bytes:  # noqa: ANN001
    try:
        import fit_tool  # noqa: F401
    except ImportError as exc:  # pragma: no cover - the fit extra is missing
        raise CommandError(f"--fit needs fit-tool (pip install 'taut[fit]'): {exc}") from None
    from taut.share import fit
    from taut.share.targets import target_tempos

    targets = target_tempos()
    started, origin = db.session_time_origin(info.id)
    adherent = {k: ok for k, (ok, _n) in db.session_tempo_adherence(info.id, targets).items()}
    fsets = fit.fit_sets(sets, started, origin, targets, adherent, default_exercise=info.exercise)
    return fit.build_fit(fsets, session_start_unix_s=started, session_end_unix_s=info.ended_unix_s, serial=info.id)


def run(args: argparse.Namespace) -> int:
    from taut.store import NotFoundError

    if args.fit and args.output is None:
        raise CommandError("--fit writes a binary file: name it with -o FILE.fit")
    if args.fit and args.samples:
        raise CommandError("--samples goes with --csv or --json; a FIT export holds the sets")
    with open_for(args, readonly=None) as db:
        if args.output is not None:
            _refuse_the_log(args.output, db.path)
        try:
            info = db.session(args.session)
        except NotFoundError as exc:
            raise CommandError(str(exc)) from exc
        sets = db.sets(args.session)
        samples = db.samples(args.session) if args.samples else None
        fit_data = _fit_bytes(db, info, sets) if args.fit else None
    if fit_data is not None:
        try:
            with atomic_write(args.output, binary=True) as out:
                out.write(fit_data)
        except OSError as exc:
            raise CommandError(f"cannot write {args.output}: {describe_os_error(exc)}; nothing was changed there") from None
        return 0
    if args.output is None:
        _write(sys.stdout, args, info, sets, samples)
        return 0
    try:
        with atomic_write(args.output) as out:
            _write(out, args, info, sets, samples)
    except OSError as exc:
        raise CommandError(f"cannot write {args.output}: {describe_os_error(exc)}; nothing was changed there") from None
    return 0
