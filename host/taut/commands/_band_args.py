"""Arguments and set-up shared by the commands that talk to a band (scan, info, tare, stream)."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from taut.commands import CommandError

T = TypeVar("T")


def add_band_arguments(parser: argparse.ArgumentParser, *, target: bool = True) -> None:
    if target:
        parser.add_argument("target", nargs="?", help="band name or address (default: the first Taut band found)")
    parser.add_argument(
        "--virtual",
        metavar="EXERCISE",
        help="use the built-in virtual band with a person doing EXERCISE (or set TAUT_VIRTUAL)",
    )
    parser.add_argument("--seed", type=int, default=0, help="virtual band: random seed (default 0)")
    add_runtime_argument(parser)
    parser.add_argument("--scan-timeout", type=float, default=5.0, metavar="S", help="seconds to scan (default 5)")
    parser.add_argument(
        "--fast", action="store_true", help="virtual band only: run faster than real time (simulated clock)"
    )
    parser.add_argument(
        "--progressor", action="store_true",
        help="virtual band only: boot it in Progressor-compatible mode (docs/protocol.md)",
    )  # fmt: skip


def add_runtime_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--runtime", choices=("cpython", "micropython"), default=None,
        help="virtual band: run the firmware on the CPython twin (default, fast) or on the real MicroPython "
        "with its NimBLE stack (real time only; or set TAUT_RUNTIME)",
    )  # fmt: skip


def virtual_runtime(args: argparse.Namespace) -> str:
    """`cpython` or `micropython`: --runtime, else TAUT_RUNTIME, else cpython."""
    from taut.ble.backend import runtime_from_env

    if getattr(args, "runtime", None):
        return str(args.runtime)
    try:
        return runtime_from_env() or "cpython"
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def check_runtime(args: argparse.Namespace) -> None:
    """The real MicroPython runs at wall-clock speed: no simulated clock for it."""
    if getattr(args, "fast", False) and virtual_runtime(args) == "micropython":
        raise CommandError("--fast runs on a simulated clock, which the micropython runtime cannot: drop --fast "
                           "(it runs in real time) or use --runtime cpython")  # fmt: skip


def check_band_arguments(args: argparse.Namespace) -> None:
    """Rejects argument combinations that cannot work, before anything is opened."""
    if getattr(args, "fast", False) and virtual_exercise(args) is None:
        raise CommandError("--fast needs the virtual band (--virtual EXERCISE)")
    if getattr(args, "progressor", False) and virtual_exercise(args) is None:
        raise CommandError("--progressor needs the virtual band (--virtual EXERCISE); a real band changes mode "
                           "with `taut firmware mode progressor`")  # fmt: skip
    check_runtime(args)
    if args.scan_timeout <= 0:
        raise CommandError("--scan-timeout must be positive")


def virtual_exercise(args: argparse.Namespace) -> str | None:
    from taut.ble.backend import virtual_exercise_from_env

    return args.virtual or virtual_exercise_from_env()


@asynccontextmanager
async def band_backend(args: argparse.Namespace, *, pair_host: bool = True) -> AsyncIterator[Any]:
    """The bleak backend to use; with --virtual, a virtual band runs meanwhile on the same loop
    (bonded with this host at power-on, as a user pairs a new band, unless `pair_host` is False)."""
    from taut import ble

    exercise = virtual_exercise(args)
    if exercise is None:
        yield ble.PLATFORM
        return
    runtime = virtual_runtime(args)
    try:
        from taut.twin.launch import virtual_band

        if runtime == "micropython":
            from taut.mpstack.launch import micropython_band as virtual_band  # noqa: F811
    except ImportError as exc:
        raise CommandError(f"the virtual band needs Bumble ({exc.name}): pip install 'taut[virtual]'") from None
    from taut.mpstack.band import BandError
    from taut.mpstack.build import BuildError

    try:
        mode = "progressor" if getattr(args, "progressor", False) else "taut"
        async with virtual_band(exercise, seed=args.seed, mode=mode, pair_host=pair_host):
            yield ble.virtual()
    except (ValueError, BuildError, BandError) as exc:
        raise CommandError(str(exc)) from None


def run_async(main: Callable[[], Awaitable[T]], args: argparse.Namespace) -> T:
    """Runs `main()` (on the simulated clock with --fast); library errors become CommandErrors."""
    from taut.ble.errors import BleError
    from taut.protocol import CommandFailed, ProtocolError

    check_band_arguments(args)
    fast = bool(getattr(args, "fast", False))

    async def guarded() -> T:
        try:
            return await main()
        except (BleError, CommandFailed, ProtocolError) as exc:
            raise CommandError(str(exc)) from None

    if fast:
        from taut.twin.virtual_time import run

        return run(guarded())
    return asyncio.run(guarded())
