"""Short audio cues made by code: rep counted, squeeze done, too fast, rest over (16-bit mono WAV).

`write_sounds(folder)` writes one small WAV per cue (the Qt window plays them with QSoundEffect);
`sound_for(cue)` names the sound a cue makes, if any. Pure Python (`wave`, `math`, `array`).
"""

from __future__ import annotations

import array
import math
import wave
from pathlib import Path

RATE_HZ = 22050
# name -> notes (frequency Hz, duration s); a short fade at each end keeps them click-free.
SOUNDS: dict[str, tuple[tuple[float, float], ...]] = {
    "rep": ((880.0, 0.08),),
    "squeeze": ((660.0, 0.09), (990.0, 0.12)),
    "fast": ((330.0, 0.1), (330.0, 0.1)),
    "rest": ((523.0, 0.12), (659.0, 0.12), (784.0, 0.18)),
}
_FADE_S = 0.01
_GAP_S = 0.03


def sound_for(cue: object) -> str | None:
    """The sound a cue makes: "rep", "squeeze", "fast", "rest", or None."""
    kind = getattr(cue, "kind", None)
    return {"rep": "rep", "squeeze-done": "squeeze", "too-fast": "fast", "rest-over": "rest", "goal": "rest"}.get(kind)


def samples(name: str, amplitude: float = 0.5) -> array.array:
    """The sound's 16-bit samples at RATE_HZ."""
    out = array.array("h")
    for freq, dur in SOUNDS[name]:
        n = int(dur * RATE_HZ)
        fade = int(_FADE_S * RATE_HZ)
        for i in range(n):
            env = min(1.0, i / fade, (n - 1 - i) / fade)
            out.append(int(32767 * amplitude * env * math.sin(2 * math.pi * freq * i / RATE_HZ)))
        out.extend([0] * int(_GAP_S * RATE_HZ))
    return out


def write_wav(path: Path, name: str) -> Path:
    """One sound as a WAV file."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE_HZ)
        w.writeframes(samples(name).tobytes())
    return path


def write_sounds(folder: Path) -> dict[str, Path]:
    """Every sound as `<name>.wav` in folder (created); name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    return {name: write_wav(folder / f"{name}.wav", name) for name in SOUNDS}
