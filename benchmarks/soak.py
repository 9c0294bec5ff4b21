"""The soak: one simulated hour of a person training (sets and rests) streamed live into the log
through the virtual band, with a seeded random schedule of every fault: link drops, packet loss,
corrupted and wild packets, reboots, stalled control responses, a locked log, a full disk.

Whole chain: the firmware twin → BLE over Bumble → BleSource → RepDetector → LiveRecorder →
SQLite, on the simulated clock (`taut.twin.soak`). Prints the figures (samples produced,
delivered, lost, logged; reps completed and logged; faults injected by kind; wall and simulated
time and their ratio, real time being the baseline) and PASS/FAIL per invariant; exits 1 if one fails.

Usage: python benchmarks/soak.py [--quick] [--seed N]   (--quick: 4 simulated minutes)
"""

from __future__ import annotations

import argparse
import logging

from taut.twin.soak import run_soak


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 simulated minutes instead of 60")
    parser.add_argument("--seed", type=int, default=0, help="the fault schedule and the training session")
    parser.add_argument("--minutes", type=float, default=None, help="simulated minutes (overrides --quick)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # each fault logs a warning by design; the figures say it all
    minutes = args.minutes if args.minutes is not None else (4.0 if args.quick else 60.0)
    report = run_soak(minutes * 60.0, seed=args.seed, every_s=20.0 if args.quick else 30.0)
    print("\n".join(report.lines()))
    print("soak:", "PASS" if report.ok else "FAIL")
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
