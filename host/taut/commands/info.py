"""`taut info`: what a band says about itself: device information, battery, status, settings."""

from __future__ import annotations

import argparse

from taut.commands._band_args import add_band_arguments, band_backend, run_async
from taut.text import printable


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_band_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from taut import ble, protocol

    async def main():
        async with band_backend(args) as link:
            device = await ble.find_band(args.device, timeout_s=args.scan_timeout, backend=link.backend)
            client = ble.BandClient(device, backend=link.backend)
            await client.connect()
            try:
                return await client.read_info(), await client.read_status(), await client.get_settings()
            finally:
                await client.disconnect()

    info, status, settings = run_async(main, args)
    battery = "unknown" if info.battery_pct is None else f"{info.battery_pct} %"
    rows = [
        ("name", info.name),
        ("address", info.address),
        ("manufacturer", info.manufacturer),
        ("model", info.model),
        ("firmware", info.firmware_revision),
        ("battery", battery + (" (low)" if status.low_battery else "")),
        ("MTU", info.mtu),
        ("rate", f"{settings.rate_hz} samples/s"),
        ("calibrated", "yes" if settings.calibrated else "no (factory scale, approximate)"),
        ("scale", f"{settings.counts_per_n:.2f} counts/N, zero at {settings.offset_raw} counts"),
        ("capacity", f"{settings.capacity_n:.0f} N, overload at {settings.overload_permille / 10:.0f} %"),
        ("mode", settings.mode + (" (Tindeq Progressor-compatible)" if settings.mode == "progressor" else "")),
        ("status", ", ".join(f.name.lower() for f in protocol.StatusFlags if f in status.flags and f.name) or "idle"),
    ]
    for key, value in rows:
        print(f"{key:<13} {printable(value)}")
    return 0
