"""`taut live --virtual` end to end on the simulated clock: firmware twin → Bumble → bleak → detector → log."""

from __future__ import annotations

import pytest

pytest.importorskip("bumble")

from taut.cli import main  # noqa: E402
from taut.store import open_log  # noqa: E402


@pytest.mark.slow
def test_live_virtual_band_is_counted_and_logged(tmp_path, capsys):
    db = tmp_path / "log.db"
    code = main(["live", "--virtual", "row", "--fast", "--seconds", "90", "--view", "none", "--band", "red",
                 "--db", str(db)])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    with open_log(db) as log:
        [session] = log.sessions()
        assert (session.source, session.exercise, session.band) == ("virtual", "row", "red")
        assert session.ended_unix_s is not None
        sets = log.sets(session.id)
        reps = [r for s in sets for r in s.reps]
        assert len(reps) >= 5
        assert all(s.exercise == "row" for s in sets)
        assert all(r.tut_s > 1.0 and r.peak_n > r.bottom_n for r in reps)
        time_s, tension_n = log.samples(session.id)
        # 80 Hz for (almost) the whole 90 s, every sample kept.
        assert 0.9 * 80 * 90 <= len(time_s) <= 80 * 90 + 80
        assert time_s[0] <= reps[0].start_s and time_s[-1] >= reps[-1].end_s
