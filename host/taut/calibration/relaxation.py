"""Recover a band's loading and unloading branches from holds that relaxed toward the midway curve.

Holding a stretched band still is never perfectly still: hand tremor runs it through tiny
hysteresis loops (and rubber relaxes), so a hold reached by stretching drifts down from the
loading branch, and a pause reached by releasing drifts up from the unloading branch, both toward
the midway curve. With F_load the loading force, h the hysteresis loss and r the fraction of the
way a hold has relaxed (same for every hold):

    hold on the way up      up   = F_load · (1 - r·h/2)
    pause on the way down   down = F_load · (1 - h + r·h/2)
    arriving at a mark      arrival = F_load              (reached while stretching: not yet relaxed)

So A = median(1 - up / arrival) = r·h/2 and B = (up - down) / (up + down) = h·(1 - r) / (2 - h) (median over
the lower marks) give h = 2(A + B) / (1 + B), and F_load = up / (1 - A). With no relaxation
(A = 0) this is the plain branch ratio; with full relaxation (B = 0) the holds sit on the midway
curve and the peak alone tells h.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MAX_RELAXATION = 0.15  # A above this is an overshoot at the peak, not relaxation


@dataclass(frozen=True, slots=True)
class BranchForces:
    """Branch forces at the marks, and the relaxation figures they came from."""

    loading_n: tuple[float, ...]  # every mark, low to high
    unloading_n: tuple[float, ...]  # every mark but the top, low to high
    hysteresis_loss: float
    relaxed_fraction: float  # A = r·h/2: how far the holds sank below the loading branch


def branch_forces(up_n: Sequence[float], down_n: Sequence[float], arrival_n: Sequence[float]) -> BranchForces:
    """Loading and unloading forces from holds on the way up (all marks), pauses on the way down
    (marks below the top) and the force on arriving at each mark while stretching (all marks; at
    the top the sweep's peak serves too). See the module docstring."""
    up = np.asarray(up_n, dtype=float)
    down = np.asarray(down_n, dtype=float)
    arrive = np.asarray(arrival_n, dtype=float)
    if len(up) != len(down) + 1 or len(down) < 1 or len(arrive) != len(up):
        raise ValueError("need a hold and an arrival at every mark and a pause at every mark below the top")
    a = float(np.clip(np.median(1.0 - up / arrive), 0.0, MAX_RELAXATION))
    b = float(np.median((up[:-1] - down) / (up[:-1] + down)))
    b = max(b, 0.0)
    h = min(2.0 * (a + b) / (1.0 + b), 0.9)
    load = up / (1.0 - a)
    # Each pause read (1 - h + a)·F_load; scaled to the unloading branch (1 - h)·F_load.
    unload = down * (1.0 - h) / (1.0 - h + a)
    return BranchForces(tuple(load.tolist()), tuple(unload.tolist()), h, a)
