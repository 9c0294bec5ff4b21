"""`taut firmware deploy`: copy the band's firmware to an ESP32 over USB with mpremote."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    dep = sub.add_parser("deploy", help="reset the board, copy the firmware files, hard-reset it",
                         description="Hard-reset the board, copy the firmware's modules (manifest.py) to it (optionally as .mpy) before its "
                         "watchdog starts, and hard-reset it again so main.py runs.")
    dep.add_argument("--port", help="serial port, e.g. /dev/ttyUSB0 or COM3 (default: first board found)")
    dep.add_argument("--compile", action="store_true",
                     help="precompile with mpy-cross -march=xtensawin (smaller, faster to import)")
    dep.add_argument("--source", type=Path, default=None,
                     help="firmware folder with a manifest.py (default: the firmware installed with taut)")
    dep.add_argument("--dry-run", action="store_true", help="show the files and mpremote commands, touch no board")


def run(args: argparse.Namespace) -> int:
    from taut.commands import CommandError
    import shlex

    from taut.deploy import DeployError, deploy

    try:
        result = deploy(port=args.port, compile=args.compile, source_dir=args.source, dry_run=args.dry_run)
    except DeployError as exc:
        raise CommandError(str(exc)) from exc
    if args.dry_run:
        print(f"would deploy {len(result.files)} files to {args.port or 'the first board found'}: {' '.join(result.files)}")
        print(shlex.join(result.reset_argv))
        print(shlex.join(result.argv))
        return 0
    print(f"deployed {len(result.files)} files to {args.port or 'the board'}: {' '.join(result.files)}")
    return 0
