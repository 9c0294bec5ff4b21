"""Draw realistic session plans from a seed: exercise, band, set-up, reps, tempo, fatigue, sensor.

`random_plan(seed, ...)` picks whatever is not fixed by a keyword. The draws are documented in
docs/simulation.md; everything comes from `numpy.random.default_rng(seed)`, so a seed always gives
the same plan.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from taut.exercises import EXERCISE_IDS, Tempo, get_exercise
from taut.sim.band import BANDS, Band, band_from_params, get_band
from taut.sim.form import form_of
from taut.sim.plan import RepPlan, SessionPlan, SetPlan, SetupAction
from taut.sim.sensor import SensorModel

NOISE_LEVELS_N = {"none": 0.0, "clean": 0.02, "low": 0.1, "medium": 0.3, "high": 1.0}
TEMPO_MODES = ("typical", "slow", "fast")


def random_band(rng: np.random.Generator) -> Band:
    """A catalogue band half the time, otherwise one with drawn parameters (10–220 N at 100 %)."""
    if rng.random() < 0.5:
        return BANDS[str(rng.choice(list(BANDS)))]
    f100 = float(math.exp(rng.uniform(math.log(10.0), math.log(220.0))))
    return band_from_params(
        f"custom-{f100:.0f}N", f100,
        stiffening_jm=float(rng.uniform(20.0, 60.0)),
        hysteresis_loss=float(rng.uniform(0.05, 0.15)),
        transition_strain=float(rng.uniform(0.03, 0.08)),
        level="custom",
    )


def _rep_tempo(rng: np.random.Generator, typical: Tempo, mode: str) -> Tempo:
    if mode == "given":
        return typical
    if mode == "typical":
        k = rng.uniform(0.8, 1.25)
        return Tempo(typical.eccentric_s * k, typical.pause_s * k, typical.concentric_s * k, typical.hold_s * k)
    if mode == "slow":  # about 10 s per rep
        k = rng.uniform(0.9, 1.1)
        return Tempo(4.0 * k, 1.0 * k, 3.0 * k, 2.0 * k)
    if mode == "fast":  # about 0.6–0.8 s per rep
        return Tempo(0.3 * rng.uniform(0.95, 1.1), rng.uniform(0.0, 0.2), 0.3 * rng.uniform(0.95, 1.1), 0.0)
    raise ValueError(f"tempo mode must be one of {TEMPO_MODES}, got {mode!r}")


def random_set(
    rng: np.random.Generator,
    *,
    exercise: str | None = None,
    band: Band | None = None,
    n_reps: int | None = None,
    tempo: str | Tempo | None = None,
    fatigue: float | None = None,
    partial_reps: int | None = None,
    setup: bool = True,
    rest_after_s: float = 30.0,
) -> SetPlan:
    """One set drawn from rng; any keyword fixes that choice."""
    ex = get_exercise(exercise if exercise is not None else str(rng.choice(EXERCISE_IDS)))
    form = form_of(ex.id)
    band = band if band is not None else random_band(rng)
    th0 = float(rng.uniform(*ex.grip_angle_rad))
    max_travel = ex.max_travel_m(th0)
    full = min(float(rng.uniform(*ex.range_m)), 0.95 * max_travel)
    e0 = float(rng.uniform(*ex.start_elongation))
    e_top = float(rng.uniform(*ex.top_elongation))
    l0 = float(ex.extension_m(full, th0)) / (e_top - e0)
    if n_reps is None:
        n_reps = 1 if rng.random() < 0.06 else int(rng.integers(3, 21))
    if n_reps < 1:
        raise ValueError("n_reps must be >= 1")
    if isinstance(tempo, Tempo):
        mode, base = "given", tempo
    else:
        mode = tempo if tempo is not None else str(rng.choice(TEMPO_MODES, p=[0.76, 0.1, 0.14]))
        base = ex.tempo
    if fatigue is None:
        fatigue = float(rng.uniform(0.1, 0.6)) if (n_reps >= 4 and rng.random() < 0.6) else 0.0
    range_loss = min(0.08, 0.15 * fatigue)
    if partial_reps is None:
        partial_reps = int(rng.integers(1, 1 + max(1, n_reps // 5))) if (n_reps >= 4 and rng.random() < 0.35) else 0
    if partial_reps > (n_reps - 1) // 2:
        raise ValueError(f"{partial_reps} partial reps in {n_reps}: the set's median would no longer be a full rep")
    partial_at = set(rng.choice(np.arange(1, n_reps), size=partial_reps, replace=False).tolist()) if partial_reps else set()
    reps = []
    for i in range(n_reps):
        u = i / (n_reps - 1) if n_reps > 1 else 0.0
        tp = _rep_tempo(rng, base, mode)

        def vary(v: float, cv: float = form.timing_cv) -> float:
            return v * float(np.clip(1.0 + cv * rng.standard_normal(), 0.7, 1.3)) if v > 0 else 0.0

        conc = vary(tp.concentric_s) * (1.0 + fatigue * u**1.5)
        r_full = full * (1.0 - range_loss * u * u) * float(np.clip(1.0 + form.range_cv * rng.standard_normal(), 0.93, 1.07))
        partial = i in partial_at
        top = full * float(rng.uniform(0.35, 0.68)) if partial else min(r_full, 0.99 * max_travel)
        bottom = float(min(abs(rng.normal(0.0, 0.004)), 0.02 * full))
        sag = top * float(rng.uniform(0.0, 0.03))
        reps.append(RepPlan(top, conc, vary(tp.hold_s), vary(tp.eccentric_s), vary(tp.pause_s), bottom, partial, sag))
    reps = _clear_partial_margin(reps)
    actions = []
    if setup and rng.random() < 0.85:
        for _ in range(int(rng.integers(0, 4))):
            actions.append(SetupAction("tug", full * float(rng.uniform(0.1, 0.3)), float(rng.uniform(0.25, 0.6)),
                                       float(rng.uniform(0.25, 0.6)), float(rng.uniform(0.5, 1.5))))
        for _ in range(int(rng.integers(0, 3))):
            actions.insert(int(rng.integers(0, len(actions) + 1)),
                           SetupAction("grip", -float(rng.uniform(0.02, 0.06)), float(rng.uniform(0.3, 0.6)),
                                       float(rng.uniform(0.3, 0.6)), float(rng.uniform(0.4, 1.0))))
    sp = SetPlan(
        exercise=ex.id, band=band, rest_length_m=l0, start_elongation=e0, reps=tuple(reps), grip_angle_rad=th0,
        setup=tuple(actions), grab_s=float(rng.uniform(0.8, 2.0)), settle_s=float(rng.uniform(1.0, 3.0)),
        end_settle_s=float(rng.uniform(0.3, 1.5)), release_s=float(rng.uniform(0.3, 1.2)),
        rest_after_s=float(rest_after_s), fatigue=fatigue, tags=(f"tempo-{mode}",),
    )
    return sp


def _clear_partial_margin(reps: list[RepPlan]) -> list[RepPlan]:
    """Keep full reps >= 0.86 and partial reps <= 0.7 of the set's median range: never ambiguous."""
    bottoms = [0.0] + [r.bottom_m for r in reps[:-1]]
    med = float(np.median([r.range_m - b for r, b in zip(reps, bottoms)]))
    out = []
    for r, b in zip(reps, bottoms):
        rng_m = r.range_m - b
        if r.partial and rng_m > 0.7 * med:
            r = replace(r, range_m=b + 0.7 * med)
        elif not r.partial and rng_m < 0.86 * med:
            r = replace(r, range_m=b + 0.86 * med)
        out.append(r)
    return out


def random_sensor(
    rng: np.random.Generator, duration_s: float, peak_n: float, *, noise: str | float | None = None,
    clipping: bool | None = None, gaps: bool | None = None, faults: bool = True,
) -> SensorModel:
    """Sensor imperfections for a recording of duration_s whose largest clean tension is about peak_n."""
    if noise is None:
        noise = str(rng.choice(["clean", "low", "medium", "high"], p=[0.2, 0.4, 0.3, 0.1]))
    noise_n = NOISE_LEVELS_N[noise] if isinstance(noise, str) else float(noise)
    if not faults:
        return SensorModel(noise_n=noise_n, resolution_n=0.01)
    if clipping is None:
        clipping = rng.random() < 0.08
    if gaps is None:
        gaps = rng.random() < 0.3
    steps = tuple((float(rng.uniform(0.1, 0.9) * duration_s), float(rng.choice([-1, 1]) * rng.uniform(0.5, 3.0)))
                  for _ in range(int(rng.integers(0, 3)) if rng.random() < 0.3 else 0))
    gap_list = tuple((float(rng.uniform(0.05, 0.95) * duration_s), float(rng.uniform(0.1, 1.0)))
                     for _ in range(int(rng.integers(1, 3)) if gaps else 0))
    bursty = rng.random() < 0.3
    return SensorModel(
        noise_n=noise_n,
        offset_n=float(rng.uniform(-2.0, 2.0)),
        drift_n_per_min=float(rng.uniform(-0.5, 0.5)),
        wander_n=float(rng.uniform(0.0, 0.5)),
        offset_steps=steps,
        spike_rate_hz=float(rng.uniform(0.0, 0.05)) if rng.random() < 0.5 else 0.0,
        spike_n=float(rng.uniform(10.0, 80.0)),
        capacity_n=float(rng.uniform(0.85, 0.95) * peak_n) if clipping else 1000.0,
        jitter_frac=float(rng.uniform(0.0, 0.1)),
        gaps=gap_list,
        burst_rate_hz=float(rng.uniform(0.01, 0.05)) if bursty else 0.0,
        burst_samples=int(rng.integers(1, 7)),
        resolution_n=0.01,
    )


def random_plan(
    seed: int,
    *,
    exercise: str | None = None,
    band: Band | str | None = None,
    n_sets: int | None = None,
    n_reps: int | None = None,
    tempo: str | Tempo | None = None,
    noise: str | float | None = None,
    fatigue: float | None = None,
    partial_reps: int | None = None,
    setup: bool = True,
    rest_s: tuple[float, float] = (20.0, 90.0),
    duration_s: float | None = None,
    clipping: bool | None = None,
    gaps: bool | None = None,
    faults: bool = True,
) -> SessionPlan:
    """A realistic session drawn from seed; keywords fix choices (None = drawn).

    exercise: canonical id; band: a Band or catalogue name; tempo: "typical" (the exercise's, ±25 %
    per rep), "slow" (~10 s reps), "fast" (~0.6 s reps) or a Tempo (used as is, with the exercise's
    rep-to-rep variation); noise: a NOISE_LEVELS_N key or newtons; duration_s: keep
    adding sets until the session lasts this long (n_sets then ignored); faults=False: white noise
    only (no drift, steps, spikes, clipping, jitter or lost samples).
    """
    rng = np.random.default_rng(int(seed))
    if isinstance(band, str):
        band = get_band(band)
    if n_sets is None:
        n_sets = int(rng.integers(1, 4))
    if n_sets < 1:
        raise ValueError("n_sets must be >= 1")
    sets: list[SetPlan] = []
    total = float(rng.uniform(1.0, 3.0))
    lead_in = total
    while True:
        sp = random_set(rng, exercise=exercise, band=band, n_reps=n_reps, tempo=tempo, fatigue=fatigue,
                        partial_reps=partial_reps, setup=setup, rest_after_s=float(rng.uniform(*rest_s)))
        sets.append(sp)
        total += _set_duration_s(sp)
        if (duration_s is None and len(sets) >= n_sets) or (duration_s is not None and total >= duration_s):
            break
    # Shorten the last rest to a short tail.
    last = sets[-1]
    tail = float(rng.uniform(1.0, 3.0))
    if duration_s is not None:
        tail = max(tail, duration_s - (total - last.rest_after_s))
    sets[-1] = replace(last, rest_after_s=tail)
    total += tail - last.rest_after_s
    peak = max(_peak_estimate_n(sp) for sp in sets)
    sensor = random_sensor(rng, total, peak, noise=noise, clipping=clipping, gaps=gaps, faults=faults)
    return SessionPlan(tuple(sets), sensor, lead_in, int(seed))


def _set_duration_s(sp: SetPlan) -> float:
    setup = sum(a.out_s + a.back_s + a.settle_s for a in sp.setup)
    reps = sum(r.concentric_s + r.hold_s + r.eccentric_s + r.pause_s for r in sp.reps)
    return sp.grab_s + setup + sp.settle_s + reps + sp.end_settle_s + sp.release_s + sp.rest_after_s


def _peak_estimate_n(sp: SetPlan) -> float:
    return float(sp.band.force_n(float(sp.elongation(max(r.range_m for r in sp.reps)))))
