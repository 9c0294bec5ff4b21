"""Files written whole or not at all: a temporary file beside the target, renamed into place.

Every file the host writes (recordings, exports, PNGs) goes through here, so a full disk, a
crash or a failed connection never leaves a cut file or destroys the file that was there.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

# errnos that mean "no room" (a full disk, a quota, a file size limit).
NO_ROOM_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def describe_os_error(exc: OSError) -> str:
    """One plain phrase for a failed write, naming a full disk as such."""
    if exc.errno in NO_ROOM_ERRNOS:
        return "no room to write (the disk or a size limit is full)"
    return exc.strerror or str(exc)


def _mode_for(target: Path) -> int:
    # mkstemp makes 0600 files: give the new file the old one's mode, else the usual umask's.
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


class AtomicFile:
    """A temporary file in the target's folder; `commit()` renames it over the target.

    Until commit the target is untouched; `abort()` removes the temporary file, and `keep_as()`
    keeps what was written under another name (so a half-finished recording is not lost).
    """

    def __init__(self, target: str | os.PathLike[str], *, binary: bool = False) -> None:
        self.target = Path(target)
        if self.target.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a folder", str(self.target))
        fd, tmp = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".partial", dir=self.target.parent or ".")
        self.temp_path = Path(tmp)
        os.chmod(fd, _mode_for(self.target))
        mode = "wb" if binary else "w"
        kwargs = {} if binary else {"newline": "", "encoding": "utf-8"}
        self.file: IO = os.fdopen(fd, mode, **kwargs)
        self._done = False

    def _finish_file(self) -> None:
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()

    def commit(self) -> None:
        """Flush to disk and rename into place (atomic on POSIX); on failure the target is as it was."""
        if self._done:
            return
        try:
            self._finish_file()
            os.replace(self.temp_path, self.target)
        except BaseException:
            self.abort()
            raise
        self._done = True

    def keep_as(self, path: str | os.PathLike[str]) -> Path:
        """Keep what was written under `path` instead of the target (best effort flush)."""
        try:
            self._finish_file()
        except OSError:
            if not self.file.closed:
                try:
                    self.file.close()
                except OSError:
                    pass
        os.replace(self.temp_path, path)
        self._done = True
        return Path(path)

    def abort(self) -> None:
        """Drop the temporary file; the target stays as it was."""
        if self._done:
            return
        self._done = True
        try:
            self.file.close()
        except OSError:
            pass
        try:
            self.temp_path.unlink()
        except FileNotFoundError:
            pass


@contextmanager
def atomic_write(target: str | os.PathLike[str], *, binary: bool = False) -> Iterator[IO]:
    """`with atomic_write(path) as f:` writes f to path only if the block completes."""
    af = AtomicFile(target, binary=binary)
    try:
        yield af.file
    except BaseException:
        af.abort()
        raise
    af.commit()


@contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path beside `target` for writers that take a file name (Qt's image save);
    renamed over the target when the block completes, removed when it fails."""
    af = AtomicFile(target, binary=True)
    af.file.close()
    try:
        yield af.temp_path
        os.replace(af.temp_path, af.target)
        af._done = True
    finally:
        af.abort()
