"""`taut tare`: zero the band while it hangs still."""

from __future__ import annotations

import argparse

from taut.commands._band_args import add_band_arguments, band_backend, run_async


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_band_arguments(parser)
    parser.add_argument("--samples", type=int, default=0, help="samples to average, 4..255 (default: the band's, 32)")


def run(args: argparse.Namespace) -> int:
    from taut import ble, protocol
    from taut.commands import CommandError

    if not (args.samples == 0 or 4 <= args.samples <= 255):
        raise CommandError("--samples must be 4..255")

    async def main() -> int:
        async with band_backend(args) as link:
            device = await ble.find_band(args.device, timeout_s=args.scan_timeout, backend=link.backend)
            client = ble.BandClient(device, backend=link.backend)
            await client.connect()
            try:
                return await client.tare(args.samples)
            except protocol.BandMoving:
                raise CommandError("the band moved during the tare: let it hang still and try again") from None
            finally:
                await client.disconnect()

    offset = run_async(main, args)
    print(f"tared: zero is now {offset} counts")
    return 0
