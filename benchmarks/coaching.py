"""Coaching cues scored like reps: precision and recall per cue on the bad-habits suite.

Each recording of `taut.sim.habits.habit_suite` (people who rush, skip the squeeze, fade, pull a
band too heavy or too light, do partials, or train well; five exercises, 80 and 10 Hz, three noise
levels) is fed one sample at a time to the rep detector and the cue engine, as live. A per-rep cue
is right when the detected rep (matched to a truth rep by its start, within 0.5 s) carries it and
the model says the rep earned it; losing form is right when its rep lies within 2 of the model's.
The after-set judge's "band too heavy" is scored over the sets that used a too-heavy band (right)
and over all others (wrong). Latency: each cue's first showing against the moment the model says it
became true: too fast (concentric) and the hold-it countdown at the top's start (the concentric is
over, the hold begins), no squeeze at the top's end (the hold is over, short), too fast (eccentric)
and short range at the rep's end. A setup tug's cue is one given on a rep the detector withdrew.

Targets: precision and recall >= 95 % per cue; no cue on a rep the model did well;
"too heavy" right in >= 90 % of too-heavy sets, wrong in <= 2 % of the others; cues within 150 ms.

Then the same live chain on real recordings of real people (benchmarks/real), scored by the
contract on their documented truth: `benchmarks/coaching_real.py`.

    python benchmarks/coaching.py            # 240 sets (30 per habit), then the real recordings
    python benchmarks/coaching.py --quick    # 48 sets
    python benchmarks/coaching.py --real     # the real recordings alone, each miss and late cue listed
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from taut.coach import CueEngine, CueWithdrawn, HoldIt, LosingForm, RepMark, RepWithdrawn, cue_name, summarize, targets_for
from taut.coach.rep_cues import REP_CUE_KINDS
from taut.signal import RepDetector, SetEnded
from taut.sim.habits import HABITS, habit_suite

MATCH_S = 0.5
FORM_TOLERANCE_REPS = 2
CUES = REP_CUE_KINDS + ("losing-form",)


TRUTH_MOMENT = {  # when each cue becomes true, as a field of the truth rep (module doc)
    "too-fast-concentric": "top_start_s", "no-squeeze": "top_end_s", "too-fast-eccentric": "end_s",
    "short-range": "end_s", "hold-it": "top_start_s",
}
ON_TIME_S = 0.150


class CueCounts:
    """Precision and recall per cue from a score's true / false positive and false negative counts."""

    tp: Counter
    fp: Counter
    fn: Counter

    def precision(self, k: str) -> float:
        d = self.tp[k] + self.fp[k]
        return self.tp[k] / d if d else float("nan")

    def recall(self, k: str) -> float:
        d = self.tp[k] + self.fn[k]
        return self.tp[k] / d if d else float("nan")


@dataclass
class CoachScore(CueCounts):
    tp: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)
    good_reps: int = 0
    good_reps_cued: int = 0
    good_cued_which: list = field(default_factory=list)  # (habit, exercise, fs, rep, cues) of each
    heavy_sets: int = 0
    heavy_right: int = 0
    other_sets: int = 0
    heavy_wrong: int = 0
    light_sets: int = 0
    light_right: int = 0
    missed_reps: int = 0
    tug_cues_shown: int = 0  # cues given on a "rep" the detector later withdrew (a setup tug), then taken back
    tug_cues_standing: int = 0  # ... and not taken back
    taken_back: int = 0  # early cues (at the top, as the hold ended) taken back by CueWithdrawn
    countdowns_off_rep: int = 0  # hold-it countdowns begun outside every rep (on the grab, a tug)
    first_reps_uncounted: int = 0  # a set's first rep held as asked, with no countdown
    latency_s: dict = field(default_factory=dict)  # cue kind -> [cue time - its truth moment]
    late: list = field(default_factory=list)  # (latency, kind, habit, exercise, fs, rep, of reps)
    sets: int = 0


def coach_recording(rec, truth, chunk: int = 1) -> tuple[list, list]:
    """Feed a recording `chunk` samples at a time (1: as live, sample by sample) through the detector
    and the cue engine: (cues, closed sets). Any chunking gives the same cues, only later."""
    targets = targets_for(rec.plan.sets[0].exercise, tension_n=truth.tension_target_n)
    det = RepDetector(rec.plan.sets[0].exercise, top_events=True)
    cues, events = run_live(rec.time_s, rec.tension_n, det, CueEngine(targets), chunk)
    return cues, [e.rep_set for e in events if isinstance(e, SetEnded)]


def run_live(t, y, det: RepDetector, eng: CueEngine, chunk: int = 1) -> tuple[list, list]:
    """Feed samples `chunk` at a time through `det` and `eng`, then finish: (cues, the detector's events)."""
    cues, events = [], []
    for i in range(0, len(t), chunk):
        evs = det.feed(t[i:i + chunk], y[i:i + chunk])
        cues += eng.feed(t[i:i + chunk], y[i:i + chunk], evs)
        events += evs
    evs = det.finish()
    cues += eng.feed(t[:0], y[:0], evs)
    return cues, events + evs


def _given_cues(cues) -> tuple[dict, dict, list, list, int, int]:
    """Replay the cues as a view shows them: (per rep: {kind: first time}, per rep: (start, mark time),
    losing-form cues, (time, remaining) of each hold-it, tug cues shown, early cues taken back)."""
    given: dict = {}  # (set, rep index) -> {kind: time first given}
    marked: dict = {}  # (set, rep index) -> (start_s, time_s of the RepMark)
    form, holds, tug_shown, taken_back = [], [], 0, 0
    for c in cues:
        k = cue_name(c)
        if k is not None:
            given.setdefault((c.set_index, c.rep_index), {}).setdefault(k, c.time_s)
        elif isinstance(c, CueWithdrawn):
            given.get((c.set_index, c.rep_index), {}).pop(c.what, None)
            taken_back += 1
        elif isinstance(c, RepMark):
            marked[(c.set_index, c.rep_index)] = (c.rep_start_s, c.time_s)
        elif isinstance(c, RepWithdrawn):
            key = (c.set_index, c.rep_index)
            tug_shown += bool(given.pop(key, None))
            marked.pop(key, None)
        elif isinstance(c, LosingForm):
            form.append(c)
        elif isinstance(c, HoldIt):
            holds.append((c.time_s, c.remaining_s))
    return given, marked, form, holds, tug_shown, taken_back


def score_recording(rec, truth, score: CoachScore, chunk: int = 1) -> None:
    """Add one habit recording's cues and after-set verdict to `score`."""
    cues, sets = coach_recording(rec, truth, chunk)
    given, marked, forms, holds, tug_shown, taken_back = _given_cues(cues)
    score.tug_cues_shown += tug_shown
    score.taken_back += taken_back
    score.tug_cues_standing += sum(bool(given.get(key)) for key in given if key not in marked)
    form = forms[0] if forms else None
    truth_reps = rec.sets[0].reps if rec.sets else ()
    where = (truth.habit, rec.plan.sets[0].exercise, rec.fs_hz)
    used = set()
    score.sets += 1
    for n, (tr, want) in enumerate(zip(truth_reps, truth.rep_cues)):
        key = min(marked, key=lambda q: abs(marked[q][0] - tr.start_s), default=None)
        got: dict = {}
        if key is not None and abs(marked[key][0] - tr.start_s) <= MATCH_S and key not in used:
            used.add(key)
            got = given.get(key, {})
            for k in set(got) & set(want):
                lat = got[k] - getattr(tr, TRUTH_MOMENT[k])
                score.latency_s.setdefault(k, []).append(lat)
                if lat > ON_TIME_S:
                    score.late.append((lat, k, *where, n, len(truth_reps)))
        else:
            score.missed_reps += 1
        for k in REP_CUE_KINDS:
            score.tp[k] += k in got and k in want
            score.fp[k] += k in got and k not in want
            score.fn[k] += k not in got and k in want
        if not want:
            score.good_reps += 1
            score.good_reps_cued += bool(got)
            if got:
                score.good_cued_which.append((*where, n, tuple(got)))
        if "no-squeeze" not in want and truth.target_hold_s > 0:
            first = [h for h, _ in holds if tr.start_s <= h <= tr.end_s]
            score.first_reps_uncounted += n == 0 and not first
            if first:
                lat = first[0] - tr.top_start_s
                score.latency_s.setdefault("hold-it", []).append(lat)
                if abs(lat) > ON_TIME_S:
                    score.late.append((lat, "hold-it", *where, n, len(truth_reps)))
    begun = [h for h, left in holds if left == max(r for _, r in holds)]  # each countdown's first tick
    score.countdowns_off_rep += sum(not any(tr.start_s - ON_TIME_S <= h <= tr.end_s for tr in truth_reps) for h in begun)
    for key, got in given.items():
        if key in marked and key not in used:
            for k in got:
                score.fp[k] += 1
    since = None if form is None or not len(truth_reps) else \
        int(np.argmin([abs(tr.start_s - form.since_start_s) for tr in truth_reps]))
    ok = since is not None and truth.losing_form_since is not None and \
        abs(since - truth.losing_form_since) <= FORM_TOLERANCE_REPS
    score.tp["losing-form"] += ok
    score.fp["losing-form"] += form is not None and not ok
    score.fn["losing-form"] += truth.losing_form_since is not None and not ok
    targets = targets_for(rec.plan.sets[0].exercise, tension_n=truth.tension_target_n)
    verdicts = [summarize(s, targets).band_verdict for s in sets]
    said_heavy = "too heavy" in verdicts
    if truth.band == "too heavy":
        score.heavy_sets += 1
        score.heavy_right += said_heavy
    else:
        score.other_sets += 1
        score.heavy_wrong += said_heavy
    if truth.band == "too light":
        score.light_sets += 1
        score.light_right += "too light" in verdicts


def score_suite(n_sets: int, seed: int = 0, chunk: int = 1, **options) -> CoachScore:
    """Score the first n_sets sets of the habit suite of `seed`."""
    score = CoachScore()
    for rec, truth in habit_suite(n_sets, seed, **options):
        score_recording(rec, truth, score, chunk)
    return score


def two_set_first_reps(n_sessions: int, seed: int = 0) -> dict[bool, list]:
    """Sessions of two sets (one person, exercise and band; habits that hold; no plan tension): the
    countdown's first tick on the second set's first rep against its top start, with the engine
    keeping the last set's excursion (True) and with a fresh engine per set (False, as before)."""
    from dataclasses import replace

    from taut.exercises import EXERCISE_IDS
    from taut.sim import SessionPlan, simulate_session
    from taut.sim.draw import random_sensor
    from taut.sim.habits import habit_set

    out: dict[bool, list] = {True: [], False: []}
    for k in range(n_sessions):
        rng = np.random.default_rng([seed, k, 0x2527])
        habit = ("good", "rush", "partials", "fade-tempo", "too-light")[k % 5]
        ex = EXERCISE_IDS[(k // 5) % len(EXERCISE_IDS)]
        sp1, _ = habit_set(rng, habit, ex, rest_after_s=40.0)
        sp2, _ = habit_set(rng, habit, ex, rest_after_s=3.0)
        sp2 = replace(sp2, band=sp1.band, rest_length_m=sp1.rest_length_m, start_elongation=sp1.start_elongation,
                      grip_angle_rad=sp1.grip_angle_rad)
        plan = SessionPlan((sp1, sp2), random_sensor(rng, 120.0, 100.0, noise="low", faults=False), 1.5, k)
        rec = simulate_session(plan, fs_hz=(80.0, 10.0)[k % 2])
        det = RepDetector(ex, top_events=True)
        events = [det.feed(rec.time_s[i:i + 1], rec.tension_n[i:i + 1]) for i in range(len(rec.time_s))]
        if len(rec.sets) < 2:
            continue
        r = rec.sets[1].reps[0]
        for keep in (True, False):
            eng, ticks = CueEngine(targets_for(ex)), []
            for i, evs in enumerate(events):
                ticks += [c.time_s for c in eng.feed(rec.time_s[i:i + 1], rec.tension_n[i:i + 1], evs)
                          if isinstance(c, HoldIt) and r.start_s <= c.time_s <= r.end_s]
                if not keep and any(isinstance(e, SetEnded) for e in evs):
                    eng = CueEngine(targets_for(ex))
            out[keep].append(ticks[0] - r.top_start_s if ticks else None)
    return out


def report(score: CoachScore) -> None:
    print(f"{'cue':<22} {'precision':>9} {'recall':>7} {'tp':>5} {'fp':>4} {'fn':>4}   target >= 95 % each")
    for k in CUES:
        print(f"{k:<22} {100 * score.precision(k):8.1f}% {100 * score.recall(k):6.1f}% "
              f"{score.tp[k]:5d} {score.fp[k]:4d} {score.fn[k]:4d}")
    print(f"good reps with a cue: {score.good_reps_cued} of {score.good_reps} (target 0); truth reps not found: {score.missed_reps}")
    print(f"setup tugs with a cue left standing: {score.tug_cues_standing} (target 0); "
          f"cued, then taken back when the detector withdrew them: {score.tug_cues_shown}")
    print(f"early cues taken back (the completed rep did not earn them, or was no rep): {score.taken_back}")
    print(f"hold-it countdowns begun outside every rep (the grab, tugs): {score.countdowns_off_rep}; "
          f"a set's first rep held with no countdown: {score.first_reps_uncounted}")
    print(f"band too heavy: right in {score.heavy_right}/{score.heavy_sets} too-heavy sets "
          f"({100 * score.heavy_right / max(score.heavy_sets, 1):.1f} %, target >= 90 %), "
          f"wrong in {score.heavy_wrong}/{score.other_sets} others ({100 * score.heavy_wrong / max(score.other_sets, 1):.1f} %, target <= 2 %)")
    print(f"band too light: right in {score.light_right}/{score.light_sets} too-light sets")
    print(f"cue latency from the moment it becomes true (target: every cue within {1000 * ON_TIME_S:.0f} ms):")
    print(f"  {'cue':<22} {'n':>5} {'median':>7} {'p95':>7} {'max':>8} {'on time':>8}")
    latency_rows(score.latency_s, _latency_row)


def latency_rows(latency_s: dict, row) -> None:
    """`row(name, latencies)` for each cue kind that has any (per-rep cues, then the countdown), then all."""
    every = []
    for k in (*REP_CUE_KINDS, "hold-it"):
        lat = np.array(latency_s.get(k, []))
        if lat.size:
            every.append(lat)
            row(k, lat)
    if every:
        row("all", np.concatenate(every))


def _latency_row(name: str, lat: np.ndarray) -> None:
    print(f"  {name:<22} {lat.size:5d} {1000 * np.median(lat):5.0f}ms {1000 * np.percentile(lat, 95):5.0f}ms "
          f"{1000 * lat.max():6.0f}ms {100 * np.mean(np.abs(lat) <= ON_TIME_S):7.1f}%")


def report_details(score: CoachScore, worst: int) -> None:
    """The cases behind the misses: good reps given a cue, the latest cues."""
    for w in score.good_cued_which:
        print("  good rep cued:", w)
    for w in sorted(score.late, key=lambda w: -abs(w[0]))[:worst]:
        print(f"  late {1000 * w[0]:.0f} ms:", w[1:])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", type=int, default=30 * len(HABITS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help=f"{6 * len(HABITS)} sets")
    ap.add_argument("--worst", type=int, default=0, help="list the good reps cued and this many of the latest cues")
    ap.add_argument("--two-sets", type=int, default=0, metavar="N",
                    help="instead: N two-set sessions, the second set's first countdown with and without the last set")
    ap.add_argument("--real", action="store_true", help="only the real recordings (benchmarks/coaching_real.py), every case listed")
    args = ap.parse_args()
    if args.real:
        _real_part(details=True)
        return
    if args.two_sets:
        got = two_set_first_reps(args.two_sets, args.seed)
        for keep, lat in got.items():
            on = sum(x is not None and abs(x) <= ON_TIME_S for x in lat)
            print(f"{'last set kept' if keep else 'fresh engine per set'}: second set's first rep, countdown on time "
                  f"{on}/{len(lat)}, none {sum(x is None for x in lat)}; latency s:",
                  " ".join("-" if x is None else f"{x:+.2f}" for x in lat))
        return
    n = 6 * len(HABITS) if args.quick else args.sets
    t0 = time.perf_counter()
    score = score_suite(n, args.seed)
    print(f"coaching suite: {score.sets} sets (seed {args.seed}), {time.perf_counter() - t0:.0f} s")
    report(score)
    if args.worst:
        report_details(score, args.worst)
    print()
    _real_part(details=False)


def _real_part(details: bool) -> None:
    """The real recordings' part (its own module: it imports this one)."""
    import coaching_real

    coaching_real.main(details)


if __name__ == "__main__":
    main()
