"""One live session's writes as plain records, so they can wait in memory, be retried in order,
be saved to a recovery file (JSON) and be applied to a log later with the same effect.

Each op is applied with the `WorkoutLog` method the live recorder would have called; `rep_keys`
replays ops on a set of (set_index, rep_index) keys to tell which reps they leave in the log.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from taut.records import REP_INIT_FIELDS, Rep, RepSet, rep_from_values
from taut.store import sample_codec
from taut.store.workout_log import WorkoutLog



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


# A rep in a recovery file: its constructor fields under their `Rep` attribute names.
def _rep_json(rep: Rep) -> dict:
    return {f.attr or f.name: f.value(rep) for f in REP_INIT_FIELDS}


def _rep_from(d: dict) -> Rep:
    missing = [f.attr or f.name for f in REP_INIT_FIELDS if (f.attr or f.name) not in d and not f.optional]
    if missing:
        raise ValueError(f"rep without {', '.join(missing)}")
    values: dict = {}
    for f in REP_INIT_FIELDS:
        v = d.get(f.attr or f.name)
        if f.kind is bool and not isinstance(v, bool):
            raise ValueError(f"rep {f.name} must be true or false, got {v!r}")
        values[f.name] = None if v is None and f.optional else f.kind(v)
    return rep_from_values(values)


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
    kind = d.get("op") if isinstance(d, dict) else None
    build = _READERS.get(kind) if isinstance(kind, str) else None
    if build is None:
        raise ValueError(f"unknown op {kind!r}")
    try:
        return build(d)
    except Exception as exc:  # KeyError, TypeError, binascii and zlib errors: all a bad entry
        raise ValueError(f"bad {kind} entry: {exc!r}") from exc


def _samples_from(d: dict) -> Samples:
    if d.get("codec") != sample_codec.CODEC:
        raise ValueError(f"unknown sample codec {d.get('codec')!r}")
    t, x = sample_codec.decode_chunk(float(d["t_first_s"]), base64.b64decode(d["data"], validate=True))
    if len(t) != int(d["n"]):
        raise ValueError("sample count does not match the chunk")
    return Samples(t, x)


_READERS = {
    "time_origin": lambda d: TimeOrigin(float(d["time_origin_s"]), float(d["at_unix_s"])),
    "samples": _samples_from,
    "begin_set": lambda d: BeginSet(int(d["set_index"]), d.get("exercise")),
    "add_rep": lambda d: AddRep(int(d["set_index"]), _rep_from(d["rep"]), d.get("exercise")),
    "withdraw_rep": lambda d: WithdrawRep(int(d["set_index"]), int(d["rep_index"])),
    "end_set": lambda d: EndSet(RepSet(int(d["set_index"]), tuple(_rep_from(r) for r in d["reps"]), d.get("exercise"))),
    "end_session": lambda d: EndSession(float(d["ended_unix_s"])),
}
