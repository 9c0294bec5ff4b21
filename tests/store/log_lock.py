"""Another process holding a workout log's write lock, for the tests and benchmarks that need the log busy."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

# argv: the log's path, then "now" or "after-session" (wait until a session is opened, then lock).
_SCRIPT = textwrap.dedent(
    """
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    while sys.argv[2] == "after-session":
        try:
            if conn.execute("SELECT count(*) FROM sessions").fetchone()[0]:
                break
        except sqlite3.Error:
            pass
        time.sleep(0.005)
    conn.execute("BEGIN EXCLUSIVE")
    print("locked", flush=True)
    sys.stdin.readline()
    conn.execute("ROLLBACK")
    """
)


class LogLock:
    """A process that takes the log's exclusive lock (at once, or once a session is opened in it, as
    `taut live` does mid-run) and keeps it until `release()`."""

    def __init__(self, path: str | Path, *, after_session: bool = False) -> None:
        when = "after-session" if after_session else "now"
        self._proc: subprocess.Popen[str] | None = subprocess.Popen(
            [sys.executable, "-c", _SCRIPT, str(path), when], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def wait_locked(self) -> None:
        """Returns once the lock is held."""
        assert self._proc is not None and self._proc.stdout is not None
        assert self._proc.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self._proc is not None:
            self._proc.communicate("go\n", timeout=10)
            self._proc = None
