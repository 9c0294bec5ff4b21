"""`taut scan`: list the Taut bands in range."""

from __future__ import annotations

import argparse

from taut.commands._band_args import add_band_arguments, band_backend, run_async
from taut.text import printable


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_band_arguments(parser, device=False)


def run(args: argparse.Namespace) -> int:
    from taut import ble

    async def main() -> list:
        async with band_backend(args) as link:
            return await ble.scan(args.scan_timeout, backend=link.backend)

    found = run_async(main, args)
    if not found:
        print("no Taut band found")
        return 1
    print(f"{'name':<30} {'address':<40} {'rssi':<8} mode")
    for advert in found:
        print(f"{printable(advert.name):<30} {printable(advert.address):<40} {f'{advert.rssi_dbm} dBm':<8} {advert.mode}")
    return 0
