"""Where the workout log lives: an explicit path, else $TAUT_DB, else the user data directory."""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "TAUT_DB"
FILE_NAME = "taut.sqlite3"


def default_log_path() -> Path:
    """$TAUT_DB if set, else `<user data dir>/taut/taut.sqlite3` (platformdirs)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("taut", appauthor=False)) / FILE_NAME


def resolve_log_path(path: str | os.PathLike[str] | None) -> Path:
    """The path given, or the default one."""
    return Path(path).expanduser() if path is not None else default_log_path()
