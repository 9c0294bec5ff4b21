"""`taut bands`: your calibrated bands by level, their curves, look-alikes, stacks and picks."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from taut.commands._log_access import add_db_argument

    add_db_argument(parser)
    parser.add_argument("--png", metavar="FILE", help="draw every band's curve (and listed stacks) to a PNG file")
    parser.add_argument("--stacks", type=int, nargs="?", const=2, default=0, metavar="N",
                        help="also list stacks of up to N bands used together (default 2)")
    parser.add_argument("--exercise", metavar="ID", help="with --tension: the exercise (e.g. face-pull)")
    parser.add_argument("--tension", type=float, metavar="N",
                        help="recommend a band or stack for this tension at the end of the range (newtons)")
    from taut.commands._band_args import DeprecatedOption

    parser.add_argument("--target", type=float, dest="tension", action=DeprecatedOption, new="--tension N")
    parser.add_argument("--remove", metavar="NAME", help="forget a calibrated band")


def run(args: argparse.Namespace) -> int:
    from taut.calibration import BandStoreError, similar_pairs, stacks
    from taut.calibration.charts import place
    from taut.commands import CommandError

    try:
        if args.remove:
            _remove(args)
            return 0
        profiles = _profiles(args)
    except BandStoreError as exc:
        raise CommandError(str(exc)) from None
    if not profiles:
        print("no calibrated bands yet: run `taut calibrate band NAME --rest-length CM`")
        return 0
    print(f"{'band':<16} {'colour':<8} {'L0 cm':>6} {'@100 % N':>9} {'@200 % N':>9} {'hyst':>5} {'fit':>5}  "
          f"{'calibrated':<16} nominal")
    from taut.commands._log_access import local_time
    from taut.text import printable

    for p in profiles:
        f1, f2 = p.levels_n
        print(f"{printable(p.name):<16.16} {printable(p.colour):<8.8} {100 * p.rest_length_m:>6.0f} {f1:>9.1f} {f2:>9.1f} "
              f"{100 * p.curve.hysteresis_loss:>4.0f}% {100 * p.fit_error:>4.1f}%  {local_time(p.created_unix_s):<16} "
              f"{place(f1)}")
    for a, b in similar_pairs(profiles):
        print(f"note: {a.name!r} and {b.name!r} are not meaningfully different "
              f"({a.levels_n[0]:.1f} vs {b.levels_n[0]:.1f} N at 100 %): one of them can stay at home")
    combos = stacks(profiles, args.stacks) if args.stacks else []
    if combos:
        print("\nstacks (bands side by side, same length):")
        for s in combos:
            f1, f2 = s.levels_n
            print(f"  {printable(s.name):<30} {f1:>7.1f} N @100 %  {f2:>7.1f} N @200 %")
    if args.tension is not None:
        _recommend(args, profiles + combos)
    if args.png:
        _png(args.png, profiles + combos)
    return 0


def _png(path: str, options: list) -> None:
    from taut.calibration.curve_png import curve_lines
    from taut.commands import CommandError

    try:
        from taut.ui.plots_qt import render_band_curves_png

        elongation_pct, lines = curve_lines(options)
        render_band_curves_png(path, elongation_pct, lines)
    except ImportError as exc:
        raise CommandError(f"drawing curves needs Qt ({exc.name}): pip install 'taut[gui]'") from None
    except OSError as exc:
        raise CommandError(str(exc)) from None
    print(f"curves written to {path}")


def _recommend(args: argparse.Namespace, options: list) -> None:
    from taut.calibration import default_setup
    from taut.calibration.recommend import recommend
    from taut.commands import CommandError

    if not args.exercise:
        raise CommandError("--tension needs --exercise (e.g. --exercise face-pull)")
    try:
        setup = default_setup(args.exercise)
        ranked = recommend(options, setup, args.tension)
    except KeyError as exc:
        raise CommandError(str(exc.args[0])) from None
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    if not ranked:
        raise CommandError("no band or stack reaches that far")
    from taut.text import printable

    best = ranked[0]
    print(f"\nfor {args.exercise} ending at {args.tension:.0f} N (typical set-up: band {100 * setup.rest_length_m:.0f} cm, "
          f"{100 * (setup.travel_m or 0.0):.0f} cm of travel): use {printable(best.name)} ({best.end_force_n:.0f} N at the end, "
          f"{100 * best.fraction:.0f} % of the target)")
    for r in ranked[1:3]:
        print(f"  or {printable(r.name)}: {r.end_force_n:.0f} N ({100 * r.fraction:.0f} %)")
    if not best.in_window:
        print("  (nothing lands at 85–100 % of the target; start lighter rather than heavier)")


def _profiles(args: argparse.Namespace) -> list:
    """The calibrated bands, light to heavy (a bands.json beside the log is imported once)."""
    from taut.calibration import by_level
    from taut.calibration.band_store import load_bands
    from taut.commands import CommandError
    from taut.store import LogError

    try:
        return by_level(load_bands(args.db).values())
    except LogError as exc:
        raise CommandError(str(exc)) from None


def _remove(args: argparse.Namespace) -> None:
    from taut.calibration import BandStore
    from taut.commands import CommandError
    from taut.commands._log_access import open_for

    with open_for(args, readonly=False) as log:
        store = BandStore(log)
        store.import_band_file()
        try:
            store.remove(args.remove)
        except KeyError as exc:
            raise CommandError(str(exc.args[0])) from None
    print(f"removed {args.remove!r} (its dated calibrations stay in the log)")
