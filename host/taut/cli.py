"""The `taut` command: parses arguments and hands each subcommand to its module.

Each module in `taut.commands` defines `NAME`, `HELP`, `add_arguments(parser)` and
`run(args) -> int`; modules are imported only when their command runs, so `taut analyze`
never loads Qt or Bluetooth.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys

from taut import __version__, commands


class CommandError(Exception):
    """A user-facing failure: printed as one line on stderr, exit status 2."""


def _is_log_error(exc: Exception) -> bool:
    """A workout-log failure (damaged, locked, full) reaching the top: its message is for the user.
    Checked without importing the store, which a command that never opened a log has not loaded."""
    errors = sys.modules.get("taut.store.errors")
    return errors is not None and isinstance(exc, errors.LogError)


def _command_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_"))


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, str]]:
    parser = argparse.ArgumentParser(prog="taut", description="Taut: your resistance band, measured.")
    parser.add_argument("--version", action="version", version=f"taut {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    owners: dict[str, str] = {}
    for modname in _command_modules():
        mod = importlib.import_module(f"taut.commands.{modname}")
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        owners[mod.NAME] = modname
    return parser, owners


def main(argv: list[str] | None = None) -> int:
    parser, owners = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=[logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)],
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.command:
        parser.print_help()
        return 2
    mod = importlib.import_module(f"taut.commands.{owners[args.command]}")
    try:
        return int(mod.run(args) or 0)
    except CommandError as exc:
        print(f"taut {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        if not _is_log_error(exc):
            raise
        print(f"taut {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"taut {args.command}: interrupted", file=sys.stderr)
        return 130
