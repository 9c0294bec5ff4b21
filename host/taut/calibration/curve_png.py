"""Draw band curves (loading solid, unloading dashed) to a PNG; matplotlib is imported here only."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from taut.calibration.bandfit import MAX_ELONGATION


def curves_png(path: str | os.PathLike[str], options: Sequence[Any], *, max_elongation: float = 2.5,
               title: str = "Band curves") -> None:
    """Write one chart of force (N) against elongation (%) for profiles and/or stacks.

    Raises RuntimeError when matplotlib is missing (install taut[plot]).
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise RuntimeError("drawing curves needs matplotlib: pip install 'taut[plot]'") from None
    e = np.linspace(0.0, min(max_elongation, MAX_ELONGATION), 301)
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    try:
        from matplotlib.colors import is_color_like

        for opt in options:
            load = np.asarray(opt.force_n(e, True), dtype=float)
            colour = getattr(opt, "colour", "")
            style = {"color": colour} if colour and is_color_like(colour) else {}
            line, = ax.plot(100 * e, load, label=str(opt.name), **style)  # pyright: ignore[reportArgumentType]
            ax.plot(100 * e, np.asarray(opt.force_n(e, False), dtype=float), "--", color=line.get_color(), lw=0.9)
        ax.set_xlabel("elongation (%)  —  solid: stretching, dashed: releasing")
        ax.set_ylabel("tension (N)")
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        ax.axvline(100, color="grey", lw=0.5)
        ax.axvline(200, color="grey", lw=0.5)
        if options:
            ax.legend(loc="upper left", fontsize="small")
        fig.tight_layout()
        fig.savefig(os.fspath(path), format="png")
    finally:
        plt.close(fig)
