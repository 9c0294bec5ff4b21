"""The command tests drive `taut` end to end: Qt offscreen for the plots some commands write, and the
synthetic recordings that the signal and store tests keep beside them (`tautsynth`, `logsynth`)."""

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_TESTS = Path(__file__).parent.parent
for _helpers in ("signal", "store"):
    if str(_TESTS / _helpers) not in sys.path:
        sys.path.insert(0, str(_TESTS / _helpers))
