"""The firmware on the real MicroPython (unix port, NimBLE) streaming at 80 Hz, in real time.

Per MTU (185, and 23 from a central that never asks): samples the host lost (sequence gaps) and
samples the sampler missed (conversions never read), heap after start and its growth, and heap
bytes allocated and kept per sample with the collector off (gc.mem_alloc() reported by the
process each second, from the watchdog's start to the stream's end; target 0). A report can catch
a call's heap frame in flight (py/objfun.c puts frames over 11 words on the heap until the call
returns): growth of a few hundred bytes either way is that, not garbage.
Baseline, measured in the same run: a bare MicroPython asyncio loop (a task sleeping 10 ms at a
time, collector off) for up to 60 s, whose bytes/s is the floor the firmware is compared with.

    .venv/bin/python benchmarks/micropython_stream.py [--quick] [--seconds S]
Default 600 s per MTU (20 min in all); --quick: 30 s per MTU.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from taut.ble import BleSource, virtual
from taut.mpstack import build
from taut.mpstack.band import STANDINS_DIR, MicroPythonBand

_WARMUP_S = 5.0
_IDLE = """
import gc, asyncio
gc.disable()
async def idle():
    while True:
        await asyncio.sleep_ms(10)
print(gc.mem_alloc())
async def main():
    t = asyncio.create_task(idle())
    await asyncio.sleep_ms({ms})
    print(gc.mem_alloc())
asyncio.run(main())
"""


async def _stream(seconds: float, mtu: int | None) -> dict[str, float]:
    band = MicroPythonBand(lambda t: 40.0, seed=11, heap_ms=1000, gc=False)
    kwargs = {"mtu": mtu} if mtu else {"exchange_mtu": False}
    try:
        await band.start()
        source = BleSource(band.name, backend=virtual(**kwargs))
        info = await source.start()
        loop = asyncio.get_running_loop()
        t_end = loop.time() + seconds
        async for _ in source.batches():
            if loop.time() >= t_end:
                break
        end_s = band.feed.session_time_s()
        await source.close()
        await asyncio.sleep(1.1)
        stats = source.stats
        # From the watchdog's start (a one-off allocation 10 s after boot) to the stream's end
        # (the central's stop command: a BLE write's IRQ allocates).
        start_s = band.wdt_started_s if band.wdt_started_s is not None else _WARMUP_S
        heap = [h for h in band.heap if start_s < h.time_s < end_s]
        first, last = heap[0], heap[-1]
        reads = last.reads - first.reads
        steps = sorted(b.alloc_bytes - a.alloc_bytes for a, b in zip(heap, heap[1:]))
        return {
            "mtu": info.mtu,
            "samples": stats.samples,
            "lost": stats.lost_samples,
            "lost_packets": stats.lost_packets,
            "missed": stats.missed_samples,
            "heap_start": band.heap[0].alloc_bytes,
            "heap_growth": last.alloc_bytes - first.alloc_bytes,
            "bytes_per_sample": (last.alloc_bytes - first.alloc_bytes) / max(1, reads),
            "span_s": last.time_s - first.time_s,
            # Most 1-s reports see no growth at all; the battery read (float maths, every 30 s) does.
            "median_step": steps[len(steps) // 2],
            "steps_with_growth": sum(1 for d in steps if d > 0),
            "steps": len(steps),
            "resets": band.watchdog_resets + band.boots - 1,
        }
    finally:
        await band.close()


def _idle_bytes_per_s(seconds: float) -> float:
    runtime = build.ensure_built()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "idle.py"
        script.write_text(_IDLE.format(ms=int(seconds * 1000)))
        env = {"MICROPYPATH": f"{STANDINS_DIR}:{runtime.lib_dir}", "PATH": "/usr/bin:/bin"}
        out = subprocess.run([str(runtime.binary), str(script)], capture_output=True, text=True, env=env,
                             timeout=seconds + 30, check=True).stdout.split()  # fmt: skip
    return (int(out[-1]) - int(out[0])) / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 s per MTU")
    parser.add_argument("--seconds", type=float, default=None, help="seconds per MTU (default 600)")
    args = parser.parse_args()
    seconds = args.seconds or (30.0 if args.quick else 600.0)
    logging.basicConfig(level=logging.WARNING)
    t0 = time.monotonic()
    idle = _idle_bytes_per_s(min(seconds, 60.0))
    print(f"baseline: idle MicroPython asyncio loop allocates {idle:.1f} B/s (gc off)", flush=True)
    for mtu in (185, None):
        r = asyncio.run(_stream(seconds, mtu))
        sent = r["samples"] + r["lost"]
        print(f"MTU {r['mtu']:>3}, {seconds:.0f} s at 80 Hz: {r['samples']} samples received, lost {r['lost']} "
              f"({r['lost_packets']} packets, {r['lost'] / max(1, sent):.2%}), sampler missed {r['missed']} "
              f"({r['missed'] / max(1, sent):.2%}), resets {r['resets']}", flush=True)
        per_s = r["heap_growth"] / max(1e-9, r["span_s"])
        print(f"         heap after start {r['heap_start']} B, growth {r['heap_growth']} B over {r['span_s']:.0f} s; "
              f"{r['bytes_per_sample']:.3f} B/sample (target 0); {per_s:.1f} B/s = "
              f"{per_s / idle if idle else float('inf'):.2f} x the idle baseline; heap grew in "
              f"{r['steps_with_growth']} of {r['steps']} one-second reports (median growth {r['median_step']} B)", flush=True)
    print(f"({time.monotonic() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
