"""Bad habits: people who rush, skip the squeeze, fade with fatigue, or pull a band too heavy.

Each habit draws a set whose every rep has an intent, stated in the contract's measured phases
(docs/analysis.md) as multiples of the exercise's target tempo and hold (`taut.exercises`):

- "good": concentric and eccentric 1.0–1.4 x target, hold 1.1–1.5 x target hold, full range;
- "rush": every rep's concentric, eccentric or both (drawn per set) at 0.2–0.4 x target;
- "no-squeeze": every rep's hold at 0–0.3 x the target hold: the hands turn at once and the return
  starts with a quick drop of 40 % of the range in 0.25 s. Only for the squeeze exercises (target
  hold 2 s: pull-aparts, reverse flys): with a 1 s target, a smooth 1 s concentric and 2 s
  eccentric already spend about 0.7 s above the contract's 90 % line with no pause at all, so the
  contract's hold cannot tell a skipped 1 s squeeze from a held one;
- "partials": good, with 1–2 partial reps (0.55–0.65 of a full rep's force excursion, as an
  uncalibrated detector sees range) from the fourth rep on;
- "fade-hold" / "fade-tempo": 1.5–1.8 x target for the first 3–5 reps, then the hold (or concentric
  and eccentric) falls steadily to 0.9–1.0 x target by the last rep (never short enough for a
  per-rep cue): losing form since the first falling rep. Fading holds, like skipped squeezes,
  only for the squeeze exercises (a 1 s hold cannot fall far: see "no-squeeze");
- "too-heavy": a band 1.8–2.5 times heavier than one that suits; good for the first third, then the
  person compensates: holds at 0.15–0.4 x target (squeeze exercises; else kept), eccentrics collapse to 0.25–0.45 x target, and two
  reps in three stop short (0.45–0.52 of the full range, the others at 0.9–0.95): losing form since
  the first compensating rep, and the band is too heavy;
- "too-light": a light band, every rep good, the plan's tension target 2–3 times its peak.

The motion that gives those measured phases is found by aiming: the set's truth is measured, each
rep's move durations are scaled (and its hold shifted) by what it missed, four times over. The
truth of each rep's cues is the intent (`HabitTruth`); a "good" rep earns none. Nothing here
changes the tidy suite: habits are opt-in, through `habit_plan` and `habit_suite`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from taut.sim.band import band_from_params
from taut.sim.draw import random_sensor, random_set
from taut.exercises import EXERCISE_IDS, Tempo, get_exercise
from taut.sim.human import force_at, travel_for_force
from taut.sim.motion import Timeline
from taut.sim.plan import RepPlan, SessionPlan, SetPlan
from taut.sim.session import SimRecording, simulate_session
from taut.sim.stream import set_truth

HABITS = ("good", "rush", "no-squeeze", "partials", "fade-hold", "fade-tempo", "too-heavy", "too-light")
GOOD = (1.0, 1.4)
GOOD_HOLD = (1.1, 1.5)
RUSHED = (0.2, 0.4)
SKIPPED = (0.0, 0.3)
COMPENSATED_HOLD = (0.15, 0.4)
COLLAPSED_ECC = (0.25, 0.45)
FADE_FROM = (1.5, 1.8)
FADE_TO = (0.9, 1.0)
HEAVY_BAND = (1.8, 2.5)
_AIM_ROUNDS = 4
SKIP_BELOW = 0.5  # an intended hold under this share of the target is skipped: ...
SNAP_S = 0.25  # ... the hands turn at once and drop SNAP_DROP of the range in SNAP_S before the return
SNAP_DROP = 0.4
FADE_SAG = 0.15  # a fading squeeze: the hands creep back up to this share of the range during the hold
SQUEEZE_HOLD_S = 2.0  # exercises whose target hold is this long get the no-squeeze habits (module doc)
SQUEEZE_EXERCISES = ("band-pull-apart", "reverse-fly")
SQUEEZE_HABITS = ("no-squeeze", "fade-hold")
LONG_HABITS = ("fade-hold", "fade-tempo", "too-heavy")  # shown over a set's thirds: 7 reps at least


@dataclass(frozen=True, slots=True)
class HabitTruth:
    """What the model did in one set: each rep's cue kinds, losing form, the band's verdict, its targets."""

    habit: str
    rep_cues: tuple[tuple[str, ...], ...]  # per rep, kinds of taut.coach.rep_cues.REP_CUE_KINDS
    losing_form_since: int | None
    band: str  # "ok", "too heavy", "too light"
    target_tempo: Tempo  # contract phases (eccentric, pause, concentric, hold)
    target_hold_s: float
    tension_target_n: float


@dataclass(frozen=True, slots=True)
class _Intent:
    concentric: float  # x target
    hold: float
    eccentric: float
    range: float = 1.0  # x force excursion of a full rep
    sag: float = 0.0  # the hands creep back this share of the range during the hold (a fading squeeze)
    cues: tuple[str, ...] = ()


def _intents(habit: str, n: int, rng: np.random.Generator, squeeze: bool) -> tuple[list[_Intent], int | None]:
    u = lambda lo_hi: float(rng.uniform(*lo_hi))  # noqa: E731
    good = lambda: _Intent(u(GOOD), u(GOOD_HOLD), u(GOOD))  # noqa: E731
    out = [good() for _ in range(n)]
    since = None
    if habit == "rush":
        which = str(rng.choice(["both", "concentric", "eccentric"]))
        for i, it in enumerate(out):
            con = u(RUSHED) if which != "eccentric" else it.concentric
            ecc = u(RUSHED) if which != "concentric" else it.eccentric
            cues = (("too-fast-concentric",) if which != "eccentric" else ()) + (
                ("too-fast-eccentric",) if which != "concentric" else ())
            out[i] = replace(it, concentric=con, eccentric=ecc, cues=cues)
    elif habit == "no-squeeze":
        if not squeeze:
            raise ValueError(f"the no-squeeze habit needs an exercise with a {SQUEEZE_HOLD_S:g} s target hold")
        out = [replace(it, hold=u(SKIPPED), cues=("no-squeeze",)) for it in out]
    elif habit == "partials":
        for i in rng.choice(np.arange(3, n), size=int(rng.integers(1, 3)), replace=False).tolist():
            out[i] = replace(out[i], range=float(rng.uniform(0.55, 0.65)), cues=("short-range",))
    elif habit in ("fade-hold", "fade-tempo"):
        if habit == "fade-hold" and not squeeze:
            raise ValueError(f"the fade-hold habit needs an exercise with a {SQUEEZE_HOLD_S:g} s target hold")
        since = int(rng.integers(3, 6))
        a, b = u(FADE_FROM), u(FADE_TO)
        for i, it in enumerate(out):
            f = a if i < since else a + (b - a) * (i - since + 1) / (n - since)
            f *= float(rng.uniform(0.97, 1.03))
            sag = FADE_SAG * max(i - since + 1, 0) / (n - since)
            out[i] = replace(it, hold=f, sag=sag) if habit == "fade-hold" else replace(it, concentric=f, eccentric=f)
    elif habit == "too-heavy":
        since = max(n // 3, 2)
        for i in range(since, n):
            short = (i - since) % 3 != 0
            out[i] = replace(out[i], hold=u(COMPENSATED_HOLD) if squeeze else out[i].hold, eccentric=u(COLLAPSED_ECC),
                             range=float(rng.uniform(0.45, 0.52) if short else rng.uniform(0.9, 0.95)),
                             cues=("too-fast-eccentric",) + (("no-squeeze",) if squeeze else ())
                             + (("short-range",) if short else ()))
    elif habit not in ("good", "too-light"):
        raise ValueError(f"habit must be one of {HABITS}, got {habit!r}")
    return out, since


def _aim(sp: SetPlan, intents: list[_Intent], tempo, hold_s: float) -> SetPlan:
    """Scale each rep's moves (and shift its hold) until the measured phases meet the intent."""
    plan = SessionPlan((replace(sp, rest_after_s=1.0),), lead_in_s=1.0)
    for _ in range(_AIM_ROUNDS):
        truth = set_truth(Timeline(plan), 0)
        reps = []
        for rp, m, it in zip(plan.sets[0].reps, truth.reps, intents):
            con = rp.concentric_s * it.concentric * tempo.concentric_s / max(m.concentric_s, 1e-3)
            ecc = rp.eccentric_s * it.eccentric * tempo.eccentric_s / max(m.eccentric_s, 1e-3)
            if it.hold < SKIP_BELOW:  # no pause, and the return starts with a quick drop
                hold, sag = SNAP_S, SNAP_DROP * (rp.range_m - rp.bottom_m)
            else:
                # a creeping hold is above the 90 % line for only part of it: step twice as far
                hold = max(rp.hold_s + (2.0 if it.sag else 1.0) * (it.hold * hold_s - m.hold_s), 0.05)
                sag = max(min(rp.hold_sag_m, 0.02 * rp.range_m), it.sag * (rp.range_m - rp.bottom_m))
            reps.append(replace(rp, concentric_s=float(np.clip(con, 0.08, 12.0)),
                                eccentric_s=float(np.clip(ecc, 0.08, 12.0)), hold_s=hold, hold_sag_m=sag))
        plan = replace(plan, sets=(replace(plan.sets[0], reps=tuple(reps)),))
    return replace(sp, reps=plan.sets[0].reps)


def habit_set(rng: np.random.Generator, habit: str, exercise: str, *, n_reps: int | None = None,
              rest_after_s: float = 20.0) -> tuple[SetPlan, HabitTruth]:
    """One set of a person with `habit` doing `exercise`, and its truth."""
    tempo = get_exercise(exercise).tempo
    hold_s = tempo.hold_s
    n = int(n_reps if n_reps is not None else rng.integers(9, 15))
    least = 7 if habit in LONG_HABITS else 4 if habit == "partials" else 1
    if n < least:
        raise ValueError(f"a {habit} set needs at least {least} reps")
    intents, since = _intents(habit, n, rng, hold_s >= SQUEEZE_HOLD_S)
    sp = random_set(rng, exercise=exercise, n_reps=n, tempo=Tempo(tempo.eccentric_s, max(tempo.pause_s, 0.5),
                                                                   tempo.concentric_s, hold_s),
                    fatigue=0.0, partial_reps=0, rest_after_s=rest_after_s)
    base = sp.band
    if habit == "too-heavy":
        force_n = base.force_100_n * float(rng.uniform(*HEAVY_BAND))
        base = band_from_params(f"heavy-{force_n:.0f}N", force_n,
                                stiffening_jm=base.stiffening_jm, hysteresis_loss=base.hysteresis_loss,
                                transition_strain=base.transition_strain, level="custom")
        sp = replace(sp, band=base)
    full = max(r.range_m for r in sp.reps)
    f_bottom, f_full = force_at(sp, 0.0), force_at(sp, full)
    reps = []
    for rp, it in zip(sp.reps, intents):
        top = rp.range_m
        if it.range < 1.0:  # asked for as a share of the force excursion, as the detector sees it
            top = travel_for_force(sp, f_bottom + it.range * (f_full - f_bottom), 0.1 * full, full)
        reps.append(replace(rp, range_m=top, partial=it.range < 0.8, bottom_m=min(rp.bottom_m, 0.5 * top),
                            hold_sag_m=min(rp.hold_sag_m, 0.02 * top)))
    sp = replace(sp, reps=tuple(reps), tags=(f"habit-{habit}",))
    sp = _aim(sp, intents, tempo, hold_s)
    peak_n = force_at(sp, full)
    target_n = peak_n * float(rng.uniform(2.0, 3.0) if habit == "too-light" else
                              rng.uniform(0.5, 0.6) if habit == "too-heavy" else rng.uniform(0.9, 1.2))
    verdict = {"too-heavy": "too heavy", "too-light": "too light"}.get(habit, "ok")
    truth = HabitTruth(habit, tuple(it.cues for it in intents), since, verdict,
                       tempo, hold_s, target_n)
    return sp, truth


def habit_plan(seed: int, habit: str, *, exercise: str | None = None, noise: str | float = "low",
               n_reps: int | None = None) -> tuple[SessionPlan, HabitTruth]:
    """A one-set recording of `habit` (white sensor noise only), and its truth."""
    rng = np.random.default_rng([int(seed), 0x4AB1])
    ex = exercise if exercise is not None else str(rng.choice(EXERCISE_IDS))
    sp, truth = habit_set(rng, habit, ex, n_reps=n_reps, rest_after_s=float(rng.uniform(2.0, 4.0)))
    peak = force_at(sp, max(r.range_m for r in sp.reps))
    duration = 60.0
    sensor = random_sensor(rng, duration, peak, noise=noise, faults=False)
    return SessionPlan((sp,), sensor, float(rng.uniform(1.0, 2.5)), int(seed)), truth


def habit_suite(n_sets: int = 80, seed: int = 0, *, fs_hz: tuple[float, ...] = (80.0, 10.0),
                habits: tuple[str, ...] = HABITS, noise: tuple[str, ...] = ("clean", "low", "medium"),
                ) -> Iterator[tuple[SimRecording, HabitTruth]]:
    """n_sets one-set recordings rotating through the habits, the five exercises, rates and noise."""
    rng = np.random.default_rng([int(seed), 0xC0AC])
    for i in range(n_sets):
        habit = habits[i % len(habits)]
        ex = EXERCISE_IDS[(i // len(habits)) % len(EXERCISE_IDS)]
        if habit in SQUEEZE_HABITS and get_exercise(ex).target_hold_s < SQUEEZE_HOLD_S:
            ex = SQUEEZE_EXERCISES[(i // len(habits)) % len(SQUEEZE_EXERCISES)]
        plan, truth = habit_plan(int(rng.integers(0, 2**31)), habit, exercise=ex,
                                 noise=noise[(i // len(habits)) % len(noise)])
        yield simulate_session(plan, fs_hz=fs_hz[(i // (len(habits) * len(EXERCISE_IDS))) % len(fs_hz)]), truth
