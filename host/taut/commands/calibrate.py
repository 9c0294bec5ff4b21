"""`taut calibrate`: guided calibration of the load cell (true newtons) or of one band's curve."""

from __future__ import annotations

import argparse
import asyncio
import sys


def _marks(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(m) for m in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"marks must be numbers like 125,150,200: {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from taut.commands._log_access import add_db_argument

    sub = parser.add_subparsers(dest="what", metavar="WHAT", required=True)
    lc = sub.add_parser("load-cell", help="tare, then hang known masses", description="Calibrate the load cell: "
                        "tare with nothing attached, then hang each known mass; writes the factor to the band.")
    lc.add_argument("--mass", type=float, action="append", metavar="KG", required=True,
                    help="a known mass in kg (repeat for several; two or more masses also check linearity)")
    lc.add_argument("--gravity", type=float, default=None, metavar="M_S2",
                    help="local gravity in m/s² (default: standard gravity 9.80665)")
    band = sub.add_parser("band", help="holds at marked lengths, then one slow stretch-and-release",
                          description="Calibrate one band: its force at marked lengths and its hysteresis.")
    band.add_argument("name", help="the band's name (e.g. its colour and brand)")
    band.add_argument("--rest-length", type=float, required=True, metavar="CM",
                      help="the band's resting length L0 as anchored, in cm")
    band.add_argument("--marks", type=_marks, default=None, metavar="PCT,PCT,…",
                      help="marked lengths in %% of L0 (default 125,150,200,250,300)")
    band.add_argument("--colour", default="", help="the band's colour")
    for p in (lc, band):
        p.add_argument("target", nargs="?", help="band sensor name or address (default: the first found)")
        p.add_argument("--virtual", nargs="?", const="", default=None, metavar="SIMBAND",
                       help="calibrate on the built-in virtual band, with a virtual person following the prompts "
                       "(for `band`: which catalogue band it pulls; default the name if it is one, else black)")
        p.add_argument("--seed", type=int, default=0, help="virtual band: random seed (default 0)")
        p.add_argument("--scan-timeout", type=float, default=5.0, metavar="S", help="seconds to scan (default 5)")
        p.add_argument("--dry-run", action="store_true", help="show the result, save nothing")
        add_db_argument(p)


def run(args: argparse.Namespace) -> int:
    from taut.commands import CommandError

    flow = _load_cell if args.what == "load-cell" else _band
    result = _run_async(lambda: flow(args), virtual_time=args.virtual is not None)
    if result is None:
        raise CommandError("calibration did not finish")
    return 0


def _run_async(main, *, virtual_time: bool):
    """Run the flow (the virtual band on a simulated clock); BLE and device errors become CommandErrors."""
    from taut.ble.errors import BleError
    from taut.commands import CommandError
    from taut.protocol import CommandFailed, ProtocolError

    async def guarded():
        try:
            return await main()
        except (BleError, CommandFailed, ProtocolError) as exc:
            raise CommandError(str(exc)) from None

    if virtual_time:
        from taut.twin.virtual_time import run

        return run(guarded())
    return asyncio.run(guarded())


# -- shared --------------------------------------------------------------------------------


def _say(text: str) -> None:
    print(text, flush=True)


def _show(prompt) -> None:
    from taut.calibration.wizard import COLLECT, CONFIRM

    if prompt.action == CONFIRM:
        _say(f"[{prompt.index + 1}/{prompt.total}] {prompt.text}")
    elif prompt.action == COLLECT:
        _say(f"      {prompt.text}")


def _on_error(exc) -> None:
    _say(f"  ! {exc}")


async def _ask(question: str) -> str:
    loop = asyncio.get_running_loop()
    line = await loop.run_in_executor(None, _readline, question)
    if line is None:
        raise KeyboardInterrupt
    return line.strip()


def _readline(question: str) -> str | None:
    print(question, end="", flush=True)
    line = sys.stdin.readline()
    return line if line else None


class _Session:
    """Connect to a band (or boot the virtual one with a rehearsing person) and stream from it."""

    def __init__(self, args: argparse.Namespace, load=None) -> None:
        self.args = args
        self.load = load
        self.twin = None
        self.source = None

    async def __aenter__(self) -> _Session:
        from taut import ble
        from taut.commands import CommandError

        backend = ble.PLATFORM
        if self.load is not None:
            from taut.twin.band import VirtualBand

            self.twin = VirtualBand(self.load, seed=self.args.seed)
            await self.twin.start()
            backend = ble.virtual()
        self.source = ble.BleSource(self.twin.name if self.twin else self.args.target, backend=backend,
                                    scan_timeout_s=self.args.scan_timeout, reconnect=False)
        try:
            await self.source.start()
        except ble.BleError as exc:
            await self._close()
            raise CommandError(str(exc)) from None
        return self

    @property
    def stream(self):
        """The connected source (only inside `async with`)."""
        assert self.source is not None
        return self.source

    @property
    def client(self):
        """The connected band's control client (only inside `async with`)."""
        assert self.source is not None and self.source.band is not None
        return self.source.band

    async def __aexit__(self, *exc: object) -> None:
        await self._close()

    async def _close(self) -> None:
        if self.source is not None:
            await self.source.close()
        if self.twin is not None:
            await self.twin.close()

    def confirm_fn(self, rehearsal=None):
        async def confirm(prompt):
            if rehearsal is not None:
                assert self.twin is not None
                rehearsal.act(prompt, self.twin.session_time_s())
                return None
            answer = await _ask("      press Enter when ready" + (" (or type the length held, cm): "
                                                                   if prompt.step.startswith("mark-") else ": "))
            if not answer:
                return None
            try:
                return float(answer)
            except ValueError:
                _say(f"  ! {answer!r} is not a length in cm; using the mark")
                return None

        return confirm


def _open_log(args):
    from taut.commands._log_access import open_for

    return open_for(args, readonly=False, create=True)


# -- load cell -----------------------------------------------------------------------------


async def _load_cell(args: argparse.Namespace):
    from taut.calibration import CalibrationError, LoadCellWizard
    from taut.calibration.commit import commit_load_cell
    from taut.calibration.loadcell import STANDARD_GRAVITY_M_S2
    from taut.twin.rehearsal import Rehearsal
    from taut.calibration.session import run_wizard
    from taut.commands import CommandError

    gravity = args.gravity if args.gravity is not None else STANDARD_GRAVITY_M_S2
    rehearsal = Rehearsal(masses_kg=args.mass, gravity_m_s2=gravity) if args.virtual is not None else None
    loop = asyncio.get_running_loop()
    async with _Session(args, rehearsal) as s:
        if s.twin is not None:
            # The virtual band's factory calibration is 3 % off, so there is something to correct.
            s.twin.loadcell.counts_per_n *= 1.03
        settings = await s.client.get_settings()
        try:
            wizard = LoadCellWizard(args.mass, offset_raw=settings.offset_raw, counts_per_n=settings.counts_per_n,
                                    capacity_n=settings.capacity_n, gravity_m_s2=gravity)
            result = await run_wizard(wizard, s.stream.batches(), confirm=s.confirm_fn(rehearsal), now_s=loop.time,
                                      show=_show, on_error=_on_error)
        except CalibrationError as exc:
            raise CommandError(f"{exc} Nothing was saved.") from None
        fit = result.fit
        _say(f"factor {fit.counts_per_n:.3f} counts/N (was {settings.counts_per_n:.3f}), offset {fit.offset_raw} "
             f"(was {settings.offset_raw}); linearity {fit.max_residual_n:.3f} N = "
             f"{100 * fit.residual_fraction:.3f} % of the {fit.capacity_n:.0f} N capacity")
        if _warned_dry_run(result, args.dry_run):
            return result
        log = _open_log(args)
        try:
            row = await commit_load_cell(result, s.client, previous=(settings.offset_raw, settings.counts_per_n),
                                         log=log, device_name=s.stream.info.name if s.stream.info else None)
        except CalibrationError as exc:
            raise CommandError(str(exc)) from None
        finally:
            log.close()
        after = await s.client.get_settings()
        _say(f"saved: the band now uses {after.counts_per_n:.3f} counts/N, offset {after.offset_raw} "
             f"(log entry {row})")
        return result


def _warned_dry_run(result, dry_run: bool) -> bool:
    """Show a finished wizard's warnings; True when this is a dry run and nothing is to be saved."""
    for w in result.warnings:
        _say(f"warning: {w}")
    if dry_run:
        _say("dry run: nothing saved")
    return dry_run


# -- band ----------------------------------------------------------------------------------


async def _band(args: argparse.Namespace):
    from taut.calibration import BandStore, BandStoreError, BandWizard, CalibrationError
    from taut.calibration.band_wizard import DEFAULT_MARKS_PERCENT
    from taut.calibration.commit import commit_band
    from taut.twin.rehearsal import Rehearsal
    from taut.calibration.session import run_wizard
    from taut.commands import CommandError

    marks = args.marks or DEFAULT_MARKS_PERCENT
    try:
        wizard = BandWizard(args.name, args.rest_length, marks, colour=args.colour)
    except CalibrationError as exc:
        raise CommandError(str(exc)) from None
    rehearsal = None
    if args.virtual is not None:
        from taut.sim.band import BANDS, get_band

        sim_name = args.virtual or (args.name if args.name in BANDS else "black")
        try:
            sim_band = get_band(sim_name)
        except KeyError as exc:
            raise CommandError(str(exc.args[0])) from None
        rehearsal = Rehearsal(band=sim_band, rest_length_m=args.rest_length / 100.0, marks_percent=marks)
    loop = asyncio.get_running_loop()
    async with _Session(args, rehearsal) as s:
        try:
            result = await run_wizard(wizard, s.stream.batches(), confirm=s.confirm_fn(rehearsal), now_s=loop.time,
                                      show=_show, on_error=_on_error)
        except CalibrationError as exc:
            raise CommandError(f"{exc} Nothing was saved.") from None
        device_name = s.stream.info.name if s.stream.info else None
    prof = result.profile
    f1, f2 = prof.levels_n
    _say(f"band {prof.name!r}: {f1:.1f} N at 100 %, {f2:.1f} N at 200 % elongation; hysteresis "
         f"{100 * prof.curve.hysteresis_loss:.0f} %; fit error {100 * prof.fit_error:.1f} %")
    if _warned_dry_run(result, args.dry_run):
        return result
    log = _open_log(args)
    try:
        store = BandStore(log)
        try:
            store.import_band_file()
        except BandStoreError as exc:
            _say(f"warning: {exc}; its bands were not imported")
        row = await commit_band(result, store, device=device_name)
    except CalibrationError as exc:
        raise CommandError(str(exc)) from None
    finally:
        log.close()
    _say(f"saved to {log.path} (log entry {row}); see `taut bands`")
    return result
