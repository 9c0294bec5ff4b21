"""The demo: one set of each exercise on the virtual band, through the whole live chain, checked
against the band's ground truth.

Steps: `demo_sets` draws one-set plans (`plan`); `run_demo` boots the firmware on a virtual band
per set, streams it over the Bumble link into `BleSource` and runs `run_live` (RepDetector → live
view → workout log) (`run`; with the Qt view one window follows all the sets, `stage`); each set
is then compared with the physics model's truth for it (`check`). Output: a `DemoResult`, one
`SetCheck` per set with the log's session id.
"""

from taut.demo.check import TUT_TOLERANCE, DemoResult, SetCheck, SetTotals
from taut.demo.plan import DEFAULT_REPS, HABITS, HEAVY_REPS, LEAD_IN_S, PARTIAL_OF_MEDIAN, DemoSet, demo_plan, demo_sets
from taut.demo.run import STOP_MARGIN_S, demo_log_path, run_demo
from taut.demo.stage import ModelRelay, Stage

__all__ = [
    "DEFAULT_REPS",
    "HABITS",
    "HEAVY_REPS",
    "LEAD_IN_S",
    "PARTIAL_OF_MEDIAN",
    "STOP_MARGIN_S",
    "TUT_TOLERANCE",
    "DemoResult",
    "DemoSet",
    "ModelRelay",
    "SetCheck",
    "SetTotals",
    "Stage",
    "demo_log_path",
    "demo_plan",
    "demo_sets",
    "run_demo",
]
