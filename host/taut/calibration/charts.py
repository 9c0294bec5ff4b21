"""Published nominal force charts of common bands, and where a calibrated band sits among them.

Only charts that state force at 100 % and 200 % elongation (our definition of level) are here;
sources and caveats are in docs/bands.md. Values are the publishers' nominal figures in pounds,
converted to newtons; independent measurements have found some of them optimistic.
"""

from __future__ import annotations

from dataclasses import dataclass

LBF_N = 4.4482216152605  # one pound-force in newtons


@dataclass(frozen=True, slots=True)
class NominalBand:
    """One colour of a brand's chart: nominal force at 100 % and 200 % elongation (N)."""

    brand: str
    colour: str
    force_100_n: float
    force_200_n: float
    source: str  # key into docs/bands.md's source list

    @property
    def label(self) -> str:
        return f"{self.brand} {self.colour}"


def _lb(brand: str, colour: str, f100_lb: float, f200_lb: float, source: str) -> NominalBand:
    return NominalBand(brand, colour, f100_lb * LBF_N, f200_lb * LBF_N, source)


# TheraBand flat bands and tubing (same chart for both), light to heavy.
THERABAND: tuple[NominalBand, ...] = (
    _lb("TheraBand", "tan", 2.4, 3.4, "theraband-chart"),
    _lb("TheraBand", "yellow", 3.0, 4.3, "theraband-chart"),
    _lb("TheraBand", "red", 3.7, 5.5, "theraband-chart"),
    _lb("TheraBand", "green", 4.6, 6.7, "theraband-chart"),
    _lb("TheraBand", "blue", 5.8, 8.6, "theraband-chart"),
    _lb("TheraBand", "black", 7.3, 10.2, "theraband-chart"),
    _lb("TheraBand", "silver", 10.2, 15.3, "theraband-chart"),
    _lb("TheraBand", "gold", 14.2, 21.3, "theraband-chart"),
)

CHARTS: dict[str, tuple[NominalBand, ...]] = {"theraband": THERABAND}


def place(force_100_n: float, chart: tuple[NominalBand, ...] = THERABAND) -> str:
    """Where a band with this force at 100 % elongation sits on a chart, in words."""
    ordered = sorted(chart, key=lambda b: b.force_100_n)
    if force_100_n < ordered[0].force_100_n:
        return f"lighter than {ordered[0].label} ({ordered[0].force_100_n:.1f} N)"
    if force_100_n > ordered[-1].force_100_n:
        return f"heavier than {ordered[-1].label} ({ordered[-1].force_100_n:.1f} N)"
    for lo, hi in zip(ordered, ordered[1:]):
        if lo.force_100_n <= force_100_n <= hi.force_100_n:
            near = lo if force_100_n - lo.force_100_n <= hi.force_100_n - force_100_n else hi
            if abs(force_100_n / near.force_100_n - 1.0) < 0.05:
                return f"about {near.label} ({near.force_100_n:.1f} N)"
            return f"between {lo.label} ({lo.force_100_n:.1f} N) and {hi.label} ({hi.force_100_n:.1f} N)"
    raise AssertionError("unreachable")
