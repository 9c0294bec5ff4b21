"""The contract's levels (docs/analysis.md), one name each for every module that uses them.

A rep starts and ends where the tension crosses B + ONSET_FRACTION·E and is at its top from
B + TOP_FRACTION·E; it is partial below PARTIAL_FRACTION of its set's reference range.
`measure`, `kernels`, `reps`, `sets` and the simulator's ground truth (`taut.sim.truth`) all
import these, so the detector's end test, the measurement and the truth draw the same lines.
"""

ONSET_FRACTION = 0.1  # start and end line: B + 0.1 E
TOP_FRACTION = 0.9  # top line: B + 0.9 E (top_start, top_end)
PARTIAL_FRACTION = 0.8  # a rep below this fraction of the set's reference range is partial

# how a rep is measured (measure.measure_rep; the compiled kernels read these when they are compiled)
SMOOTH_S = 0.05  # moving-average span for the measurement copy
GAP_FACTOR = 3.0  # samples further apart than this many sampling intervals: lost samples between
SPLIT_GAP_FACTOR = 1.8  # a hidden trough may lie in any loss, one sample too (jitter stays under 1.6)
SPIKE_NOISE_K = 5.0  # a sample standing out of its median of 3 by this many noise sigmas is a spike...
SPIKE_FRACTION_PER_S = 2.5  # ...or by this fraction of the rise per second of sampling interval
SPIKE_FRACTION_RANGE = (0.03, 0.3)  # (that fraction clipped to this range)
STEADY_S = 0.15  # the steady excursion takes medians over +-this around bottom and peak...
STEADY_TUT_FRACTION = 0.25  # ...but at most this fraction of the rep's TUT each side
