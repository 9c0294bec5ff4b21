"""The hand's motion over a session and the band tension it produces, as pure functions of time.

A plan becomes a timeline of segments: minimum-jerk moves x(τ) = x0 + (x1 - x0)(10τ³ - 15τ⁴ + 6τ⁵)
and still holds. Each set runs: grab the band (slack -> start position), setup tugs and grip
adjustments, settle, reps (concentric, top hold, eccentric, bottom pause), settle, release back
to slack, rest with the band untouched. Hysteresis follows the moves: at every reversal of the
stretch the band leaves its branch smoothly (taut.sim.band). Small oscillations ride on top:
physiological tremor (6–11 Hz, strongest in the top hold) and form wobble during moves
(0.6–2 Hz, zero at each move's ends); they act through the band's mean elastic curve because
their minor hysteresis loops are thin.

Because tension is a pure function of time, any sampling (batch, chunked, one sample at a time,
jittered) sees the same physical signal.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, replace

import numpy as np

from taut.sim.band import _after_reversal_arrays, _after_reversal_one, _load_arrays, _load_one
from taut.exercises import get_exercise
from taut.sim.form import form_of
from taut.sim.plan import WOBBLE_DECAY, SessionPlan, SetPlan

IDLE, GRAB, STILL, SETUP, CONC, TOP, ECC, RELEASE = range(8)
TOP_LEVEL_KINDS = ("idle", "setup", "set", "release", "rest")
_TREMOR_BASE = 0.35  # tremor while holding the band outside the top hold, relative to the top hold's
_TOP_RAMP_S = 0.3
_RETURN_S = 1.5  # back to the start position after setup actions that ended away from it


@dataclass(frozen=True, slots=True)
class Interval:
    """A labelled stretch of time.

    Top level, back to back over the whole recording: "idle", "setup", "set", "release", "rest".
    Inside a setup: "tug", "grip" (adjustment) and "plateau" (a held stretch, as in calibration).
    """

    kind: str
    start_s: float
    end_s: float
    set_index: int | None = None


@dataclass(frozen=True, slots=True)
class RepWindow:
    """Where one rep's motion lies: the truth is measured on the tension in [t_from_s, t_to_s]."""

    set_index: int
    rep_index: int
    t_from_s: float  # start of the bottom phase before the rep
    concentric_start_s: float
    top_s: float  # concentric move ends
    hold_end_s: float
    eccentric_end_s: float
    t_to_s: float  # next rep's concentric start, or the release
    top_m: float  # hand travel at the top
    bottom_before_m: float  # hand travel at the bottom before the rep
    cut: bool = False  # its motion straddles the recording's start or end: not a countable rep


def _hold_moves(rep) -> list[tuple[float, float, float]]:
    """A top hold with an overshoot and/or dips as moves (duration, from, to): the hands settle from
    the overshoot, then follow the sag line from range_m down by hold_sag_m, leaving it for each dip."""
    top, sag, hold = rep.range_m, rep.hold_sag_m, rep.hold_s
    t_a = rep.overshoot_s if rep.overshoot_m > 0 else 0.0
    moves = [(t_a, rep.peak_m, top)] if t_a else []

    def base(tau: float) -> float:
        return top - sag * (tau - t_a) / (hold - t_a)

    tau, x = t_a, top
    for at_s, depth_m, dur_s in rep.dips:
        mid = at_s + dur_s / 2
        for t_next, x_next in ((at_s, base(at_s)), (mid, base(mid) - depth_m), (at_s + dur_s, base(at_s + dur_s))):
            moves.append((t_next - tau, x, x_next))
            tau, x = t_next, x_next
    moves.append((hold - tau, x, top - sag))
    return moves


def min_jerk(tau):
    """Minimum-jerk position profile on [0, 1] (0 -> 1 with zero velocity and acceleration at ends)."""
    tau = np.clip(tau, 0.0, 1.0)
    return tau**3 * (10.0 - 15.0 * tau + 6.0 * tau**2)


def _smoothstep(u):
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


class _SetPhysics:
    """Per-set constants: geometry, band parameters and tremor/wobble oscillators."""

    def __init__(self, sp: SetPlan, seed: int, index: int) -> None:
        self.plan = sp
        self.exercise = get_exercise(sp.exercise)
        self.theta0 = sp.grip_angle
        self.e0 = sp.start_elongation
        self.l0 = sp.rest_length_m
        b = sp.band
        self.band_args = (b.force_100_n, b.stiffening_jm, b.hysteresis_loss, b.transition_strain)
        form = form_of(sp.exercise)
        self.tremor_m = form.tremor_m if sp.tremor_m is None else sp.tremor_m
        self.wobble_m = form.wobble_m if sp.wobble_m is None else sp.wobble_m
        rng = np.random.default_rng([int(seed), 0x73E7, index])
        self.tremor_f = rng.uniform(6.0, 11.0, 3)
        self.tremor_ph = rng.uniform(0, 2 * math.pi, 3)
        a = rng.uniform(0.5, 1.0, 3)
        self.tremor_a = a / math.sqrt(float(np.sum(a * a)) / 2.0)
        self.wobble_f = rng.uniform(0.6, 2.0, 2)
        self.wobble_ph = rng.uniform(0, 2 * math.pi, 2)
        # Where the hands are when the band is let go: slack by 15 % of L0 at least.
        slope = float(self.exercise.extension_m(-1.0, self.theta0)) * -1.0
        self.x_idle = -(max(self.e0, 0.0) + 0.15) * self.l0 / slope

        self._slope = slope
        self._tremor = list(zip(self.tremor_a.tolist(), (2 * math.pi * self.tremor_f).tolist(), self.tremor_ph.tolist()))
        self._wobble = list(zip((2 * math.pi * self.wobble_f).tolist(), self.wobble_ph.tolist()))

    def elongation(self, x):
        return self.e0 + self.exercise.extension_m(x, self.theta0) / self.l0

    def elongation_one(self, x: float) -> float:
        d = self._slope * x if x < 0.0 else self.exercise.extension_one_m(x, self.theta0)
        return self.e0 + d / self.l0

    def mean_one_n(self, e: float) -> float:
        return (1.0 - 0.5 * self.band_args[2]) * _load_one(e, self.band_args[0], self.band_args[1])

    def tremor_one(self, t: float) -> float:
        return sum(a * math.sin(w * t + p) for a, w, p in self._tremor)

    def wobble_one(self, t: float) -> float:
        return sum(math.sin(w * t + p) for w, p in self._wobble) / math.sqrt(2.0)

    def load_n(self, e):
        return _load_arrays(e, self.band_args[0], self.band_args[1])

    def mean_n(self, e):
        return (1.0 - 0.5 * self.band_args[2]) * self.load_n(e)

    def tremor(self, t):
        return sum(a * np.sin(2 * math.pi * f * t + p) for a, f, p in zip(self.tremor_a, self.tremor_f, self.tremor_ph))

    def wobble(self, t):
        return sum(np.sin(2 * math.pi * f * t + p) for f, p in zip(self.wobble_f, self.wobble_ph)) / math.sqrt(2.0)


class Timeline:
    """A session plan laid out in time; evaluates hand travel, elongation and tension at any time."""

    def __init__(self, plan: SessionPlan) -> None:
        self.plan = plan
        self.sets = [_SetPhysics(sp, plan.seed, i) for i, sp in enumerate(plan.sets)]
        segs: list[tuple[float, float, float, float, int, int]] = []  # t0, t1, x0, x1, kind, set
        self.rep_windows: list[RepWindow] = []
        labels: list[Interval] = []
        t = 0.0

        def add(dur: float, x0: float, x1: float, kind: int, s: int) -> float:
            nonlocal t
            if dur > 0:
                segs.append((t, t + dur, x0, x1, kind, s))
                t += dur
            return t

        add(plan.lead_in_s, self.sets[0].x_idle, self.sets[0].x_idle, IDLE, 0)
        if plan.lead_in_s > 0:
            labels.append(Interval("idle", 0.0, t, None))
        for s, (sp, ph) in enumerate(zip(plan.sets, self.sets)):
            t_grab = t
            add(sp.grab_s, ph.x_idle, 0.0, GRAB, s)
            pos = 0.0
            for act in sp.setup:
                if act.kind == "hold":
                    add(act.out_s, pos, act.amplitude_m, SETUP, s)
                    pos = act.amplitude_m
                    if act.settle_s > 0:
                        labels.append(Interval("plateau", t, t + act.settle_s, s))
                    add(act.settle_s, pos, pos, STILL, s)
                    if act.back_s > 0:
                        add(act.back_s, pos, 0.0, SETUP, s)
                        pos = 0.0
                else:
                    labels.append(Interval(act.kind, t, t + act.out_s + act.back_s, s))
                    add(act.out_s, pos, pos + act.amplitude_m, SETUP, s)
                    add(act.back_s, pos + act.amplitude_m, pos, SETUP, s)
                    add(act.settle_s, pos, pos, STILL, s)
            if pos != 0.0:
                add(_RETURN_S, pos, 0.0, SETUP, s)
            t_from = t
            add(sp.settle_s, 0.0, 0.0, STILL, s)
            labels.append(Interval("setup", t_grab, t, s))
            t_set = t
            bottom = 0.0
            windows: list[RepWindow] = []
            for i, rep in enumerate(sp.reps):
                t_conc = t
                if windows:  # the previous rep's window ends where this one's motion starts
                    windows[-1] = replace(windows[-1], t_to_s=t_conc)
                add(rep.concentric_s, bottom, rep.peak_m, CONC, s)
                t_top = t
                sagged = rep.range_m - (rep.hold_sag_m if rep.hold_s > 0 else 0.0)
                if rep.dips or rep.overshoot_m > 0:
                    for dur, xa, xb in _hold_moves(rep):
                        add(dur, xa, xb, TOP, s)
                else:
                    add(rep.hold_s, rep.range_m, sagged, TOP, s)
                t_hold_end = t
                add(rep.eccentric_s, sagged, rep.bottom_m, ECC, s)
                windows.append(RepWindow(s, i, t_from, t_conc, t_top, t_hold_end, t, math.nan, rep.peak_m, bottom))
                t_from = t
                bottom = rep.bottom_m
                pause = rep.pause_s if i < len(sp.reps) - 1 else rep.pause_s + sp.end_settle_s
                if rep.pause_actions:
                    t_act = t
                    bottom = self._actions(rep.pause_actions, bottom, s, labels, add)
                    pause -= t - t_act
                    t_from = t  # the next rep's bottom is the still stretch after the activity
                add(pause, bottom, bottom, STILL, s)
            t_set_end = windows[-1].eccentric_end_s
            windows[-1] = replace(windows[-1], t_to_s=t)
            self.rep_windows.extend(windows)
            labels.append(Interval("set", t_set, t_set_end, s))
            add(sp.release_s, bottom, ph.x_idle, RELEASE, s)
            labels.append(Interval("release", t_set_end, t, s))
            t_rest = t
            rest = sp.rest_after_s
            if sp.rest_actions:
                self._actions(sp.rest_actions, ph.x_idle, s, labels, add)
                rest -= t - t_rest
            add(rest, ph.x_idle, ph.x_idle, IDLE, s)
            if sp.rest_after_s > 0:
                labels.append(Interval("rest" if s < len(plan.sets) - 1 else "idle", t_rest, t, s))
        self.duration_s = t
        self._plan_offset_s = float(plan.cut_start_s)  # oscillators run on the plan's clock
        if plan.cut_start_s or plan.cut_end_s:
            segs, labels = self._cut(segs, labels, plan.cut_start_s, t - plan.cut_start_s - plan.cut_end_s)
        self.labels = tuple(sorted(labels, key=lambda iv: (iv.start_s, iv.kind not in TOP_LEVEL_KINDS)))
        arr = np.array(segs, dtype=float)
        self.t0 = arr[:, 0].copy()
        self.t1 = arr[:, 1].copy()
        self.x0 = arr[:, 2].copy()
        self.x1 = arr[:, 3].copy()
        self.kind = arr[:, 4].astype(np.int64)
        self.set_of = arr[:, 5].astype(np.int64)
        self._walk_hysteresis()
        self._rows = list(zip(self.t0.tolist(), self.t1.tolist(), self.x0.tolist(), self.x1.tolist(),
                              self.kind.tolist(), self.set_of.tolist(), self.loading.tolist(),
                              self.e_r.tolist(), self.f_r.tolist()))
        self._t0_list = self.t0.tolist()

    @staticmethod
    def _actions(actions, pos: float, s: int, labels: list, add) -> float:
        """Lay out rest actions from hand travel pos (labelled by kind); returns where the hands end."""
        for act in actions:
            t0 = add(act.lead_s, pos, pos, STILL, s)
            if act.kind == "wobble":
                x, amp = pos, act.amplitude_m
                for _ in range(2 * act.cycles):
                    add(act.out_s, x, pos + amp, SETUP, s)
                    x, amp = pos + amp, -amp * WOBBLE_DECAY
                labels.append(Interval(act.kind, t0, add(act.out_s, x, pos, SETUP, s), s))
                continue
            top = pos + act.amplitude_m
            add(act.out_s, pos, top, SETUP, s)
            t1 = add(act.hold_s, top, top, STILL, s)
            if act.back_s > 0:
                t1 = add(act.back_s, top, pos, SETUP, s)
            else:
                pos = top
            labels.append(Interval(act.kind, t0, t1, s))
        return pos

    def _cut(self, segs: list, labels: list, off: float, duration_s: float) -> tuple[list, list]:
        """Shift the timeline so the recording starts off seconds in and lasts duration_s; reps
        whose motion straddles either end are cut (no truth) and labelled "cut"."""
        if not duration_s > 0:
            raise ValueError("cut_start_s + cut_end_s leave nothing to record")
        segs = [(a - off, b - off, *rest) for a, b, *rest in segs]
        out = []
        for iv in labels:
            a, b = max(iv.start_s - off, 0.0), min(iv.end_s - off, duration_s)
            if b > a:
                out.append(Interval(iv.kind, a, b, iv.set_index))
        windows = []
        for w in self.rep_windows:
            w = replace(w, t_from_s=w.t_from_s - off, concentric_start_s=w.concentric_start_s - off,
                        top_s=w.top_s - off, hold_end_s=w.hold_end_s - off, eccentric_end_s=w.eccentric_end_s - off,
                        t_to_s=w.t_to_s - off)
            inside = w.concentric_start_s >= 0.0 and w.eccentric_end_s <= duration_s
            if not inside:
                w = replace(w, cut=True)
                a, b = max(w.concentric_start_s, 0.0), min(w.eccentric_end_s, duration_s)
                if b > a:
                    out.append(Interval("cut", a, b, w.set_index))
            windows.append(w)
        self.rep_windows = windows
        self.duration_s = duration_s
        return segs, out

    def _walk_hysteresis(self) -> None:
        """Band state at each segment's start: branch direction and the last reversal (e_r, F_r)."""
        n = len(self.t0)
        self.loading = np.ones(n, dtype=bool)
        self.e_r = np.zeros(n)
        self.f_r = np.zeros(n)
        direction: bool | None = None
        e_r, f_r, prev_set = 0.0, 0.0, -1
        for j in range(n):
            ph = self.sets[self.set_of[j]]
            e_a = float(ph.elongation(self.x0[j]))
            e_b = float(ph.elongation(self.x1[j]))
            if self.set_of[j] != prev_set or self.kind[j] == IDLE:
                # Band untouched (slack): forget the history.
                direction, e_r, f_r = True, min(e_a, 0.0), 0.0
                prev_set = self.set_of[j]
            if e_b != e_a:
                d = e_b > e_a
                if d != direction:
                    f_a = float(_after_reversal_arrays(np.array(e_a), direction, e_r, f_r, *ph.band_args))
                    direction, e_r, f_r = d, e_a, f_a
            self.loading[j] = bool(direction)
            self.e_r[j] = e_r
            self.f_r[j] = f_r

    def _locate(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        seg = np.clip(np.searchsorted(self.t0, t, side="right") - 1, 0, len(self.t0) - 1)
        dur = self.t1[seg] - self.t0[seg]
        tau = np.clip((t - self.t0[seg]) / dur, 0.0, 1.0)
        x = self.x0[seg] + (self.x1[seg] - self.x0[seg]) * min_jerk(tau)
        return seg, tau, x

    def evaluate(self, time_s) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(tension_n, hand_travel_m, elongation) at times (s); noise-free; any order, any spacing."""
        t = np.atleast_1d(np.asarray(time_s, dtype=float))
        if np.isnan(t).any():
            raise ValueError("time_s contains NaN")
        seg, tau, x_base = self._locate(t)
        kind = self.kind[seg]
        tension = np.zeros(t.shape)
        travel = np.zeros(t.shape)
        elong = np.zeros(t.shape)
        for s in np.unique(self.set_of[seg]):
            m = self.set_of[seg] == s
            ph = self.sets[s]
            ts, ks, xs, taus, sg = t[m], kind[m], x_base[m], tau[m], seg[m]
            # Tremor envelope: ramps in while grabbing, out while releasing, peaks in the top hold.
            base = _TREMOR_BASE * ph.tremor_m
            env = np.where(ks == IDLE, 0.0, base)
            env = np.where(ks == GRAB, base * _smoothstep(taus), env)
            env = np.where(ks == RELEASE, base * (1.0 - _smoothstep(taus)), env)
            edge = np.minimum(ts - self.t0[sg], self.t1[sg] - ts) / _TOP_RAMP_S
            env = np.where(ks == TOP, base + (ph.tremor_m - base) * _smoothstep(edge), env)
            moving = (ks == CONC) | (ks == ECC)
            wob = np.where(moving, ph.wobble_m * np.sin(math.pi * taus) ** 4, 0.0)
            tp = ts + self._plan_offset_s
            dx = env * ph.tremor(tp) + wob * ph.wobble(tp)
            e_base = ph.elongation(xs)
            e = ph.elongation(xs + dx)
            f = _after_reversal_arrays(e_base, self.loading[sg], self.e_r[sg], self.f_r[sg], *ph.band_args)
            f = np.maximum(f + ph.mean_n(e) - ph.mean_n(e_base), 0.0)
            tension[m] = f
            travel[m] = xs + dx
            elong[m] = e
        return tension, travel, elong

    def evaluate_one(self, t: float) -> tuple[float, float, float]:
        """Scalar `evaluate` for one time (the per-sample streaming path; equal to within rounding)."""
        if t != t:
            raise ValueError("time_s is NaN")
        j = min(max(bisect_right(self._t0_list, t) - 1, 0), len(self._rows) - 1)
        t0, t1, x0, x1, kind, s, loading, e_r, f_r = self._rows[j]
        tau = min(max((t - t0) / (t1 - t0), 0.0), 1.0)
        x = x0 + (x1 - x0) * (tau**3 * (10.0 - 15.0 * tau + 6.0 * tau**2))
        ph = self.sets[s]
        base = _TREMOR_BASE * ph.tremor_m
        if kind == IDLE:
            env = 0.0
        elif kind == GRAB:
            env = base * float(_smoothstep(tau))
        elif kind == RELEASE:
            env = base * (1.0 - float(_smoothstep(tau)))
        elif kind == TOP:
            env = base + (ph.tremor_m - base) * float(_smoothstep(min(t - t0, t1 - t) / _TOP_RAMP_S))
        else:
            env = base
        tp = t + self._plan_offset_s
        dx = env * ph.tremor_one(tp) if env else 0.0
        if kind == CONC or kind == ECC:
            dx += ph.wobble_m * math.sin(math.pi * tau) ** 4 * ph.wobble_one(tp)
        e_base = ph.elongation_one(x)
        e = ph.elongation_one(x + dx)
        f = _after_reversal_one(e_base, loading, e_r, f_r, *ph.band_args)
        f = f + ph.mean_one_n(e) - ph.mean_one_n(e_base)
        return (f if f > 0.0 else 0.0), x + dx, e

    def tension_n(self, time_s) -> np.ndarray:
        return self.evaluate(time_s)[0]
