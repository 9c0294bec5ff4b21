"""The sampler's scaling checked against exact arithmetic, for the VM tests and the float32 tests alike:
the raw counts worth trying and the exact centinewtons each should become."""

from __future__ import annotations

import random

OVER_HIGH, OVER_LOW = 0x7FFFFF, -0x800000  # the overload codes on the wire
CAPACITY_CN = 196_100  # board.CAPACITY_CN, checked in test_sampler.py

# (counts per N, offset raw, overload permille): signs, extremes and awkward fractions.
VECTORS = [(2190.0, 8_000, 900), (-2190.0, -120_000, 900), (1.0, 0, 1000), (999_999.0, 3_000_000, 500),
           (437.25, -8_000_000, 100), (18.7, 500, 1000), (1234.02, 10_000, 900), (3.3, -77, 1000)]


def overload_limit_cn(permille: int) -> int:
    return CAPACITY_CN * permille // 1000


def raws_to_try(cpn: float, offset: int, permille: int, n_random: int) -> list[int]:
    """Random 24-bit counts, counts around the offset, both overload codes, and counts right at the
    overload limit on both sides, all within the HX711's range."""
    rng = random.Random(f"{cpn}{offset}")
    raws = [rng.randint(OVER_LOW, OVER_HIGH) for _ in range(n_random)]
    raws += [offset + d for d in range(-40, 40)] + [OVER_HIGH, OVER_LOW, offset]
    edge = int(overload_limit_cn(permille) * abs(cpn) / 100)
    raws += [offset + e for e in (edge - 2, edge - 1, edge, edge + 1, -edge - 1, -edge, -edge + 1)]
    return [min(max(r, OVER_LOW), OVER_HIGH) for r in raws]


def exact_cn(raw: int, offset: int, cpn: float, limit: int) -> int:
    """What the sampler should send for `raw`: exact centinewtons, or an overload code past ±limit."""
    if raw in (OVER_HIGH, OVER_LOW):
        return raw
    v = (raw - offset) * 100 / cpn
    if v >= limit:
        return OVER_HIGH
    if v <= -limit:
        return OVER_LOW
    return round(v)


def worst_error_cn(raws: list[int], got: list[int], offset: int, cpn: float, permille: int) -> int:
    """The largest |got - exact| in centinewtons away from the overload limit; at the limit itself
    rounding may tip either way, anywhere else an overload code must agree (asserted here)."""
    limit = overload_limit_cn(permille)
    worst = 0
    for raw, got_cn in zip(raws, got, strict=True):
        want = exact_cn(raw, offset, cpn, limit)
        if want in (OVER_HIGH, OVER_LOW) or got_cn in (OVER_HIGH, OVER_LOW):
            exact = (raw - offset) * 100 / cpn
            assert got_cn == want or abs(abs(exact) - limit) <= 1, (raw, got_cn, want)
        else:
            worst = max(worst, abs(got_cn - want))
    return worst
