"""Cost per sample of Progressor mode's weight packer, measured in the MicroPython VM.

WeightPacker.add computes the float32 of N / 9.80665 with small integers (no float objects);
the baselines, measured in the same run: the Taut stream packer (wire.StreamPacker.add, what
every sample already costs) and the naive way (a float division and pack_into "<f" per sample).
Reports µs and heap bytes per sample at MTU 247; target 0 B/sample for the packer.

    .venv/bin/python benchmarks/progressor_pack.py [--quick] [--samples N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import mpvm  # noqa: E402

SCRIPT = """
import gc, json, struct, time, wire, progressor
from sink import Sink
N = {n}

sink = Sink()

weights = progressor.WeightPacker(sink.send)
weights.set_mtu(247)
weights.start(0)
stream = wire.StreamPacker(sink.send)
stream.set_mtu(247)
stream.start()
buf = bytearray(2 + 8 * 30)

def naive(t_us, value_cn):
    struct.pack_into("<fI", buf, 2, value_cn / 980.665, t_us)

def run(add, n):
    t = 0
    for i in range(n):
        t = (t + 12500) & 0x3FFFFFFF
        add(t, (i * 7919) % 400000 - 200000)

def measure(add):
    run(add, 100)
    gc.collect()
    gc.disable()
    before = gc.mem_alloc()
    t0 = time.ticks_ms()
    run(add, N)
    ms = time.ticks_diff(time.ticks_ms(), t0)
    used = gc.mem_alloc() - before
    gc.enable()
    return [ms * 1000 / N, used / N]

out = {{"stream": measure(stream.add), "naive": measure(naive), "weights": measure(weights.add)}}
print(json.dumps(out))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=50_000)
    parser.add_argument("--quick", action="store_true", help="5000 samples")
    args = parser.parse_args()
    n = 5000 if args.quick else args.samples
    r = mpvm.run(SCRIPT.format(n=n), timeout_s=600).last
    print(f"progressor_pack: per sample over {n} samples at MTU 247, MicroPython VM (WebAssembly), gc disabled")
    base_us = r["stream"][0]
    for key, label in (("stream", "Taut stream packer (baseline)"), ("naive", "naive float32 (float /, pack_into)"),
                       ("weights", "Progressor weight packer")):
        us, heap = r[key]
        print(f"  {label:<36} {us:7.2f} us  {heap:6.1f} B   ratio to baseline {us / base_us:5.2f}")
    print(f"  result: {r['weights'][1]:.1f} B/sample (target 0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
