"""Registers, numbers and notations (NĐ 30 Điều 15, 22; Phụ lục I §II.3; Phụ lục VI §III.1.đ, h).

- A :class:`Register` is a book of one kind: incoming ``den`` (số đến), outgoing ``di`` (số đi) or
  copies ``sao``. Secret documents get their own series, i.e. their own register (``secret``).
- Numbers run 1, 2, 3 … per (register, year); the year is the calendar year in
  Asia/Ho_Chi_Minh, so numbering restarts at 00:00 +07 on 1 January. They are never skipped and
  never reused: the store allocates them (:class:`NumberAllocator`) inside the transaction that
  records the document.
- Displayed with a leading zero below 10 (``05``); ký hiệu = type abbreviation + issuer
  abbreviation (``QĐ-UBND``); công văn has no type abbreviation (``1768/SVHTT-VP``).
- A document whose (số, ký hiệu, issuer) or DocumentId is already known is warned about.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from node.domain.clock import VN_TZ
from node.domain.doctypes import ABBR_BY_TYPE, CONG_VAN, THU_CONG
from node.domain.errors import DomainError


class NumberingError(DomainError):
    code = "numbering_error"


class RegisterMismatch(NumberingError):
    code = "register_mismatch"


class RegisterKind(StrEnum):
    INCOMING = "den"
    OUTGOING = "di"
    COPY = "sao"


REGISTER_KIND_VI: dict[RegisterKind, str] = {
    RegisterKind.INCOMING: "Sổ đăng ký văn bản đến",
    RegisterKind.OUTGOING: "Sổ đăng ký văn bản đi",
    RegisterKind.COPY: "Sổ đăng ký bản sao văn bản",
}


@dataclass(frozen=True)
class Register:
    """One numbering series. ``type_names`` empty = every document type (R15: types per register)."""

    code: str  # stable key, e.g. "di", "di-mat", "den", "den-mat", "sao"
    kind: RegisterKind
    name: str
    secret: bool = False
    type_names: frozenset[str] = frozenset()
    active: bool = True

    def accepts(self, type_name: str) -> bool:
        wanted = normalize_type(type_name)
        return not self.type_names or wanted in {normalize_type(t) for t in self.type_names}


def default_registers() -> list[Register]:
    """What a fresh node starts with: one open and one secret series per kind, one copy series."""
    return [
        Register("den", RegisterKind.INCOMING, "Sổ văn bản đến"),
        Register("den-mat", RegisterKind.INCOMING, "Sổ văn bản đến (mật)", secret=True),
        Register("di", RegisterKind.OUTGOING, "Sổ văn bản đi"),
        Register("di-mat", RegisterKind.OUTGOING, "Sổ văn bản đi (mật)", secret=True),
        Register("sao", RegisterKind.COPY, "Sổ bản sao văn bản"),
    ]


COPY_TYPES: frozenset[str] = frozenset({"Bản sao y", "Bản trích sao", "Bản sao lục"})


def register_kind_for(type_name: str) -> RegisterKind:
    """Copies (sao y, trích sao, sao lục) are numbered in the copy register (Phụ lục I Part II
    §II.1.c); every other document the office issues in an outgoing register."""
    if normalize_type(type_name) in {normalize_type(t) for t in COPY_TYPES}:
        return RegisterKind.COPY
    return RegisterKind.OUTGOING


def choose_register(registers: Iterable[Register], kind: RegisterKind, *, secret: bool,
                    type_name: str = "") -> Register:
    """The register a document goes into: same kind, same secrecy, accepting its type.

    A register dedicated to the type wins over a general one.
    """
    fitting = [r for r in registers if r.active and r.kind is kind and r.secret == secret
               and r.accepts(type_name)]
    fitting.sort(key=lambda r: (not r.type_names, r.code))
    if not fitting:
        what = "mật" if secret else "thường"
        raise RegisterMismatch(f"Chưa có {REGISTER_KIND_VI[kind].lower()} ({what}) cho loại"
                               f" văn bản “{type_name or '—'}”.", code="register_not_found")
    return fitting[0]


def check_register(register: Register, kind: RegisterKind, *, secret: bool) -> None:
    if register.kind is not kind:
        raise RegisterMismatch(f"{register.name} không phải {REGISTER_KIND_VI[kind].lower()}.")
    if register.secret != secret:
        if secret:
            raise RegisterMismatch("Văn bản mật phải vào sổ riêng của văn bản mật.",
                                   code="secret_needs_secret_register")
        raise RegisterMismatch("Văn bản thường không được vào sổ văn bản mật.")


def numbering_year(at: datetime) -> int:
    """The numbering year: the calendar year in Asia/Ho_Chi_Minh (restart on 1 January +07)."""
    if at.tzinfo is None:
        raise NumberingError("Thời điểm cấp số thiếu múi giờ.", code="naive_datetime")
    return at.astimezone(VN_TZ).year


def format_number(n: int) -> str:
    """NĐ 30 Phụ lục I §II.3: Arabic numerals, a leading zero below 10."""
    if n < 1:
        raise NumberingError(f"Số văn bản phải từ 1 trở lên (nhận {n}).", code="number_invalid")
    return f"{n:02d}"


@dataclass(frozen=True)
class AllocatedNumber:
    """A number the store handed out: it exists in the register from that moment on."""

    register_code: str
    year: int
    number: int
    allocated_at: datetime

    @property
    def text(self) -> str:
        return format_number(self.number)

    @property
    def issued_date(self) -> date:
        return self.allocated_at.astimezone(VN_TZ).date()


class RegisterRepository(Protocol):
    """The registers the office keeps (edited by the admin: names, types per register)."""

    def list_registers(self) -> list[Register]: ...

    def get_register(self, code: str) -> Register | None: ...

    def save_register(self, register: Register, *, now: datetime, actor: str) -> None: ...


class NumberAllocator(Protocol):
    """The store's gapless counter per (register, year)."""

    def allocate(self, register: Register, *, at: datetime, actor: str, subject: str) -> AllocatedNumber:
        """Take the next number of ``register`` for the year of ``at``, in one transaction with
        its register entry and audit row. Never skips, never reuses."""
        ...

    def last_number(self, register_code: str, year: int) -> int:
        """The last number taken in that series (0 when none)."""
        ...


@dataclass(frozen=True)
class RegisterEntry:
    """One line of a register: a number taken, when, by whom, for what."""

    register_code: str
    year: int
    number: int
    allocated_at: datetime
    actor: str  # username
    actor_name: str  # full name ("" when the account is unknown)
    subject: str

    @property
    def text(self) -> str:
        return format_number(self.number)


class RegisterLedger(Protocol):
    """Reading a register's entries, newest first."""

    def entries(self, register_code: str, year: int, *, limit: int,
                offset: int = 0) -> list[RegisterEntry]: ...

    def count_entries(self, register_code: str, year: int) -> int: ...


class RegisterBooks(RegisterRepository, NumberAllocator, RegisterLedger, Protocol):
    """Everything the register pages need: the registers, their entries, taking a number."""


SUBJECT_MAX = 1000


def paper_subject(text: str) -> str:
    """The trích yếu a clerk types when taking a number for a paper document: required, one line."""
    subject = " ".join(unicodedata.normalize("NFC", text).split())
    if not subject:
        raise NumberingError("Cần nhập trích yếu nội dung của văn bản để lấy số.", code="subject_missing")
    if len(subject) > SUBJECT_MAX:
        raise NumberingError(f"Trích yếu dài quá {SUBJECT_MAX} ký tự.", code="subject_too_long")
    return subject


def take_paper_number(books: RegisterBooks, register_code: str, *, subject: str, at: datetime,
                      actor: str) -> AllocatedNumber:
    """"Lấy số cho văn bản giấy": the next number of the register for a document handled on paper
    outside the system; the entry keeps the trích yếu so the paper copy can be matched later."""
    text = paper_subject(subject)
    register = books.get_register(register_code)
    if register is None:
        raise NumberingError(f"Không có sổ “{register_code}”.", code="register_not_found")
    if not register.active:
        raise NumberingError(f"{register.name} đã ngừng sử dụng.", code="register_inactive")
    return books.allocate(register, at=at, actor=actor, subject=text)


# -- ký hiệu ---------------------------------------------------------------------------------

# Tên loại → chữ viết tắt (NĐ 30 Phụ lục III §I). Công văn and thư công have none.
# The NĐ 30 table lives in node.domain.doctypes (shared with field extraction from scans).
TYPE_ABBREVIATIONS: dict[str, str] = dict(ABBR_BY_TYPE)
NO_ABBREVIATION_TYPES: frozenset[str] = frozenset({CONG_VAN, THU_CONG})


def normalize_type(type_name: str) -> str:
    """Type names compare in NFC, case-folded, with ``oà/òa`` spelling variants unified."""
    text = unicodedata.normalize("NFC", " ".join(type_name.split())).casefold()
    return text.replace("ủy", "uỷ").replace("thỏa", "thoả")


_ABBR_BY_TYPE = {normalize_type(k): v for k, v in TYPE_ABBREVIATIONS.items()}
_NO_ABBR = {normalize_type(t) for t in NO_ABBREVIATION_TYPES}


def type_abbreviation(type_name: str) -> str | None:
    """``"QĐ"`` for Quyết định; ``None`` for công văn / thư công; error for an unknown type."""
    key = normalize_type(type_name)
    if key in _NO_ABBR:
        return None
    try:
        return _ABBR_BY_TYPE[key]
    except KeyError:
        raise NumberingError(f"Loại văn bản “{type_name}” không có trong danh mục NĐ 30.",
                             code="type_unknown") from None


_ABBR_RE = re.compile(r"^[A-ZĐ0-9][A-Za-zĐđ0-9&]*$")


def _check_abbr(value: str, what: str) -> str:
    v = unicodedata.normalize("NFC", value.strip())
    if not v or not _ABBR_RE.match(v):
        raise NumberingError(f"Chữ viết tắt {what} “{value}” không hợp lệ (chữ in hoa, không dấu cách).",
                             code="notation_invalid")
    return v


def build_notation(type_name: str, issuer_abbr: str, unit_abbr: str = "") -> str:
    """Ký hiệu: ``QĐ-UBND``; ``QĐ-UBND-VP`` with a unit; công văn ``SVHTT-VP`` (unit required)."""
    issuer = _check_abbr(issuer_abbr, "cơ quan ban hành")
    abbr = type_abbreviation(type_name)
    if abbr is None:
        if not unit_abbr:
            raise NumberingError("Công văn cần chữ viết tắt của đơn vị soạn thảo (ví dụ SVHTT-VP).",
                                 code="notation_unit_missing")
        return f"{issuer}-{_check_abbr(unit_abbr, 'đơn vị soạn thảo')}"
    parts = [abbr, issuer]
    if unit_abbr:
        parts.append(_check_abbr(unit_abbr, "đơn vị soạn thảo"))
    notation = "-".join(parts)
    if len(notation) > 30:
        raise NumberingError("Ký hiệu văn bản dài quá 30 ký tự.", code="notation_too_long")
    return notation


def format_code(number: int, notation: str) -> str:
    """``Số: 05/QĐ-UBND`` → ``"05/QĐ-UBND"``."""
    return f"{format_number(number)}/{notation}"


_CODE_RE = re.compile(r"^\s*(?P<num>[^/\s]+)\s*/\s*(?P<notation>\S.*?)\s*$")


def parse_code(code: str) -> tuple[str, str]:
    """``"1768/SVHTT-VP"`` → ``("1768", "SVHTT-VP")``; the number stays text (real data is messy)."""
    m = _CODE_RE.match(unicodedata.normalize("NFC", code))
    if not m:
        raise NumberingError(f"Số, ký hiệu “{code}” không đúng dạng số/ký hiệu.", code="code_unparsable")
    return m.group("num"), m.group("notation")


# -- duplicates (Phụ lục VI §III.1.h) ---------------------------------------------------------


@dataclass(frozen=True)
class DocumentKey:
    """(số, ký hiệu, cơ quan ban hành) in a form where equal documents compare equal."""

    code_number: str
    code_notation: str
    organ_id: str

    @classmethod
    def of(cls, code_number: str | int, code_notation: str, organ_id: str) -> DocumentKey:
        num = unicodedata.normalize("NFC", str(code_number)).strip()
        num = (num.lstrip("0") or "0") if num.isdigit() else num.upper()
        notation = "".join(unicodedata.normalize("NFC", code_notation).split()).upper()
        return cls(num, notation, organ_id.strip().upper())


@dataclass(frozen=True)
class DuplicateWarning:
    code: str  # "duplicate_code" | "duplicate_document_id"
    message: str
    existing_ref: str


class DocumentKeyIndex(Protocol):
    """Lookup of already registered documents (the store keeps the normalized keys)."""

    def refs_with_key(self, key: DocumentKey, *, year: int | None) -> list[str]: ...

    def refs_with_document_id(self, document_id: str) -> list[str]: ...


def duplicate_warnings(index: DocumentKeyIndex, *, key: DocumentKey, document_id: str = "",
                       year: int | None = None, exclude_ref: str = "") -> list[DuplicateWarning]:
    """Warnings (not errors: real data repeats) for a document about to be registered."""
    out: list[DuplicateWarning] = []
    for ref in index.refs_with_key(key, year=year):
        if ref != exclude_ref:
            out.append(DuplicateWarning(
                "duplicate_code",
                f"Đã có văn bản số {key.code_number}/{key.code_notation} của cơ quan {key.organ_id}"
                " trong hệ thống.", ref))
    if document_id:
        for ref in index.refs_with_document_id(document_id.strip()):
            if ref != exclude_ref:
                out.append(DuplicateWarning(
                    "duplicate_document_id", f"Mã định danh văn bản “{document_id}” đã có trong hệ thống.",
                    ref))
    return out
