"""Fixtures for the sharing tests (progress, report, FIT export): small logs built by hand."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))  # sharesynth

from sharesynth import fill_log  # noqa: E402


@pytest.fixture
def log_path(tmp_path) -> Path:
    path = tmp_path / "log.db"
    fill_log(path)
    return path
