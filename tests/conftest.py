"""Fixtures for every test: the host's BLE bonds go to a temporary key store, never the user's; the
real MicroPython for the tests that run on it; a file's digest for tests that check nothing was written."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _ble_key_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path_factory.mktemp("ble-keys") / "ble-keys.json"
    monkeypatch.setenv("TAUT_BLE_KEYS", str(path))
    return path


@pytest.fixture(scope="session")
def runtime():
    """The real MicroPython (unix port, NimBLE): built by `make micropython`, or here when missing. Never
    skipped: no binary is a failure that says what is missing."""
    from taut.mpstack import build

    try:
        return build.ensure_built()
    except build.BuildError as exc:
        pytest.fail(f"the real-stack tests need MicroPython with NimBLE: {exc}", pytrace=False)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def file_digest():
    return digest
