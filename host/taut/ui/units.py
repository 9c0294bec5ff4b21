"""Display units for tension: newtons inside, kg or lb (force) only at the edges."""

from __future__ import annotations

STANDARD_GRAVITY_M_S2 = 9.80665
NEWTONS_PER_LBF = 4.4482216152605

UNITS: tuple[str, ...] = ("N", "kg", "lb")
_PER_NEWTON = {"N": 1.0, "kg": 1.0 / STANDARD_GRAVITY_M_S2, "lb": 1.0 / NEWTONS_PER_LBF}


def per_newton(unit: str) -> float:
    """Multiply newtons by this to show `unit` (kg and lb mean kilogram- and pound-force)."""
    try:
        return _PER_NEWTON[unit]
    except KeyError:
        raise ValueError(f"unknown unit {unit!r}; choose one of {', '.join(UNITS)}") from None


def next_unit(unit: str) -> str:
    """The unit after `unit` in the N → kg → lb → N cycle."""
    return UNITS[(UNITS.index(unit) + 1) % len(UNITS)]
