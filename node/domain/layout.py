"""Reading order for page 1 of an administrative document, from word boxes.

OCR engines and pdftotext put the two header columns of an NĐ 30 document on the same lines
("ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Số: 226/UBND-TTTH Thành phố …, ngày …"),
sometimes gluing words of both columns together. With the word boxes the columns are cut
apart: rows are split at wide horizontal gaps, each piece is put in the left or right column by
its centre, and the header is every row before the first one that runs across the middle of
the page. The result lists the left column, then the right column, then the body; a blank line
marks a vertical gap (the end of a block).
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def yc(self) -> float:
        return (self.y0 + self.y1) / 2


def _rows(words: list[Word]) -> list[list[Word]]:
    if not words:
        return []
    height = statistics.median(w.y1 - w.y0 for w in words) or 1.0
    rows: list[list[Word]] = []
    for w in sorted(words, key=lambda w: w.yc):
        if rows and abs(w.yc - statistics.fmean(x.yc for x in rows[-1])) < 0.55 * height:
            rows[-1].append(w)
        else:
            rows.append([w])
    return [sorted(r, key=lambda w: w.x0) for r in rows]


def _segments(row: list[Word], width: float) -> list[list[Word]]:
    segs: list[list[Word]] = [[row[0]]]
    for prev, w in itertools.pairwise(row):
        gap_limit = max(0.035 * width, 2.5 * (prev.y1 - prev.y0))
        if w.x0 - prev.x1 > gap_limit:
            segs.append([w])
        else:
            segs[-1].append(w)
    return segs


def _text(words: list[Word]) -> str:
    return " ".join(w.text for w in words)


def reading_text(words: list[Word], width: float) -> str:
    # Specks read as punctuation ("`", "-.", "_") would bridge the gap between the columns.
    rows = _rows([w for w in words if any(c.isalnum() for c in w.text)])
    left: list[str] = []
    right: list[str] = []
    body: list[str] = []
    in_header = True
    centres = [statistics.fmean(w.yc for w in r) for r in rows]
    pitches = [b - a for a, b in itertools.pairwise(centres) if b > a]
    pitch = statistics.median(pitches) if pitches else 0.0
    prev_centre: float | None = None
    for row, centre in zip(rows, centres, strict=True):
        segs = _segments(row, width)
        if in_header:
            kinds = []
            for seg in segs:
                middle = (seg[0].x0 + seg[-1].x1) / 2
                crosses = seg[0].x0 < 0.47 * width and seg[-1].x1 > 0.53 * width
                kinds.append("left" if middle < 0.45 * width and not crosses
                             else "right" if middle > 0.55 * width and seg[0].x0 > 0.38 * width
                             else "full")
            if "full" not in kinds:
                for kind, seg in zip(kinds, segs, strict=True):
                    (left if kind == "left" else right).append(_text(seg))
                prev_centre = centre
                continue
            in_header = False
        if prev_centre is not None and body and pitch and centre - prev_centre > 1.5 * pitch:
            body.append("")
        body.append("   ".join(_text(s) for s in segs))
        prev_centre = centre
    parts = [*left, "", *right, "", *body]
    return "\n".join(parts)
