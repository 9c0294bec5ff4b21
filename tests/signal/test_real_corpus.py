"""The corpus of real recordings (benchmarks/real) is sound, and its scorer counts false and missed reps right.

No accuracy target is asserted here: the corpus measures the detector, it does not gate it.
"""

import importlib.util
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from taut.recording import read_recording

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("real_corpus", ROOT / "benchmarks" / "real_corpus.py")
real_corpus = importlib.util.module_from_spec(_spec)
sys.modules["real_corpus"] = real_corpus  # dataclasses look their module up there
_spec.loader.exec_module(real_corpus)

ENTRIES = real_corpus.load_manifest()
RAW = json.loads(real_corpus.MANIFEST.read_text(encoding="utf-8"))["recordings"]


def test_corpus_is_not_empty_and_ids_are_unique():
    assert len(ENTRIES) >= 4
    ids = [e.id for e in ENTRIES]
    assert len(set(ids)) == len(ids)
    files = [r["file"] for r in RAW]
    assert len(set(files)) == len(files)


def test_every_csv_in_the_folder_is_in_the_manifest():
    listed = {r["file"] for r in RAW}
    on_disk = {p.name for p in real_corpus.CORPUS_DIR.glob("*.csv")}
    assert on_disk == listed


@pytest.mark.parametrize("raw", RAW, ids=[r["id"] for r in RAW])
def test_manifest_fields_licence_and_truth(raw):
    for name in real_corpus.REQUIRED_FIELDS:
        assert raw.get(name), f"{raw.get('id')}: field {name!r} missing or empty"
    assert raw["licence"] in real_corpus.ALLOWED_LICENCES
    assert isinstance(raw["source"], dict) and raw["source"].get("path")
    assert raw["source"].get("repo") or raw["source"].get("package")
    truth = raw["truth"]
    assert truth["method"] in real_corpus.TRUTH_METHODS
    assert truth["confidence"] in real_corpus.CONFIDENCES
    assert truth["reps"] == len(truth["intervals_s"])


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_recording_parses_and_truth_lies_inside_it_in_order(entry):
    rec = read_recording(entry.path)  # as `taut analyze` reads it
    assert len(rec) > 100
    assert np.all(np.isfinite(rec.tension_n))
    t0, t1 = float(rec.time_s[0]), float(rec.time_s[-1])
    prev_end = -math.inf
    for start, end in entry.intervals_s:
        assert t0 <= start < end <= t1
        assert start >= prev_end, "truth intervals must be ordered and not overlap"
        prev_end = end


def test_corpus_stays_small_enough_to_commit():
    total = sum(p.stat().st_size for p in real_corpus.CORPUS_DIR.iterdir())
    assert total < 8_000_000


# --- the scorer, on synthetic intervals -------------------------------------------------------

TRUTH = [(1.0, 2.0), (4.0, 5.0), (7.0, 8.0)]


@pytest.mark.parametrize(
    ("found", "false", "missed"),
    [
        ([(1.05, 1.95), (4.1, 5.1), (6.9, 8.0)], 0, 0),  # all three, a little off
        ([(1.0, 2.0), (4.0, 5.0)], 0, 1),  # last rep missed
        ([(1.0, 2.0), (2.8, 3.2), (4.0, 5.0), (7.0, 8.0)], 1, 0),  # a bump in the rest
        ([(1.0, 5.0), (7.0, 8.0)], 1, 2),  # two reps merged into one span: matches neither well
        ([(1.0, 1.4), (1.6, 2.0), (4.0, 5.0), (7.0, 8.0)], 1, 0),  # one hold split in two: one half is false
        ([(1.0, 1.2), (1.8, 2.0), (4.0, 5.0), (7.0, 8.0)], 2, 1),  # only its ends found: neither is the rep
        ([], 0, 3),
    ],
)
def test_scorer_counts_false_and_missed(found, false, missed):
    score = real_corpus.score_intervals("x", "test", TRUTH, found)
    assert (score.false, score.missed) == (false, missed)
    assert score.count_right == (len(found) == len(TRUTH))
    assert score.clean == (false == 0 and missed == 0)


def test_matching_is_one_to_one():
    # Two found reps over one truth rep: only one can be it, the other is false.
    score = real_corpus.score_intervals("x", "test", [(1.0, 2.0)], [(1.0, 1.9), (1.1, 2.0)])
    assert (score.matched, score.false, score.missed) == (1, 1, 0)


def test_pooled_shares():
    scores = [
        real_corpus.score_intervals("a", "t", TRUTH, TRUTH),
        real_corpus.score_intervals("b", "t", TRUTH, [(1.0, 2.0), (4.0, 5.0), (5.5, 6.0)]),  # count right, misplaced
        real_corpus.score_intervals("c", "t", TRUTH, TRUTH[:2]),
        real_corpus.score_intervals("d", "t", TRUTH, TRUTH),
    ]
    assert real_corpus.pooled(scores) == {"count_right": 0.75, "clean": 0.5}


def test_score_corpus_runs_a_detector_on_each_file():
    # A detector that "finds" exactly the truth scores every recording clean: the plumbing is right.
    def key(time_s, tension_n):
        return len(time_s), float(time_s[-1]), float(tension_n[0]), float(tension_n[-1])

    truth_by_key = {}
    for e in ENTRIES:
        rec = read_recording(e.path)
        truth_by_key[key(rec.time_s, rec.tension_n)] = list(e.intervals_s)

    def oracle(time_s, tension_n):
        return truth_by_key[key(time_s, tension_n)]

    scores = real_corpus.score_corpus(ENTRIES, detect=oracle)
    assert [s.id for s in scores] == [e.id for e in ENTRIES]
    assert all(s.clean for s in scores)


def test_report_lists_each_recording_and_the_pooled_figures():
    import io

    scores = [
        real_corpus.score_intervals("clean-one", "grip", TRUTH, TRUTH),
        real_corpus.score_intervals("missed-one", "pull", TRUTH, TRUTH[:2]),
    ]
    out = io.StringIO()
    real_corpus.print_report(scores, out)
    text = out.getvalue()
    assert "clean-one" in text and "missed-one" in text and "count wrong" in text
    assert "rep count right: 50%" in text and "no false and no missed rep: 50%" in text
    assert "missed 1 of 6 truth reps" in text


@pytest.mark.xfail(
    strict=True,
    reason="16 of 18 counts right (88.9 %) since ogf-grip-20241126-middle came in: the detector "
    "drops one of its 68 squeezes (20.63-21.51 s, benchmarks/real/README.md); drop this mark once "
    "the detector finds it",
)
def test_targets():
    # the targets on the real corpus (docs/analysis.md): the rep count right on >= 90 % of the
    # recordings, and no false and no missed rep on >= 80 %
    figures = real_corpus.pooled(real_corpus.score_corpus(ENTRIES))
    assert figures["count_right"] >= 0.9 and figures["clean"] >= 0.8


# what the detector reaches today, in recordings: a change that loses any of it fails here
COUNT_RIGHT_TODAY_N = 16  # of 18 (the drop jump's landing, the 68-squeeze series' dropped squeeze)
CLEAN_TODAY_N = 16  # of 18 (those two: the landing counted, the 68-squeeze series' dropped squeeze)


def test_no_regression_on_the_real_corpus():
    scores = real_corpus.score_corpus(ENTRIES)
    failing = [(s.id, s.false, s.missed) for s in scores if not s.clean]
    assert sum(s.count_right for s in scores) >= COUNT_RIGHT_TODAY_N, failing
    assert sum(s.clean for s in scores) >= CLEAN_TODAY_N, failing
