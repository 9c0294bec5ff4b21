"""One module per `taut` subcommand; each only parses, calls the library and shows.

A module defines add_arguments(parser) and run(args) -> int, and imports heavy dependencies
(numpy, rich, bleak, Qt, Bumble) inside its functions, never at module level. Its name and one-line
help are listed here, so `taut --help` shows every command without importing any of them.
"""

COMMANDS: dict[str, str] = {
    "analyze": "find the sets and reps of a recording (CSV time_s,tension_n) and measure them",
    "bands": "list calibrated bands by level; curves (PNG), look-alikes, stacks, which band to use",
    "calibrate": "calibrate the load cell with known masses, or a band's force–stretch curve",
    "demo": "the whole chain on the virtual band: five exercises, live view, log, summary against ground truth",
    "export": "export a logged session as CSV, JSON or a FIT activity file",
    "firmware": "put the firmware on a band's ESP32 (needs the 'firmware' extra), or switch its protocol (Taut or Tindeq Progressor-compatible)",
    "history": "list logged sessions (or sets), filter by exercise and date",
    "info": "show a band's device information, battery, status and settings",
    "live": "live tension graph with rep counting, logged as you go",
    "log": "workout log upkeep: check it for damage, recover what is readable, import a recovery file",
    "pair": "pair this computer with a band (within 60 s of switching it on, or after pressing its pair button)",
    "progress": "progress over weeks per exercise: reps, TUT, tension, tempo adherence, partials, personal bests",
    "reanalyze": "rerun the current rep analysis over logged raw samples (replaces the stored sets)",
    "report": "write a logged session as one self-contained HTML page to share (plots embedded)",
    "scan": "list Taut bands in range (name, address, signal strength)",
    "show": "show a logged session: per-rep table and a PNG plot of each set",
    "stream": "stream tension from a band (real or --virtual), optionally into a CSV recording",
    "tare": "zero the band (let it hang slack and still)",
    "unpair": "forget this computer's bond with a band",
}  # fmt: skip


class CommandError(Exception):
    """A user-facing failure: printed as one line on stderr, exit status 2."""
