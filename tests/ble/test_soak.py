"""A few simulated minutes of the soak (`benchmarks/soak.py` runs the hour): every fault kind at
least once, live into the log, and every invariant of the accounting holds."""

from __future__ import annotations

from taut.twin.soak import FAULT_KINDS, fault_plan, run_soak


def test_the_fault_plan_has_every_kind_and_is_seeded() -> None:
    plan = fault_plan(200.0, seed=3, every_s=12.0)
    assert {kind for _, kind in plan} == set(FAULT_KINDS)
    assert plan == fault_plan(200.0, seed=3, every_s=12.0) != fault_plan(200.0, seed=4, every_s=12.0)
    assert all(b[0] > a[0] for a, b in zip(plan, plan[1:], strict=False)) and plan[-1][0] < 170.0


def test_a_short_soak_loses_nothing_and_accounts_for_every_sample(tmp_path) -> None:
    report = run_soak(240.0, seed=3, every_s=12.0, workdir=tmp_path)
    assert report.ok, "\n".join(report.lines())
    assert all(report.injected[k] >= 1 for k in FAULT_KINDS)
    # The faults did bite: samples lost on the link, packets spoiled, the log refused writes,
    # and the end (log locked) went through the recovery file.
    assert report.lost > 0 and report.malformed_counted >= 2 and report.link_down > 0
    assert report.recovered > 0 and report.logged == report.delivered > 10_000
    assert report.reps_completed == report.reps_logged > 0
