"""Signal analysis: reps, tempo phases, time under tension, partial range and sets.

`RepDetector` is the live (streaming) engine; `analyze` runs it over a whole recording.
Neither needs Bluetooth nor Qt. Definitions: docs/analysis.md. Exercise targets: `taut.exercises`.
"""

from taut.signal.events import Event, RepCancelled, RepCompleted, RepStarted, SetEnded, TopReached
from taut.signal.offline import Analysis, analyze
from taut.signal.reps import DetectorConfig, RepDetector

__all__ = [
    "Analysis",
    "DetectorConfig",
    "Event",
    "RepCancelled",
    "RepCompleted",
    "RepDetector",
    "RepStarted",
    "TopReached",
    "SetEnded",
    "analyze",
]
