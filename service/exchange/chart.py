"""Bar charts as inline SVG, drawn on the server: no script, prints sharp, readable without colour
(each bar carries its number), and the page stays one request."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape


def bar_chart(items: Sequence[tuple[str, int]], *, title: str, width: int = 640, bar: int = 28,
              label_width: int = 260) -> str:
    """Horizontal bars, one per (label, value), longest value = full width; an accessible title."""
    gap = 10
    height = max(1, len(items)) * (bar + gap) + gap
    top = max((v for _, v in items), default=0) or 1
    span = width - label_width - 60
    rows = []
    for i, (label, value) in enumerate(items):
        y = gap + i * (bar + gap)
        w = round(span * value / top)
        rows.append(
            f'<text x="{label_width - 8}" y="{y + bar * 0.7:.0f}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{max(w, 1)}" height="{bar}" fill="#0b5cad"><title>'
            f'{escape(label)}: {value}</title></rect>'
            f'<text x="{label_width + max(w, 1) + 6}" y="{y + bar * 0.7:.0f}" class="n">{value}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" width="100%" '
            f'style="max-width:{width}px;font:15px system-ui,sans-serif" aria-label="{escape(title)}">'
            f'<title>{escape(title)}</title>{"".join(rows)}</svg>')
