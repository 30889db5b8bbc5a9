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
import math
import statistics
import unicodedata
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


def _segments(row: list[Word], width: float, em: float) -> list[list[Word]]:
    """Cut a row at its widest gap when that gap is wide (1.5 em) and near the middle of the page."""
    if len(row) < 2:
        return [row]
    gap, at = max((b.x0 - a.x1, i + 1) for i, (a, b) in enumerate(itertools.pairwise(row)))
    middle = (row[at - 1].x1 + row[at].x0) / 2
    if gap > 1.5 * em and 0.28 * width < middle < 0.72 * width:
        return [row[:at], row[at:]]
    return [row]


def _text(words: list[Word]) -> str:
    return " ".join(w.text for w in words)


def _meaningful(text: str) -> bool:
    """Specks read as punctuation or as a lone accent ("`", "-.", "ˆ") carry no letters."""
    return any(c.isdigit() or (c.isalpha() and unicodedata.category(c) != "Lm") for c in text)


def reading_text(words: list[Word], width: float, *, skew_degrees: float = 0.0) -> str:
    """``skew_degrees``: how much the page image is turned (the text layer follows it); lines are
    grouped along that slope."""
    # Specks would otherwise bridge the gap between the columns.
    kept = [w for w in words if _meaningful(w.text)]
    if skew_degrees:
        slope = math.tan(math.radians(skew_degrees))
        kept = [Word(w.x0, w.y0 + w.x0 * slope, w.x1, w.y1 + w.x0 * slope, w.text) for w in kept]
    rows = _rows(kept)
    left: list[str] = []
    right: list[str] = []
    body: list[str] = []
    heights = [w.y1 - w.y0 for r in rows for w in r]
    em = 0.75 * (statistics.median(heights) if heights else 12.0)
    in_header = True
    centres = [statistics.fmean(w.yc for w in r) for r in rows]
    pitches = [b - a for a, b in itertools.pairwise(centres) if b > a]
    pitch = statistics.median(pitches) if pitches else 0.0
    wide = sorted((r[0].x0, r[-1].x1) for r in rows if r[-1].x1 - r[0].x0 > 0.6 * width)
    right_margin = max((x1 for _, x1 in wide), default=width)
    prev_centre: float | None = None
    prev_centred: bool | None = None
    for row, centre in zip(rows, centres, strict=True):
        segs = _segments(row, width, em)
        if in_header:
            if len(segs) == 2:
                left.append(_text(segs[0]))
                right.append(_text(segs[1]))
                prev_centre = centre
                continue
            seg = segs[0]
            middle = (seg[0].x0 + seg[-1].x1) / 2
            crosses = seg[0].x0 < 0.47 * width and seg[-1].x1 > 0.53 * width
            if middle < 0.45 * width and not crosses:
                left.append(_text(seg))
                prev_centre = centre
                continue
            if middle > 0.55 * width and seg[0].x0 > 0.38 * width:
                right.append(_text(seg))
                prev_centre = centre
                continue
            in_header = False
        x0, x1 = row[0].x0, row[-1].x1
        # Title and subject lines are centred and narrower than the text; body lines reach the
        # right margin or start at the left one.
        centred = abs((x0 + x1) / 2 - width / 2) < 0.04 * width and x1 < right_margin - 0.04 * width
        gap = prev_centre is not None and pitch and centre - prev_centre > 1.5 * pitch
        if body and (gap or (prev_centred is not None and centred != prev_centred)):
            body.append("")
        body.append("   ".join(_text(s) for s in segs))
        prev_centre, prev_centred = centre, centred
    return "\n".join([*left, "", *right, "", *body])
