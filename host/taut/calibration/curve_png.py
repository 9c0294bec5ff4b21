"""Band curves as lines to draw: force along a common elongation axis, stretching and releasing.

The drawing itself is Qt's (`taut.ui.plots_qt.render_band_curves_png`), like
every other PNG Taut writes; this module stays free of any GUI library.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from taut.calibration.bandfit import MAX_ELONGATION


def curve_lines(options: Sequence[Any], *, max_elongation: float = 2.5,
                points: int = 301) -> tuple[np.ndarray, list[tuple[str, str, np.ndarray, np.ndarray]]]:
    """(elongation in %, [(name, colour, loading force N, unloading force N)]) for profiles and/or stacks."""
    e = np.linspace(0.0, min(max_elongation, MAX_ELONGATION), points)
    lines = [
        (str(opt.name), str(getattr(opt, "colour", "") or ""), np.asarray(opt.force_n(e, True), dtype=float),
         np.asarray(opt.force_n(e, False), dtype=float))
        for opt in options
    ]
    return 100.0 * e, lines
