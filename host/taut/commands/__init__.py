"""One module per `taut` subcommand; each only parses, calls the library and shows.

A module defines NAME, HELP, add_arguments(parser) and run(args) -> int, and imports
heavy dependencies (bleak, Qt, Bumble) inside run(), never at module level.
"""
