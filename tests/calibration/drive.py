"""Drive the wizards with the virtual user and sensor, the way the CLI drives them with a person."""

from __future__ import annotations

import numpy as np
from calibration.virtual import FS_HZ, VirtualBandUser, VirtualLoadCell, feed_until_change, hanging_force

from taut.calibration.band_wizard import BandWizard
from taut.calibration.loadcell_wizard import LoadCellWizard


def band_step(wizard: BandWizard, user: VirtualBandUser, marks_e: list[float], *, batch: int = 4,
              at_e: float | None = None, sweep_kwargs: dict | None = None):
    """Confirm the current step, act it out, feed it; returns the prompt afterwards."""
    p = wizard.prompt
    wizard.confirm()
    if p.step == "slack":
        t, f = user.move_hold(-0.05, 0.2, 3.0)
    elif p.step.startswith("mark-"):
        k = int(p.step.split("-")[1]) - 1
        t, f = user.move_hold(marks_e[k] if at_e is None else at_e, 1.5, 3.5)
    else:
        t, f = user.sweep(marks_e, **(sweep_kwargs or {}))
    return feed_until_change(wizard, t, f, batch)


def run_band(wizard: BandWizard, user: VirtualBandUser, *, batch: int = 4):
    marks_e = [m / 100.0 - 1.0 for m in wizard.marks_percent]
    while wizard.prompt.action != "done":
        band_step(wizard, user, marks_e, batch=batch)
    return wizard.result


class LoadCellBench:
    """A virtual load cell with masses at hand; keeps the clock running between steps."""

    def __init__(self, cell: VirtualLoadCell, rng: np.random.Generator) -> None:
        self.cell = cell
        self.rng = rng
        self.t_s = 0.0

    def samples(self, force_n: np.ndarray):
        f = self.cell.tension_n(force_n, self.rng)
        t = self.t_s + np.arange(1, len(f) + 1) / FS_HZ
        self.t_s = float(t[-1])
        return t, f

    def step(self, wizard: LoadCellWizard, mass_kg: float | None = None, *, swing: float = 0.02,
             decay_s: float = 1.0, duration_s: float = 10.0, batch: int = 4):
        """Confirm the current step, hang what it asks (or `mass_kg`), feed until it moves on."""
        p = wizard.prompt
        if mass_kg is None:
            mass_kg = 0.0 if p.step in ("tare", "unload") else wizard.masses_kg[int(p.step.split("-")[1]) - 1]
        wizard.confirm()
        force = hanging_force(mass_kg, duration_s, self.rng, swing=swing, decay_s=decay_s) if mass_kg else \
            np.zeros(int(duration_s * FS_HZ))
        t, f = self.samples(force)
        return feed_until_change(wizard, t, f, batch)

    def run(self, wizard: LoadCellWizard, **kw):
        while wizard.prompt.action != "done":
            self.step(wizard, **kw)
        return wizard.result
