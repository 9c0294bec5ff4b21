"""`taut firmware deploy`: copy the band's firmware to an ESP32 over USB with mpremote.
`taut firmware mode taut|progressor`: the protocol a band speaks (docs/protocol.md)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from taut.commands._band_args import add_band_arguments

    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    dep = sub.add_parser("deploy", help="reset the board, copy the firmware files, hard-reset it",
                         description="Hard-reset the board, copy the firmware's modules (manifest.py) to it "
                         "(optionally as .mpy) before its "
                         "watchdog starts, and hard-reset it again so main.py runs.")
    dep.add_argument("--port", help="serial port, e.g. /dev/ttyUSB0 or COM3 (default: first board found)")
    dep.add_argument("--compile", action="store_true",
                     help="precompile with mpy-cross -march=xtensawin (smaller, faster to import)")
    dep.add_argument("--source", type=Path, default=None,
                     help="firmware folder with a manifest.py (default: the firmware installed with taut)")
    dep.add_argument("--dry-run", action="store_true", help="show the files and mpremote commands, touch no board")

    mode = sub.add_parser("mode", help="switch a band between Taut and Tindeq Progressor-compatible mode",
                          description="Saves the protocol the band speaks and restarts it into it. In Progressor "
                          "mode it advertises as 'Progressor_NAME' for the apps and libraries that speak Progressor, "
                          "and keeps its Taut service, so this command switches it back.")
    mode.add_argument("mode", choices=("taut", "progressor"))
    add_band_arguments(mode)


def run(args: argparse.Namespace) -> int:
    if args.action == "mode":
        return _run_mode(args)
    import shlex

    from taut.commands import CommandError
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


def _run_mode(args: argparse.Namespace) -> int:
    import asyncio

    from taut import ble
    from taut.commands._band_args import band_backend, run_async

    async def main() -> tuple[str, str, str | None]:
        async with band_backend(args) as link:
            device = await ble.find_band(args.device, timeout_s=args.scan_timeout, backend=link.backend)
            client = ble.BandClient(device, backend=link.backend)
            await client.connect()
            try:
                before = (await client.get_settings()).mode
                await client.set_mode(args.mode)
            finally:
                await client.disconnect()
            if before == args.mode:
                return device.address, before, before
            # The band restarts into the new mode: wait until it advertises in it.
            deadline = asyncio.get_running_loop().time() + args.scan_timeout + 5.0
            while asyncio.get_running_loop().time() < deadline:
                for advert in await ble.scan(1.0, backend=link.backend):
                    if advert.address == device.address and advert.mode == args.mode:
                        return device.address, before, advert.mode
            return device.address, before, None

    address, before, after = run_async(main, args)
    if after is None:
        print(f"{address}: mode {args.mode} saved; the band did not come back in it yet (it restarts)")
        return 1
    if before == after:
        print(f"{address}: already in {after} mode")
    else:
        print(f"{address}: {before} mode -> {after} mode")
    return 0
