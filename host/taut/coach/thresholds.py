"""Every coaching threshold in one place (docs/coaching.md lists them with their reasons).

Phase durations are the contract's (docs/analysis.md: 10 %/90 % tension crossings), compared with
the exercise's target tempo read the same way.
"""

from __future__ import annotations

FAST_FRACTION = 0.6  # a concentric or eccentric phase under this share of its target is too fast
SQUEEZE_FRACTION = 0.75  # a top hold under this share of the target hold is no squeeze
# Partial reps are the detector's (range_fraction < taut.signal.levels.PARTIAL_FRACTION).

# Hold-it countdown: the top is reached at B + TOP_ENTER of the set's typical excursion and left
# below B + TOP_LEAVE of it; before the set has a completed rep, a plateau decides instead.
TOP_ENTER_FRACTION = 0.9
TOP_LEAVE_FRACTION = 0.75
PLATEAU_S = 0.3  # first rep of a set: this long within PLATEAU_FRACTION of the running peak
PLATEAU_FRACTION = 0.05
FIRST_TOP_FRACTION = 0.2  # ... once it has risen this share of the expected rise (the grab, small tugs: less)
SMOOTH_S = 0.05  # the countdown's moving average of the tension
BOTTOM_LOOKBACK_S = 1.0  # the bottom before a rep: the lowest smoothed tension this long before it

# A short hold is told as it ends: while the hold so far is under SQUEEZE_FRACTION of the target, the top is
# left once the average is LEAVE_NOISE_K of its noise sigmas below the top line (the noise from the latest
# LEAVE_NOISE_SAMPLES samples) and fell by that much, and by LEAVE_FALL_FRACTION of the excursion per second,
# over LEAVE_FALL_S: a return, not a squeeze sagging (a fading squeeze creeps back by ~0.08 of the excursion per
# second). Not a set's first top risen from slack (under STRETCHED_BOTTOM_N): the grab settles after its overshoot.
# Within that margin of the top line counts as on it (the hold's first and last times: a noise-raised peak draws
# the line high).
LEAVE_NOISE_K = 3.0
LEAVE_NOISE_SAMPLES = 64
LEAVE_FALL_S = 0.1
LEAVE_FALL_FRACTION = 0.25

# A setup tug counts as a rep until the set's first real rep withdraws it (docs/analysis.md). Until a
# set has a rep that is not unheld (hold under TUG_HOLD_S) and brief (TUT under TUG_TUT_S) or small
# (under REP_RISE_FRACTION of the expected rise, below), nor, held or not, under FIRST_TOP_FRACTION of it,
# such reps' cues wait for one that is (or for TUG_RUN of them in a row: a set of fast reps), so a tug
# earns no "too fast".
TUG_TUT_S = 1.5
TUG_HOLD_S = 0.6  # a tug has no hold, but its turnaround keeps it above the 90 % line for up to ~0.4 s
TUG_RUN = 4
# A set of quick reps, not tugs: REP_RUN such reps in a row (none withdrawn), the same size (each at least
# taut.signal.levels.PARTIAL_FRACTION of their median excursion), in rhythm (each start-to-start gap within
# RUN_RHYTHM_FRACTION of their median), each rising at least RUN_RISE_TO_BOTTOM of the tension it starts from
# (a few per cent of a static load is sway: a person standing, a held stretch) and not small against the
# expected rise (REP_RISE_FRACTION, when known). The set then counts as having real reps: its later reps are
# coached at once (a tug inside a set is a rep to the detector: docs/analysis.md).
REP_RUN = 3
RUN_RHYTHM_FRACTION = 0.25
RUN_RISE_TO_BOTTOM = 0.1
# ... but a set's first movement is coached at its top, as a rep, when its rise is beyond a tug's: from
# a stretched band (start tension at least STRETCHED_BOTTOM_N: not the grab from slack) up by at least
# REP_RISE_TO_BOTTOM times that tension (the virtual band's tugs travel 10-30 % of a rep; if one is that big, its cues
# are taken back when the detector withdraws it).
STRETCHED_BOTTOM_N = 1.0
REP_RISE_TO_BOTTOM = 2.5
# The expected rise: the last set's typical excursion (same exercise and band), else the rise to the plan's
# end-range tension. A rise of REP_RISE_FRACTION of the last set's decides alone; with a plan, so does one of
# the plan's, and the shape rule above still holds at TUG_RISE_FRACTION of it (a band lighter than planned).
REP_RISE_FRACTION = 0.6
TUG_RISE_FRACTION = 0.3
# A rise lasting SLOW_RISE_FRACTION of the target concentric is a controlled rep's (a tug is a quick pull), if
# not from slack (the grab) and, with a plan, at least FIRST_TOP_FRACTION of its rise.
SLOW_RISE_FRACTION = 0.8

# Losing form (fatigue): a metric (range, hold, tempo = concentric + eccentric) whose last FORM_RUN
# reps all lie below (1 - FORM_START_DROP) of the set's first FORM_BASE_REPS reps (median) and
# average below (1 - FORM_DROP) of it; it began where a level-then-decline fit breaks.
FORM_BASE_REPS = 3
FORM_RUN = 3
FORM_DROP = {"range": 0.2, "hold": 0.2, "tempo": 0.25}
FORM_START_DROP = {"range": 0.1, "hold": 0.1, "tempo": 0.12}

# Band too heavy (after the set): at least HEAVY_SIGNS of the four signs, comparing the set's
# last third with its first third (sets of at least HEAVY_MIN_REPS reps).
HEAVY_MIN_REPS = 6
HEAVY_SIGNS = 3
RANGE_SHRINK = 0.88  # range of the last third under this share of the first third's
HOLD_DROP = 0.6  # hold ...
ECCENTRIC_COLLAPSE = 0.6  # eccentric ...
PARTIALS_RISE = 2  # at least this many more partial reps in the second half than in the first
# Band too light: every rep good and the median peak under this share of the plan's tension target.
LIGHT_FRACTION = 0.6
# The band to go to: one giving this share of the set's end-range tension (too heavy) or the
# plan's target (too light), ranked by taut.calibration.recommend.
HEAVY_TO_TARGET = 0.8
