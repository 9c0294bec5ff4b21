"""The contract's levels (docs/analysis.md), one name each for every module that uses them.

A rep starts and ends where the tension crosses B + ONSET_FRACTION·E and is at its top from
B + TOP_FRACTION·E; it is partial below PARTIAL_FRACTION of its set's reference range.
`measure`, `kernels`, `reps`, `sets` and the simulator's ground truth (`taut.sim.truth`) all
import these, so the detector's end test, the measurement and the truth draw the same lines.
"""

ONSET_FRACTION = 0.1  # start and end line: B + 0.1 E
TOP_FRACTION = 0.9  # top line: B + 0.9 E (top_start, top_end)
PARTIAL_FRACTION = 0.8  # a rep below this fraction of the set's reference range is partial
