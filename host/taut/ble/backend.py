"""Which Bluetooth stack the client talks through: the platform's (a real band) or the virtual radio.

The code above this line is the same for both; only the bleak backend classes differ.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

VIRTUAL_ENV = "TAUT_VIRTUAL"
RUNTIME_ENV = "TAUT_RUNTIME"
RUNTIMES = ("cpython", "micropython")


@dataclass(frozen=True)
class Backend:
    """bleak backend classes (None: bleak's platform default) and extra BleakClient arguments."""

    name: str
    scanner: Any = None  # a BaseBleakScanner subclass, None: the platform's
    client: Any = None  # a BaseBleakClient subclass, None: the platform's
    client_kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def virtual(self) -> bool:
        return self.name == "virtual"


PLATFORM = Backend("platform")


def virtual(**client_kwargs: Any) -> Backend:
    """The in-process Bumble radio (`exchange_mtu=False` keeps the 23-byte MTU)."""
    from taut.bumble_backend import BumbleClient, BumbleScanner

    return Backend("virtual", BumbleScanner, BumbleClient, dict(client_kwargs))


def virtual_exercise_from_env() -> str | None:
    """The exercise named by TAUT_VIRTUAL, if set (e.g. `face-pull`)."""
    value = os.environ.get(VIRTUAL_ENV, "").strip()
    return value or None


def runtime_from_env() -> str | None:
    """The virtual band's runtime named by TAUT_RUNTIME (`cpython` or `micropython`), if set."""
    value = os.environ.get(RUNTIME_ENV, "").strip().lower()
    if value and value not in RUNTIMES:
        raise ValueError(f"{RUNTIME_ENV}={value!r}: expected one of {', '.join(RUNTIMES)}")
    return value or None
