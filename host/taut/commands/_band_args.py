"""How every command that talks to a band takes it: the arguments, the band backend and the loop.

One grammar for scan, info, tare, stream, pair, unpair, live, calibrate and `firmware mode`: the
band sensor is the optional positional DEVICE (a name or address; default the first Taut band
found), and `--virtual EXERCISE` (or TAUT_VIRTUAL) swaps the real band for the built-in virtual
one. `band_backend` is the one place a command gets its Bluetooth backend (booting the virtual
band when asked), and `run_async` the one place it runs its loop (simulated with --fast).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, NamedTuple, TypeVar

from taut.commands import CommandError

T = TypeVar("T")

DEVICE_HELP = "the band sensor's name or address (default: the first Taut band found)"


def add_band_arguments(parser: argparse.ArgumentParser, *, device: bool = True, virtual_optional: bool = False,
                       virtual_help: str | None = None, runtime: bool = True) -> None:
    """DEVICE, --virtual, --seed, --runtime, --scan-timeout, --fast and --progressor.

    `virtual_optional`: --virtual may come without its EXERCISE, for a command whose virtual person
    does something else (calibrate's follows the prompts); `runtime` False: its virtual band runs
    on the CPython twin only."""
    if device:
        parser.add_argument("device", nargs="?", metavar="DEVICE", help=DEVICE_HELP)
    optional: dict[str, Any] = {"nargs": "?", "const": ""} if virtual_optional else {}
    parser.add_argument(
        "--virtual", metavar="EXERCISE", **optional,
        help=virtual_help or "use the built-in virtual band with a person doing EXERCISE (or set TAUT_VIRTUAL)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="virtual band: random seed (default 0)")
    if runtime:
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


class DeprecatedOption(argparse.Action):
    """An old spelling kept for one release: stores into the new option's place, with a note on stderr."""

    def __init__(self, option_strings: list[str], dest: str, *, new: str, **kwargs: Any) -> None:
        kwargs.setdefault("help", argparse.SUPPRESS)
        super().__init__(option_strings, dest, **kwargs)
        self.new = new

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        deprecated(parser.prog, option_string or "/".join(self.option_strings), self.new)
        setattr(namespace, self.dest, values)


def deprecated(prog: str, old: str, new: str) -> None:
    """The one-line note an old spelling gets (it keeps working for one release)."""
    print(f"{prog}: note: {old} is deprecated and goes in the next release; use {new}", file=sys.stderr)


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
    device = getattr(args, "device", None)
    if device is not None:
        from taut.exercises import EXERCISE_IDS

        if device in EXERCISE_IDS:
            raise CommandError(f"DEVICE names the band sensor, and {device!r} is an exercise: "
                               f"--virtual {device} uses the virtual band")
    check_runtime(args)
    if getattr(args, "scan_timeout", 1.0) <= 0:
        raise CommandError("--scan-timeout must be positive")


def virtual_exercise(args: argparse.Namespace) -> str | None:
    """The virtual band's exercise: --virtual, else TAUT_VIRTUAL, else None (a real band)."""
    from taut.ble.backend import virtual_exercise_from_env

    given = getattr(args, "virtual", None)
    return given if given is not None else virtual_exercise_from_env()


class BandLink(NamedTuple):
    """What a command talks to a band through: the Bluetooth backend, and the virtual band when there is one."""

    backend: Any  # taut.ble.Backend
    virtual: Any = None  # the running taut.twin.band.VirtualBand (CPython twin only), else None


def backend_for(args: argparse.Namespace) -> Any:
    """The Bluetooth backend: the platform's, or the in-process radio of the virtual band."""
    from taut import ble

    return ble.PLATFORM if virtual_exercise(args) is None else ble.virtual()


def virtual_band_for(args: argparse.Namespace, *, pair_host: bool = True,
                     load: Callable[[float], float] | None = None) -> Callable[[], AbstractAsyncContextManager[Any]] | None:
    """The context that runs the virtual band on the command's loop (None for a real band).

    Bonded with this host at power-on, as a user pairs a new band, unless `pair_host` is False.
    `load` (tension over time) replaces the person doing the exercise, e.g. calibration's rehearsal.
    """
    exercise = virtual_exercise(args)
    if exercise is None:
        return None
    if load is None:
        from taut.exercises import UnknownExerciseError, get_exercise

        try:
            get_exercise(exercise)
        except UnknownExerciseError as exc:
            raise CommandError(str(exc)) from None
    runtime = virtual_runtime(args)
    if load is not None and runtime == "micropython":
        raise CommandError("this command's virtual band runs on the CPython twin only (TAUT_RUNTIME=micropython)")
    try:
        from taut.twin.launch import virtual_band

        if runtime == "micropython":
            from taut.mpstack.launch import micropython_band as virtual_band  # noqa: F811
    except ImportError as exc:
        raise CommandError(f"the virtual band needs Bumble ({exc.name}): pip install 'taut[virtual]'") from None
    mode = "progressor" if getattr(args, "progressor", False) else "taut"
    extra: dict[str, Any] = {} if load is None else {"load": load}  # the MicroPython band takes no load
    return lambda: virtual_band(exercise, seed=args.seed, mode=mode, pair_host=pair_host, **extra)


def virtual_band_errors(args: argparse.Namespace) -> tuple[type[BaseException], ...]:
    """What running this command's virtual band can fail with, to be shown as one line."""
    if virtual_exercise(args) is None:
        return ()
    from taut.mpstack.band import BandError
    from taut.mpstack.build import BuildError

    return (BuildError, BandError)


@asynccontextmanager
async def band_backend(args: argparse.Namespace, *, pair_host: bool = True,
                       load: Callable[[float], float] | None = None) -> AsyncIterator[BandLink]:
    """The band link to use; with --virtual, a virtual band runs meanwhile on the same loop."""
    around = virtual_band_for(args, pair_host=pair_host, load=load)
    if around is None:
        yield BandLink(backend_for(args))
        return
    failures = (ValueError, *virtual_band_errors(args))  # ValueError: a setting the virtual band refuses
    try:
        async with around() as band:
            from taut.twin.band import VirtualBand

            yield BandLink(backend_for(args), band if isinstance(band, VirtualBand) else None)
    except failures as exc:
        raise CommandError(str(exc)) from None


def runner_for(args: argparse.Namespace, *, simulated: bool | None = None) -> Callable[[Coroutine[Any, Any, T]], T]:
    """What runs the command's loop: asyncio's, or the simulated clock (--fast, or `simulated`)."""
    if simulated if simulated is not None else bool(getattr(args, "fast", False)):
        from taut.twin.virtual_time import run

        return run
    return asyncio.run


def run_async(main: Callable[[], Awaitable[T]], args: argparse.Namespace, *, simulated: bool | None = None) -> T:
    """Runs `main()` (on the simulated clock with --fast); library errors become CommandErrors."""
    from taut.ble.errors import BleError
    from taut.protocol import CommandFailed, ProtocolError

    check_band_arguments(args)

    async def guarded() -> T:
        try:
            return await main()
        except (BleError, CommandFailed, ProtocolError) as exc:
            raise CommandError(str(exc)) from None

    return runner_for(args, simulated=simulated)(guarded())
