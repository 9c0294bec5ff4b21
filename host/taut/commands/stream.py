"""`taut stream`: record a band's tension to CSV (`time_s,tension_n`) with a live status line."""

from __future__ import annotations

import argparse
import math
import sys

from taut.atomic import describe_os_error
from taut.commands._band_args import add_band_arguments, band_backend, check_band_arguments, run_async
from taut.text import printable


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_band_arguments(parser)
    parser.add_argument("--seconds", type=float, default=None, metavar="N", help="stop after N seconds (default: Ctrl-C)")
    parser.add_argument("--out", metavar="CSV", help="write the recording here (time_s,tension_n)")
    parser.add_argument("--rate", type=int, choices=(10, 80), help="set the band's sample rate first")
    parser.add_argument("--no-reconnect", action="store_true", help="stop instead of reconnecting after a drop")


class _Progress:
    """One status line on stderr: redrawn in place on a terminal, a line every 5 s otherwise."""

    def __init__(self) -> None:
        self._tty = sys.stderr.isatty()
        self._last_s = -math.inf
        self.state = "connecting"

    def show(self, now_s: float, text: str, *, force: bool = False) -> None:
        every = 0.25 if self._tty else 5.0
        if not force and now_s - self._last_s < every:
            return
        self._last_s = now_s
        if self._tty:
            sys.stderr.write("\r\x1b[K" + text)
        else:
            sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def done(self) -> None:
        if self._tty:
            sys.stderr.write("\n")


def run(args: argparse.Namespace) -> int:
    import asyncio

    from taut import ble
    from taut.commands import CommandError
    from taut.recording import RecordingFailed, StreamRecording, record
    from taut.sources import Connected, Disconnected, Reboot, Reconnecting

    check_band_arguments(args)
    if args.seconds is not None and args.seconds <= 0:
        raise CommandError("--seconds must be positive")
    recording = None
    if args.out:
        try:
            recording = StreamRecording(args.out)
        except OSError as exc:
            raise CommandError(f"cannot write {args.out}: {describe_os_error(exc)}") from None
    progress = _Progress()
    sources: list = []

    def on_event(event) -> None:
        if isinstance(event, Connected | Disconnected | Reconnecting | Reboot):
            progress.state = event.kind

    def show(batch, elapsed_s: float) -> None:
        st = sources[0].stats
        last = batch.tension_n[-1]
        shown = "overload" if math.isnan(last) else f"{last:8.2f} N"
        progress.show(
            elapsed_s,
            f"{elapsed_s:7.1f} s  {shown}  {st.samples} samples  {st.gaps} gaps"
            f" ({st.lost_samples} lost, {st.missed_samples} not sampled)  {st.malformed} malformed"
            f"  [{progress.state}]",
        )

    async def main() -> None:
        async with band_backend(args) as link:
            source = ble.BleSource(
                args.device,
                backend=link.backend,
                on_event=on_event,
                reconnect=not args.no_reconnect,
                scan_timeout_s=args.scan_timeout,
                rate_hz=args.rate,
                seed=args.seed,
            )
            info = await source.start()
            sources.append(source)
            print(f"streaming from {printable(info.name)} ({printable(info.address)}), MTU {info.mtu}", file=sys.stderr)
            try:
                await record(source.batches(), recording, now_s=asyncio.get_running_loop().time,
                             seconds=args.seconds, on_batch=show)
            finally:
                await source.close()

    try:
        run_async(main, args)
    except KeyboardInterrupt:
        pass  # Ctrl-C ends the recording; what was received is kept
    except RecordingFailed as exc:
        progress.done()
        raise CommandError(str(exc)) from None
    except BaseException:
        progress.done()
        if recording is not None:
            try:
                recording.finish()  # the band went away mid-recording: what came is a valid recording
            except RecordingFailed:
                pass  # the failure that ends the command is the one being raised
        raise
    progress.done()
    if recording is not None:
        try:
            recording.finish()
        except RecordingFailed as exc:
            raise CommandError(str(exc)) from None
    if sources:
        st = sources[0].stats
        line = (
            f"{st.samples} samples, {st.gaps} gaps ({st.lost_samples} samples lost on the link,"
            f" {st.missed_samples} not sampled by the band), {st.malformed} malformed"
        )
        if sources[0].reconnects:
            line += f", {sources[0].reconnects} reconnects"
        if recording is not None:
            n = recording.written
            line += f"; {n} written to {args.out}" if n else f"; nothing recorded, {args.out} left as it was"
        print(line, file=sys.stderr)
    return 0
