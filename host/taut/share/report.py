"""One logged session as a single self-contained HTML file: sets, per-rep table, tempo against
target, partials, cues, band and calibration, and the exercise's trend over weeks.

Nothing is loaded from the network: styles are inline, plots are `data:` URIs (the set plots are
PNGs from the pyqtgraph renderer, the trend an SVG made here). Every string that comes from the
log goes through `html.escape` (and `taut.text.printable`) before it reaches the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from taut.records import Rep, RepSet
from taut.share.svg import data_uri, line_chart
from taut.store import BandProfileRecord, CalibrationRecord, SessionSummary
from taut.store.progress import TEMPO_TOLERANCE_S, TEMPO_TOLERANCE_SHARE, WeekProgress
from taut.text import printable


@dataclass(frozen=True)
class SetReport:
    """One set and what the report shows beside it."""

    rep_set: RepSet
    tempo: str  # measured, in tempo notation
    target: object | None  # the exercise's target Tempo, if it has a profile
    on_tempo: int | None  # reps on target tempo (None without a target)
    plot_png: bytes | None = None


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, read from the log by the caller."""

    session: SessionSummary
    started_unix_s: float
    time_origin_s: float
    sets: Sequence[SetReport]
    trend: dict[str | None, Sequence[WeekProgress]] = field(default_factory=dict)  # per exercise in the session
    band_profile: BandProfileRecord | None = None
    calibrations: Sequence[CalibrationRecord] = field(default_factory=tuple)


def _t(text: object, default: str = "–") -> str:
    """Log data, safe for HTML text and attribute values."""
    return escape(printable(text, default), quote=True)


def _day(unix_s: float) -> str:
    return dt.datetime.fromtimestamp(unix_s).strftime("%Y-%m-%d %H:%M")


def _f(v: float | None, fmt: str = ".1f") -> str:
    return "–" if v is None else format(v, fmt)


def _near(measured: float | None, target: float) -> bool:
    return measured is None or abs(measured - target) <= max(TEMPO_TOLERANCE_S, TEMPO_TOLERANCE_SHARE * target)


_CSS = """
body{font-family:sans-serif;margin:24px;color:#222;background:#fff;max-width:1100px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid #d9480f}
h3{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}
th,td{border:1px solid #bbb;padding:3px 8px;text-align:right} th{background:#f1f3f5}
td.l,th.l{text-align:left} tr.partial td{background:#ffe3e3} td.off{color:#c92a2a;font-weight:bold}
.meta{color:#555;font-size:13px} img{display:block;margin:6px 0;max-width:100%;border:1px solid #ddd}
"""


def _session_header(d: ReportData) -> str:
    s = d.session
    ended = "cut short" if s.ended_unix_s is None else _day(s.ended_unix_s)
    return (
        f"<h1>Taut session {s.id}: {_t(s.exercise, 'exercise ?')}</h1>"
        f'<p class="meta">{_day(d.started_unix_s)} to {ended} · band {_t(s.band)} · sensor {_t(s.device)}'
        f" · source {_t(s.source)} · {s.set_count} sets · {s.rep_count} reps ({s.partial_count} partial)"
        f" · time under tension {s.tut_s:.1f} s</p>"
    )


def _sets_table(d: ReportData) -> str:
    rows = []
    for sr in d.sets:
        s = sr.rep_set
        n = len(s.reps)
        partial = sum(r.partial for r in s.reps)
        tut = sum(r.tut_s for r in s.reps)
        mean = sum(r.impulse_ns for r in s.reps) / tut if tut > 0 else None
        adherence = "–" if sr.on_tempo is None or not n else f"{100 * sr.on_tempo / n:.0f} %"
        rows.append(
            f'<tr class="set"><td>{s.index + 1}</td><td class="l">{_t(s.exercise)}</td><td>{n}</td>'
            f"<td>{n - partial}</td><td>{partial}</td><td>{tut:.1f}</td>"
            f"<td>{_f(max((r.peak_n for r in s.reps), default=None))}</td><td>{_f(mean)}</td>"
            f'<td class="l">{_t(sr.tempo)}</td><td class="l">{_t(sr.target)}</td><td>{adherence}</td>'
            f"<td class=\"l\">{'complete' if s.complete else 'cut short'}</td></tr>"
        )
    head = "".join(
        f"<th{' class=l' if h in ('exercise', 'tempo', 'target', 'state') else ''}>{h}</th>"
        for h in ("set", "exercise", "reps", "good", "partial", "TUT s", "peak N", "mean N", "tempo", "target",
                  "on tempo", "state")
    )  # fmt: skip
    return f'<table id="sets"><tr>{head}</tr>{"".join(rows)}</table>'


def _rep_row(r: Rep, target: object | None) -> str:
    def cell(v: float | None, attr: str) -> str:
        off = target is not None and v is not None and not _near(v, getattr(target, attr))
        return f"<td{' class=off' if off else ''}>{_f(v)}</td>"

    rng = "–" if r.range_cm is None else f"{r.range_cm:.1f}"
    return (
        f'<tr class="rep{" partial" if r.partial else ""}"><td>{r.index + 1}</td>'
        f"{cell(r.eccentric_s, 'eccentric_s')}{cell(r.pause_s, 'pause_s')}{cell(r.concentric_s, 'concentric_s')}"
        f"{cell(r.hold_s, 'hold_s')}<td>{r.tut_s:.1f}</td><td>{r.bottom_n:.1f}</td><td>{r.peak_n:.1f}</td>"
        f"<td>{r.mean_n:.1f}</td><td>{100 * r.range_fraction:.0f}</td><td>{rng}</td>"
        f"<td class=\"l\">{'partial' if r.partial else 'full'}</td><td class=\"l\">–</td></tr>"
    )


def _set_section(sr: SetReport) -> str:
    s = sr.rep_set
    head = "".join(
        f"<th>{h}</th>"
        for h in ("rep", "eccentric s", "bottom pause s", "concentric s", "top hold s", "TUT s", "bottom N", "peak N",
                  "mean N", "range %", "range cm", "range", "cue")
    )  # fmt: skip
    target = f" · target {_t(sr.target)} (eccentric-pause-concentric-hold)" if sr.target is not None else ""
    picture = (
        f'<img alt="set {s.index + 1}: tension over time" src="{data_uri(sr.plot_png, "image/png")}">'
        if sr.plot_png
        else ""
    )
    rows = "".join(_rep_row(r, sr.target) for r in s.reps)
    return (
        f"<h3>Set {s.index + 1} · {_t(s.exercise)} · tempo {_t(sr.tempo)}{target}</h3>{picture}"
        f'<table class="reps" id="reps-{s.index + 1}"><tr>{head}</tr>{rows}</table>'
    )


def _band_section(d: ReportData) -> str:
    rows = []
    b = d.band_profile
    if b is not None:
        rows.append(
            f'<tr><td class="l">band {_t(b.name)}</td><td class="l">colour {_t(b.colour)} · rest length '
            f"{100 * b.rest_length_m:.1f} cm · {b.force_100_n:.1f} N at 100 % stretch, {b.force_200_n:.1f} N at 200 %"
            f"</td><td class=\"l\">{_day(b.created_unix_s)}</td></tr>"
        )
    for c in d.calibrations:
        if c.counts_per_n is not None:
            what = f"load cell {_t(c.device)}: {c.counts_per_n:.2f} counts/N, offset {_t(c.offset_raw)}"
        else:
            what = f"band {_t(c.band)}: rest length {_f(c.stretch_cm)} cm, level {_f(c.tension_n)} N"
        rows.append(f'<tr><td class="l">calibration {c.id}</td><td class="l">{what}</td><td class="l">{_day(c.created_unix_s)}</td></tr>')
    if not rows:
        return "<p>No band or sensor calibration in the log: tensions are as the sensor reported them and ranges are judged by tension.</p>"
    return f'<table id="calibration"><tr><th class="l">what</th><th class="l">values</th><th class="l">dated</th></tr>{"".join(rows)}</table>'


def _trend_section(d: ReportData) -> str:
    if not d.trend:
        return "<h2>Trend</h2><p>No weekly figures for this exercise yet.</p>"
    return "".join(
        f"<h2>Trend for {_t(ex, '(no exercise)')}, up to this session</h2>{_trend(weeks, i)}"
        for i, (ex, weeks) in enumerate(d.trend.items())
    )


def _trend(trend: Sequence[WeekProgress], i: int) -> str:
    weeks = [w.week_start for w in trend]
    tut = line_chart(weeks, {"TUT per week (min)": [w.tut_s / 60 for w in trend]},
                     title="time under tension per week", y_label="min")  # fmt: skip
    tension = line_chart(
        weeks, {"peak N": [w.peak_n for w in trend], "mean N": [w.mean_n for w in trend]},
        title="tension per week", y_label="N",
    )  # fmt: skip
    adherence = [None if w.tempo_adherence is None else 100 * w.tempo_adherence for w in trend]
    quality = line_chart(
        weeks, {"on tempo %": adherence, "partial %": [100 * w.partial_share for w in trend]},
        title="tempo adherence and partials", y_label="%", y_range=(0.0, 100.0),
    )  # fmt: skip
    rows = "".join(
        f'<tr><td class="l">{_t(w.week_start)}</td><td>{w.sessions}</td><td>{w.sets}</td><td>{w.reps}</td>'
        f"<td>{w.good_reps}</td><td>{w.tut_s:.0f}</td><td>{w.peak_n:.1f}</td><td>{_f(w.mean_n)}</td>"
        f"<td>{_f(None if w.tempo_adherence is None else 100 * w.tempo_adherence, '.0f')}</td>"
        f"<td>{100 * w.partial_share:.0f}</td></tr>"
        for w in trend
    )
    columns = ("sessions", "sets", "reps", "good", "TUT s", "peak N", "mean N", "on tempo %", "partial %")
    head = "<th class=l>week of</th>" + "".join(f"<th>{h}</th>" for h in columns)
    pictures = "".join(
        f'<img alt="{alt}" src="{data_uri(svg, "image/svg+xml")}">'
        for alt, svg in (("TUT per week", tut), ("tension per week", tension), ("tempo and partials", quality))
    )
    return f'{pictures}<table class="trend" id="trend-{i + 1}"><tr>{head}</tr>{rows}</table>'


def render_report(d: ReportData) -> str:
    """The HTML page (UTF-8 text)."""
    sections = "".join(_set_section(sr) for sr in d.sets) or "<p>No reps in this session.</p>"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; style-src \'unsafe-inline\'">'
        f"<title>Taut session {d.session.id}</title><style>{_CSS}</style></head><body>"
        f"{_session_header(d)}"
        f"<h2>Sets</h2>{_sets_table(d)}"
        f"<p class=\"meta\">Good reps: full range (not partial); coaching cues are not recorded yet, so the cue column is "
        f"empty. On tempo: every phase within max({TEMPO_TOLERANCE_S:g} s, {100 * TEMPO_TOLERANCE_SHARE:.0f} %) of the "
        "target (red: off target).</p>"
        f"<h2>Reps</h2>{sections}"
        f"<h2>Band and calibration</h2>{_band_section(d)}"
        f"{_trend_section(d)}"
        "</body></html>\n"
    )
