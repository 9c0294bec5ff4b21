"""Fixtures for every test: the host's BLE bonds go to a temporary key store, never the user's."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _ble_key_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path_factory.mktemp("ble-keys") / "ble-keys.json"
    monkeypatch.setenv("TAUT_BLE_KEYS", str(path))
    return path
