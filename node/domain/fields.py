"""Field extraction from the first page of a Vietnamese administrative document (NĐ 30 layout).

Input is the text of page 1 (OCR or text layer), in reading order; the header is two columns
(agency and số on the left, national motto and place/date on the right), which OCR and
pdftotext emit either as separate blocks or as one line with wide gaps: both are handled by
splitting lines on runs of three or more spaces. Matching is done on folded text (no marks,
đ → d) so diacritic slips of the OCR do not break it; values are cut from the original text.

Each field comes with a confidence in [0, 1]; the clerk confirms or fixes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from node.domain.doctypes import (
    ABBR_BY_TYPE,
    CONG_VAN,
    TYPE_BY_ABBR,
    TYPE_BY_FOLDED_TITLE,
    canonical_abbr,
)
from node.domain.text import fold, nfc, split_glued, squash


@dataclass(frozen=True)
class Field:
    value: Any
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "confidence": round(self.confidence, 2)}


NONE = Field(None, 0.0)


@dataclass(frozen=True)
class ExtractedFields:
    code_number: Field = NONE
    code_notation: Field = NONE
    issued_date: Field = NONE  # ISO yyyy-mm-dd
    issuer: Field = NONE
    issuer_parent: Field = NONE
    type_name: Field = NONE
    subject: Field = NONE

    NAMES = ("code_number", "code_notation", "issued_date", "issuer", "type_name", "subject")

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {name: getattr(self, name).as_dict()
                for name in (*self.NAMES, "issuer_parent")}

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name).value for name in self.NAMES}


# -- patterns (on folded text) ----------------------------------------------------------------
_NOTATION = r"(?:\d{4}\s*/\s*)?[a-z][a-z0-9]*(?:\s*[-–]\s*[a-z0-9]+)*"
_NUMBER_RE = re.compile(r"(?<![a-z0-9])[s$§5][o0]\s*[:;.,]?\s*(\d{1,6})\s*/+\s*(" + _NOTATION + r")")
_DATE_WORDS_RE = re.compile(r"(?:ngay\s*|\S{1,3}\s+)?(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})")
_DATE_SLASH_RE = re.compile(r"(?<![\d/])(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})(?![\d/])")
_SUBJECT_START_RE = re.compile(r"^[\W_]*(?:v\s*[/|]\s*[vwy]|ve viec)\b[\s.:]*")
_PLACE_DATE_RE = re.compile(r"^[\w\s.\-]{2,50}[,;]\s*(?:ngay\s*\d|\S{1,3}\s+\d{1,2}\s*thang|\d{1,2}\s*/)")
_COLUMN_GAP = re.compile(r"\s{3,}|\s\|\s")
_RULE_LINE = re.compile(r"^[\s\-_–—=.*~]+$")
_MOTTO = ("cong hoa xa hoi", "chu nghia viet nam", "doc lap", "tu do", "hanh phuc")
_STOP_SUBJECT = ("kinh ", "can cu", "thuc hien", "xet de nghi", "theo de nghi")
# Words that open the name of an agency in the header; a line starting with one of them begins
# a new entity (the parent agency first, the issuing agency last).
_AGENCY_HEADS = (
    "uy ban nhan dan", "ubnd", "hoi dong nhan dan", "hdnd", "so ", "bo ", "van phong", "phong ",
    "ban ", "trung tam", "cuc ", "tong cuc", "chi cuc", "truong ", "benh vien", "cong an",
    "thanh uy", "quan uy", "huyen uy", "dang uy", "kho bac", "chi nhanh", "vien ", "toa an",
    "vien kiem sat", "thanh tra", "doan ", "hoi ", "cong ty", "tap doan", "bo chi huy",
)


_JUNK_CHARS = str.maketrans("", "", "_¬‹›`~|«»¦")


def _clean(part: str) -> str:
    """Drop OCR debris: specks read as punctuation, underscores, bars."""
    tokens = [split_glued(t) if t.isupper() else t
              for t in (t.strip("'\"“”‘’") for t in part.translate(_JUNK_CHARS).split())
              if any(c.isalnum() for c in t) or t in ("/", "-", "–")]
    while tokens and tokens[0] in ("-", "–"):
        tokens.pop(0)
    return " ".join(tokens)


def _lines(text: str) -> list[str]:
    """Lines of the page, columns split apart; "" marks the end of a block (kept once)."""
    out: list[str] = []
    for raw in nfc(text).replace("\f", "\n").splitlines():
        parts = [_clean(p) for p in _COLUMN_GAP.split(raw)]
        parts = [p for p in parts if p and not _RULE_LINE.match(p)]
        if not parts:
            if out and out[-1]:
                out.append("")
            continue
        out.extend(parts)
    return out


_EDGE_JUNK = ".:;'\"“”‘’*"


def _clean_value(text: str) -> str:
    """Strip punctuation OCR hangs on words ("tiếp." "THAO:" ".bản"); commas inside stay."""
    tokens = []
    for t in text.split():
        t = t.lstrip(_EDGE_JUNK + ",").rstrip(_EDGE_JUNK)
        if t:
            tokens.append(t)
    return " ".join(tokens).rstrip(",;")


def _unglue(text: str) -> str:
    return " ".join(split_glued(t) if t.isupper() else t for t in text.split())


def _upper_ratio(s: str) -> float:
    letters = [c for c in s if c.isalpha()]
    if not letters:
        return 0.0
    return sum(c.isupper() for c in letters) / len(letters)


def _is_motto(folded: str) -> bool:
    return any(m in folded for m in _MOTTO)


@dataclass(frozen=True)
class _Line:
    text: str
    folded: str


def extract_fields(first_page_text: str) -> ExtractedFields:
    lines = [_Line(t, fold(t)) for t in _lines(first_page_text)]
    number_at, number, notation = _find_number(lines)
    date_at, issued = _find_date(lines)
    header_end = min(i for i in (number_at, date_at, len(lines)) if i is not None)
    issuer, parent = _find_issuer(lines[: max(header_end, 0)] if header_end else lines[:6])
    title_at, title_type = _find_title(lines, after=max(i for i in (number_at, date_at, -1)
                                                        if i is not None))
    type_name = _decide_type(title_type, notation, lines)
    if notation.value is not None and type_name.value in ABBR_BY_TYPE:
        notation = _fix_notation(notation, ABBR_BY_TYPE[type_name.value])
    subject = _find_subject(lines, title_at, number_at)
    return ExtractedFields(code_number=number, code_notation=notation, issued_date=issued,
                           issuer=issuer, issuer_parent=parent, type_name=type_name, subject=subject)


def _find_number(lines: list[_Line]) -> tuple[int | None, Field, Field]:
    # First a line that starts with "Số:", then "số 12/..." anywhere (lower confidence).
    for anchored in (True, False):
        for i, line in enumerate(lines[:40]):
            m = _NUMBER_RE.search(line.folded)
            if not m or len(line.folded) != len(line.text) or (anchored and m.start() > 3):
                continue
            number = int(m.group(1))
            raw = line.text[m.start(2):m.end(2)]
            notation = re.sub(r"\s+", "", raw).replace("–", "-").rstrip("-.")
            conf = 0.95 if anchored else 0.6
            return i, Field(number, conf), Field(notation, conf)
    return None, NONE, NONE


def _fix_notation(notation: Field, abbr: str) -> Field:
    """Put back the type abbreviation the OCR damaged ("QD" → "QĐ", "TIr" → "TTr") when the title
    line says which type the document is."""
    value = str(notation.value)
    prefix, sep, rest = value.partition("-")
    year = ""
    if "/" in prefix:
        year, _, prefix = prefix.rpartition("/")
        year += "/"
    if not sep or prefix == abbr:
        return notation
    close = fold(prefix) == fold(abbr) or (
        len(prefix) == len(abbr) and sum(a != b for a, b in zip(prefix, abbr, strict=True)) == 1)
    if close:
        return Field(f"{year}{abbr}-{rest}", notation.confidence * 0.9)
    return notation


def _valid_date(d: str, m: str, y: str) -> date | None:
    try:
        value = date(int(y), int(m), int(d))
    except ValueError:
        return None
    return value if 1945 <= value.year <= 2100 else None


def _find_date(lines: list[_Line]) -> tuple[int | None, Field]:
    best: tuple[float, int, date] | None = None
    for i, line in enumerate(lines[:60]):
        for regex in (_DATE_WORDS_RE, _DATE_SLASH_RE):
            for m in regex.finditer(line.folded):
                found = _valid_date(*m.groups())
                if found is None:
                    continue
                before = line.folded[: m.start()].rstrip()
                # "Hà Nội, ngày 14 tháng 4 năm 2023": a place and a comma right before the date.
                if before.endswith((",", ";")) and len(before) < 60:
                    score = 0.95
                elif not before and i < 12:
                    score = 0.6
                else:
                    score = 0.3 if i < 12 else 0.15
                if regex is _DATE_SLASH_RE:
                    score -= 0.05
                if best is None or score > best[0]:
                    best = (score, i, found)
        if best is not None and best[0] >= 0.9:
            break
    if best is None:
        return None, NONE
    score, i, found = best
    return (i if score >= 0.6 else None), Field(found.isoformat(), score)


def _find_issuer(header: list[_Line]) -> tuple[Field, Field]:
    entities: list[list[str]] = []
    for line in header:
        if _is_motto(line.folded) or _upper_ratio(line.text) < 0.75 or len(line.folded) < 2:
            continue
        if _NUMBER_RE.search(line.folded):
            continue
        starts_entity = any(line.folded.startswith(h) for h in _AGENCY_HEADS)
        if starts_entity or not entities:
            entities.append([line.text])
        else:
            entities[-1].append(line.text)
    if not entities:
        return NONE, NONE
    issuer = _unglue(_clean_value(" ".join(entities[-1])))
    parent = (_unglue(_clean_value(" ".join(" ".join(e) for e in entities[:-1])))
              if len(entities) > 1 else None)
    known = any(fold(issuer).startswith(h) for h in _AGENCY_HEADS)
    return (Field(issuer, 0.85 if known else 0.5),
            Field(parent, 0.8) if parent else NONE)


def _title_type(line: _Line) -> str | None:
    if _upper_ratio(line.text) < 0.8:
        return None
    key = squash(line.folded.rstrip(":. "))
    return TYPE_BY_FOLDED_TITLE.get(key)


def _find_title(lines: list[_Line], *, after: int) -> tuple[int | None, str | None]:
    for i in range(max(after + 1, 0), min(len(lines), after + 25)):
        found = _title_type(lines[i])
        if found is not None:
            return i, found
    for i, line in enumerate(lines[:30]):  # the title came before số/date in reading order
        found = _title_type(line)
        if found is not None:
            return i, found
    return None, None


def _decide_type(title_type: str | None, notation: Field, lines: list[_Line]) -> Field:
    by_notation: str | None = None
    if notation.value is not None:
        first = str(notation.value).split("/")[-1].split("-")[0]
        abbr = canonical_abbr(first)
        by_notation = TYPE_BY_ABBR.get(abbr) if abbr else None
    has_vv = any(_SUBJECT_START_RE.match(line.folded) and "ve viec" not in line.folded[:12]
                 for line in lines[:40])
    if title_type is not None:
        agrees = by_notation == title_type
        return Field(title_type, 0.95 if agrees else (0.6 if by_notation else 0.8))
    if by_notation is not None:
        return Field(by_notation, 0.7)
    if has_vv or notation.value is not None:
        # No title line and no type abbreviation in the ký hiệu: a công văn (NĐ 30 Phụ lục I).
        return Field(CONG_VAN, 0.85 if has_vv else 0.6)
    return NONE


def _skips_subject(line: _Line) -> bool:
    """Lines of the other header column that OCR may put inside the subject block."""
    return _is_motto(line.folded) or bool(_PLACE_DATE_RE.match(line.folded))


def _stops_subject(line: _Line) -> bool:
    f = line.folded
    number = _NUMBER_RE.search(f)
    return (f.startswith(_STOP_SUBJECT) or (number is not None and number.start() <= 3)
            or _title_type(line) is not None or bool(re.match(r"^(\d+|[ivx]+)[.)]\s", f))
            or f.startswith(("dieu ", "chuong ")) or (_upper_ratio(line.text) > 0.8 and len(f) > 3))


def _find_subject(lines: list[_Line], title_at: int | None, number_at: int | None) -> Field:
    start: int | None = None
    conf = 0.0
    for i, line in enumerate(lines[:40]):
        if _SUBJECT_START_RE.match(line.folded):
            start, conf = i, 0.85
            break
    if start is None and title_at is not None:
        after = [i for i in range(title_at + 1, min(len(lines), title_at + 3)) if lines[i].text]
        if after:
            start, conf = after[0], 0.75
    if start is None and number_at is not None:
        # A công văn whose subject line has no "V/v": the block under the số in the left column.
        for i in range(number_at + 1, min(len(lines), number_at + 4)):
            if lines[i].text and not _skips_subject(lines[i]):
                start, conf = i, 0.6
                break
    if start is None or not lines[start].text or _stops_subject(lines[start]) \
            or _skips_subject(lines[start]):
        return NONE
    parts = [lines[start]]
    for line in lines[start + 1: start + 10]:
        if not line.text:
            break
        if _skips_subject(line):
            continue
        if _stops_subject(line):
            break
        parts.append(line)
    text = squash(" ".join(p.text for p in parts))
    m = _SUBJECT_START_RE.match(fold(text))
    if m and len(fold(text)) == len(text):
        text = text[m.end():]
    text = _clean_value(text)
    return Field(text, conf) if text else NONE
