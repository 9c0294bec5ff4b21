"""Opening a workout log: checks before anything is written, WAL mode, and migrating to our schema.

Opening never overwrites what it cannot understand: a locked, read-only, corrupt or newer-version
file raises a typed `LogError` and is left untouched.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from pathlib import Path

from taut.store.errors import (
    RECOVERY_HINT,
    CorruptError,
    FutureVersionError,
    LogError,
    NotFoundError,
    ReadOnlyError,
    translate,
)
from taut.store.paths import resolve_log_path
from taut.store.schema import APPLICATION_ID, SCHEMA_VERSION, migrate

log = logging.getLogger(__name__)

_SQLITE_MAGIC = b"SQLite format 3\x00"


def _file_is_marked_read_only(path: Path) -> bool:
    # Honour the permission bits even for root: a file the user marked read-only is not ours to write.
    return not os.access(path, os.W_OK) or not (path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def connect(
    path: str | os.PathLike[str] | None,
    *,
    readonly: bool | None,
    create: bool,
    timeout_s: float,
) -> tuple[sqlite3.Connection, Path, bool]:
    """A checked, migrated connection to the log at `path` (see `open_log`): (connection, path, read-only)."""
    p = resolve_log_path(path)
    if p.is_dir():
        raise LogError(f"{p}: is a folder; --db names the log file itself (e.g. {p / 'taut.sqlite3'})")
    exists = p.exists() and p.stat().st_size > 0
    if not exists and not create:
        raise NotFoundError(f"{p}: no workout log here (nothing was created)")
    if exists:
        with open(p, "rb") as f:
            head = f.read(len(_SQLITE_MAGIC))
        if head != _SQLITE_MAGIC:
            raise CorruptError(f"{p}: not a SQLite database; the file was left untouched")
        if readonly is None:
            readonly = _file_is_marked_read_only(p) or not os.access(p.parent, os.W_OK)
        if not readonly and _file_is_marked_read_only(p):
            raise ReadOnlyError(f"{p}: the log file is read-only")
        if not readonly and not os.access(p.parent, os.W_OK):
            raise ReadOnlyError(f"{p.parent}: directory not writable (the log needs its -wal and -shm files there)")
    else:
        if readonly:
            raise NotFoundError(f"{p}: no workout log here yet")
        readonly = False
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ReadOnlyError(f"{p.parent}: cannot create the log directory ({exc})") from exc
    conn = _connect(p, "ro" if readonly else "rwc", timeout_s)
    try:
        try:
            _check_and_prepare(conn, p, readonly)
        except ReadOnlyError:
            if not readonly or not _immutable_is_safe(p):
                raise
            # A read-only folder: SQLite cannot make the -shm file a WAL reader needs. With no
            # -wal file left there is nothing beyond the main file, so open it as immutable.
            conn.close()
            conn = _connect(p, "ro&immutable=1", timeout_s)
            _check_and_prepare(conn, p, readonly)
    except BaseException:
        conn.close()
        raise
    return conn, p, bool(readonly)


def _connect(p: Path, mode: str, timeout_s: float) -> sqlite3.Connection:
    try:
        return sqlite3.connect(
            f"{p.resolve().as_uri()}?mode={mode}", uri=True, timeout=timeout_s, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise translate(exc, p) from exc


def _immutable_is_safe(p: Path) -> bool:
    wal = p.with_name(p.name + "-wal")
    return not wal.exists() or wal.stat().st_size == 0


def check_integrity(conn: sqlite3.Connection, p: Path, *, full: bool = False) -> list[str]:
    """SQLite's own check of every page (quick_check; integrity_check with full=True): [] when sound."""
    try:
        rows = conn.execute("PRAGMA integrity_check" if full else "PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    problems = [str(r[0]) for r in rows]
    return [] if problems == ["ok"] else problems


def _check_and_prepare(conn: sqlite3.Connection, p: Path, readonly: bool) -> None:
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        n_tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.Error as exc:
        raise translate(exc, p) from exc
    if app_id not in (0, APPLICATION_ID) or (app_id == 0 and n_tables > 0):
        raise CorruptError(f"{p}: a SQLite database, but not a Taut workout log; the file was left untouched")
    if version > SCHEMA_VERSION:
        raise FutureVersionError(version, SCHEMA_VERSION, str(p))
    if readonly:
        if version < SCHEMA_VERSION:
            raise ReadOnlyError(f"{p}: log schema v{version} needs migrating to v{SCHEMA_VERSION}, but the file is read-only")
        conn.execute("PRAGMA query_only = ON")
        return
    if version < SCHEMA_VERSION and n_tables > 0:
        refuse_if_damaged(conn, p)  # a migration is the first write
    try:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise LogError(f"{p}: could not switch the log to WAL mode (got {mode})")
        # NORMAL in WAL: a committed transaction survives a process crash (not a power cut).
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        before = version
        migrate(conn)
        if before != SCHEMA_VERSION:
            log.info("migrated %s from schema v%d to v%d", p, before, SCHEMA_VERSION)
    except sqlite3.Error as exc:
        raise translate(exc, p) from exc


def refuse_if_damaged(conn: sqlite3.Connection, p: Path) -> None:
    """CorruptError when SQLite's quick check finds the file damaged: never write into it."""
    problems = check_integrity(conn, p)
    if problems:
        first = " ".join(problems[0].split())[:200]  # SQLite's report spans lines
        raise CorruptError(f"{p}: the log is damaged ({first}); nothing was written to it. {RECOVERY_HINT}")
