"""Server-rendered SVG charts for the statistics page: plain shapes, no script, no build step.

Each chart carries a <title> and a table of the same numbers sits beside it on the page, so the
chart is a picture of the table, not the only way to read it.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Chart:
    svg: str
    title: str


def _fmt(x: float) -> str:
    return f"{x:g}".replace(".", ",")


def bar_chart(points: list[tuple[str, float]], *, title: str, width: int = 640, height: int = 220) -> Chart:
    """Vertical bars, one per label (months), with the value above each bar; with more than twelve bars
    every second (third …) label and value is written, so they do not overlap."""
    top = max((v for _, v in points), default=0) or 1
    left, bottom, pad = 8, 28, 18
    n = max(len(points), 1)
    step = -(-n // 12)
    slot = (width - left * 2) / n
    bar = max(min(slot * 0.7, 48), 4)
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="chart-{zlib.crc32(title.encode())}" class="chart">'),
             f'<title id="chart-{zlib.crc32(title.encode())}">{escape(title)}</title>',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - left}" y2="{height - bottom}" class="axis"/>']
    for i, (label, value) in enumerate(points):
        h = (height - bottom - pad) * value / top
        x = left + i * slot + (slot - bar) / 2
        y = height - bottom - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" class="bar"/>')
        if i % step == 0 or value:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" class="val">{_fmt(value)}</text>')
        if i % step == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16}" class="lbl">{escape(label)}</text>')
    parts.append("</svg>")
    return Chart("".join(parts), title)


def stacked_counts(rows: list[tuple[str, int, int]], *, title: str, labels: tuple[str, str],
                   width: int = 640) -> Chart:
    """Horizontal bars per site: filled places over all places."""
    row_h, label_w, gap = 26, 200, 8
    height = max(len(rows), 1) * (row_h + gap) + 30
    top = max((total for _, _, total in rows), default=0) or 1
    scale = (width - label_w - 60) / top
    tid = f"chart-{zlib.crc32(title.encode())}"
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="{tid}" class="chart">'), f'<title id="{tid}">{escape(title)}</title>']
    for i, (name, filled, total) in enumerate(rows):
        y = 24 + i * (row_h + gap)
        short = name if len(name) <= 28 else name[:27] + "…"
        parts.append(f'<text x="0" y="{y + row_h * 0.7:.1f}" class="name">{escape(short)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{total * scale:.1f}" height="{row_h}" class="bar-bg"/>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{filled * scale:.1f}" height="{row_h}" class="bar"/>')
        parts.append(f'<text x="{label_w + total * scale + 6:.1f}" y="{y + row_h * 0.7:.1f}" class="num">'
                     f'{filled} / {total}</text>')
    parts.append(f'<text x="{label_w}" y="14" class="legend">■ {escape(labels[0])}  □ {escape(labels[1])}</text>')
    parts.append("</svg>")
    return Chart("".join(parts), title)
