"""The after-set summary as a few lines of plain text (terminal view, `taut show`, `taut live`, the demo)."""

from __future__ import annotations

from taut.coach.summary import SetSummary

CUE_NAMES = {"too-fast-concentric": "too fast up", "too-fast-eccentric": "too fast back", "no-squeeze": "no squeeze",
             "short-range": "short range", "losing-form": "losing form"}


def cue_counts_text(s: SetSummary) -> str:
    """'too fast back ×4, no squeeze ×2' (cues given at least once), or 'no cues'."""
    parts = [f"{CUE_NAMES.get(k, k)} ×{n}" for k, n in s.cue_counts.items() if n]
    return ", ".join(parts) or "no cues"


def summary_lines(s: SetSummary) -> list[str]:
    """Three lines: reps and cues; tempo against target and the band; the advice."""
    form = "" if s.losing_form_since_rep is None else f" (form lost from rep {s.losing_form_since_rep + 1}: {s.losing_form_what})"
    band = s.band_verdict + (f" → {s.suggested_band}" if s.suggested_band else "")
    return [
        f"{s.good_reps}/{s.reps} good reps · {cue_counts_text(s)}{form}",
        f"tempo {s.tempo} (target {s.target_tempo}) · hold {s.hold_s:.1f} s (target {s.target_hold_s:g} s) · band {band}",
        s.advice,
    ]
