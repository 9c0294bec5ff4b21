"""Accuracy of the analysis engine on the physics model's labelled suite, next to a peer baseline.

Scores `taut.signal.analyze` and a simple peer (zero-phase low-pass + scipy.signal.find_peaks)
against the simulator's ground truth (taut.sim.labelled_suite: all five exercises, many bands,
noise levels, 10 and 80 Hz, setup tugs, grip adjustments and rests) and prints both side by side.

Targets: exact rep count in >= 99 % of sets (printed with every truth rep, and with the
reps that lost samples hide completely left out: `unobservable_reps`, counted and printed); no false reps in setup/rest time; onset
and end median error <= 40 ms; set TUT error <= 2 % (median); partial-rep F1 >= 0.95.

    python benchmarks/accuracy.py                # 1,000 sets: suite seeds 0-4, 200 sets each
    python benchmarks/accuracy.py --seeds 0-9    # 2,000 sets
    python benchmarks/accuracy.py --seeds 4      # one suite seed's 200 sets
    python benchmarks/accuracy.py --quick        # 60 sets of seed 0
    python benchmarks/accuracy.py --real-only    # only the real recordings (benchmarks/real)
    python benchmarks/accuracy.py --suite human  # only the human-like suite

Two simulated suites, printed as separate sections with the same figures: the tidy one (labelled_suite) and
the human-like one (human_suite: warm-up, rising and fading loads, three intensities, isometric
repeaters with dips and fading holds, load left on between pulls, fidgets and level steps in
rests, single efforts with wobble and step-off, recordings cut mid-effort, a spike at the start
of a plateau), the latter also by behaviour. `--suite tidy|human|all` (default all).
The corpus of real recordings (benchmarks/real) is printed after them.

The figures are pooled over every set scored; the exact count is also printed per suite seed
(200 sets each: one set is 0.5 %, so single seeds scatter by about a point around the pool).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field

import numpy as np
from scipy.signal import butter, find_peaks, sosfiltfilt

from taut.records import Rep, RepSet
from taut.signal import analyze
from taut.sim import behaviour_of, human_suite, labelled_suite

# Labelled time that holds no rep; a detected rep whose centre lies in any of them is a false rep
# (counted once however many labels nest there).
OUTSIDE_SETS = ("setup", "rest", "idle", "release", "tug", "grip", "rest-load", "fidget", "step", "wobble", "cut")
SUITES = {"tidy": labelled_suite, "human": human_suite}


@dataclass
class Score:
    sets: int = 0
    exact_sets: int = 0
    exact_observable: int = 0
    unobservable: int = 0  # truth reps no recorded sample can show (see unobservable_reps)
    unobservable_sets: int = 0
    false_reps: int = 0
    missed: int = 0
    onset_err_s: list = field(default_factory=list)
    end_err_s: list = field(default_factory=list)
    tut_err: list = field(default_factory=list)
    tp: int = 0
    fp: int = 0
    fn: int = 0
    seconds: float = 0.0
    samples: int = 0

    def add(self, rec, found: list[RepSet]) -> None:
        reps = [r for s in found for r in s.reps]
        centre = np.array([(r.start_s + r.end_s) / 2 for r in reps])
        outside = np.zeros(len(centre), dtype=bool)
        for iv in rec.intervals(*OUTSIDE_SETS):
            outside |= (centre > iv.start_s) & (centre < iv.end_s)
        self.false_reps += int(outside.sum())
        used: set[int] = set()
        for ts in rec.sets:
            self.sets += 1
            inside = [r for r in reps if ts.start_s - 0.3 < (r.start_s + r.end_s) / 2 < ts.end_s + 0.3]
            self.exact_sets += len(inside) == len(ts.reps)
            hidden = unobservable_reps(rec.time_s, ts.reps)
            self.unobservable += hidden
            self.unobservable_sets += hidden > 0
            self.exact_observable += len(inside) == len(ts.reps) - hidden
            tut_found = 0.0
            for tr in ts.reps:
                j = _best_match(tr, reps, used)
                if j is None:
                    self.missed += 1
                    continue
                used.add(j)
                r = reps[j]
                tut_found += r.tut_s
                self.onset_err_s.append(abs(r.start_s - tr.start_s))
                self.end_err_s.append(abs(r.end_s - tr.end_s))
                self.tp += tr.partial and r.partial
                self.fp += (not tr.partial) and r.partial
                self.fn += tr.partial and not r.partial
            self.tut_err.append(abs(tut_found - ts.tut_s) / ts.tut_s)

    def merge(self, other: Score) -> None:
        """Pool another run's counts and errors into this one."""
        for name, value in vars(other).items():
            mine = getattr(self, name)
            setattr(self, name, mine + value)

    def partial_f1(self) -> float:
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp + self.fp + self.fn else 1.0

    def figures(self) -> dict[str, str]:
        f1 = self.partial_f1()
        return {
            "exact rep count (sets)": f"{self.exact_sets / self.sets:.1%}",
            "  counting observable reps": f"{self.exact_observable / self.sets:.1%}",
            "  reps unobservable (gaps)": f"{self.unobservable} in {self.unobservable_sets} sets",
            "false reps in setup/rest": f"{self.false_reps}",
            "missed reps": f"{self.missed}",
            "onset error, median": f"{1000 * np.median(self.onset_err_s):.1f} ms",
            "end error, median": f"{1000 * np.median(self.end_err_s):.1f} ms",
            "set TUT error, median": f"{np.median(self.tut_err):.2%}",
            "partial-rep F1": f"{f1:.3f}",
            "throughput": f"{self.samples / self.seconds / 1e6:.2f} M samples/s",
        }


def unobservable_reps(time_s: np.ndarray, reps) -> int:
    """Truth reps that lost samples hide completely: no sample between their start and end, or
    none between the previous rep's top end and their top start (the dip that separates them
    from the previous rep was never recorded, so the two read as one held rep)."""
    hidden = 0
    prev_top_end = -np.inf
    for tr in reps:
        i0, i1 = np.searchsorted(time_s, [tr.start_s, tr.end_s], side="right")
        j0, j1 = np.searchsorted(time_s, [prev_top_end, tr.top_start_s], side="right")
        hidden += bool(i1 == i0 or j1 == j0)
        prev_top_end = tr.top_end_s
    return hidden


def _best_match(tr: Rep, reps: list[Rep], used: set[int]) -> int | None:
    """The unused detected rep overlapping the truth rep most (at least half its duration)."""
    best, best_overlap = None, 0.5 * (tr.end_s - tr.start_s)
    for j, r in enumerate(reps):
        if j in used or r.end_s < tr.start_s or r.start_s > tr.end_s:
            continue
        overlap = min(r.end_s, tr.end_s) - max(r.start_s, tr.start_s)
        if overlap > best_overlap:
            best, best_overlap = j, overlap
    return best


def peer_baseline(time_s: np.ndarray, tension_n: np.ndarray) -> list[RepSet]:
    """The usual approach: low-pass at 2 Hz, find_peaks with a prominence, 10 %-crossings, gaps cut sets."""
    fs_hz = 1.0 / float(np.median(np.diff(time_s)))
    sos = butter(2, min(2.0, 0.4 * fs_hz) / (fs_hz / 2), output="sos")
    y = sosfiltfilt(sos, tension_n)
    span = float(np.percentile(y, 99) - np.percentile(y, 1))
    peaks, props = find_peaks(y, prominence=0.25 * span, distance=max(1, int(0.4 * fs_hz)))
    reps = []
    for p, lb, rb in zip(peaks, props["left_bases"], props["right_bases"]):
        b = float(y[lb:p + 1].min())
        e = float(y[p]) - b
        lo = b + 0.1 * e
        left = np.flatnonzero(y[lb:p] <= lo)
        right = np.flatnonzero(y[p:rb + 1] < lo)
        i0 = lb + (int(left[-1]) if len(left) else 0)
        i1 = p + (int(right[0]) if len(right) else rb - p)
        reps.append((float(time_s[i0]), float(time_s[p]), float(time_s[i1]), b, float(y[p])))
    sets: list[list] = []
    for r in reps:
        if not sets or r[0] - sets[-1][-1][2] > 10.0:
            sets.append([])
        sets[-1].append(r)
    out = []
    for k, group in enumerate(sets):
        ranges = np.array([g[4] - g[3] for g in group])
        ref = float(np.median(ranges))
        out.append(RepSet(k, tuple(
            Rep(i, g[0], g[1], g[1], g[2], g[3], g[4], g[4], 0.0, rg / ref, bool(rg < 0.8 * ref))
            for i, (g, rg) in enumerate(zip(group, ranges))
        )))
    return out


def parse_seeds(text: str) -> list[int]:
    """'0-4' -> [0, 1, 2, 3, 4]; '1,5,7' -> [1, 5, 7]; '3' -> [3]."""
    seeds: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        seeds.extend(range(int(lo), int(hi or lo) + 1))
    if not seeds:
        raise argparse.ArgumentTypeError(f"no seeds in {text!r}")
    return seeds


def score_seed(seed: int, n_sets: int, by_rate: dict[float, Score], suite: str = "tidy",
               by_behaviour: dict[str, Score] | None = None) -> tuple[Score, Score, int]:
    """Taut and the peer on one suite seed's sets, and the number of recordings they came in;
    taut's scores are also pooled by sampling rate into `by_rate` (and by behaviour)."""
    taut_score, peer_score = Score(), Score()
    recordings = 0
    for rec in SUITES[suite](n_sets=n_sets, seed=seed):
        recordings += 1
        for score, fn in ((taut_score, lambda t, x: analyze(t, x).sets), (peer_score, peer_baseline)):
            t0 = time.perf_counter()
            found = fn(rec.time_s, rec.tension_n)
            score.seconds += time.perf_counter() - t0
            score.samples += len(rec.time_s)
            score.add(rec, found)
            if score is taut_score:
                by_rate.setdefault(rec.fs_hz, Score()).add(rec, found)
                if by_behaviour is not None:
                    by_behaviour.setdefault(behaviour_of(rec), Score()).add(rec, found)
    return taut_score, peer_score, recordings


TARGETS = {
    "  counting observable reps": ">= 99%",
    "false reps in setup/rest": "0",
    "onset error, median": "<= 40 ms",
    "end error, median": "<= 40 ms",
    "set TUT error, median": "<= 2%",
    "partial-rep F1": ">= 0.95",
}


def run_suite(suite: str, seeds: list[int], n_sets: int) -> None:
    """Score one suite over the seeds and print its section (taut beside the peer, by rate, by seed;
    the human-like suite also by behaviour)."""
    taut_score, peer_score = Score(), Score()
    recordings = 0
    per_seed = []
    by_rate: dict[float, Score] = {}
    by_behaviour: dict[str, Score] | None = {} if suite == "human" else None
    for seed in seeds:
        t_s, p_s, n_rec = score_seed(seed, n_sets, by_rate, suite, by_behaviour)
        per_seed.append((seed, t_s))
        taut_score.merge(t_s)
        peer_score.merge(p_s)
        recordings += n_rec
    if suite != "tidy":
        print(f"\n== {suite}-like suite (taut.sim.human_suite) ==")
    print(f"accuracy on {taut_score.sets} labelled sets (suite seed{'s' * (len(seeds) > 1)} {','.join(map(str, seeds))}: "
          f"{recordings} simulated recordings, {len(taut_score.onset_err_s)} matched reps)")
    a, b = taut_score.figures(), peer_score.figures()
    print(f"{'':28s} {'taut':>16s} {'peer baseline':>16s} {'target':>10s}")
    for key in a:
        print(f"{key:28s} {a[key]:>16s} {b[key]:>16s} {TARGETS.get(key, ''):>10s}")
    print("taut by sampling rate: " + "  ".join(
        f"{fs:g} Hz: {sc.sets} sets, exact {sc.exact_observable / sc.sets:.1%} / {sc.exact_sets / sc.sets:.1%}, "
        f"false reps {sc.false_reps}, partial F1 {sc.partial_f1():.3f}" for fs, sc in sorted(by_rate.items())))
    if len(per_seed) > 1:
        print("exact rep count per suite seed (observable / all truth reps):")
        print("  " + "  ".join(f"{seed}: {sc.exact_observable / sc.sets:.1%} / {sc.exact_sets / sc.sets:.1%}"
                               for seed, sc in per_seed))
    if by_behaviour:
        print("taut by behaviour:")
        print(f"  {'behaviour':14s} {'sets':>5s} {'exact':>7s} {'false':>6s} {'missed':>6s} {'onset':>8s} {'end':>8s} "
              f"{'TUT err':>8s} {'partial F1 (tp/fp/fn)':>22s}")
        for name, sc in sorted(by_behaviour.items()):
            onset = f"{1000 * np.median(sc.onset_err_s):.0f} ms" if sc.onset_err_s else "-"
            end = f"{1000 * np.median(sc.end_err_s):.0f} ms" if sc.end_err_s else "-"
            tut = f"{np.median(sc.tut_err):.1%}" if sc.tut_err else "-"
            print(f"  {name:14s} {sc.sets:5d} {sc.exact_observable / max(sc.sets, 1):7.1%} {sc.false_reps:6d} "
                  f"{sc.missed:6d} {onset:>8s} {end:>8s} {tut:>8s} "
                  f"{f'{sc.partial_f1():.3f} ({sc.tp}/{sc.fp}/{sc.fn})':>22s}")
    if suite == "tidy":
        print("observable: a set counts as exact when the reps found equal its truth reps minus those that")
        print("lost samples hide completely (no sample inside the rep, or none in the dip before it)")
        print("peer baseline: 2 Hz zero-phase low-pass + scipy.signal.find_peaks (prominence 25 % of span)")
        print("published anchor: wrist-IMU rep counting (RecoFit, 2014) within +-1 rep in ~93 % of sets")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=200, help="labelled sets per suite seed (default 200)")
    parser.add_argument("--seeds", type=parse_seeds, default=parse_seeds("0-4"),
                        help="suite seeds, e.g. 0-4 (default), 0-9 or 1,3,5")
    parser.add_argument("--seed", type=int, help="one suite seed (same as --seeds N)")
    parser.add_argument("--quick", action="store_true", help="60 sets of seed 0")
    parser.add_argument("--real-only", action="store_true", help="only the corpus of real recordings (benchmarks/real)")
    parser.add_argument("--suite", choices=("tidy", "human", "all"), default="all",
                        help="which simulated suite(s) to score (default all: tidy, then human-like)")
    args = parser.parse_args()
    if args.real_only:
        return print_real_corpus()
    seeds = [args.seed] if args.seed is not None else args.seeds
    n_sets = args.sets
    if args.quick:
        seeds, n_sets = [0], 60
    for suite in (("tidy", "human") if args.suite == "all" else (args.suite,)):
        run_suite(suite, seeds, n_sets)
    print()
    return print_real_corpus()


def print_real_corpus() -> int:
    """Beside the model's suites: real human recordings and their truth (benchmarks/real_corpus.py)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import real_corpus

    real_corpus.print_report(real_corpus.score_corpus(real_corpus.load_manifest()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
