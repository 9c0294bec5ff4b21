"""Recovery files: a live session's writes the log would not take, saved as JSON to import later.

`save` writes `<log name>.recovery-<session>-<UTC time>.json` beside the log (else in the
temporary directory) atomically: a temporary file, fsync, rename. `import_file` applies its ops
to a log in order; a write refused again (lock, full disk) leaves the ops not yet applied in the
same file (rewritten atomically), so an import can be repeated until it is done; the file is
removed once everything is in. Format (version 1), docs/log.md:

    {"format": "taut-recovery", "version": 1, "log": PATH, "session_id": N,
     "session": {"exercise", "band", "device", "source", "started_unix_s", "time_origin_s"},
     "reason": TEXT, "reps": N, "samples": N, "ops": [{"op": ...}, ...]}
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from taut.store import log_ops
from taut.store.errors import LogError, NotFoundError
from taut.store.log_ops import Op
from taut.store.workout_log import WorkoutLog

FORMAT = "taut-recovery"
VERSION = 1


class RecoveryWriteError(OSError):
    """No recovery file could be written anywhere (every directory tried failed)."""


class RecoveryFileError(ValueError):
    """A file that is not a readable Taut recovery file; nothing was written."""


@dataclass(frozen=True, slots=True)
class Recovered:
    """A recovery file read back: where it came from and the ops to apply."""

    log_path: str | None
    session_id: int | None
    session: dict
    reason: str | None
    ops: list[Op]


@dataclass(frozen=True, slots=True)
class ImportResult:
    session_id: int
    new_session: bool  # the file's session was not in this log: a new one holds what it had
    reps: int  # reps the log did not have before
    session_reps: int  # reps the session has now
    samples: int
    left: int  # ops still not applied (0: done, the file was removed)
    error: LogError | None


def file_name(log_path: Path, session_id: int, now_unix_s: float) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now_unix_s))
    return f"{log_path.name}.recovery-{session_id}-{stamp}.json"


def _document(log_path: Path, session_id: int, session: dict, ops: list[Op], reason: str | None) -> bytes:
    doc = {
        "format": FORMAT, "version": VERSION, "log": str(log_path), "session_id": session_id,
        "session": session, "reason": reason, "reps": len(log_ops.rep_keys(ops)),
        "samples": log_ops.sample_count(ops), "ops": [log_ops.to_json(op) for op in ops],
    }  # fmt: skip
    return json.dumps(doc, separators=(",", ":")).encode()


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temporary file in the same directory and a rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename durable where the OS allows it
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def save(
    log_path: Path,
    session_id: int,
    session: dict,
    ops: list[Op],
    *,
    reason: str | None,
    dirs: tuple[Path, ...] | None = None,
    now_unix_s: float | None = None,
) -> Path:
    """Save `ops` to a recovery file; the first of `dirs` (default: the log's, then the temporary
    directory) that takes it wins. RecoveryWriteError naming every failure when none does."""
    data = _document(log_path, session_id, session, ops, reason)
    name = file_name(log_path, session_id, time.time() if now_unix_s is None else now_unix_s)
    failures = []
    for d in dirs if dirs is not None else (log_path.parent, Path(tempfile.gettempdir())):
        path = Path(d) / name
        try:
            write_atomically(path, data)
        except OSError as exc:
            failures.append(f"{path}: {exc.strerror or exc}")
            continue
        return path
    raise RecoveryWriteError("no recovery file could be written: " + "; ".join(failures))


def load(path: Path) -> Recovered:
    """Read a recovery file; RecoveryFileError saying what is wrong."""
    try:
        doc = json.loads(Path(path).read_bytes())
    except OSError as exc:
        raise RecoveryFileError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    except ValueError as exc:
        raise RecoveryFileError(f"{path}: not a Taut recovery file (not JSON: {exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise RecoveryFileError(f"{path}: not a Taut recovery file (no \"format\": \"{FORMAT}\")")
    if doc.get("version") != VERSION:
        raise RecoveryFileError(f"{path}: recovery file version {doc.get('version')!r}; this Taut reads version {VERSION}")
    raw_ops = doc.get("ops")
    if not isinstance(raw_ops, list):
        raise RecoveryFileError(f"{path}: no \"ops\" list")
    ops = []
    for i, d in enumerate(raw_ops):
        try:
            ops.append(log_ops.from_json(d))
        except ValueError as exc:
            raise RecoveryFileError(f"{path}: op {i}: {exc}") from exc
    session = doc.get("session") if isinstance(doc.get("session"), dict) else {}
    for key in ("exercise", "band", "device", "source"):
        if not isinstance(session.get(key), str | None):
            raise RecoveryFileError(f"{path}: session {key} must be text, got {session.get(key)!r}")
    for key in ("created_unix_s", "started_unix_s", "time_origin_s"):
        v = session.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise RecoveryFileError(f"{path}: session {key} must be a number, got {v!r}")
    sid = doc.get("session_id")
    return Recovered(doc.get("log"), sid if isinstance(sid, int) else None, session, doc.get("reason"), ops)


def _same_session(log: WorkoutLog, rec: Recovered) -> bool:
    """The file's session is in this log (same file, id still there with the same start)."""
    if rec.session_id is None or rec.log_path is None:
        return False
    try:
        if Path(rec.log_path).resolve() != log.path.resolve():
            return False
        started, _ = log.session_time_origin(rec.session_id)
    except (OSError, NotFoundError):
        return False
    # The session row's start: as created, or as tied to the recording clock (maybe by this file's op).
    starts = {rec.session.get("created_unix_s"), rec.session.get("started_unix_s")}
    starts |= {op.at_unix_s for op in rec.ops if isinstance(op, log_ops.TimeOrigin)}
    return started in starts


def import_file(log: WorkoutLog, path: Path) -> ImportResult:
    """Apply a recovery file's ops to `log` in order; see the module docstring."""
    path = Path(path)
    rec = load(path)
    if _same_session(log, rec):
        sid, new = int(rec.session_id), False  # type: ignore[arg-type]
    else:
        info = rec.session
        sid = log.start_session(
            exercise=info.get("exercise"), device=info.get("device"), band=info.get("band"),
            source=info.get("source") or "recovered", started_unix_s=info.get("started_unix_s"),
            time_origin_s=float(info.get("time_origin_s") or 0.0),
        )  # fmt: skip
        new = True
    created = log.session_time_origin(sid)[0]
    before = _rep_keys_in_log(log, sid)
    done = 0
    error: LogError | None = None
    for op in rec.ops:
        try:
            log_ops.apply(op, log, sid)
        except LogError as exc:
            error = exc
            break
        done += 1
    applied, left = rec.ops[:done], rec.ops[done:]
    with contextlib.suppress(LogError):
        created = log.session_time_origin(sid)[0]  # as the file's next import will find it
    try:
        if left:
            session = {**rec.session, "created_unix_s": created}
            write_atomically(path, _document(log.path, sid, session, left, str(error)))
        else:
            path.unlink()
    except OSError as exc:
        raise RecoveryWriteError(
            f"{path}: {done} of {len(rec.ops)} entries are now in the log, but the file could not be updated "
            f"({exc.strerror or exc}); importing it again would repeat them"
        ) from exc
    after = _rep_keys_in_log(log, sid)
    return ImportResult(sid, new, len(after - before), len(after), log_ops.sample_count(applied), len(left), error)


def _rep_keys_in_log(log: WorkoutLog, session_id: int) -> set[tuple[int, int]]:
    return {(s.index, r.index) for s in log.sets(session_id) for r in s.reps}
