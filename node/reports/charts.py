"""Charts drawn on the server as SVG text (no JavaScript, no CDN; WeasyPrint embeds them in the PDF)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from node.domain.reports import ChannelCount

ELECTRONIC = "#1f5fa8"
PAPER = "#b9b9b9"


def channel_bars(rows: Sequence[tuple[str, ChannelCount]], *, width: int = 640, bar: int = 22,
                 label_width: int = 190, title: str = "") -> str:
    """One stacked horizontal bar per row: electronic (blue) then paper (grey), scaled to the
    largest total, with the counts and the electronic share written beside it."""
    top = 28 if title else 6
    height = top + len(rows) * (bar + 10) + 26
    scale_w = width - label_width - 120
    most = max((c.total for _, c in rows), default=0) or 1
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}"'
           f' viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}"'
           ' font-family="Noto Sans, DejaVu Sans, sans-serif" font-size="12">']
    if title:
        out.append(f'<text x="0" y="16" font-weight="bold" font-size="13">{escape(title)}</text>')
    for i, (label, c) in enumerate(rows):
        y = top + i * (bar + 10)
        we = round(scale_w * c.electronic / most)
        wp = round(scale_w * c.paper / most)
        out.append(f'<text x="{label_width - 8}" y="{y + bar - 7}" text-anchor="end">'
                   f'{escape(label[:32])}</text>')
        out.append(f'<rect x="{label_width}" y="{y}" width="{we}" height="{bar}" fill="{ELECTRONIC}"/>')
        out.append(f'<rect x="{label_width + we}" y="{y}" width="{wp}" height="{bar}" fill="{PAPER}"/>')
        share = "—" if c.share is None else f"{c.share}%"
        out.append(f'<text x="{label_width + we + wp + 6}" y="{y + bar - 7}">{c.electronic}/{c.total}'
                   f' ({escape(share)})</text>')
    y = top + len(rows) * (bar + 10) + 8
    out.append(f'<rect x="{label_width}" y="{y}" width="12" height="12" fill="{ELECTRONIC}"/>'
               f'<text x="{label_width + 16}" y="{y + 10}">Điện tử</text>'
               f'<rect x="{label_width + 90}" y="{y}" width="12" height="12" fill="{PAPER}"/>'
               f'<text x="{label_width + 106}" y="{y + 10}">Giấy</text>')
    out.append("</svg>")
    return "".join(out)
