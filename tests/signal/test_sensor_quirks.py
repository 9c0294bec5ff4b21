"""Real sensors' quirks the detector's set-up must see through: an opening burst of samples at
another rate, a reading quantized in steps larger than its noise (docs/analysis.md, the warm-up)."""

import numpy as np
import pytest

import tautsynth
from taut.signal import RepCompleted, RepDetector, RepStarted, SetEnded, TopReached

_BURST_HZ = 50.0  # the grip logs' opening burst: ~0.35 s at ~50 Hz before their steady ~12 Hz
_BURST_S = 0.35


def _live(t, x, sizes=None):
    """Events fed in chunks of `sizes` (default one sample at a time), each with the time of the
    last sample of the chunk that produced it."""
    det = RepDetector(top_events=True)
    out = []
    i = 0
    for n in sizes if sizes is not None else [1] * len(t):
        if i >= len(t):
            break
        out += [(float(t[min(i + n, len(t)) - 1]), e) for e in det.feed(t[i : i + n], x[i : i + n])]
        i += n
    out += [(float(t[-1]), e) for e in det.finish()]
    return out


def _told(events):
    """Each rep's (index, start, end, the time it was told live) and the final sets' rep counts."""
    reps = [(e.rep.index, e.rep.start_s, e.rep.end_s, at) for at, e in events if isinstance(e, RepCompleted)]
    return reps, [len(e.rep_set.reps) for _, e in events if isinstance(e, SetEnded)]


def _with_burst(t, x, rng):
    """The same stream, its first `_BURST_S` replaced by samples at `_BURST_HZ` (the level it
    opens at, with the same noise)."""
    tb = np.arange(0.0, _BURST_S, 1.0 / _BURST_HZ)
    xb = x[0] + rng.normal(0.0, 0.3, len(tb))
    keep = t >= _BURST_S + 0.05
    return np.concatenate([tb, t[keep]]), np.concatenate([xb, x[keep]])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_opening_burst_gives_the_same_reps_told_at_the_same_samples(seed):
    # 12 Hz with its first rep a second in; the burst must not make the detector filter the
    # stream as a 50 Hz one (a median of 3 and a moving average: reps told samples later)
    s = tautsynth.make_session(12.0, (5,), lead_s=1.0, concentric_s=0.5, hold_s=0.3, eccentric_s=0.6, seed=seed)
    t, x = _with_burst(s.time_s, s.tension_n, np.random.default_rng(seed))
    plain, burst = _told(_live(s.time_s, s.tension_n)), _told(_live(t, x))
    assert plain[1] == burst[1] == [5]
    assert len(plain[0]) == len(burst[0]) == 5
    for (i, a0, a1, at), (j, b0, b1, bt) in zip(plain[0], burst[0]):
        assert i == j and abs(a0 - b0) < 0.02 and abs(a1 - b1) < 0.02
        assert bt == at, (i, at, bt)  # told with the same sample


def test_a_rate_change_is_the_same_whatever_the_chunking():
    s = tautsynth.make_session(12.0, (5,), lead_s=1.0, concentric_s=0.5, hold_s=0.3, eccentric_s=0.6, seed=4)
    t, x = _with_burst(s.time_s, s.tension_n, np.random.default_rng(4))
    whole = [e for _, e in _live(t, x, [len(t)])]
    rng = np.random.default_rng(9)
    for sizes in ([1] * len(t), [3, 17, 2] + [5] * len(t), rng.integers(1, 30, len(t)).tolist()):
        assert [e for _, e in _live(t, x, sizes)] == whole


def _quantized(q_n=0.98, fs_hz=11.0, seed=0):
    """A grip sensor stepping in q_n, its noise a tenth of that: the reading sits near a level's
    boundary and flickers one step now and then, and for 1.4 s a step up holds with flickers down
    (the real log's "movement"), then a set of squeezes."""
    s = tautsynth.make_session(fs_hz, (5,), bottom_n=0.45 * q_n, excursion_n=60.0, lead_s=6.0, concentric_s=0.5,
                               hold_s=0.5, eccentric_s=0.6, noise_n=0.1 * q_n, seed=seed)
    t = s.time_s
    x = s.tension_n + 0.1 * q_n * ((t > 1.5) & (t < 2.9))
    return t, np.round(x / q_n) * q_n, s


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_quantized_streams_flicker_opens_no_movement(seed):
    t, x, s = _quantized(seed=seed)
    assert np.ptp(x[:12]) > 0 and np.ptp(x[t < 5.0]) < 1.5  # it flickers one step from the start
    events = _live(t, x)
    first_rep_s = s.sets[0][0].start_s
    early = [e for _, e in events if isinstance(e, (RepStarted, TopReached)) and e.time_s < first_rep_s - 0.5]
    assert early == []
    assert _told(events)[1] == [5]


def test_a_fine_grained_stream_keeps_its_noise_estimate():
    # an HX711 in raw counts steps far below its noise: the quantum's floor must not move it
    s = tautsynth.make_session(80.0, (3,), noise_n=0.3, seed=5)
    x = np.round(s.tension_n / 0.004) * 0.004
    det = RepDetector()
    det.feed(s.time_s, x)
    ref = RepDetector()
    ref.feed(s.time_s, s.tension_n)
    assert det._noise_n == pytest.approx(ref._noise_n, rel=0.05)
    assert det._noise_floor_n() < 0.01 * det._noise_n
