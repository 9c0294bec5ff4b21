"""Shared set-up for the firmware sensor tests: a simulated HX711 on board.py's pins, and the scaling
reference (`scale_reference`) importable beside them."""

import re
import sys
from pathlib import Path

import pytest

import mpvm

sys.path.insert(0, str(Path(__file__).parent))

# Every script starts with the simulated chip wired as board.py says, and `out(**kw)` to report.
PRELUDE = """\
import json, gc, machine, board
from codes import DeviceError
sim = machine.HX711Sim(dout=board.HX711_DOUT_PIN, pd_sck=board.HX711_PD_SCK_PIN, rate=board.HX711_RATE_PIN)
def out(**kw):
    print(json.dumps(kw))
"""


@pytest.fixture
def vm():
    """Run a script (after PRELUDE) in a fresh MicroPython VM; returns mpvm.Result."""

    def run(script: str, **kwargs) -> mpvm.Result:
        return mpvm.run(PRELUDE + script, **kwargs)

    return run


@pytest.fixture(scope="session")
def codes() -> dict[str, int]:
    """firmware/codes.py's result codes and flags, read from the source (it needs MicroPython)."""
    text = (mpvm.FIRMWARE_DIR / "codes.py").read_text()
    found = {m[1]: int(m[2], 0) for m in re.finditer(r"^(\w+) = const\((0x[0-9A-Fa-f]+|\d+)\)", text, re.M)}
    assert found["SENSOR_FAULT"] == 0x07, found
    return found
