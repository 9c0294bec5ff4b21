"""Small self-contained SVG line charts for the HTML report (no fonts, scripts or links to fetch).

Every label is XML-escaped here, so strings from the log cannot break out of the picture.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from html import escape

PALETTE = ("#d9480f", "#1971c2", "#2f9e44", "#ae3ec9", "#f08c00")


def _nice_range(values: Sequence[float]) -> tuple[float, float]:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return 0.0, 1.0
    lo, hi = min(0.0, min(finite)), max(finite)
    return (lo, hi * 1.1) if hi > lo else (lo, lo + 1.0)


def line_chart(
    labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    title: str,
    y_label: str,
    width: int = 720,
    height: int = 260,
    y_range: tuple[float, float] | None = None,
) -> str:
    """An SVG document: one line per series over the category labels (None: no point there);
    the y axis spans `y_range`, else zero (or the lowest value) to a little above the highest."""
    left, right, top, bottom = 56, 40, 28, 44
    pw, ph = width - left - right, height - top - bottom
    lo, hi = y_range or _nice_range([v for vs in series.values() for v in vs if v is not None])
    n = max(1, len(labels))
    x = (lambda i: left + pw / 2) if n == 1 else (lambda i: left + pw * i / (n - 1))
    y = lambda v: top + ph * (1 - (v - lo) / (hi - lo))  # noqa: E731
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{width / 2:.1f}" y="16" text-anchor="middle" font-size="13">{escape(title)}</text>',
        f'<text x="12" y="{top + ph / 2:.1f}" transform="rotate(-90 12 {top + ph / 2:.1f})" text-anchor="middle">'
        f"{escape(y_label)}</text>",
    ]
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        parts.append(f'<line x1="{left}" x2="{left + pw}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#dddddd"/>')
        parts.append(f'<text x="{left - 4}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.3g}</text>')
    step = max(1, math.ceil(n / 8))
    for i, label in enumerate(labels):
        if i % step == 0:
            parts.append(f'<text x="{x(i):.1f}" y="{top + ph + 16}" text-anchor="middle">{escape(label)}</text>')
    for j, (name, values) in enumerate(series.items()):
        colour = PALETTE[j % len(PALETTE)]
        pts = [(x(i), y(v)) for i, v in enumerate(values) if v is not None and math.isfinite(v)]
        if len(pts) > 1:
            d = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
            parts.append(f'<polyline points="{d}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>' for px, py in pts]
        parts.append(f'<text x="{left + 8 + 150 * j}" y="{height - 8}" fill="{colour}">● {escape(name)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def data_uri(data: bytes | str, mime: str) -> str:
    """`data:` URI of a picture, for an <img> that needs nothing from the network."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}"
