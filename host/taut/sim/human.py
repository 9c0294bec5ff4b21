"""What real people do that the tidy sets lack, drawn from a seed as plan options.

Each behaviour is a function that draws a set (or a whole recording) with it; `human_plan(seed,
behaviour)` draws a recording that shows one behaviour, and `taut.sim.suite.human_suite` rotates
through them. Sizes are asked for as fractions of a rep's force excursion and turned into hand
travel through the set's band and geometry (`travel_for_force`), so "30 % of the pull" means 30 %
of the tension. Truth follows the contract as everywhere (docs/analysis.md, "Human-like
recordings"); what is not a rep is labelled (`rest-load`, `fidget`, `step`, `wobble`, `cut`).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from taut.signal.levels import PARTIAL_FRACTION
from taut.sim.band import MAX_ELONGATION, band_from_params
from taut.sim.draw import random_sensor, random_set
from taut.exercises import get_exercise
from taut.sim.motion import Timeline
from taut.sim.plan import RepPlan, RestAction, SessionPlan, SetPlan

BEHAVIOURS = ("warmup", "rising", "fading", "intensities", "repeater", "rest-load", "rest-fidgets", "single",
              "cut", "overshoot")
PROFILES = ("warmup", "rising", "fading", "intensities")
INTENSITIES = (0.3, 0.6, 1.0)
GAUGE_EXERCISE = "row"  # anchored, straight and level: hand travel = extra length of the "band"
_PARTIAL_GAP = (0.72, 0.88)  # range fractions kept out of this band: partial or not is never a near thing


def force_at(sp: SetPlan, travel_m: float) -> float:
    """Loading-branch tension (N) at hand travel travel_m for the set's band and geometry."""
    return float(sp.band.force_n(max(float(sp.elongation(travel_m)), 0.0)))


def travel_for_force(sp: SetPlan, force_n: float, lo_m: float, hi_m: float) -> float:
    """Hand travel in [lo_m, hi_m] where the loading tension is force_n (bisection; clamped)."""
    if force_n <= force_at(sp, lo_m):
        return lo_m
    if force_n >= force_at(sp, hi_m):
        return hi_m
    a, b = lo_m, hi_m
    for _ in range(60):
        m = 0.5 * (a + b)
        a, b = (m, b) if force_at(sp, m) < force_n else (a, m)
    return 0.5 * (a + b)


def size_profile(kind: str, n_reps: int, rng: np.random.Generator) -> list[float]:
    """Per-rep size (fraction of the set's largest force excursion) for a profile kind.

    "warmup": 1–3 leading reps growing from 40–60 % to about 85 %, then full; "rising": a load
    rising evenly from 50–70 % to full; "fading": from full down to 60–80 %; "intensities":
    30/60/100 % in ascending blocks (or cycled), n_reps a multiple of three.
    """
    if kind == "warmup":
        k = int(rng.integers(1, min(3, n_reps - 1) + 1))
        lo = float(rng.uniform(0.4, 0.6))
        return [lo + (0.85 - lo) * i / max(k - 1, 1) for i in range(k)] + [1.0] * (n_reps - k)
    if kind == "rising":
        lo = float(rng.uniform(0.5, 0.7))
        return list(np.linspace(lo, 1.0, n_reps))
    if kind == "fading":
        return list(np.linspace(1.0, float(rng.uniform(0.6, 0.8)), n_reps))
    if kind == "intensities":
        if n_reps % 3:
            raise ValueError("an intensities set needs a multiple of three reps")
        m = n_reps // 3
        if rng.random() < 0.6:
            return [f for f in INTENSITIES for _ in range(m)]
        return list(INTENSITIES) * m
    raise ValueError(f"size profile must be one of {PROFILES}, got {kind!r}")


def apply_profile(sp: SetPlan, sizes: list[float], tag: str) -> SetPlan:
    """Scale each rep to its size (fraction of the force excursion of the rep as drawn), keeping
    range fractions clear of 0.8 (partial by the contract, or clearly not)."""
    if len(sizes) != len(sp.reps):
        raise ValueError("one size per rep")
    reps = []
    for r, f in zip(sp.reps, sizes):
        f0 = force_at(sp, r.bottom_m)
        top = travel_for_force(sp, f0 + f * (force_at(sp, r.range_m) - f0), r.bottom_m, r.range_m)
        top = max(top, r.bottom_m + 0.2 * (r.range_m - r.bottom_m))
        reps.append(replace(r, range_m=top, hold_sag_m=r.hold_sag_m * (top - r.bottom_m) / (r.range_m - r.bottom_m),
                            partial=False))
    return replace(sp, reps=tuple(_clear_of_threshold(sp, reps)), tags=sp.tags + (tag,))


def _clear_of_threshold(sp: SetPlan, reps: list[RepPlan]) -> list[RepPlan]:
    """Keep each rep's range fraction out of _PARTIAL_GAP both in hand travel (the truth's unit) and
    in tension excursion (the detector's proxy without calibration): a band's force is not
    proportional to travel, so a rep clear of 0.8 in one unit can sit on it in the other."""
    bottoms = [0.0] + [r.bottom_m for r in reps[:-1]]
    med = float(np.median([r.peak_m - b for r, b in zip(reps, bottoms)]))
    med_n = float(np.median([force_at(sp, r.peak_m) - force_at(sp, b) for r, b in zip(reps, bottoms)]))
    lo_gap, hi_gap = _PARTIAL_GAP
    out = []
    for r, b in zip(reps, bottoms):
        frac = (r.peak_m - b) / med
        frac_n = (force_at(sp, r.peak_m) - force_at(sp, b)) / med_n
        if lo_gap < frac < hi_gap or lo_gap < frac_n < hi_gap:
            partial = frac < PARTIAL_FRACTION
            target = lo_gap if partial else hi_gap
            f_b = force_at(sp, b)
            by_n = travel_for_force(sp, f_b + target * med_n, b, max(r.peak_m, _travel_limit(sp)))
            peak = min(b + target * med, by_n) if partial else max(b + target * med, by_n)
            new = peak - r.overshoot_m
            r = replace(r, range_m=new, hold_sag_m=min(r.hold_sag_m, 0.5 * (new - r.bottom_m)))
        out.append(r)
    return out


def gauge_set(rng: np.random.Generator, *, n_reps: int, on_s: float, off_s: float, hold_range=None,
              pretension: bool | None = None, base_frac: tuple[float, float] | None = None,
              rest_after_s: float = 30.0, tags: tuple[str, ...] = ()) -> SetPlan:
    """An isometric set on a stiff pull gauge or grip sensor: quick pulls to a hold, on_s on and
    off_s off per rep; tension 40–250 N at the top. base_frac: a heavy pre-tension (a force
    plate's body weight), as that fraction of the top's elongation."""
    f100 = float(math.exp(rng.uniform(math.log(80.0), math.log(400.0))))
    band = band_from_params(f"gauge-{f100:.0f}N", f100, stiffening_jm=40.0,
                            hysteresis_loss=float(rng.uniform(0.02, 0.06)), level="gauge")
    l0 = float(rng.uniform(0.3, 0.6))
    if pretension is None:
        pretension = rng.random() < 0.5
    e0 = float(rng.uniform(0.03, 0.12)) if pretension else float(rng.uniform(-0.05, -0.01))
    e_top = float(rng.uniform(0.4, 0.9))
    if base_frac is not None:
        e0 = e_top * float(rng.uniform(*base_frac))
    full = (e_top - e0) * l0
    reps = []
    for _ in range(n_reps):
        conc = float(rng.uniform(0.25, 0.6))
        ecc = float(rng.uniform(0.2, 0.5))
        hold = max(on_s - conc - ecc, 0.5) if hold_range is None else float(rng.uniform(*hold_range))
        top = full * float(np.clip(1.0 + 0.03 * rng.standard_normal(), 0.94, 1.06))
        reps.append(RepPlan(top, conc, hold, ecc, max(off_s * float(rng.uniform(0.9, 1.1)), 0.3),
                            0.0, False, top * float(rng.uniform(0.0, 0.03))))
    return SetPlan(
        exercise=GAUGE_EXERCISE, band=band, rest_length_m=l0, start_elongation=e0, reps=tuple(reps),
        grab_s=float(rng.uniform(0.5, 1.5)), settle_s=float(rng.uniform(1.0, 3.0)),
        end_settle_s=float(rng.uniform(0.3, 1.0)), release_s=float(rng.uniform(0.3, 0.8)),
        rest_after_s=rest_after_s, tremor_m=0.0005, wobble_m=0.001, tags=tags,
    )


def with_hold_fade_and_dips(sp: SetPlan, rng: np.random.Generator, *, fade=(0.05, 0.3), dip_odds=0.5,
                            depth=(0.1, 0.4)) -> SetPlan:
    """Long holds as real people do them: the force declines over the hold by a drawn fraction of
    the excursion, and a hold may carry 1–2 dips (0.3–1.2 s: a drop of 10–40 % of the excursion
    and back), never below 25 % of the excursion."""
    reps = []
    any_dip = False
    for r in sp.reps:
        f0, ft = force_at(sp, r.bottom_m), force_at(sp, r.range_m)
        e = ft - f0
        lo = r.bottom_m
        sag_force = ft - float(rng.uniform(*fade)) * e
        sag_m = r.range_m - travel_for_force(sp, sag_force, lo, r.range_m)
        dips: list[tuple[float, float, float]] = []
        if r.hold_s >= 2.0 and rng.random() < dip_odds:
            n = 1 if r.hold_s < 5.0 or rng.random() < 0.6 else 2
            slots = np.sort(rng.uniform(0.1, 0.85, n)) * r.hold_s
            for at in slots:
                dur = float(rng.uniform(0.3, 1.2))
                at = float(min(max(at, (dips[-1][0] + dips[-1][2] + 0.3) if dips else 0.3), r.hold_s - dur - 0.3))
                if at <= ((dips[-1][0] + dips[-1][2]) if dips else 0.0):
                    continue
                x_at = r.range_m - sag_m * (at + dur / 2) / r.hold_s
                f_at = force_at(sp, x_at)
                f_dip = max(f_at - float(rng.uniform(*depth)) * e, f0 + 0.25 * e)
                d_m = x_at - travel_for_force(sp, f_dip, lo, x_at)
                if d_m > 1e-4:
                    dips.append((at, d_m, dur))
        any_dip |= bool(dips)
        reps.append(replace(r, hold_sag_m=sag_m, dips=tuple(dips)))
    tags = sp.tags + ("hold-fade",) + (("hold-dips",) if any_dip else ())
    return replace(sp, reps=tuple(reps), tags=tags)


def with_rest_load(sp: SetPlan, rng: np.random.Generator, *, odds: float = 0.8, level=(0.2, 0.4)) -> SetPlan:
    """A hand left resting on the handle between pulls: a rounded plateau at 20–40 % of the pull
    force in the off time, back to the bottom before the next pull (not a rep)."""
    reps = list(sp.reps)
    for i, r in enumerate(reps[:-1]):
        if rng.random() >= odds:
            continue
        f0 = force_at(sp, r.bottom_m)
        f = f0 + float(rng.uniform(*level)) * (force_at(sp, r.range_m) - f0)
        amp = travel_for_force(sp, f, r.bottom_m, r.range_m) - r.bottom_m
        lead, out, back = float(rng.uniform(0.15, 0.4)), float(rng.uniform(0.4, 0.8)), float(rng.uniform(0.3, 0.6))
        hold = float(rng.uniform(0.5, 1.5))
        room = r.pause_s - 0.4
        scale = min(1.0, room / (lead + out + hold + back))
        if scale < 0.5 or amp <= 1e-4:
            continue
        reps[i] = replace(r, pause_actions=(RestAction("rest-load", amp, out * scale, hold * scale, back * scale,
                                                       lead * scale),))
    return replace(sp, reps=tuple(reps), tags=sp.tags + ("rest-load",))


def rest_fidgets(sp: SetPlan, rng: np.random.Generator) -> SetPlan:
    """Fidgets (bumps of 3–8 % of the set's rep size) and level steps (3–10 %, held 2–10 s) in the
    rest after the set, with the band let go; every one comes back."""
    x_idle = sp.idle_travel_m
    top = max(r.range_m for r in sp.reps)
    f0, ft = force_at(sp, 0.0), force_at(sp, top)
    acts: list[RestAction] = []
    budget = sp.rest_after_s - 1.0
    for _ in range(int(rng.integers(1, 5))):
        step = rng.random() < 0.4
        frac = float(rng.uniform(0.03, 0.10) if step else rng.uniform(0.03, 0.08))
        amp = travel_for_force(sp, frac * (ft - f0), x_idle, top) - x_idle  # from a band let go (0 N)
        if step:
            act = RestAction("step", amp, float(rng.uniform(0.2, 0.5)), float(rng.uniform(2.0, 10.0)),
                             float(rng.uniform(0.2, 0.5)), float(rng.uniform(0.5, 4.0)))
        else:
            act = RestAction("fidget", amp, float(rng.uniform(0.15, 0.4)), float(rng.uniform(0.0, 0.3)),
                             float(rng.uniform(0.15, 0.4)), float(rng.uniform(0.5, 4.0)))
        if act.duration_s > budget:
            break
        budget -= act.duration_s
        acts.append(act)
    return replace(sp, rest_actions=tuple(acts), tags=sp.tags + ("rest-fidgets",)) if acts else sp


def single_effort(rng: np.random.Generator, *, rest_after_s: float) -> SetPlan:
    """One maximal effort on a gauge or force plate: a pre-tensioned bottom (half the time heavy,
    a body's weight: 20–60 % of the top's stretch), a wobble after the release (1–4 swings of
    4–8 % of the excursion) and, half the time, a lasting step (5–12 %) before stepping off."""
    heavy = rng.random() < 0.5
    sp = gauge_set(rng, n_reps=1, on_s=0.0, off_s=1.0, hold_range=(1.0, 4.0), pretension=True,
                   base_frac=(0.2, 0.6) if heavy else None, rest_after_s=rest_after_s,
                   tags=("single-effort",) + (("heavy-base",) if heavy else ()))
    r = sp.reps[0]
    f0, ft = force_at(sp, r.bottom_m), force_at(sp, r.range_m)
    e = ft - f0
    lo = sp.idle_travel_m
    swing = travel_for_force(sp, f0 + float(rng.uniform(0.04, 0.08)) * e, 0.0, r.range_m)
    acts = [RestAction("wobble", swing * float(rng.choice([-1.0, 1.0])), float(rng.uniform(0.12, 0.3)),
                       cycles=int(rng.integers(1, 5)), lead_s=float(rng.uniform(0.0, 0.3)))]
    if rng.random() < 0.5:
        step = travel_for_force(sp, f0 + float(rng.uniform(0.05, 0.12)) * e, lo, r.range_m)
        acts.append(RestAction("step", step, float(rng.uniform(0.2, 0.5)), float(rng.uniform(0.5, 1.5)),
                               lead_s=float(rng.uniform(0.3, 1.0))))
    pause = sum(a.duration_s for a in acts) + float(rng.uniform(0.2, 0.6))
    return replace(sp, reps=(replace(r, pause_s=pause, pause_actions=tuple(acts)),), end_settle_s=0.3)


def with_overshoot(sp: SetPlan, rng: np.random.Generator, *, size=(0.15, 0.8)) -> SetPlan:
    """A spike at the start of each plateau: the pull jerks 15–80 % of the plateau's excursion
    above it and settles to the plateau within 0.2–0.4 s."""
    hi = _travel_limit(sp)
    reps = []
    o = float(rng.uniform(*size))  # one habit per set, a little different each rep
    for r in sp.reps:
        f0, ft = force_at(sp, r.bottom_m), force_at(sp, r.range_m)
        peak = travel_for_force(sp, ft + o * float(rng.uniform(0.9, 1.1)) * (ft - f0), r.range_m, hi)
        settle = float(rng.uniform(0.2, 0.4))
        reps.append(replace(r, overshoot_m=peak - r.range_m, overshoot_s=min(settle, 0.5 * r.hold_s),
                            concentric_s=float(rng.uniform(0.15, 0.35))))
    return replace(sp, reps=tuple(_clear_of_threshold(sp, reps)), tags=sp.tags + ("overshoot",))


def _travel_limit(sp: SetPlan) -> float:
    """The longest hand travel a set's exercise and band allow (the band well inside its model)."""
    hi = 0.99 * get_exercise(sp.exercise).max_travel_m(sp.grip_angle)
    while float(sp.elongation(hi)) > 0.9 * MAX_ELONGATION:
        hi *= 0.97
    return hi


def _band_set(rng: np.random.Generator, n_reps: int, rest_after_s: float, **kw) -> SetPlan:
    tempo = "slow" if rng.random() < 0.2 else "typical"
    return random_set(rng, n_reps=n_reps, tempo=tempo, partial_reps=0, rest_after_s=rest_after_s, **kw)


def _draw_set(rng: np.random.Generator, behaviour: str, rest_after_s: float) -> SetPlan:
    if behaviour in ("warmup", "rising", "fading"):
        n = int(rng.integers(4, 13))
        sp = _band_set(rng, n, rest_after_s, fatigue=0.0 if behaviour != "fading" else None)
        return apply_profile(sp, size_profile(behaviour, n, rng), behaviour)
    if behaviour == "intensities":  # a grip sensor squeezed at three intensities
        n = 3 * int(rng.integers(1, 5))
        sp = gauge_set(rng, n_reps=n, on_s=0.0, off_s=float(rng.uniform(1.5, 4.0)), hold_range=(1.0, 3.0),
                       rest_after_s=rest_after_s)
        return apply_profile(sp, size_profile("intensities", n, rng), "intensities")
    if behaviour in ("repeater", "rest-load"):
        on, off = ((7.0, 3.0), (10.0, 5.0))[int(rng.random() < 0.3)]
        n = int(rng.integers(4, 13)) if behaviour == "rest-load" else int(rng.integers(3, 25))
        sp = gauge_set(rng, n_reps=n, on_s=on, off_s=off, rest_after_s=rest_after_s, tags=(f"repeater-{on:g}/{off:g}",))
        if behaviour == "rest-load" or rng.random() < 0.5:
            sp = apply_profile(sp, size_profile("fading", n, rng), "fading")
        sp = with_hold_fade_and_dips(sp, rng, fade=(0.05, 0.3) if on < 10 else (0.05, 0.45))
        if behaviour == "repeater" and rng.random() < 0.3:
            sp = with_overshoot(sp, rng)
        return with_rest_load(sp, rng) if behaviour == "rest-load" else sp
    if behaviour == "rest-fidgets":  # in the rest after the set (human_plan gives the last set a long rest too)
        return rest_fidgets(_band_set(rng, int(rng.integers(3, 13)), rest_after_s), rng)
    if behaviour == "single":
        return single_effort(rng, rest_after_s=rest_after_s)
    if behaviour == "overshoot":
        if rng.random() < 0.5:
            sp = gauge_set(rng, n_reps=int(rng.integers(3, 9)), on_s=0.0, off_s=float(rng.uniform(2.0, 4.0)),
                           hold_range=(2.0, 7.0), rest_after_s=rest_after_s)
        else:
            sp = _band_set(rng, int(rng.integers(3, 11)), rest_after_s)
            sp = replace(sp, reps=tuple(replace(r, hold_s=max(r.hold_s, 1.5)) for r in sp.reps))
        return with_overshoot(sp, rng)
    raise ValueError(f"behaviour must be one of {BEHAVIOURS}, got {behaviour!r}")


def human_plan(seed: int, behaviour: str, *, noise: str | float | None = None, n_sets: int | None = None,
               rest_s: tuple[float, float] = (12.0, 40.0), faults: bool = False) -> SessionPlan:
    """A recording showing one behaviour (BEHAVIOURS), its sets tagged `human-<behaviour>`.

    "cut": a repeater or slow set whose recording starts inside the first rep's hold, ends inside
    the last one's, or starts 0.3–0.8 s before a first pull that is the largest of its set.
    faults=False (default): white noise only, so what fails is the behaviour, not the sensor.
    """
    if behaviour not in BEHAVIOURS:
        raise ValueError(f"behaviour must be one of {BEHAVIOURS}, got {behaviour!r}")
    rng = np.random.default_rng([int(seed), 0x40A7])
    if n_sets is None:
        n_sets = int(rng.integers(1, 4))
    sets = []
    for k in range(n_sets):
        last = k == n_sets - 1 and behaviour != "rest-fidgets"
        rest = float(rng.uniform(1.0, 3.0)) if last else float(rng.uniform(*rest_s))
        kind = str(rng.choice(("repeater", "fading", "overshoot"))) if behaviour == "cut" else behaviour
        sp = _draw_set(rng, kind, rest)
        sets.append(replace(sp, tags=sp.tags + (f"human-{behaviour}",)))
    lead_in = float(rng.uniform(1.0, 3.0))
    peak = max(force_at(sp, max(r.peak_m for r in sp.reps)) for sp in sets)
    duration = lead_in + sum(Timeline(SessionPlan((sp,), lead_in_s=0.0)).duration_s for sp in sets)
    sensor = random_sensor(rng, duration, peak, noise=noise, faults=faults)
    plan = SessionPlan(tuple(sets), sensor, lead_in, int(seed))
    if behaviour == "cut":
        plan = _cut(plan, rng)
    return plan


def countable_sets(plan: SessionPlan) -> int:
    """Sets of a plan with at least one rep the recording does not cut (the sets its truth lists)."""
    return len({w.set_index for w in Timeline(plan).rep_windows if not w.cut})


def _cut(plan: SessionPlan, rng: np.random.Generator) -> SessionPlan:
    """Start or end the recording mid-effort (inside a hold), or just before the first pull."""
    tl = Timeline(plan)
    first = tl.rep_windows[0]
    last = tl.rep_windows[-1]
    mode = str(rng.choice(("start", "end", "early")))
    sets = list(plan.sets)
    if mode == "early":  # the first pull is the largest and starts 0.3–0.8 s into the file
        sp = sets[0]
        first_rep = max(sp.reps, key=lambda r: r.peak_m)
        first_rep = replace(sp.reps[0], range_m=first_rep.range_m, overshoot_m=first_rep.overshoot_m,
                            hold_sag_m=first_rep.hold_sag_m, dips=first_rep.dips if sp.reps[0].hold_s >= first_rep.hold_s else ())
        sets[0] = replace(sp, reps=(first_rep,) + sp.reps[1:], tags=sp.tags + ("early-start",))
        plan = replace(plan, sets=tuple(sets))
        return replace(plan, cut_start_s=max(first.concentric_start_s - float(rng.uniform(0.3, 0.8)), 0.0))
    if mode == "start":
        sets[0] = replace(sets[0], tags=sets[0].tags + ("cut-start",))
        at = first.top_s + float(rng.uniform(0.3, 0.7)) * (first.hold_end_s - first.top_s)
        return replace(plan, sets=tuple(sets), cut_start_s=at)
    sets[-1] = replace(sets[-1], tags=sets[-1].tags + ("cut-end",))
    at = last.top_s + float(rng.uniform(0.3, 0.7)) * (last.hold_end_s - last.top_s)
    return replace(plan, sets=tuple(sets), cut_end_s=tl.duration_s - at)
