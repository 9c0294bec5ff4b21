"""Taut's rep detection on real human force recordings (benchmarks/real), scored against their truth.

Every other accuracy figure comes from the physics model; this one comes from public recordings of
people pulling, hanging, squeezing or jumping against force sensors. Each recording's truth (how
many reps, each rep's approximate interval, how that was set: protocol / second channel /
inspection) is in `benchmarks/real/corpus.json`; `benchmarks/real/README.md` says where each came
from, its licence and the judgement calls.

A found rep matches a truth rep when their intervals overlap with an intersection over union of
at least `MATCH_IOU` (one-to-one, best overlaps first): a rep found where none was (a bump in the
rest, a landing, a hold split in two) is *false*, a truth rep left unmatched is *missed*.
Per recording: truth, found, false, missed; pooled: the share of recordings whose rep count is
right, and the share with no false and no missed rep (targets: >= 90 % and >= 80 %).

    python benchmarks/real_corpus.py            # the table
    python benchmarks/accuracy.py --real-only   # the same, from the accuracy benchmark
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

CORPUS_DIR = Path(__file__).resolve().parent / "real"
MANIFEST = CORPUS_DIR / "corpus.json"
# Intersection over union a found rep needs with a truth rep to count as that rep. Truth intervals
# are approximate (by inspection at best to ~0.1 s), so this is loose; it still refuses a found
# "rep" that spans the whole set, or half of a hold that was split in two.
MATCH_IOU = 0.3
# Licences whose terms allow the recordings to be redistributed here (SPDX identifiers).
ALLOWED_LICENCES = ("CC0-1.0", "CC-BY-3.0", "CC-BY-4.0", "CC-BY-SA-3.0", "CC-BY-SA-4.0", "ODC-By-1.0", "PDDL-1.0", "MIT", "BSD-2-Clause",
                    "BSD-3-Clause", "Apache-2.0", "ISC", "Unlicense")
TRUTH_METHODS = ("protocol", "channel", "inspection")
CONFIDENCES = ("high", "medium", "low")
REQUIRED_FIELDS = ("id", "file", "kind", "source", "licence", "attribution", "conversion", "truth")
TARGET_COUNT_RIGHT = 0.90
TARGET_CLEAN = 0.80

Interval = tuple[float, float]


@dataclass(frozen=True)
class Entry:
    """One recording of the corpus: its file and its truth."""

    id: str
    path: Path
    kind: str
    intervals_s: tuple[Interval, ...]
    method: str
    confidence: str
    meta: dict

    @property
    def truth_reps(self) -> int:
        return len(self.intervals_s)


@dataclass(frozen=True)
class RecordingScore:
    """How the detector did on one recording (`found_s`: the found reps' intervals, for a closer look)."""

    id: str
    kind: str
    truth: int
    found: int
    matched: int
    found_s: tuple[Interval, ...] = ()

    @property
    def false(self) -> int:
        return self.found - self.matched

    @property
    def missed(self) -> int:
        return self.truth - self.matched

    @property
    def count_right(self) -> bool:
        return self.found == self.truth

    @property
    def clean(self) -> bool:
        return self.false == 0 and self.missed == 0


def load_manifest(path: Path = MANIFEST) -> list[Entry]:
    """The corpus entries, in manifest order (files resolved beside the manifest)."""
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    entries = []
    for rec in doc["recordings"]:
        truth = rec["truth"]
        entries.append(Entry(
            id=rec["id"],
            path=path.parent / rec["file"],
            kind=rec["kind"],
            intervals_s=tuple((float(a), float(b)) for a, b in truth["intervals_s"]),
            method=truth["method"],
            confidence=truth["confidence"],
            meta=rec,
        ))
    return entries


def iou(a: Interval, b: Interval) -> float:
    """Intersection over union of two time intervals (0 when they do not overlap)."""
    inter = min(a[1], b[1]) - max(a[0], b[0])
    if inter <= 0:
        return 0.0
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


def match_reps(truth: Sequence[Interval], found: Sequence[Interval], min_iou: float = MATCH_IOU) -> list[tuple[int, int]]:
    """One-to-one pairs (truth index, found index), best overlaps first, each with IoU >= min_iou."""
    pairs = sorted(((iou(t, f), i, j) for i, t in enumerate(truth) for j, f in enumerate(found)), reverse=True)
    used_t: set[int] = set()
    used_f: set[int] = set()
    out = []
    for score, i, j in pairs:
        if score < min_iou:
            break
        if i in used_t or j in used_f:
            continue
        used_t.add(i)
        used_f.add(j)
        out.append((i, j))
    return sorted(out)


def score_intervals(rec_id: str, kind: str, truth: Sequence[Interval], found: Sequence[Interval]) -> RecordingScore:
    """Score found rep intervals against truth intervals."""
    return RecordingScore(rec_id, kind, len(truth), len(found), len(match_reps(truth, found)),
                          tuple((float(a), float(b)) for a, b in found))


def found_intervals(time_s, tension_n) -> list[Interval]:
    """The reps `taut.signal.analyze` finds, as (start_s, end_s)."""
    from taut.signal import analyze

    return [(r.start_s, r.end_s) for s in analyze(time_s, tension_n).sets for r in s.reps]


def score_corpus(entries: Sequence[Entry],
                 detect: Callable[..., list[Interval]] = found_intervals) -> list[RecordingScore]:
    """Run the detector on every recording (read as `taut analyze` reads it) and score it."""
    from taut.recording import read_recording

    scores = []
    for e in entries:
        rec = read_recording(e.path)
        scores.append(score_intervals(e.id, e.kind, e.intervals_s, detect(rec.time_s, rec.tension_n)))
    return scores


def pooled(scores: Sequence[RecordingScore]) -> dict[str, float]:
    """Share of recordings with the count right, and with no false and no missed rep."""
    n = len(scores)
    return {
        "count_right": sum(s.count_right for s in scores) / n if n else 0.0,
        "clean": sum(s.clean for s in scores) / n if n else 0.0,
    }


def print_report(scores: Sequence[RecordingScore], out: TextIO = sys.stdout,
                 entries: Sequence[Entry] | None = None) -> None:
    """The per-recording table and the two pooled figures beside their targets; with `entries`,
    each recording's truth and found intervals too."""
    by_id = {e.id: e for e in entries or ()}
    print(f"real recordings ({len(scores)}, benchmarks/real; truth: protocol, second channel or inspection)", file=out)
    print(f"  {'recording':28s} {'kind':34s} {'truth':>5s} {'found':>5s} {'false':>5s} {'missed':>6s}", file=out)
    for s in scores:
        flag = "" if s.clean else ("  count wrong" if not s.count_right else "  count right, reps misplaced")
        print(f"  {s.id:28s} {s.kind[:34]:34s} {s.truth:5d} {s.found:5d} {s.false:5d} {s.missed:6d}{flag}", file=out)
        if s.id in by_id:
            print(f"      truth {_spans(by_id[s.id].intervals_s)}", file=out)
            print(f"      found {_spans(s.found_s)}", file=out)
    p = pooled(scores)
    print(f"  rep count right: {p['count_right']:.0%} of recordings (target >= {TARGET_COUNT_RIGHT:.0%}); "
          f"no false and no missed rep: {p['clean']:.0%} (target >= {TARGET_CLEAN:.0%}); "
          f"false {sum(s.false for s in scores)}, missed {sum(s.missed for s in scores)} of "
          f"{sum(s.truth for s in scores)} truth reps", file=out)


def _spans(intervals: Sequence[Interval]) -> str:
    return " ".join(f"{a:.2f}-{b:.2f}" for a, b in intervals) or "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=MANIFEST, help="corpus manifest (default benchmarks/real/corpus.json)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each recording's truth and found intervals")
    args = parser.parse_args(argv)
    entries = load_manifest(args.manifest)
    print_report(score_corpus(entries), entries=entries if args.verbose else None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
