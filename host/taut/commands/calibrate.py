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
    from taut.commands._band_args import add_band_arguments
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
    band.add_argument("--sim-band", metavar="NAME", help="virtual band only: which catalogue band the virtual person "
                      "pulls (default: NAME if it is one, else black)")
    for p in (lc, band):
        add_band_arguments(p, virtual_optional=True, runtime=False, virtual_help=(
            "calibrate on the built-in virtual band (or set TAUT_VIRTUAL), with a virtual person following the "
            "prompts (EXERCISE may be left out: the person does the calibration, not an exercise); on a simulated clock"))
        p.add_argument("--dry-run", action="store_true", help="show the result, save nothing")
        add_db_argument(p)


def run(args: argparse.Namespace) -> int:
    from taut.commands import CommandError
    from taut.commands._band_args import run_async, virtual_exercise

    _deprecated_sim_band(args)
    flow = _load_cell if args.what == "load-cell" else _band
    # The virtual person answers every prompt at once: nothing to wait for in real time.
    result = run_async(lambda: flow(args), args, simulated=virtual_exercise(args) is not None or args.fast)
    if result is None:
        raise CommandError("calibration did not finish")
    return 0


def _deprecated_sim_band(args: argparse.Namespace) -> None:
    """`--virtual BANDNAME` (a catalogue band, not an exercise) is the old spelling of `--sim-band BANDNAME`."""
    from taut.commands._band_args import deprecated
    from taut.exercises import EXERCISE_IDS

    if args.virtual and args.virtual not in EXERCISE_IDS:
        deprecated(f"taut calibrate {args.what}", f"--virtual {args.virtual}", f"--virtual --sim-band {args.virtual}")
        if getattr(args, "sim_band", None) is None:
            args.sim_band = args.virtual
        args.virtual = ""


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


def _confirm_fn(link, rehearsal=None):  # noqa: ANN001, ANN202
    """Confirmations from the terminal, or from the virtual person acting on each prompt."""

    async def confirm(prompt):  # noqa: ANN001, ANN202
        if rehearsal is not None:
            rehearsal.act(prompt, link.virtual.session_time_s())
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


def _open_log(args):  # noqa: ANN001, ANN202
    from taut.commands._log_access import open_for

    return lambda: open_for(args, readonly=False, create=True)


def _warned_dry_run(result, dry_run: bool) -> bool:  # noqa: ANN001
    """Show a finished wizard's warnings; True when this is a dry run and nothing is to be saved."""
    for w in result.warnings:
        _say(f"warning: {w}")
    if dry_run:
        _say("dry run: nothing saved")
    return dry_run


# -- load cell -----------------------------------------------------------------------------


async def _load_cell(args: argparse.Namespace):  # noqa: ANN202
    from taut.calibration import CalibrationError
    from taut.calibration.guided import Person, connected, load_cell_wizard, measure, save_load_cell
    from taut.calibration.loadcell import STANDARD_GRAVITY_M_S2
    from taut.commands import CommandError
    from taut.commands._band_args import band_backend, virtual_exercise

    gravity = args.gravity if args.gravity is not None else STANDARD_GRAVITY_M_S2
    rehearsal = None
    if virtual_exercise(args) is not None:
        from taut.twin.rehearsal import Rehearsal

        rehearsal = Rehearsal(masses_kg=args.mass, gravity_m_s2=gravity)
    loop = asyncio.get_running_loop()
    async with band_backend(args, load=rehearsal) as link, \
            connected(args.device, backend=link.backend, scan_timeout_s=args.scan_timeout) as source:
        if link.virtual is not None:
            # The virtual band's factory calibration is 3 % off, so there is something to correct.
            link.virtual.loadcell.counts_per_n *= 1.03
        person = Person(_confirm_fn(link, rehearsal), show=_show, on_error=_on_error)
        try:
            wizard, before = await load_cell_wizard(source.band, args.mass, gravity_m_s2=gravity)
            result = await measure(wizard, source, person, now_s=loop.time)
        except CalibrationError as exc:
            raise CommandError(f"{exc} Nothing was saved.") from None
        fit = result.fit
        _say(f"factor {fit.counts_per_n:.3f} counts/N (was {before.counts_per_n:.3f}), offset {fit.offset_raw} "
             f"(was {before.offset_raw}); linearity {fit.max_residual_n:.3f} N = "
             f"{100 * fit.residual_fraction:.3f} % of the {fit.capacity_n:.0f} N capacity")
        if _warned_dry_run(result, args.dry_run):
            return result
        try:
            saved = await save_load_cell(result, source, before, open_log=_open_log(args))
        except CalibrationError as exc:
            raise CommandError(str(exc)) from None
        _say(f"saved: the band now uses {saved.after.counts_per_n:.3f} counts/N, offset {saved.after.offset_raw} "
             f"(log entry {saved.log_row})")
        return result


# -- band ----------------------------------------------------------------------------------


async def _band(args: argparse.Namespace):  # noqa: ANN202
    from taut.calibration import BandWizard, CalibrationError
    from taut.calibration.band_wizard import DEFAULT_MARKS_PERCENT
    from taut.calibration.guided import Person, connected, device_name, measure, save_band
    from taut.commands import CommandError
    from taut.commands._band_args import band_backend, virtual_exercise

    marks = args.marks or DEFAULT_MARKS_PERCENT
    try:
        wizard = BandWizard(args.name, args.rest_length, marks, colour=args.colour)
    except CalibrationError as exc:
        raise CommandError(str(exc)) from None
    rehearsal = None
    if virtual_exercise(args) is not None:
        from taut.sim.band import BANDS, get_band
        from taut.twin.rehearsal import Rehearsal

        sim_name = args.sim_band or (args.name if args.name in BANDS else "black")
        try:
            sim_band = get_band(sim_name)
        except KeyError as exc:
            raise CommandError(str(exc.args[0])) from None
        rehearsal = Rehearsal(band=sim_band, rest_length_m=args.rest_length / 100.0, marks_percent=marks)
    elif args.sim_band is not None:
        raise CommandError("--sim-band needs the virtual band (--virtual)")
    loop = asyncio.get_running_loop()
    async with band_backend(args, load=rehearsal) as link, \
            connected(args.device, backend=link.backend, scan_timeout_s=args.scan_timeout) as source:
        person = Person(_confirm_fn(link, rehearsal), show=_show, on_error=_on_error)
        try:
            result = await measure(wizard, source, person, now_s=loop.time)
        except CalibrationError as exc:
            raise CommandError(f"{exc} Nothing was saved.") from None
        device = device_name(source)
    prof = result.profile
    f1, f2 = prof.levels_n
    _say(f"band {prof.name!r}: {f1:.1f} N at 100 %, {f2:.1f} N at 200 % elongation; hysteresis "
         f"{100 * prof.curve.hysteresis_loss:.0f} %; fit error {100 * prof.fit_error:.1f} %")
    if _warned_dry_run(result, args.dry_run):
        return result
    try:
        saved = await save_band(result, open_log=_open_log(args), device=device)
    except CalibrationError as exc:
        raise CommandError(str(exc)) from None
    for w in saved.warnings:
        _say(f"warning: {w}")
    _say(f"saved to {saved.log_path} (log entry {saved.log_row}); see `taut bands`")
    return result
