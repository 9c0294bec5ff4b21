"""The cues scored on the model's bad habits (a small habit suite), their latency, and the tidy suite untouched."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from taut.sim import labelled_suite
from taut.sim.habits import HABITS, habit_plan, habit_suite
from taut.sim import simulate_session

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("coaching_bench", ROOT / "benchmarks" / "coaching.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules["coaching_bench"] = bench  # dataclasses look their module up
_spec.loader.exec_module(bench)

# sha256 of the time and tension arrays of the tidy suite's first 12 sets (seed 0), as before the bad
# habits were added: habits are opt-in and must leave the tidy suite unchanged.
TIDY_SEED0_SHA256 = "948eb2f897a1d80c022197ccb184cb56c086c2a25abb32f5a20338e121bdb0ca"


def test_the_tidy_suite_is_bit_identical():
    h = hashlib.sha256()
    for rec in labelled_suite(n_sets=12, seed=0):
        h.update(rec.time_s.tobytes())
        h.update(rec.tension_n.tobytes())
    assert h.hexdigest() == TIDY_SEED0_SHA256


def test_habit_truth_matches_what_the_model_measures():
    """Each intent lands clear of the coach's lines on the model's own (noise-free) truth."""
    from taut.coach import targets_for
    from taut.coach.rep_cues import rep_cue_kinds

    for i, habit in enumerate(HABITS):
        plan, truth = habit_plan(i, habit, exercise="reverse-fly")
        rec = simulate_session(plan, fs_hz=80)
        tg = targets_for("reverse-fly")
        got = [rep_cue_kinds(r, tg) for r in rec.sets[0].reps]
        assert got == [tuple(c) for c in truth.rep_cues], habit
        assert (truth.band == "too heavy") == (habit == "too-heavy")


@pytest.fixture(scope="module")
def small_score():
    return bench.score_suite(2 * len(HABITS), seed=1, chunk=8)


def test_cue_floors_on_a_small_suite(small_score):
    s = small_score
    for k in bench.CUES:
        if s.tp[k] + s.fn[k]:
            assert s.recall(k) >= 0.9, (k, s.tp[k], s.fn[k])
        if s.tp[k] + s.fp[k]:
            assert s.precision(k) >= 0.9, (k, s.tp[k], s.fp[k])
    assert s.tp["too-fast-eccentric"] and s.tp["no-squeeze"] and s.tp["losing-form"]
    assert s.good_reps > 50 and s.good_reps_cued == 0
    assert s.heavy_sets == 2 and s.heavy_right == 2 and s.heavy_wrong == 0


def test_the_scorer_counts_a_wrong_cue_as_wrong():
    rec, truth = next(iter(habit_suite(1, seed=1, habits=("rush",))))
    lied = truth.__class__(truth.habit, tuple(() for _ in truth.rep_cues), None, "too heavy", truth.target_tempo,
                           truth.target_hold_s, truth.tension_target_n)
    s = bench.CoachScore()
    bench.score_recording(rec, lied, s, chunk=8)
    assert sum(s.fp.values()) >= len(truth.rep_cues) and s.heavy_right == 0


def test_cues_come_within_150_ms_on_the_simulated_clock():
    """Fed one sample at a time: each right cue against the moment the model says it became true
    (bench.TRUTH_MOMENT: the top's start for "too fast" up and the countdown, the top's end for "no
    squeeze", the rep's end for the others)."""
    s = bench.CoachScore()
    for rec, truth in habit_suite(4, seed=2, habits=("rush", "too-heavy", "good", "no-squeeze")):
        bench.score_recording(rec, truth, s, chunk=1)
    assert {"too-fast-eccentric", "no-squeeze", "hold-it"} <= set(s.latency_s)
    lat = np.concatenate([np.array(v) for k, v in s.latency_s.items() if k != "hold-it"])
    assert lat.size > 20 and np.all(lat >= -0.150) and np.mean(np.abs(lat) <= 0.150) >= 0.9 and np.median(lat) < 0.1
    hold = np.array(s.latency_s["hold-it"])
    assert hold.size > 10 and np.mean(np.abs(hold) <= 0.150) >= 0.85
