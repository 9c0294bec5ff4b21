"""The `taut` command: parses arguments and hands each subcommand to its module.

Each module in `taut.commands` defines `add_arguments(parser)` and `run(args) -> int`; its name
and help are listed in `taut.commands.COMMANDS`. Only the module of the command being run is
imported (for its arguments too), so `taut --help` loads no command, and `taut analyze` never
loads Qt or Bluetooth.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from taut import __version__
from taut.commands import COMMANDS, CommandError


def _is_log_error(exc: Exception) -> bool:
    """A workout-log failure (damaged, locked, full) reaching the top: its message is for the user.
    Checked without importing the store, which a command that never opened a log has not loaded."""
    errors = sys.modules.get("taut.store.errors")
    return errors is not None and isinstance(exc, errors.LogError)


def _command_named(argv: list[str]) -> str | None:
    """The command in `argv`: its first word that is no option (taut's own options take no value)."""
    for arg in argv:
        if arg == "--":
            return None
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    """The parser for `argv`: every command listed, only the one named in `argv` with its arguments."""
    parser = argparse.ArgumentParser(prog="taut", description="Taut: your resistance band, measured.")
    parser.add_argument("--version", action="version", version=f"taut {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    named = _command_named(argv)
    for name, help_text in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == named:
            importlib.import_module(f"taut.commands.{name}").add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=[logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)],
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.command:
        parser.print_help()
        return 2
    mod = importlib.import_module(f"taut.commands.{args.command}")
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
