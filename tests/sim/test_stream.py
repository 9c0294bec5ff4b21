"""The streaming form equals the batch form, in any chunking, with truth available as it becomes final."""

import numpy as np
import pytest

from taut.sim import SensorModel, SessionStream, labelled_suite, random_plan, simulate_session


@pytest.mark.parametrize("fs_hz, chunk_s", [(80.0, 0.1), (80.0, 7.3), (10.0, 0.05), (1000.0, 2.0)])
def test_chunks_equal_batch(fs_hz, chunk_s):
    plan = random_plan(5, n_sets=2, rest_s=(3.0, 6.0), gaps=True)
    rec = simulate_session(plan, fs_hz=fs_hz)
    chunks = list(SessionStream(plan).chunks(fs_hz, chunk_s))
    for name in ("time_s", "tension_n", "overload", "clean_tension_n", "hand_travel_m", "elongation"):
        np.testing.assert_array_equal(np.concatenate([getattr(c, name) for c in chunks]), getattr(rec, name))
    assert sum(c.lost for c in chunks) == rec.n_lost > 0


def test_read_sample_by_sample_equals_batch():
    plan = random_plan(6, n_sets=1, gaps=False)
    plan = type(plan)(plan.sets, SensorModel(noise_n=0.3, spike_rate_hz=0.2, drift_n_per_min=1.0, jitter_frac=0.05),
                      plan.lead_in_s, plan.seed)
    rec = simulate_session(plan, fs_hz=80.0)
    stream = SessionStream(plan)
    stream.set_rate(80.0)
    rng = np.random.default_rng(0)
    out, i = [], 0
    while i < len(rec.time_s):
        n = int(rng.integers(1, 50))
        if n == 1:
            out.append(stream.read(float(rec.time_s[i]))[0])
        else:
            out.extend(stream.read_many(rec.time_s[i : i + n])[0])
        i += n
    # one-sample reads take a scalar path (math instead of numpy): equal to within rounding
    np.testing.assert_allclose(np.array(out), rec.tension_n, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(stream.clean_tension_n(rec.time_s), rec.clean_tension_n)
    one = [stream.clean_tension_n(float(t)) for t in rec.time_s[::7]]
    np.testing.assert_allclose(np.array(one, dtype=float), rec.clean_tension_n[::7], rtol=0, atol=1e-9)
    # arrays only: exactly equal
    whole = SessionStream(plan)
    whole.set_rate(80.0)
    parts = [whole.read_many(rec.time_s[i : i + 333])[0] for i in range(0, len(rec.time_s), 333)]
    np.testing.assert_array_equal(np.concatenate(parts), rec.tension_n)


def test_truth_until_grows_and_ends_equal_to_batch():
    plan = random_plan(8, n_sets=3, rest_s=(5.0, 8.0))
    rec = simulate_session(plan)
    stream = SessionStream(plan)
    seen = []
    for t in np.arange(0.0, stream.duration_s + 1.0, 2.0):
        sets = stream.truth_until(float(t))
        assert sets[: len(seen)] == tuple(seen)
        assert all(s.end_s <= t for s in sets)
        seen = list(sets)
    assert tuple(seen) == rec.sets and len(seen) == 3
    assert stream.labels_until(stream.duration_s) == rec.labels


def test_read_refuses_time_going_back():
    stream = SessionStream(random_plan(9, n_sets=1))
    stream.read(1.0)
    with pytest.raises(ValueError, match="increasing"):
        stream.read(1.0)
    with pytest.raises(ValueError, match="increasing"):
        stream.read_many(np.array([2.0, 1.5]))


def test_labelled_suite_covers_exercises_rates_and_counts_sets():
    recs = list(labelled_suite(n_sets=14, seed=3, rest_s=(3.0, 5.0)))
    assert sum(len(r.sets) for r in recs) == 14
    assert {s.exercise for r in recs for s in r.sets} == {
        "band-pull-apart", "face-pull", "row", "straight-arm-pulldown", "reverse-fly"}
    assert {r.fs_hz for r in recs} == {10.0, 80.0}
    assert all(r.intervals("setup") and r.intervals("release") for r in recs)
    again = list(labelled_suite(n_sets=14, seed=3, rest_s=(3.0, 5.0)))
    assert [r.sets for r in again] == [r.sets for r in recs]


def test_tags_describe_sets_and_sensor():
    fast = simulate_session(random_plan(61, n_sets=1, n_reps=6, tempo="fast", partial_reps=1, fatigue=0.3))
    tags = fast.sets[0].planned.tags
    assert "tempo-fast" in tags and "partial" in tags and "fatigue" in tags
    assert ("slack" in tags) != ("pretensioned" in tags)
    clipped = simulate_session(random_plan(62, n_sets=1, clipping=True, gaps=True, noise="high"), fs_hz=10.0)
    assert {"clipped", "gaps", "noise-high", "10hz"} <= set(clipped.sensor_tags)
    plain = simulate_session(random_plan(63, n_sets=1, n_reps=1, faults=False, noise="low"))
    assert plain.sensor_tags == ("noise-low", "80hz") and "single-rep" in plain.sets[0].planned.tags
