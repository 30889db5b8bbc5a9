"""Where things are on a page: words from poppler's ``pdftotext -bbox``, in PDF points.

Used to place the personal signature between the position title and the signer's full name, and
the số / ngày / tháng form fields in the blanks of "Số: …/QĐ-UBND" and "…, ngày … tháng … năm …".
Coordinates returned are PDF user space (origin bottom-left), pages count from 0.
"""

from __future__ import annotations

import html
import re
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from node.domain.signing import Box
from node.errors import PlacementError, UnreadablePdfError

_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
SIGNATURE_MIN_HEIGHT = 24.0


@dataclass(frozen=True)
class Word:
    text: str
    x1: float
    top: float  # from the top of the page, as poppler gives it
    x2: float
    bottom: float


@dataclass(frozen=True)
class Page:
    index: int
    width: float
    height: float
    words: tuple[Word, ...]

    def lines(self, tolerance: float = 3.0) -> list[list[Word]]:
        """Words grouped by baseline into visual lines (top to bottom, left to right)."""
        rows: list[list[Word]] = []
        for w in sorted(self.words, key=lambda w: (round(w.top), w.x1)):
            if rows and abs(rows[-1][0].top - w.top) <= tolerance:
                rows[-1].append(w)
            else:
                rows.append([w])
        return [sorted(r, key=lambda w: w.x1) for r in rows]

    def box(self, x1: float, top: float, x2: float, bottom: float) -> Box:
        return Box(self.index, x1, self.height - bottom, x2, self.height - top)


def _norm(s: str) -> str:
    return unicodedata.normalize("NFC", s).casefold()


def read_pages(pdf: Path, first: int | None = None, last: int | None = None) -> list[Page]:
    """Words of the given pages (1-based, inclusive, as poppler counts) of a PDF file."""
    cmd = ["pdftotext", "-q", "-bbox"]
    if first is not None:
        cmd += ["-f", str(first)]
    if last is not None:
        cmd += ["-l", str(last)]
    proc = subprocess.run([*cmd, str(pdf), "-"], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise UnreadablePdfError(f"Không đọc được chữ trong tệp PDF {pdf.name} "
                                 f"(pdftotext {proc.returncode}).")
    pages: list[Page] = []
    start = first - 1 if first else 0
    chunks = _PAGE.split(proc.stdout)[1:]
    for i in range(0, len(chunks), 3):
        width, height, body = float(chunks[i]), float(chunks[i + 1]), chunks[i + 2]
        words = tuple(Word(html.unescape(m[4]), float(m[0]), float(m[1]), float(m[2]), float(m[3]))
                      for m in _WORD.findall(body))
        pages.append(Page(start + i // 3, width, height, words))
    return pages


def page_count(pdf: Path) -> int:
    proc = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=60)
    m = re.search(r"^Pages:\s+(\d+)", proc.stdout, re.M)
    if proc.returncode != 0 or m is None:
        raise UnreadablePdfError(f"Không đọc được tệp PDF {pdf.name}.")
    return int(m[1])


def find_signature_box(pdf: Path, full_name: str, *, width: float = 150.0) -> Box:
    """The box between the position title and the signer's full name (last occurrence)."""
    target = _norm(full_name).split()
    if not target:
        raise PlacementError("Thiếu họ tên người ký để tìm vị trí chữ ký.")
    total = page_count(pdf)
    for page in reversed(read_pages(pdf, max(1, total - 1), total)):
        lines = page.lines()
        for li in range(len(lines) - 1, -1, -1):
            found = _find_run(lines[li], target)
            if found is None:
                continue
            name_x1, name_x2 = found[0].x1, found[-1].x2
            name_top = min(w.top for w in found)
            centre = (name_x1 + name_x2) / 2
            above = [w for line in lines[:li] for w in line
                     if w.bottom <= name_top and w.x1 <= centre + width / 2 and w.x2 >= centre - width / 2]
            ceiling = max((w.bottom for w in above), default=name_top - 90)
            if name_top - ceiling < SIGNATURE_MIN_HEIGHT:
                raise PlacementError(f"Không có chỗ trống giữa chức vụ và họ tên «{full_name}» để đặt "
                                     "chữ ký; hãy chỉ định vị trí.")
            return page.box(centre - width / 2, ceiling + 2, centre + width / 2, name_top - 2)
    raise PlacementError(f"Không tìm thấy họ tên người ký «{full_name}» trong văn bản; hãy chỉ định vị trí "
                         "chữ ký (trang và khung).")


def _find_run(line: list[Word], target: list[str]) -> list[Word] | None:
    texts = [_norm(w.text) for w in line]
    n = len(target)
    for i in range(len(texts) - n, -1, -1):
        if texts[i:i + n] == target:
            return line[i:i + n]
    return None


@dataclass(frozen=True)
class NumberDateBoxes:
    number: Box
    day: Box | None
    month: Box | None
    year: Box | None


def find_number_date_boxes(pdf: Path) -> NumberDateBoxes:
    """The blanks after "Số:", after "ngày", after "tháng" (and after "năm" if blank) on page 1."""
    page = read_pages(pdf, 1, 1)[0]
    number = day = month = year = None
    for line in page.lines():
        texts = [_norm(w.text) for w in line]
        for i, t in enumerate(texts):
            nxt = line[i + 1] if i + 1 < len(line) else None
            w = line[i]
            if number is None and t in ("số:", "số"):
                number = _gap(page, w, nxt, 70)
            elif day is None and t == "ngày" and i > 0:
                day = _gap(page, w, nxt, 26)
            elif day is not None and month is None and t == "tháng":
                month = _gap(page, w, nxt, 26)
            elif month is not None and year is None and t == "năm" and nxt is None:
                year = _gap(page, w, None, 34)
    if number is None:
        raise PlacementError("Không tìm thấy dòng «Số:» ở trang đầu để đặt ô số văn bản.")
    return NumberDateBoxes(number, day, month, year)


def _gap(page: Page, word: Word, nxt: Word | None, default: float) -> Box:
    x1 = word.x2 + 1.5
    x2 = nxt.x1 - 0.5 if nxt is not None and nxt.x1 - x1 > 6 else x1 + default
    return page.box(x1, word.top + 1, x2, word.bottom - 1)
