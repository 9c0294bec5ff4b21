"""`taut pair`: bond this computer with a band, so it may use the band's control point."""

from __future__ import annotations

import argparse

from taut.commands._band_args import add_band_arguments, band_backend, run_async
from taut.text import printable


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_band_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from taut import ble

    async def main() -> str:
        async with band_backend(args, pair_host=False) as link:
            device = await ble.find_band(args.device, timeout_s=args.scan_timeout, backend=link.backend)
            client = ble.BandClient(device, backend=link.backend)
            await client.connect()
            try:
                await client.pair()
            finally:
                await client.disconnect()
            return device.name or device.address

    name = run_async(main, args)
    print(f"paired with {printable(name)}: this computer may now tare, calibrate and configure it")
    return 0
