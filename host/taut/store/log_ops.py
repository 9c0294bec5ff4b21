"""One live session's writes as plain records, so they can wait in memory, be retried in order,
be saved to a recovery file (JSON) and be applied to a log later with the same effect.

Each op is applied with the `WorkoutLog` method the live recorder would have called; `rep_keys`
replays ops on a set of (set_index, rep_index) keys to tell which reps they leave in the log.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from taut.records import Rep, RepSet
from taut.store import sample_codec
from taut.store.workout_log import WorkoutLog

_REP_FIELDS = tuple(f.name for f in dataclasses.fields(Rep))


@dataclass(frozen=True, slots=True)
class TimeOrigin:
    """Tie the recording clock to the wall clock (`WorkoutLog.set_time_origin`)."""

    time_origin_s: float
    at_unix_s: float


@dataclass(frozen=True, slots=True, eq=False)
class Samples:
    """One chunk of raw samples (`WorkoutLog.append_samples`)."""

    time_s: np.ndarray
    tension_n: np.ndarray

    @property
    def nbytes(self) -> int:
        return int(self.time_s.nbytes + self.tension_n.nbytes)


@dataclass(frozen=True, slots=True)
class BeginSet:
    set_index: int
    exercise: str | None


@dataclass(frozen=True, slots=True)
class AddRep:
    set_index: int
    rep: Rep
    exercise: str | None


@dataclass(frozen=True, slots=True)
class WithdrawRep:
    set_index: int
    rep_index: int


@dataclass(frozen=True, slots=True)
class EndSet:
    rep_set: RepSet


@dataclass(frozen=True, slots=True)
class EndSession:
    ended_unix_s: float


Op = TimeOrigin | Samples | BeginSet | AddRep | WithdrawRep | EndSet | EndSession


def apply(op: Op, log: WorkoutLog, session_id: int) -> None:
    """Write one op to the log (one transaction); raises the log's `LogError`s."""
    match op:
        case TimeOrigin():
            log.set_time_origin(session_id, op.time_origin_s, op.at_unix_s)
        case Samples():
            log.append_samples(session_id, op.time_s, op.tension_n)
        case BeginSet():
            log.begin_set(session_id, op.set_index, exercise=op.exercise)
        case AddRep():
            log.add_rep(session_id, op.set_index, op.rep, exercise=op.exercise)
        case WithdrawRep():
            log.withdraw_rep(session_id, op.set_index, op.rep_index)
        case EndSet():
            log.end_set(session_id, op.rep_set)
        case EndSession():
            log.end_session(session_id, ended_unix_s=op.ended_unix_s)
        case _:
            raise TypeError(f"not a log op: {op!r}")


def rep_keys(ops: Iterable[Op], keys: set[tuple[int, int]] | None = None) -> set[tuple[int, int]]:
    """The (set_index, rep_index) reps left after applying `ops` on top of `keys` (default: none)."""
    out = set(keys or ())
    for op in ops:
        if isinstance(op, AddRep):
            out.add((op.set_index, op.rep.index))
        elif isinstance(op, WithdrawRep):
            out.discard((op.set_index, op.rep_index))
        elif isinstance(op, EndSet):
            s = op.rep_set.index
            out = {k for k in out if k[0] != s} | {(s, r.index) for r in op.rep_set.reps}
    return out


def sample_count(ops: Iterable[Op]) -> int:
    return sum(len(op.time_s) for op in ops if isinstance(op, Samples))


# -- JSON -------------------------------------------------------------------------------------


def _rep_json(rep: Rep) -> dict:
    return {name: getattr(rep, name) for name in _REP_FIELDS}


def _rep_from(d: dict) -> Rep:
    missing = [n for n in _REP_FIELDS if n not in d and n not in ("pause_s", "range_cm")]
    if missing:
        raise ValueError(f"rep without {', '.join(missing)}")
    return Rep(**{n: d[n] for n in _REP_FIELDS if n in d})


def to_json(op: Op) -> dict:
    """The op as a JSON object; samples are packed with the log's own codec (base64)."""
    match op:
        case TimeOrigin():
            return {"op": "time_origin", "time_origin_s": op.time_origin_s, "at_unix_s": op.at_unix_s}
        case Samples():
            t0, blob = sample_codec.encode_chunk(op.time_s, op.tension_n)
            return {
                "op": "samples", "n": len(op.time_s), "t_first_s": t0, "codec": sample_codec.CODEC,
                "data": base64.b64encode(blob).decode("ascii"),
            }  # fmt: skip
        case BeginSet():
            return {"op": "begin_set", "set_index": op.set_index, "exercise": op.exercise}
        case AddRep():
            return {"op": "add_rep", "set_index": op.set_index, "exercise": op.exercise, "rep": _rep_json(op.rep)}
        case WithdrawRep():
            return {"op": "withdraw_rep", "set_index": op.set_index, "rep_index": op.rep_index}
        case EndSet():
            s = op.rep_set
            return {"op": "end_set", "set_index": s.index, "exercise": s.exercise, "reps": [_rep_json(r) for r in s.reps]}
        case EndSession():
            return {"op": "end_session", "ended_unix_s": op.ended_unix_s}
    raise TypeError(f"not a log op: {op!r}")


def from_json(d: dict) -> Op:
    """An op from its JSON object; ValueError (naming what is wrong) for anything else."""
    try:
        kind = d["op"]
        if kind == "time_origin":
            return TimeOrigin(float(d["time_origin_s"]), float(d["at_unix_s"]))
        if kind == "samples":
            if d.get("codec") != sample_codec.CODEC:
                raise ValueError(f"unknown sample codec {d.get('codec')!r}")
            t, x = sample_codec.decode_chunk(float(d["t_first_s"]), base64.b64decode(d["data"], validate=True))
            if len(t) != int(d["n"]):
                raise ValueError("sample count does not match the chunk")
            return Samples(t, x)
        if kind == "begin_set":
            return BeginSet(int(d["set_index"]), d.get("exercise"))
        if kind == "add_rep":
            return AddRep(int(d["set_index"]), _rep_from(d["rep"]), d.get("exercise"))
        if kind == "withdraw_rep":
            return WithdrawRep(int(d["set_index"]), int(d["rep_index"]))
        if kind == "end_set":
            reps = tuple(_rep_from(r) for r in d["reps"])
            return EndSet(RepSet(int(d["set_index"]), reps, d.get("exercise")))
        if kind == "end_session":
            return EndSession(float(d["ended_unix_s"]))
    except ValueError:
        raise
    except (KeyError, TypeError, AttributeError, Exception) as exc:  # binascii/zlib errors too
        raise ValueError(f"bad {d.get('op', 'op') if isinstance(d, dict) else 'op'} entry: {exc!r}") from exc
    raise ValueError(f"unknown op {kind!r}")
