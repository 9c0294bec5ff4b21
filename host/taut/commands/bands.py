"""`taut bands`: your calibrated bands by level, their curves, look-alikes, stacks and picks."""

from __future__ import annotations

import argparse

NAME = "bands"
HELP = "list calibrated bands by level; curves (PNG), look-alikes, stacks, which band to use"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from taut.commands._log_access import add_db_argument

    add_db_argument(parser)
    parser.add_argument("--png", metavar="FILE", help="draw every band's curve (and listed stacks) to a PNG file")
    parser.add_argument("--stacks", type=int, nargs="?", const=2, default=0, metavar="N",
                        help="also list stacks of up to N bands used together (default 2)")
    parser.add_argument("--exercise", metavar="ID", help="with --target: the exercise (e.g. face-pull)")
    parser.add_argument("--target", type=float, metavar="N",
                        help="recommend a band or stack for this tension at the end of the range (newtons)")
    parser.add_argument("--remove", metavar="NAME", help="forget a calibrated band")


def run(args: argparse.Namespace) -> int:
    from taut.calibration import BandShelf, ShelfError, similar_pairs, stacks
    from taut.calibration.charts import place
    from taut.cli import CommandError

    shelf = BandShelf(_shelf_path(args))
    try:
        if args.remove:
            try:
                shelf.remove(args.remove)
            except KeyError:
                raise CommandError(f"no calibrated band {args.remove!r}") from None
            print(f"removed {args.remove!r}")
            return 0
        profiles = shelf.profiles()
    except ShelfError as exc:
        raise CommandError(str(exc)) from None
    if not profiles:
        print("no calibrated bands yet: run `taut calibrate band NAME --rest-length CM`")
        return 0
    print(f"{'band':<16} {'colour':<8} {'L0 cm':>6} {'@100 % N':>9} {'@200 % N':>9} {'hyst':>5} {'fit':>5}  "
          f"{'calibrated':<16} nominal")
    from taut.commands._log_access import local_time

    for p in profiles:
        f1, f2 = p.levels_n
        print(f"{p.name:<16.16} {p.colour:<8.8} {100 * p.rest_length_m:>6.0f} {f1:>9.1f} {f2:>9.1f} "
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
            print(f"  {s.name:<30} {f1:>7.1f} N @100 %  {f2:>7.1f} N @200 %")
    if args.target is not None:
        _recommend(args, profiles + combos)
    if args.png:
        from taut.calibration.curve_png import curves_png

        try:
            curves_png(args.png, profiles + combos)
        except (RuntimeError, OSError) as exc:
            raise CommandError(str(exc)) from None
        print(f"curves written to {args.png}")
    return 0


def _recommend(args: argparse.Namespace, options: list) -> None:
    from taut.calibration import default_setup
    from taut.calibration.recommend import recommend
    from taut.cli import CommandError

    if not args.exercise:
        raise CommandError("--target needs --exercise (e.g. --exercise face-pull)")
    try:
        setup = default_setup(args.exercise)
        ranked = recommend(options, setup, args.target)
    except KeyError as exc:
        raise CommandError(str(exc.args[0])) from None
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    if not ranked:
        raise CommandError("no band or stack reaches that far")
    best = ranked[0]
    print(f"\nfor {args.exercise} ending at {args.target:.0f} N (typical set-up: band {100 * setup.rest_length_m:.0f} cm, "
          f"{100 * (setup.travel_m or 0.0):.0f} cm of travel): use {best.name} ({best.end_force_n:.0f} N at the end, "
          f"{100 * best.fraction:.0f} % of the target)")
    for r in ranked[1:3]:
        print(f"  or {r.name}: {r.end_force_n:.0f} N ({100 * r.fraction:.0f} %)")
    if not best.in_window:
        print("  (nothing lands at 85–100 % of the target; start lighter rather than heavier)")


def _shelf_path(args: argparse.Namespace):
    from pathlib import Path

    from taut.calibration.shelf import FILE_NAME, default_shelf_path

    return Path(args.db).expanduser().with_name(FILE_NAME) if args.db else default_shelf_path()
