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


class _WriteFailed(Exception):
    """Writing the recording failed (its OSError is the cause): ends the stream at once."""


def _kept_after_failure(writer, out: str, written: int, exc: BaseException | None) -> str:  # noqa: ANN001
    """Keep what was received beside the target, and say exactly what is where."""
    reason = describe_os_error(exc) if isinstance(exc, OSError) else str(exc)
    if not written:
        writer.abort()
        return f"cannot write {out}: {reason}; nothing was recorded and {out} was left as it was"
    partial = f"{out}.partial"
    try:
        writer.keep_as(partial)
    except OSError:
        writer.abort()
        return f"cannot write {out}: {reason}; the {written} samples received could not be kept, {out} was left as it was"
    return f"cannot write {out}: {reason}; the samples written before it are in {partial}, {out} was left as it was"


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
    from taut.sources import Connected, Disconnected, Reboot, Reconnecting

    check_band_arguments(args)
    if args.seconds is not None and args.seconds <= 0:
        raise CommandError("--seconds must be positive")
    writer = None
    if args.out:
        from taut.recording import RecordingWriter

        try:
            writer = RecordingWriter(args.out)
        except OSError as exc:
            raise CommandError(f"cannot write {args.out}: {describe_os_error(exc)}") from None
    progress = _Progress()
    summary: dict = {}

    def on_event(event) -> None:
        if isinstance(event, Connected | Disconnected | Reconnecting | Reboot):
            progress.state = event.kind

    async def main() -> None:
        loop = asyncio.get_running_loop()
        async with band_backend(args) as backend:
            source = ble.BleSource(
                args.target,
                backend=backend,
                on_event=on_event,
                reconnect=not args.no_reconnect,
                scan_timeout_s=args.scan_timeout,
                rate_hz=args.rate,
                seed=args.seed,
            )
            info = await source.start()
            summary["source"] = source
            print(f"streaming from {printable(info.name)} ({printable(info.address)}), MTU {info.mtu}", file=sys.stderr)
            t0 = loop.time()
            first_s = None
            written = 0
            try:
                async for batch in source.batches():
                    if first_s is None:
                        first_s = float(batch.time_s[0])
                    if writer is not None:
                        try:
                            written += writer.write(batch.time_s - first_s, batch.tension_n)
                        except OSError as exc:
                            raise _WriteFailed(exc) from exc
                    now = loop.time()
                    st = source.stats
                    last = batch.tension_n[-1]
                    shown = "overload" if math.isnan(last) else f"{last:8.2f} N"
                    progress.show(
                        now,
                        f"{now - t0:7.1f} s  {shown}  {st.samples} samples  {st.gaps} gaps"
                        f" ({st.lost_samples} lost, {st.missed_samples} not sampled)  {st.malformed} malformed"
                        f"  [{progress.state}]",
                    )
                    if args.seconds is not None and now - t0 >= args.seconds:
                        break
            finally:
                summary["written"] = written
                await source.close()

    try:
        run_async(main, args)
    except KeyboardInterrupt:
        pass  # Ctrl-C ends the recording; what was received is kept
    except _WriteFailed as exc:
        progress.done()
        assert writer is not None
        raise CommandError(_kept_after_failure(writer, args.out, summary.get("written", 0), exc.__cause__)) from None
    except BaseException:
        progress.done()
        if writer is not None:
            if summary.get("written", 0):
                writer.close()  # the band went away mid-recording: what came is a valid recording
            else:
                writer.abort()  # nothing recorded: the file that was there stays as it was
        raise
    progress.done()
    if writer is not None:
        if summary.get("written", 0):
            try:
                writer.close()
            except OSError as exc:
                raise CommandError(_kept_after_failure(writer, args.out, summary["written"], exc)) from None
        else:
            writer.abort()
    source = summary.get("source")
    if source is not None:
        st = source.stats
        line = (
            f"{st.samples} samples, {st.gaps} gaps ({st.lost_samples} samples lost on the link,"
            f" {st.missed_samples} not sampled by the band), {st.malformed} malformed"
        )
        if source.reconnects:
            line += f", {source.reconnects} reconnects"
        if args.out:
            n = summary.get("written", 0)
            line += f"; {n} written to {args.out}" if n else f"; nothing recorded, {args.out} left as it was"
        print(line, file=sys.stderr)
    return 0
