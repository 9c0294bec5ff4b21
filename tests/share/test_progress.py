"""`taut progress`: the SQL aggregates equal a plain walk over every set and rep; the CLI shows
tables, a terminal chart, bests and writes a PNG."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from taut.cli import main
from taut.share.targets import target_tempos
from taut.store import open_log

from sharesynth import DAY_S, T0_UNIX_S, fill_log, on_target


def _monday(unix_s: float) -> str:
    d = dt.datetime.fromtimestamp(unix_s).date()
    return (d - dt.timedelta(days=d.weekday())).isoformat()


def expected_weeks(db, targets, exercise=None, since=None):  # noqa: ANN001
    """The weekly figures the slow way: every session, set and rep in Python."""
    acc = defaultdict(lambda: {"sessions": set(), "sets": 0, "reps": [], })
    for s in db.sessions():
        if since is not None and s.started_unix_s < since:
            continue
        for st in db.sets(s.id):
            ex = st.exercise or s.exercise
            if not st.reps or (exercise is not None and ex != exercise):
                continue
            a = acc[(ex, _monday(s.started_unix_s))]
            a["sessions"].add(s.id)
            a["sets"] += 1
            a["reps"] += list(st.reps)
    out = {}
    for key, a in acc.items():
        reps = a["reps"]
        tut = sum(r.tut_s for r in reps)
        target = targets.get(key[0])
        out[key] = dict(
            sessions=len(a["sessions"]), sets=a["sets"], reps=len(reps), good_reps=sum(not r.partial for r in reps),
            tut_s=tut, peak_n=max(r.peak_n for r in reps), mean_n=sum(r.impulse_ns for r in reps) / tut,
            tempo_adherence=None if target is None else sum(on_target(r, target) for r in reps) / len(reps),
            partial_share=sum(r.partial for r in reps) / len(reps),
        )  # fmt: skip
    return out


@pytest.mark.parametrize("exercise, since_day", [(None, None), ("reverse-fly", None), ("face-pull", 8)])
def test_weekly_progress_equals_a_walk_over_the_log(log_path, exercise, since_day):
    targets = target_tempos()
    since = None if since_day is None else T0_UNIX_S + since_day * DAY_S - 60.0
    with open_log(log_path, readonly=True) as db:
        got = db.weekly_progress(targets, exercise=exercise, since_unix_s=since)
        want = expected_weeks(db, targets, exercise, since)
    assert len(got) == len(want) >= 2
    assert [(w.exercise, w.week_start) for w in got] == sorted(want)  # oldest first per exercise
    for w in got:
        e = want[(w.exercise, w.week_start)]
        for key, value in e.items():
            assert getattr(w, key) == pytest.approx(value, rel=1e-12), key
    assert any(0 < w.tempo_adherence < 1 for w in got)


def test_tempo_adherence_needs_a_target(tmp_path):
    path = tmp_path / "log.db"
    fill_log(path, days=3)
    with open_log(path, readonly=True) as db:
        weeks = db.weekly_progress({})
    assert weeks and all(w.tempo_adherence is None for w in weeks)


def test_personal_bests_name_the_best_set(log_path):
    with open_log(log_path, readonly=True) as db:
        bests = {(b.exercise, b.metric): b for b in db.personal_bests()}
        all_sets = [(s, st) for s in db.sessions() for st in db.sets(s.id)]
    for ex in ("face-pull", "reverse-fly"):
        mine = [(s, st) for s, st in all_sets if st.exercise == ex]
        measures = {
            "peak_n": lambda st: max(r.peak_n for r in st.reps),
            "reps": lambda st: len(st.reps),
            "good_reps": lambda st: sum(not r.partial for r in st.reps),
            "tut_s": lambda st: st.tut_s,
        }
        for metric, f in measures.items():
            best = bests[(ex, metric)]
            assert best.value == pytest.approx(max(f(st) for _, st in mine), rel=1e-12), (ex, metric)
            [where] = [st for s, st in mine if s.id == best.session_id and st.index == best.set_index]
            assert f(where) == pytest.approx(best.value, rel=1e-12)


def test_progress_command(log_path, tmp_path, capsys):
    png = tmp_path / "p.png"
    assert main(["progress", "--db", str(log_path), "--png", str(png)]) == 0
    out = capsys.readouterr().out
    assert "face-pull" in out and "reverse-fly" in out and "target tempo 2-0-1-1" in out
    assert "personal bests" in out and "heaviest rep" in out
    assert "time under tension per week" in out  # the plotext chart
    assert png.stat().st_size > 5000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    assert main(["progress", "--db", str(log_path), "--exercise", "row"]) == 0
    assert "nothing matches" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["progress", "--db", str(log_path), "--since", "yesterday"])
    assert main(["progress", "--db", str(tmp_path / "missing.db")]) == 2
    assert "no workout log" in capsys.readouterr().err
    assert not (tmp_path / "missing.db").exists()


def test_progress_escapes_strings_from_the_log(tmp_path, capsys):
    from taut.records import RepSet

    from sharesynth import varied_reps
    import numpy as np

    path = tmp_path / "log.db"
    with open_log(path) as db:
        sid = db.start_session(exercise="[bold]x\x1b]0;pwned\x07", started_unix_s=T0_UNIX_S)
        db.end_set(sid, RepSet(0, varied_reps(np.random.default_rng(1), 6, 10.0, peak_n=90.0), None))
    assert main(["progress", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b]0;" not in out and "\x07" not in out
    assert "[bold]x" in out  # shown literally, not taken as markup
