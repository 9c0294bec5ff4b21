"""Builds (once) and locates the real MicroPython: the unix port with its NimBLE `bluetooth` module.

Source, in order: `../shared/vendor/micropython-1.27.0-nimble-src.tar.gz` beside the repository
(sha256-checked), else the pinned upstream source by git (tag v1.27.0, `lib/mynewt-nimble` at the
commit that tag pins) when the machine is online, else a `BuildError` saying what is missing.
The binary and MicroPython's own `asyncio` package land in a gitignored cache folder, stamped with
the recipe so a rebuild happens only when the recipe changes. `python -m taut.mpstack.build`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

VERSION = "1.27.0"
GIT_URL = "https://github.com/micropython/micropython.git"
GIT_TAG = "v1.27.0"
NIMBLE_COMMIT = "42849560ba7906f023f61e5f7ff3709ba2c1dfca"
TARBALL_NAME = f"micropython-{VERSION}-nimble-src.tar.gz"
TARBALL_SHA256 = "4c26b2ba1994e2fb31eeca6a9e0cf05c893b56f7bf5c61398bf1c98333f2e4be"
MAKE_ARGS = (
    "VARIANT=standard",
    "BUILD=build-nimble",
    "MICROPY_PY_BLUETOOTH=1",
    "MICROPY_BLUETOOTH_NIMBLE=1",
    # Off only because their submodules are not in the vendored archive.
    "MICROPY_PY_SSL=0",
    "MICROPY_PY_BTREE=0",
    # Nothing frozen: asyncio comes from extmod/asyncio on the path instead.
    "FROZEN_MANIFEST=",
)
REPO_ROOT = Path(__file__).resolve().parents[3]
BINARY_ENV = "TAUT_MICROPYTHON"  # a ready binary (its folder must hold asyncio/ too)
CACHE_ENV = "TAUT_MICROPYTHON_CACHE"
VENDOR_ENV = "TAUT_MICROPYTHON_VENDOR"  # folder holding the tarball (default ../shared/vendor)
GIT_URL_ENV = "TAUT_MICROPYTHON_GIT"
_BUILD_TIMEOUT_S = 900
_GIT_TIMEOUT_S = 300


class BuildError(RuntimeError):
    """The real-stack MicroPython cannot be had: the message says what is missing."""


@dataclass(frozen=True)
class Runtime:
    """A built MicroPython and the folder holding MicroPython's `asyncio` package."""

    binary: Path
    lib_dir: Path  # contains asyncio/


def recipe_stamp() -> str:
    """What the build depends on; a different stamp means a rebuild."""
    recipe = {"version": VERSION, "tag": GIT_TAG, "nimble": NIMBLE_COMMIT, "sha256": TARBALL_SHA256, "make": MAKE_ARGS}
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]


def _in_checkout() -> bool:
    return (REPO_ROOT / "pyproject.toml").is_file() and (REPO_ROOT / "firmware").is_dir()


def cache_dir() -> Path:
    """`.cache/micropython-nimble/` in the checkout (or $TAUT_MICROPYTHON_CACHE; installed from a
    wheel: the user's cache folder)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    if _in_checkout():
        return REPO_ROOT / ".cache" / "micropython-nimble"
    import platformdirs

    return Path(platformdirs.user_cache_dir("taut", appauthor=False)) / "micropython-nimble"


def vendor_tarball() -> Path:
    env = os.environ.get(VENDOR_ENV)
    folder = Path(env) if env else REPO_ROOT.parent / "shared" / "vendor"
    return folder / TARBALL_NAME


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cached() -> Runtime | None:
    """The cached build if it exists and matches the current recipe, else None."""
    env = os.environ.get(BINARY_ENV)
    if env:
        binary = Path(env)
        return Runtime(binary, binary.parent) if binary.is_file() else None
    cache = cache_dir()
    stamp = cache / "stamp"
    binary = cache / "micropython"
    if binary.is_file() and (cache / "asyncio" / "core.py").is_file() and stamp.is_file():
        if stamp.read_text().strip() == recipe_stamp():
            return Runtime(binary, cache)
    return None


def ensure_built() -> Runtime:
    """The cached runtime, building it first if needed; `BuildError` says what is missing."""
    runtime = cached()
    if runtime is not None:
        return runtime
    if os.environ.get(BINARY_ENV):
        raise BuildError(f"${BINARY_ENV} names {os.environ[BINARY_ENV]}, which is not a file")
    _check_tools()
    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mp-src-", dir=cache) as tmp:
        src = _get_source(Path(tmp))
        _compile(src)
        _install(src, cache)
    runtime = cached()
    if runtime is None:  # pragma: no cover - _install writes exactly what cached() checks
        raise BuildError(f"the build finished but {cache} holds no usable binary")
    return runtime


def _check_tools() -> None:
    missing = [tool for tool in ("gcc", "make", "pkg-config") if shutil.which(tool) is None]
    if missing:
        raise BuildError(f"building MicroPython needs {', '.join(missing)} (and libffi-dev): install them")


def _get_source(tmp: Path) -> Path:
    tarball = vendor_tarball()
    if tarball.is_file():
        digest = _sha256(tarball)
        if digest != TARBALL_SHA256:
            raise BuildError(f"{tarball} has sha256 {digest}, expected {TARBALL_SHA256}: refusing to build from it")
        log.info("building MicroPython %s from %s", VERSION, tarball)
        with tarfile.open(tarball) as tar:
            tar.extractall(tmp, filter="data")
        return tmp / f"micropython-{VERSION}"
    return _git_source(tmp, tarball)


def _git_source(tmp: Path, tarball: Path) -> Path:
    """The pinned upstream source by git; on failure a plain message naming both sources."""
    url = os.environ.get(GIT_URL_ENV, GIT_URL)
    src = tmp / "micropython"
    steps = [
        ["git", "clone", "--quiet", "--depth", "1", "--branch", GIT_TAG, url, str(src)],
        ["git", "-C", str(src), "submodule", "update", "--init", "--quiet", "lib/mynewt-nimble"],
    ]
    for cmd in steps:
        try:
            subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=_GIT_TIMEOUT_S)
        except (OSError, subprocess.SubprocessError) as exc:
            detail = getattr(exc, "stderr", None) or str(exc)
            raise BuildError(
                "cannot get the MicroPython source for the real-stack runtime: neither the vendored archive "
                f"{tarball} (sha256 {TARBALL_SHA256}) is there, nor could git fetch {url} tag {GIT_TAG} "
                f"with lib/mynewt-nimble at {NIMBLE_COMMIT} (offline?). Put the archive there, or go online. "
                f"git said: {detail.strip().splitlines()[-1] if detail.strip() else 'nothing'}"
            ) from None
    head = subprocess.run(["git", "-C", str(src / "lib" / "mynewt-nimble"), "rev-parse", "HEAD"],
                          capture_output=True, text=True, check=False).stdout.strip()  # fmt: skip
    if head != NIMBLE_COMMIT:
        raise BuildError(f"{url} {GIT_TAG} pins lib/mynewt-nimble at {head or 'nothing'}, expected {NIMBLE_COMMIT}")
    return src


def _compile(src: Path) -> None:
    port = src / "ports" / "unix"
    cmd = ["make", f"-j{min(2, os.cpu_count() or 1)}", *MAKE_ARGS]
    log.info("make in %s: %s", port, " ".join(cmd))
    result = subprocess.run(cmd, cwd=port, capture_output=True, text=True, timeout=_BUILD_TIMEOUT_S, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-20:])
        raise BuildError(f"building MicroPython failed (make exit {result.returncode}):\n{tail}")


def _install(src: Path, cache: Path) -> None:
    binary = src / "ports" / "unix" / "build-nimble" / "micropython"
    if not binary.is_file():
        raise BuildError(f"make succeeded but produced no {binary}")
    (cache / "stamp").unlink(missing_ok=True)
    shutil.copy2(binary, cache / "micropython.tmp")
    os.replace(cache / "micropython.tmp", cache / "micropython")
    shutil.rmtree(cache / "asyncio", ignore_errors=True)
    shutil.copytree(src / "extmod" / "asyncio", cache / "asyncio", ignore=shutil.ignore_patterns("manifest.py"))
    (cache / "stamp").write_text(recipe_stamp() + "\n")


def main(argv: list[str] | None = None) -> int:
    """`python -m taut.mpstack.build`: build if needed, print the binary's path."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        runtime = ensure_built()
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(runtime.binary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
