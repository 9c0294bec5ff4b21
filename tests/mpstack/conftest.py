"""The real MicroPython (unix port, NimBLE) for these tests: built by `make micropython`, or here
when missing. Never skipped: no binary is a failure that says what is missing."""

from __future__ import annotations

import pytest

from taut.mpstack import build


@pytest.fixture(scope="session")
def runtime() -> build.Runtime:
    try:
        return build.ensure_built()
    except build.BuildError as exc:
        pytest.fail(f"the real-stack tests need MicroPython with NimBLE: {exc}", pytrace=False)
