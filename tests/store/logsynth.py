"""Synthetic recordings for the log tests: trapezoid reps a detector cannot miss."""

from __future__ import annotations

import numpy as np


def trapezoids(n_reps: int, *, peak_n: float = 120.0, fs_hz: float = 80.0, start_s: float = 2.0):
    knots_t, knots_x, t = [0.0], [20.0], start_s
    for i in range(n_reps):
        p = 60.0 if i == 2 else peak_n  # the third rep is a partial
        knots_t += [t, t + 1.0, t + 3.0, t + 5.0]
        knots_x += [20.0, p, p, 20.0]
        t += 6.0
    knots_t.append(t + 3.0)
    knots_x.append(20.0)
    time_s = np.arange(0, knots_t[-1], 1 / fs_hz)
    return time_s, np.interp(time_s, knots_t, knots_x)
