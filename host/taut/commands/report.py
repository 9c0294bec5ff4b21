"""`taut report SESSION`: one self-contained HTML file to share (sets, reps, tempo, band, trend)."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path


from taut.atomic import atomic_write, describe_os_error
from taut.commands import CommandError
from taut.commands._log_access import add_db_argument, open_for
from taut.text import markup_safe


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", type=int, help="session id (see `taut history`)")
    parser.add_argument("-o", "--output", type=Path, help="HTML file to write (default: taut-session-ID.html)")
    parser.add_argument("--no-plots", action="store_true", help="leave out the set plots (no Qt needed)")
    add_db_argument(parser)


def _set_plots(sets, samples) -> dict[int, bytes]:  # noqa: ANN001
    """Each set's plot as PNG bytes, drawn by the same renderer as `taut show`."""
    try:
        from taut.ui.plots_qt import render_set_png
    except ImportError:
        return {}
    out = {}
    with tempfile.TemporaryDirectory(prefix="taut-report-") as tmp:
        for s, got in zip(sets, samples):
            if got is None or len(got[0]) == 0:
                continue
            path = Path(tmp) / f"set-{s.index + 1}.png"
            render_set_png(path, got[0], got[1], s, title=f"set {s.index + 1}", width=900, height=320)
            out[s.index] = path.read_bytes()
    return out


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from taut.commands.export import _refuse_the_log
    from taut.share.report import ReportData, SetReport, render_report
    from taut.share.targets import target_tempos
    from taut.signal.tempo import tempo_summary
    from taut.store import NotFoundError

    targets = target_tempos()
    with open_for(args, readonly=None) as db:
        try:
            info = db.session(args.session)
        except NotFoundError as exc:
            raise CommandError(str(exc)) from exc
        output = args.output or Path(f"taut-session-{info.id}.html")
        _refuse_the_log(output, db.path)
        started, origin = db.session_time_origin(info.id)
        sets = db.sets(info.id)
        adherence = db.session_tempo_adherence(info.id, targets)
        samples = (
            [None] * len(sets)
            if args.no_plots
            else [db.samples(info.id, start_s=s.start_s - 2.0, end_s=s.end_s + 2.0) if s.reps else None for s in sets]
        )
        exercises = list(dict.fromkeys(s.exercise or info.exercise for s in sets if s.reps)) or [info.exercise]
        trend = {
            ex: db.weekly_progress(targets, exercise=ex, until_unix_s=info.started_unix_s + 1.0)
            for ex in exercises
            if ex is not None
        }
        band = None
        if info.band is not None:
            try:
                band = db.band_profile(info.band)
            except NotFoundError:
                band = None
        calibrations = []
        if info.device is not None:
            calibrations += [c for c in db.calibrations(device=info.device) if c.counts_per_n is not None][:1]
        if info.band is not None:
            calibrations += db.calibrations(band=info.band)[:1]
    try:
        plots = {} if args.no_plots else _set_plots(sets, samples)
    except OSError as exc:
        raise CommandError(f"cannot draw the set plots: {exc}") from None
    set_reports = []
    for s in sets:
        if not s.reps:
            continue
        ex = s.exercise or info.exercise
        target = targets.get(ex) if ex else None
        summary = tempo_summary(s.reps, np.array([r.range_fraction for r in s.reps]))
        on_tempo = adherence.get(s.index, (None, 0))[0] if target is not None else None
        set_reports.append(SetReport(s, str(summary.tempo), target, on_tempo, plots.get(s.index)))
    html = render_report(
        ReportData(info, started, origin, set_reports, trend=trend, band_profile=band, calibrations=calibrations)
    )
    try:
        with atomic_write(output) as out:
            out.write(html)
    except OSError as exc:
        raise CommandError(f"cannot write {output}: {describe_os_error(exc)}; nothing was changed there") from None
    print(f"wrote {markup_safe(output)}")
    return 0
