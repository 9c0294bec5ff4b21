"""The coaching cues on real recordings of real people (benchmarks/real), scored by the contract on their truth.

The simulator part of `benchmarks/coaching.py` scores the cues against the model's own intent; here
the same live chain (`RepDetector(top_events=True)` and `CueEngine`, fed one sample at a time) runs
over the public recordings of `benchmarks/real/corpus.json`. Their documented truth is each rep's
count and approximate interval; everything else is derived from it by the contract
(docs/analysis.md): each truth rep is measured with `taut.signal.measure.measure_rep` on the samples
from the previous truth rep's end (or `PRE_S` before it) to `POST_S` after its own end, triggered at
its truth start: B, P, the 10 % / 90 % crossings, its phases and (against the median excursion of the
recording's truth reps) whether it is partial. A truth rep then earns a cue as `rep_cue_kinds` says,
and each cue's truth moment is the contract's (top start, top end, rep end) on that measurement.

Each recording is coached twice (`TARGETS`): with the catalogue's defaults for no exercise (2-0-1-1,
a 1 s hold, no plan tension: a plan nobody fitted to the recording; grip squeezes and jumps are far
quicker, so nearly every rep earns every cue) and at the person's **own pace** (the medians of the
recording's truth reps' contract concentric, hold and eccentric as the target tempo and hold, their
median peak as the plan's tension: a cue's line lies at 0.6 or 0.75 of the median, so most reps
are good and precision and cues on good reps mean something). Scored: reps counted live against the truth (intervals
matched as in `real_corpus.py`, IoU >= 0.3); per-rep cues standing on matched reps against the
contract (precision, recall; good reps given a cue); cues and countdowns outside every truth rep
(false, with times; the held step and standing on a force plate are no reps); the latency of each
right cue and of each countdown's first tick from its truth moment (within 150 ms, early too). A
rep that starts within the detector's warm-up (the stream's first `_NOISE_WARMUP` samples, 2.6-3 s
at the grip logs' 10-12 Hz, which some recordings cut close to their first squeeze: decided on a
provisional noise estimate, and none before its first 12 samples and 0.4 s) is timed apart: a live
session streams before the set begins.

    python benchmarks/coaching_real.py        # this part alone (also printed by benchmarks/coaching.py)
    python benchmarks/coaching.py --real      # the same
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import real_corpus  # noqa: E402
from coaching import ON_TIME_S, TRUTH_MOMENT, CueCounts, _given_cues, latency_rows, run_live  # noqa: E402

from taut.coach import CueEngine, HoldIt, summarize, targets_for  # noqa: E402
from taut.coach.cues import SqueezeDone  # noqa: E402
from taut.coach.rep_cues import REP_CUE_KINDS, rep_cue_kinds  # noqa: E402
from taut.coach.targets import CoachTargets  # noqa: E402
from taut.exercises import Tempo  # noqa: E402
from taut.records import Rep  # noqa: E402
from taut.recording import read_recording  # noqa: E402
from taut.signal import RepDetector, SetEnded  # noqa: E402
from taut.signal.events import RepCancelled, RepCompleted  # noqa: E402
from taut.signal.measure import measure_rep  # noqa: E402
from taut.signal.reps import _NOISE_WARMUP  # noqa: E402
from taut.signal.sets import build_rep  # noqa: E402

PRE_S = 1.5  # a recording's first truth rep: its bottom is looked for this far before its start
POST_S = 0.3  # a truth rep's samples end this long after its end (a jump's landing comes later)
MIN_PHASE_S = 0.02  # an own-pace target phase is at least this (a target needs concentric, eccentric > 0)
TARGETS = ("defaults", "own pace")
# the corpus's recordings in two groups, reported apart: the HX711 grip logs (squeezes like a band rep's,
# 10-12 Hz) and the rest (jumps on force plates and a held push, 600-2000 Hz: a large static load)
GROUPS = ("grip sensor", "force plate and force sensor")


def group_of(entry: real_corpus.Entry) -> str:
    return GROUPS[0] if "grip" in entry.kind else GROUPS[1]


@dataclass(frozen=True)
class TruthRep:
    """A documented truth interval and the contract's measurement on it (None: no rise and fall there)."""

    interval_s: tuple[float, float]
    rep: Rep | None


def contract_reps(t: np.ndarray, x: np.ndarray, intervals: Sequence[tuple[float, float]]) -> list[TruthRep]:
    """Measure each truth interval by the contract (module doc); partial against the median excursion."""
    shapes = []
    for k, (a, b) in enumerate(intervals):
        lo = intervals[k - 1][1] if k else a - PRE_S
        hi = min(b + POST_S, intervals[k + 1][0]) if k + 1 < len(intervals) else b + POST_S
        i0, i1 = int(np.searchsorted(t, lo, "left")), int(np.searchsorted(t, hi, "right"))
        tw, xw = t[i0:i1], x[i0:i1]
        trig = min(max(int(np.searchsorted(tw, a, "left")), 1), len(tw) - 1)
        shapes.append(measure_rep(tw, xw, trig))
    excursions = [s.peak_n - s.bottom_n for s in shapes if s is not None]
    ref = float(np.median(excursions)) if excursions else float("nan")
    return [TruthRep((float(a), float(b)), None if s is None else build_rep(k, s, s.peak_n - s.bottom_n, None, ref))
            for k, ((a, b), s) in enumerate(zip(intervals, shapes))]


def own_pace(reps: Sequence[Rep]) -> CoachTargets:
    """A plan at the person's own pace: the median contract phases of `reps`, their median peak as its tension."""
    con, hold, ecc = (max(float(np.median(v)), MIN_PHASE_S) for v in
                      zip(*[(r.concentric_s, r.hold_s, r.eccentric_s) for r in reps]))
    return targets_for(None, tempo=Tempo(ecc, 0.0, con, hold), tension_n=float(np.median([r.peak_n for r in reps])))


def coach_live(t: np.ndarray, x: np.ndarray, targets: CoachTargets) -> tuple[list, dict, list]:
    """Feed the recording sample by sample through the detector (with TopReached) and the cue engine:
    (cues, the reps counted and not withdrawn by (set, index), closed sets)."""
    cues, events = run_live(t, x, RepDetector(None, top_events=True), CueEngine(targets))
    reps, sets = {}, []
    for e in events:
        if isinstance(e, RepCompleted):
            reps[(e.set_index, e.rep.index)] = e.rep
        elif isinstance(e, RepCancelled) and e.rep_index is not None:
            reps.pop((e.set_index, e.rep_index), None)
        elif isinstance(e, SetEnded):
            sets.append(e.rep_set)
    return cues, reps, sets


def countdown_starts(cues: Sequence[object]) -> list[float]:
    """When each hold-it countdown began: a HoldIt that does not count down from the one before (or
    follows a SqueezeDone), or a SqueezeDone with no HoldIt of its own (a hold target under a sample)."""
    starts, last = [], None  # last: the running countdown's remaining s, None when over
    for c in cues:
        if isinstance(c, HoldIt):
            if last is None or c.remaining_s >= last:
                starts.append(c.time_s)
            last = c.remaining_s
        elif isinstance(c, SqueezeDone):
            if last is None:
                starts.append(c.time_s)
            last = None
    return starts


@dataclass
class RealScore(CueCounts):
    """The real recordings' figures under one choice of targets."""

    recordings: int = 0
    truth_reps: int = 0
    counted: int = 0
    matched: int = 0
    count_right: int = 0  # recordings whose live rep count is the truth's
    unmeasured: int = 0  # truth intervals with no rise and fall by the contract
    tp: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)
    good_reps: int = 0
    good_cued: list = field(default_factory=list)  # (recording, truth rep, its start, cues)
    wrong: list = field(default_factory=list)  # (recording, truth rep, kind, "fp" / "fn" / "fn (rep not found)", time)
    cues_off_rep: list = field(default_factory=list)  # (recording, time, kind): standing on a rep with no truth
    countdowns_off_rep: list = field(default_factory=list)  # (recording, time)
    no_countdown: list = field(default_factory=list)  # (recording, truth rep, top start): hold target > 0
    taken_back: int = 0
    latency_s: dict = field(default_factory=dict)  # kind -> [latency]
    warmup: list = field(default_factory=list)  # (latency, kind, recording, truth rep) of reps begun in the warm-up
    off_time: list = field(default_factory=list)  # (latency, kind, recording, truth rep, fs)
    form: list = field(default_factory=list)  # (recording, since rep, what)
    verdicts: list = field(default_factory=list)  # (recording, band verdict) of each closed set

    def on_time(self, kinds: Sequence[str] | None = None) -> tuple[int, int]:
        """(on time, scored) over `kinds` (all when None)."""
        lat = [v for k, vs in self.latency_s.items() if kinds is None or k in kinds for v in vs]
        return sum(abs(v) <= ON_TIME_S for v in lat), len(lat)


def score_entry(entry: real_corpus.Entry, which: str, score: RealScore) -> None:
    """Coach one recording under targets `which` (TARGETS) and add it to `score`."""
    rec = read_recording(entry.path)
    t, x = np.asarray(rec.time_s, float), np.asarray(rec.tension_n, float)
    truth = contract_reps(t, x, entry.intervals_s)
    measured = [tr.rep for tr in truth if tr.rep is not None]
    targets = own_pace(measured) if which == "own pace" and measured else targets_for(None)
    cues, live, sets = coach_live(t, x, targets)
    given, _, forms, _, _, taken_back = _given_cues(cues)
    fs_hz = 1.0 / float(np.median(np.diff(t)))
    warm_s = float(t[min(_NOISE_WARMUP, len(t)) - 1])
    score.recordings += 1
    score.truth_reps += len(truth)
    score.counted += len(live)
    score.unmeasured += len(truth) - len(measured)
    score.taken_back += taken_back
    keys = sorted(live)
    pairs = real_corpus.match_reps([tr.interval_s for tr in truth], [(live[k].start_s, live[k].end_s) for k in keys])
    score.matched += len(pairs)
    score.count_right += len(live) == len(truth)
    got_of = {i: given.get(keys[j], {}) for i, j in pairs}
    for i, tr in enumerate(truth):
        if tr.rep is None:
            continue
        want = set(rep_cue_kinds(tr.rep, targets))
        got = got_of.get(i)
        if got is None:  # a truth rep the live chain missed: its cues are missed too
            score.fn.update(want)
            score.wrong += [(entry.id, i, k, "fn (rep not found)", tr.rep.start_s) for k in sorted(want)]
            continue
        for k in REP_CUE_KINDS:
            if (k in got) != (k in want):
                (score.fp if k in got else score.fn)[k] += 1
                score.wrong.append((entry.id, i, k, "fp" if k in got else "fn", got.get(k, tr.rep.start_s)))
            elif k in got:
                score.tp[k] += 1
                _timed(score, got[k] - getattr(tr.rep, TRUTH_MOMENT[k]), k, entry.id, i, fs_hz, tr.rep.start_s < warm_s)
        if not want:
            score.good_reps += 1
            if got:
                score.good_cued.append((entry.id, i, tr.rep.start_s, tuple(got)))
    for j, k in enumerate(keys):  # standing cues on counted reps that match no truth rep
        if all(j != jj for _, jj in pairs):
            score.cues_off_rep += [(entry.id, tm, kind) for kind, tm in given.get(k, {}).items()]
    starts = countdown_starts(cues)
    for s in starts:
        if not any(tr.interval_s[0] - ON_TIME_S <= s <= tr.interval_s[1] for tr in truth):
            score.countdowns_off_rep.append((entry.id, s))
    if targets.hold_s > 0:
        for i, tr in enumerate(truth):
            if tr.rep is None or i not in got_of:
                continue
            first = [s for s in starts if tr.interval_s[0] - ON_TIME_S <= s <= tr.interval_s[1]]
            if not first:
                score.no_countdown.append((entry.id, i, tr.rep.top_start_s))
                continue
            _timed(score, first[0] - tr.rep.top_start_s, "hold-it", entry.id, i, fs_hz, tr.rep.start_s < warm_s)
    score.form += [(entry.id, f.since_rep, f.what) for f in forms]
    score.verdicts += [(entry.id, summarize(s, targets).band_verdict) for s in sets]


def _timed(score: RealScore, lat: float, kind: str, rec_id: str, i: int, fs_hz: float, in_warmup: bool) -> None:
    if in_warmup:
        score.warmup.append((lat, kind, rec_id, i))
        return
    score.latency_s.setdefault(kind, []).append(lat)
    if abs(lat) > ON_TIME_S:
        score.off_time.append((lat, kind, rec_id, i, fs_hz))


def score_real(which: str, entries: Sequence[real_corpus.Entry] | None = None) -> RealScore:
    """Every recording of the corpus (or `entries`) coached under targets `which`."""
    score = RealScore()
    for e in real_corpus.load_manifest() if entries is None else entries:
        score_entry(e, which, score)
    return score


def report(score: RealScore, which: str, details: bool = True, group: str = "all") -> None:
    print(f"real recordings ({group}), targets: {which} ({score.recordings} recordings, {score.truth_reps} truth reps; "
          f"cues judged by the contract on each truth interval)")
    print(f"  reps counted live {score.counted}, matching a truth rep {score.matched} of {score.truth_reps}; "
          f"the count right on {score.count_right} of {score.recordings} recordings"
          f"{f'; truth intervals with no rise and fall {score.unmeasured}' if score.unmeasured else ''}")
    print(f"  {'cue':<22} {'precision':>9} {'recall':>7} {'tp':>5} {'fp':>4} {'fn':>4}")
    for k in REP_CUE_KINDS:
        print(f"  {k:<22} {_pct(score.precision(k)):>9} {_pct(score.recall(k)):>7} "
              f"{score.tp[k]:5d} {score.fp[k]:4d} {score.fn[k]:4d}")
    print(f"  good reps (by the contract) with a cue: {len(score.good_cued)} of {score.good_reps}")
    print(f"  cues standing on a counted rep with no truth rep: {len(score.cues_off_rep)}; "
          f"countdowns begun outside every truth rep: {len(score.countdowns_off_rep)}; "
          f"matched reps held with no countdown: {len(score.no_countdown)}; early cues taken back: {score.taken_back}")
    print(f"  cue latency from its contract moment (within {1000 * ON_TIME_S:.0f} ms, early too):")
    print(f"    {'cue':<20} {'n':>5} {'median':>7} {'p95':>7} {'worst':>8} {'on time':>8}")
    latency_rows(score.latency_s, _row)
    if score.warmup:
        lat = [w[0] for w in score.warmup]
        print(f"    reps begun in the detector's warm-up ({len({w[2:] for w in score.warmup})}, not above): "
              f"{len(lat)} cues, {sum(abs(v) <= ON_TIME_S for v in lat)} on time, {1000 * min(lat):.0f} to {1000 * max(lat):.0f} ms")
    print(f"  losing form said: {len(score.form)}; band verdicts: "
          f"{dict(Counter(v for _, v in score.verdicts))}")
    if not details:
        return
    for w in score.good_cued:
        print(f"    good rep cued: {w[0]} rep {w[1]} at {w[2]:.2f} s: {', '.join(w[3])}")
    for w in score.wrong:
        print(f"    {w[3]} {w[2]}: {w[0]} rep {w[1]} ({w[4]:.2f} s)")
    for w in score.cues_off_rep:
        print(f"    cue on no rep: {w[0]} {w[2]} at {w[1]:.2f} s")
    for w in score.countdowns_off_rep:
        print(f"    countdown on no rep: {w[0]} at {w[1]:.2f} s")
    for w in score.no_countdown:
        print(f"    no countdown: {w[0]} rep {w[1]} (top start {w[2]:.2f} s)")
    for w in sorted(score.off_time, key=lambda w: -abs(w[0])):
        print(f"    off time {1000 * w[0]:+.0f} ms: {w[1]}, {w[2]} rep {w[3]} ({w[4]:.0f} Hz)")
    for w in score.warmup:
        print(f"    in the warm-up {1000 * w[0]:+.0f} ms: {w[1]}, {w[2]} rep {w[3]}")
    for w in score.form:
        print(f"    losing form: {w[0]} since rep {w[1]} ({w[2]})")


def _pct(share: float) -> str:
    return "-" if np.isnan(share) else f"{100 * share:.1f}%"


def _row(name: str, lat: np.ndarray) -> None:
    worst = lat[np.argmax(np.abs(lat))]
    print(f"    {name:<20} {lat.size:5d} {1000 * np.median(lat):5.0f}ms {1000 * np.percentile(lat, 95):5.0f}ms "
          f"{1000 * worst:6.0f}ms {100 * np.mean(np.abs(lat) <= ON_TIME_S):7.1f}%")


def main(details: bool = True) -> None:
    entries = real_corpus.load_manifest()
    for group in GROUPS:
        for which in TARGETS:
            report(score_real(which, [e for e in entries if group_of(e) == group]), which, details, group)


if __name__ == "__main__":
    main()
