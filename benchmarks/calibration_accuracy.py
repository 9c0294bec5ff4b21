"""Accuracy of band calibration on SIM's bands, next to a naive baseline measured in the same run.

Each band is calibrated by the band wizard against a virtual person (`taut.twin.rehearsal`:
tremor at the holds, SIM's hysteresis model) and the fitted curves are compared with the band's
exact ones over 50–250 % elongation. The baseline fits the same holds read naively (holds taken
as the loading branch, pauses as the unloading branch, no relaxation correction).
Target: within 3 % on both branches. Also: the load-cell factor error (target 0.2 %).

    python benchmarks/calibration_accuracy.py            # 40 bands
    python benchmarks/calibration_accuracy.py --quick    # 12 bands
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from taut.calibration import BandWizard, LoadCellWizard, fit_band
from taut.twin.rehearsal import Rehearsal, rehearse
from taut.sim.draw import random_band

E = np.linspace(0.5, 2.5, 201)


def worst(curve, band, loading: bool) -> float:
    return float(np.max(np.abs(curve.force_n(E, loading) / band.force_n(E, loading) - 1.0)))


def bands(n: int) -> None:
    rng = np.random.default_rng(2026)
    ours_l, ours_u, base_l, base_u = [], [], [], []
    t0 = time.perf_counter()
    for i in range(n):
        band = random_band(rng)
        rest_m = float(rng.uniform(0.4, 1.0))
        wizard = BandWizard(f"b{i}", 100 * rest_m)
        person = Rehearsal(band=band, rest_length_m=rest_m, marks_percent=wizard.marks_percent,
                           tremor_m=float(rng.uniform(0.0005, 0.0025)))
        r = rehearse(wizard, person, seed=i)
        naive = fit_band(r.loading_e, r.holds_n, r.unloading_e, r.pauses_n).curve
        ours_l.append(worst(r.profile.curve, band, True))
        ours_u.append(worst(r.profile.curve, band, False))
        base_l.append(worst(naive, band, True))
        base_u.append(worst(naive, band, False))
    dt = time.perf_counter() - t0
    print(f"bands: {n} calibrated in {dt:.1f} s ({dt / n * 1000:.0f} ms each)")
    for name, ours, base in (("loading", ours_l, base_l), ("unloading", ours_u, base_u)):
        o, b = np.array(ours), np.array(base)
        print(f"  {name:9} worst error, median / max: ours {100 * np.median(o):.2f} % / {100 * o.max():.2f} %   "
              f"naive {100 * np.median(b):.2f} % / {100 * b.max():.2f} %   ratio (ours/naive, max) {o.max() / b.max():.2f}"
              f"   within 3 %: {np.mean(o < 0.03) * 100:.0f} % of bands (naive {np.mean(b < 0.03) * 100:.0f} %)")


def load_cells(n: int) -> None:
    rng = np.random.default_rng(7)
    errs = []
    for i in range(n):
        true_cpn = float(rng.uniform(1500, 8000)) * (1 if rng.random() < 0.8 else -1)
        off = float(rng.uniform(-2e5, 2e5))
        dev_cpn = true_cpn * float(rng.uniform(0.9, 1.1))
        masses = sorted(float(m) for m in rng.uniform(1.0, 20.0, size=int(rng.integers(1, 4))))
        wizard = LoadCellWizard(masses, offset_raw=0, counts_per_n=dev_cpn, capacity_n=980.0)

        class Cell(Rehearsal):
            """What the device reports under its current (wrong) calibration, offset 0."""

            def __call__(self, time_s: float) -> float:
                return (off + true_cpn * super().__call__(time_s)) / dev_cpn

        cell = Cell(masses_kg=masses, swing=float(rng.uniform(0.0, 0.05)))
        r = rehearse(wizard, cell, noise_n=20.0 / abs(dev_cpn), seed=i)  # 20 counts of HX711 noise
        errs.append(abs(r.counts_per_n / true_cpn - 1.0))
    e = np.array(errs)
    print(f"load cell: {n} calibrations, factor error median {100 * np.median(e):.4f} %, max {100 * e.max():.4f} % "
          f"(target 0.2 %: ratio max/target {e.max() / 0.002:.3f})")


def main() -> None:
    ap = argparse.ArgumentParser(description="Accuracy of band and load-cell calibration on SIM models.")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    bands(12 if args.quick else 40)
    load_cells(10 if args.quick else 30)


if __name__ == "__main__":
    main()
