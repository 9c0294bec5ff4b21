"""Heap bytes the firmware allocates per sample in steady state, measured in the MicroPython VM.

Chain: HX711 read (bit-banged on the simulated chip) -> fixed-point scale -> stream packer ->
gatts_notify (the fake BLE in counting mode, which copies nothing, like the ESP32's C stack).
Over N samples with gc disabled, gc.mem_alloc() before and after; target 0 B/sample. The
baseline, measured in the same run, is the naive chain: float scale and struct.pack per sample.

    .venv/bin/python benchmarks/firmware_alloc.py [--quick] [--samples N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import mpvm  # noqa: E402

SCRIPT = """
import json, gc, struct, machine, bluetooth, board, settings, sampler
N = {n}
MTU = {mtu}
sim = machine.HX711Sim(dout=board.HX711_DOUT_PIN, pd_sck=board.HX711_PD_SCK_PIN)
sim.extend([(i * 7919) % 4_000_000 - 2_000_000 for i in range(1009)] + [0x7FFFFF])
sim.cycle = True
hx = board.make_hx711()
st = settings.defaults("bench")

ble = bluetooth.BLE()
ble.active(True)
ble.record = False
((h_stream,),) = ble.gatts_register_services(
    ((bluetooth.UUID("54415554-0000-4c6f-6164-43656c6c0000"),
      ((bluetooth.UUID("54415554-0001-4c6f-6164-43656c6c0000"), bluetooth.FLAG_NOTIFY),)),))
conn = ble.central_connect(force=True)
ble.connected[conn] = MTU

def notify(view):
    ble.gatts_notify(conn, h_stream, view)

try:
    import wire
    packer = wire.StreamPacker(notify)
    packer.set_mtu(MTU)
    packer.start()
    on_sample = packer.add
    chain = "read -> scale -> pack -> notify (wire.StreamPacker, %d samples/packet)" % packer.n_max
except (ImportError, AttributeError):
    count = [0]
    def on_sample(t_us, value_cn):
        count[0] += 1
    chain = "read -> scale -> on_sample (firmware/wire.py has no StreamPacker yet)"

# Device time advancing 12.5 ms per reading, as at 80 samples/s (the VM's ticks_us only counts
# milliseconds, which would make every packet cut short on equal timestamps).
T = [0]
def ticks_80hz():
    T[0] = (T[0] + 12_500) & 0x3FFFFFFF
    return T[0]

sp = sampler.Sampler(hx, st, on_sample, board.CAPACITY_CN, ticks_us=ticks_80hz)

# The naive chain: float scale, struct.pack, notify each sample.
scale = 100.0 / st.counts_per_n
def naive_poll():
    if hx.is_ready():
        t = ticks_80hz()
        v = int((hx.read_raw() - st.offset_raw) * scale)
        notify(struct.pack("<BBHIHi", 1, 0, 0, t, 0, v)[:13])
        return True
    return False

def measure(poll):
    for _ in range(20):
        poll()
    gc.collect()
    gc.disable()
    before = gc.mem_alloc()
    got = 0
    while got < N:
        if poll():
            got += 1
    used = gc.mem_alloc() - before
    gc.enable()
    return used

naive = measure(naive_poll)
taut = measure(sp.poll)
print(json.dumps({{"chain": chain, "naive": naive, "taut": taut, "notified": ble.notify_count}}))
"""


def measure(samples: int, mtu: int) -> dict:
    return mpvm.run(SCRIPT.format(n=samples, mtu=mtu), timeout_s=300).last


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="200 samples")
    args = parser.parse_args()
    n = 200 if args.quick else args.samples
    print(f"firmware_alloc: heap bytes per sample over {n} samples, MicroPython VM, gc disabled")
    worst = 0.0
    for mtu in (23, 247):
        r = measure(n, mtu)
        naive, taut = r["naive"] / n, r["taut"] / n
        worst = max(worst, taut)
        print(f"  MTU {mtu}: {r['chain']}")
        print(f"    naive baseline (float scale + struct.pack): {naive:8.1f} B/sample")
        print(f"    taut firmware:                              {taut:8.1f} B/sample"
              f"   ratio taut/naive = {taut / naive:.3f}   ({r['notified']} notifications)")
    print(f"  result: {worst:.1f} B/sample (target 0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
