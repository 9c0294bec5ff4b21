"""A virtual person who follows the calibration prompts, for the virtual band and for tests.

`Rehearsal` is the force on the virtual band's load cell as a function of time (what
`taut.twin.band.VirtualBand` takes), and `act(prompt, now_s)` makes the person do what a prompt
asks from that moment on: hang a mass (which swings, then settles), anchor a band and let it go
slack, stretch it to a mark and hold it with a little hand tremor, or do the slow
stretch-and-release with a pause at each mark. The band follows SIM's force model, hysteresis
and all, sample by sample.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from taut.calibration.loadcell import STANDARD_GRAVITY_M_S2
from taut.calibration.wizard import CONFIRM, Prompt
from taut.sim.band import Band

SLACK_E = -0.05
TREMOR_HZ = (7.3, 2.1)


@dataclass(frozen=True, slots=True)
class _Segment:
    """From t0: elongation moves from e0 to e1 over move_s (smooth), then stays (with tremor)."""

    t0_s: float
    e0: float
    e1: float
    move_s: float

    def at(self, t_s: float) -> float:
        u = min(max((t_s - self.t0_s) / self.move_s, 0.0), 1.0)
        return self.e0 + (self.e1 - self.e0) * 0.5 * (1.0 - math.cos(math.pi * u))


class Rehearsal:
    """The force a person following the prompts puts on the load cell (callable: time_s -> N)."""

    def __init__(
        self,
        *,
        band: Band | None = None,
        rest_length_m: float = 0.6,
        marks_percent: Sequence[float] = (),
        gravity_m_s2: float = STANDARD_GRAVITY_M_S2,
        tremor_m: float = 0.0015,
        swing: float = 0.02,
        masses_kg: Sequence[float] = (),
    ) -> None:
        self.band = band
        self.rest_length_m = rest_length_m
        self.marks_e = [m / 100.0 - 1.0 for m in marks_percent]
        self.gravity_m_s2 = gravity_m_s2
        self.tremor_m = tremor_m
        self.swing = swing
        self.masses_kg = list(masses_kg)
        self._plan: list[_Segment] = [_Segment(0.0, SLACK_E, SLACK_E, 1.0)]
        self._mass_kg = 0.0
        self._mass_t0 = 0.0
        # band state for the reversal model
        self._e_prev: float | None = None
        self._dir = 1
        self._e_r = 0.0
        self._f_r = 0.0
        self._f_prev = 0.0

    # -- the person -----------------------------------------------------------------------

    def act(self, prompt: Prompt, now_s: float) -> None:
        """Start doing what `prompt` asks (only CONFIRM prompts ask for something)."""
        if prompt.action != CONFIRM:
            return
        step = prompt.step
        if step in ("tare", "unload"):
            self.hang(0.0, now_s)
        elif step.startswith("mass-"):
            self.hang(self.masses_kg[int(step.split("-")[1]) - 1], now_s)
        elif step == "slack":
            self.stretch_to(SLACK_E, now_s, 0.5)
        elif step.startswith("mark-"):
            self.stretch_to(self.marks_e[int(step.split("-")[1]) - 1], now_s, 1.5)
        elif step == "sweep":
            self.sweep(now_s)

    def hang(self, mass_kg: float, now_s: float) -> None:
        self._mass_kg = mass_kg
        self._mass_t0 = now_s

    def stretch_to(self, elongation: float, now_s: float, move_s: float) -> None:
        self._plan = [_Segment(now_s, self._e_plan(now_s), elongation, move_s)]

    def sweep(self, now_s: float, pause_s: float = 2.5) -> float:
        """Slack, up to the top mark in 6 s, back down pausing at each lower mark; returns the end time."""
        t = now_s
        plan = [_Segment(t, self._e_plan(now_s), SLACK_E, 1.0)]
        t += 1.5
        top = self.marks_e[-1]
        plan.append(_Segment(t, SLACK_E, top, 6.0))
        t += 6.8
        cur = top
        for e in reversed(self.marks_e[:-1]):
            plan.append(_Segment(t, cur, e, 1.5))
            t += 1.5 + pause_s
            cur = e
        plan.append(_Segment(t, cur, SLACK_E, 1.5))
        self._plan = plan
        return t + 1.5

    def _e_plan(self, t_s: float) -> float:
        seg = self._plan[0]
        for s in self._plan:
            if s.t0_s <= t_s:
                seg = s
        return seg.at(t_s)

    # -- the load cell sees ---------------------------------------------------------------

    def __call__(self, time_s: float) -> float:
        force = 0.0
        if self._mass_kg:
            dt = max(time_s - self._mass_t0, 0.0)
            force += self._mass_kg * self.gravity_m_s2 * (
                1.0 + self.swing * math.exp(-dt) * math.sin(2 * math.pi * 1.4 * dt))
        if self.band is not None:
            force += self._band_force(time_s)
        return force

    def _band_force(self, t_s: float) -> float:
        e = self._e_plan(t_s)
        if e > 0:
            wob = self.tremor_m / self.rest_length_m
            e += wob * (0.7 * math.sin(2 * math.pi * TREMOR_HZ[0] * t_s) + 0.3 * math.sin(2 * math.pi * TREMOR_HZ[1] * t_s))
        e = min(e, 3.0)
        assert self.band is not None
        if self._e_prev is not None and e != self._e_prev:
            d = 1 if e > self._e_prev else -1
            if d != self._dir:
                self._e_r, self._f_r = self._e_prev, self._f_prev
                self._dir = d
        f = float(self.band.force_after_reversal_n(e, self._dir > 0, self._e_r, self._f_r))
        self._e_prev, self._f_prev = e, f
        return f


def rehearsal_for(wizard: object, band: Band | None = None, **kwargs) -> Rehearsal:
    """A person suited to a wizard: its masses or its marks and rest length."""
    from taut.calibration.band_wizard import BandWizard
    from taut.calibration.loadcell_wizard import LoadCellWizard

    if isinstance(wizard, LoadCellWizard):
        return Rehearsal(masses_kg=wizard.masses_kg, gravity_m_s2=wizard.gravity_m_s2, **kwargs)
    if isinstance(wizard, BandWizard):
        if band is None:
            raise ValueError("a band rehearsal needs the SIM band to pull")
        return Rehearsal(band=band, rest_length_m=wizard.rest_length_cm / 100.0, marks_percent=wizard.marks_percent,
                         **kwargs)
    raise TypeError(f"no rehearsal for {type(wizard).__name__}")


ActFn = Callable[[Prompt, float], None]


def rehearse(wizard, person: Rehearsal, *, fs_hz: float = 80.0, noise_n: float = 0.03, seed: int = 0,
             max_s: float = 600.0):
    """Run a wizard to the end against `person` sampled directly (no BLE): sensor noise and 0.01 N
    steps as the firmware sends them. Returns the wizard's result; its errors propagate."""
    import numpy as np

    from taut.calibration.wizard import DONE

    rng = np.random.default_rng(seed)
    t = 0.0
    chunk = max(1, int(round(0.25 * fs_hz)))
    while wizard.prompt.action != DONE:
        p = wizard.prompt
        if p.action == CONFIRM:
            person.act(p, t)
            wizard.confirm()
            continue
        if t > max_s:
            raise TimeoutError(f"rehearsal still at {p.step!r} after {max_s:.0f} s")
        ts = t + np.arange(1, chunk + 1) / fs_hz
        f = np.array([person(x) for x in ts]) + rng.normal(0.0, noise_n, chunk)
        wizard.feed(ts, np.round(f * 100.0) / 100.0)
        t = float(ts[-1])
    return wizard.result
