"""`taut firmware deploy`: copy the band's firmware to an ESP32 over USB with mpremote."""

from __future__ import annotations

import argparse
from pathlib import Path

def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    dep = sub.add_parser("deploy", help="reset the board, copy the firmware files, hard-reset it",
                         description="Hard-reset the board, copy firmware/*.py to it (optionally as .mpy) before its "
                         "watchdog starts, and hard-reset it again so main.py runs.")
    dep.add_argument("--port", help="serial port, e.g. /dev/ttyUSB0 or COM3 (default: first board found)")
    dep.add_argument("--compile", action="store_true",
                     help="precompile with mpy-cross -march=xtensawin (smaller, faster to import)")
    dep.add_argument("--source", type=Path, default=None, help="firmware folder (default: the one in this checkout)")


def run(args: argparse.Namespace) -> int:
    from taut.commands import CommandError
    from taut.deploy import FIRMWARE_DIR, DeployError, deploy

    try:
        result = deploy(port=args.port, compile=args.compile, source_dir=args.source or FIRMWARE_DIR)
    except DeployError as exc:
        raise CommandError(str(exc)) from exc
    print(f"deployed {len(result.files)} files to {args.port or 'the board'}: {' '.join(result.files)}")
    return 0
