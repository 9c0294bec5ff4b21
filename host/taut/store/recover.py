"""Checking a workout log, and copying what is readable out of a damaged one into a new log.

A damaged log is never written to (`open_log` refuses it); `recover()` reads it read-only, row by
row where whole tables fail, and writes every row it can read into a fresh log of the current
schema. Rows whose parent was lost (a rep whose set is unreadable) are left out, and counted.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from taut.store.errors import LogError
from taut.store.paths import resolve_log_path
from taut.store.opening import check_integrity
from taut.store.workout_log import open_log

# Parents before children, so foreign keys can be checked as rows arrive.
_TABLES = ("devices", "bands", "sessions", "sets", "reps", "sample_chunks", "calibrations", "band_profiles", "log_facts")


@dataclass
class Recovery:
    """What `recover` copied: rows per table, and rows it could not read or had to leave out."""

    copied: dict[str, int] = field(default_factory=dict)
    unreadable: dict[str, int] = field(default_factory=dict)
    orphaned: dict[str, int] = field(default_factory=dict)

    @property
    def total_copied(self) -> int:
        return sum(self.copied.values())


def _open_source(p: Path) -> sqlite3.Connection:
    if p.is_dir() or not p.exists():
        raise LogError(f"{p}: no log file here")
    # immutable: read the bytes as they are, take no lock, create no -shm/-wal beside them
    return sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro&immutable=1", uri=True, isolation_level=None)


def check(path: str | os.PathLike[str] | None) -> list[str]:
    """Every problem SQLite's full integrity check finds in the log ([] when it is sound)."""
    p = resolve_log_path(path)
    conn = _open_source(p)
    try:
        return check_integrity(conn, p, full=True)
    finally:
        conn.close()


def _columns(conn: sqlite3.Connection, schema: str, table: str) -> list[str]:
    try:
        return [row[1] for row in conn.execute(f"PRAGMA {schema}.table_info({table})")]
    except sqlite3.DatabaseError:
        return []


def _rows(src: sqlite3.Connection, table: str, cols: list[str], stats: Recovery) -> list[tuple]:
    """All readable rows: the whole table at once, else rowid by rowid around the damage."""
    select = f"SELECT {', '.join(cols)} FROM {table}"
    try:
        return src.execute(select).fetchall()
    except sqlite3.DatabaseError:
        pass
    try:
        top = src.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0
    except sqlite3.DatabaseError:
        top = 0
    try:
        top = max(top, src.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).fetchone()[0])
    except (sqlite3.DatabaseError, TypeError):
        pass
    out = []
    for rowid in range(1, int(top) + 1):
        try:
            out.extend(src.execute(f"{select} WHERE rowid = ?", (rowid,)).fetchall())
        except sqlite3.DatabaseError:
            stats.unreadable[table] = stats.unreadable.get(table, 0) + 1
    return out


def recover(path: str | os.PathLike[str] | None, new_path: str | os.PathLike[str]) -> Recovery:
    """Copy every readable row of the log at `path` into a new log at `new_path` (which must not exist)."""
    src_path = resolve_log_path(path)
    dst_path = Path(new_path)
    if dst_path.exists():
        raise LogError(f"{dst_path}: already exists; recovery writes a new file and overwrites nothing")
    src = _open_source(src_path)
    stats = Recovery()
    try:
        with open_log(dst_path) as new_log:
            dst = new_log._conn  # one transaction for the whole copy, keys checked at the end
            dst.execute("PRAGMA foreign_keys = OFF")
            dst.execute("BEGIN IMMEDIATE")
            try:
                dst.execute("DELETE FROM log_facts")
                for table in _TABLES:
                    cols = [c for c in _columns(dst, "main", table) if c in set(_columns(src, "main", table))]
                    if not cols:
                        continue
                    rows = _rows(src, table, cols, stats)
                    dst.executemany(
                        f"INSERT OR REPLACE INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows
                    )
                    stats.copied[table] = len(rows)
                _drop_orphans(dst, stats)
                dst.execute("COMMIT")
            except BaseException:
                dst.execute("ROLLBACK")
                raise
            dst.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        dst_path.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(f"{dst_path}{suffix}").unlink(missing_ok=True)
        raise
    finally:
        src.close()
    return stats


def _drop_orphans(dst: sqlite3.Connection, stats: Recovery) -> None:
    # Repeat: removing a set orphans its reps in turn.
    while True:
        bad = dst.execute("PRAGMA foreign_key_check").fetchall()
        if not bad:
            return
        for table, rowid, _parent, _fk in bad:
            dst.execute(f"DELETE FROM {table} WHERE rowid = ?", (rowid,))
            stats.orphaned[table] = stats.orphaned.get(table, 0) + 1
            stats.copied[table] -= 1
