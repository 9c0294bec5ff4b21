"""`taut unpair`: this computer forgets its bond with a band (the band forgets it on a factory reset)."""

from __future__ import annotations

import argparse

from taut.commands._band_args import add_band_arguments, band_backend, run_async
from taut.text import printable


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_band_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from taut import ble

    async def main() -> str:
        async with band_backend(args) as link:
            device = await ble.find_band(args.device, timeout_s=args.scan_timeout, backend=link.backend)
            client = ble.BandClient(device, backend=link.backend)
            await client.unpair()
            return device.name or device.address

    name = run_async(main, args)
    print(f"unpaired from {printable(name)}: pair again with `taut pair` to control it")
    return 0
