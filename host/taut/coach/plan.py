"""Guided sets: a plan of exercises, sets x reps (or a time), target tempo and hold, rest, band.

A plan is a small TOML file (read with `tomllib`) or the same given as flags. Ready plans ship in
`taut/coach/plans/` (`ready_plans()`; `taut live --plan reverse-fly` finds one by name). Any
mistake in a file is one `PlanError` naming the file and what is wrong.

    name = "Upper back"
    rest_s = 60                  # default for every block
    [[block]]
    exercise = "reverse-fly"
    sets = 3
    reps = 12                    # or seconds = 40 (a timed set)
    tempo = "3-0-1-2"            # default: the exercise's
    hold_s = 2                   # default: the tempo's top hold
    rest_s = 60
    band = "red"                 # optional: names it in the log, gives range in cm when calibrated
    tension_n = 60               # optional: the end-range tension aimed at (for "band too light")
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from taut.coach.targets import CoachTargets, targets_for
from taut.exercises import Tempo, UnknownExerciseError

PLANS_DIR = Path(__file__).with_name("plans")
_BLOCK_KEYS = {"exercise", "sets", "reps", "seconds", "tempo", "hold_s", "rest_s", "band", "tension_n"}
_PLAN_KEYS = {"name", "rest_s", "block"}


class PlanError(ValueError):
    """A plan that cannot be used: one line saying where and what."""


@dataclass(frozen=True, slots=True)
class PlanBlock:
    """Sets of one exercise."""

    exercise: str
    sets: int
    reps: int | None  # None: a timed set (seconds)
    seconds: float | None
    targets: CoachTargets
    rest_s: float
    band: str | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """A guided session: blocks in order."""

    name: str
    blocks: tuple[PlanBlock, ...]

    def set_list(self) -> list[tuple[PlanBlock, int]]:
        """Every set in order: (its block, its number within the block from 1)."""
        return [(b, i + 1) for b in self.blocks for i in range(b.sets)]


def _number(where: str, key: str, value: object, *, integer: bool = False, minimum: float = 0.0,
            strict: bool = True) -> float:
    ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or not math.isfinite(float(value)) \
            or (float(value) <= minimum if strict else float(value) < minimum):
        kind = "a whole number" if integer else "a number"
        raise PlanError(f"{where}: {key} must be {kind} {'>' if strict else '>='} {minimum:g}, got {value!r}")
    return float(value)


def block_from(where: str, d: dict, default_rest_s: float) -> PlanBlock:
    """One block from a table (file) or from flags; PlanError on anything wrong."""
    unknown = set(d) - _BLOCK_KEYS
    if unknown:
        raise PlanError(f"{where}: unknown key {sorted(unknown)[0]!r} (known: {', '.join(sorted(_BLOCK_KEYS))})")
    ex = d.get("exercise")
    if not isinstance(ex, str):
        raise PlanError(f"{where}: exercise is missing (e.g. exercise = \"reverse-fly\")")
    sets = int(_number(where, "sets", d.get("sets", 1), integer=True))
    if ("reps" in d) == ("seconds" in d):
        raise PlanError(f"{where}: give reps or seconds (one of them)")
    reps = int(_number(where, "reps", d["reps"], integer=True)) if "reps" in d else None
    seconds = _number(where, "seconds", d["seconds"]) if "seconds" in d else None
    tempo = None
    if "tempo" in d:
        if not isinstance(d["tempo"], str):
            raise PlanError(f"{where}: tempo must be text like \"3-0-1-2\", got {d['tempo']!r}")
        try:
            tempo = Tempo.parse(d["tempo"])
        except ValueError as exc:
            raise PlanError(f"{where}: {exc}") from None
    hold = _number(where, "hold_s", d["hold_s"], strict=False) if "hold_s" in d else None
    rest = _number(where, "rest_s", d.get("rest_s", default_rest_s), strict=False)
    tension = _number(where, "tension_n", d["tension_n"]) if "tension_n" in d else None
    band = d.get("band")
    if band is not None and not (isinstance(band, str) and band.strip()):
        raise PlanError(f"{where}: band must be a name, got {band!r}")
    try:
        targets = targets_for(ex, tempo=tempo, hold_s=hold, tension_n=tension)
    except UnknownExerciseError as exc:
        raise PlanError(f"{where}: {exc}") from None
    return PlanBlock(ex, sets, reps, seconds, targets, rest, band)


def plan_from_dict(where: str, d: dict) -> Plan:
    unknown = set(d) - _PLAN_KEYS
    if unknown:
        raise PlanError(f"{where}: unknown key {sorted(unknown)[0]!r} (known: name, rest_s, [[block]])")
    rest = _number(where, "rest_s", d.get("rest_s", 60.0), strict=False)
    blocks = d.get("block")
    if not isinstance(blocks, list) or not blocks or not all(isinstance(b, dict) for b in blocks):
        raise PlanError(f"{where}: no [[block]] tables (each: exercise, sets, reps or seconds)")
    name = d.get("name", Path(where).stem)
    if not isinstance(name, str):
        raise PlanError(f"{where}: name must be text")
    return Plan(name, tuple(block_from(f"{where}: block {i + 1}", b, rest) for i, b in enumerate(blocks)))


def load_plan(path: str | Path) -> Plan:
    """A plan from a TOML file, or a ready plan by name (`ready_plans()`); PlanError on any problem."""
    p = Path(path)
    if not p.exists() and (PLANS_DIR / f"{path}.toml").is_file():
        p = PLANS_DIR / f"{path}.toml"
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanError(f"{path}: cannot read the plan ({exc.strerror or exc}); ready plans: {', '.join(ready_plans())}") from None
    except UnicodeDecodeError:
        raise PlanError(f"{path}: not a text file") from None
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(f"{path}: not valid TOML: {exc}") from None
    return plan_from_dict(str(path), data)


def plan_from_flags(exercise: str, *, sets: int = 1, reps: int | None = None, seconds: float | None = None,
                    tempo: str | None = None, hold_s: float | None = None, rest_s: float = 60.0,
                    band: str | None = None, tension_n: float | None = None) -> Plan:
    """The same plan from `taut live` flags; PlanError naming the flag's value."""
    d: dict = {"exercise": exercise, "sets": sets, "rest_s": rest_s}
    for key, value in (("reps", reps), ("seconds", seconds), ("tempo", tempo), ("hold_s", hold_s), ("band", band),
                       ("tension_n", tension_n)):
        if value is not None:
            d[key] = value
    if reps is None and seconds is None:
        d["reps"] = 12
    return Plan(exercise, (block_from("plan", d, rest_s),))


def ready_plans() -> list[str]:
    """Names of the plans shipped with Taut."""
    return sorted(p.stem for p in PLANS_DIR.glob("*.toml"))
