"""Hồ sơ (files) and the Danh mục hồ sơ (file catalogue) — R6, R14; NĐ 30 Phụ lục VI Part III.

- The file code is ``OrganId.Year.Notation`` (``000.00.09.H13.2018.01TH``); the organ id itself
  contains dots, so the year is the 4-digit group before the notation.
- One document may sit in several hồ sơ; inside a hồ sơ documents are numbered in time order
  (``doc_ordinal``, Phụ lục VI §III.4) and the system fills OrganId, FileCatalog (year),
  DocTotal and PageTotal, and the start / end dates.
- A closed hồ sơ takes no more documents. Who closes it (NĐ 30/2020 Điều 28–29: the person
  handling the matter opens and closes the hồ sơ, văn thư / lưu trữ and the leader supervise):
  the person who opened it (``opened_by``), a văn thư or a lãnh đạo — :func:`may_close`.
  :func:`to_xml` writes the Phụ lục VI fields for the
  export that goes with the PDF bundle.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from node.domain.accounts import Role
from node.domain.documents import (
    Actor,
    AuditEvent,
    IllegalTransition,
    InvalidInput,
    NotPermitted,
    Outcome,
    as_aware,
)
from node.domain.errors import DomainError


class DossierError(DomainError):
    code = "dossier_invalid"


_NOTATION_RE = re.compile(r"^[0-9A-Za-zĐđ][0-9A-Za-zĐđ.\-]{0,19}$")


@dataclass(frozen=True, order=True)
class FileCode:
    organ_id: str
    year: int  # FileCatalog: the year the hồ sơ was formed
    notation: str  # FileNotation, ≤ 20 chars

    def __post_init__(self) -> None:
        if not self.organ_id or len(self.organ_id) > 35:  # 13 in PL VI; QĐ 20/2020 codes are longer
            raise DossierError(f"Mã định danh cơ quan “{self.organ_id}” không hợp lệ.",
                               code="file_code_invalid")
        if not 1900 <= self.year <= 9999:
            raise DossierError(f"Năm hình thành hồ sơ {self.year} không hợp lệ.", code="file_code_invalid")
        if not _NOTATION_RE.match(self.notation):
            raise DossierError(f"Số và ký hiệu hồ sơ “{self.notation}” không hợp lệ (tối đa 20 ký tự).",
                               code="file_code_invalid")

    def __str__(self) -> str:
        return f"{self.organ_id}.{self.year}.{self.notation}"

    @classmethod
    def parse(cls, text: str) -> FileCode:
        """``000.00.09.H13.2018.01TH`` → (``000.00.09.H13``, 2018, ``01TH``)."""
        parts = text.strip().split(".")
        for i in range(1, len(parts) - 1):
            if re.fullmatch(r"(19|2\d)\d\d", parts[i]):
                return cls(".".join(parts[:i]), int(parts[i]), ".".join(parts[i + 1:]))
        raise DossierError(f"Mã hồ sơ “{text}” không đúng dạng Mã cơ quan.Năm.Ký hiệu.",
                           code="file_code_invalid")


@dataclass(frozen=True)
class CatalogueEntry:
    """One row of the Danh mục hồ sơ of a year."""

    year: int
    notation: str  # "01TH"
    title: str
    maintenance: str  # thời hạn bảo quản: "Vĩnh viễn", "10 năm", …
    unit: str = ""  # đơn vị / người lập hồ sơ
    rights: str = "Hạn chế"  # chế độ sử dụng


class DossierState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class DossierItem:
    doc_ref: str  # "in:42" / "out:17"
    issued_date: date
    page_amount: int
    code: str = ""  # số, ký hiệu
    subject: str = ""
    doc_ordinal: int = 0  # filled by the system, in time order


@dataclass(frozen=True)
class Dossier:
    file_code: FileCode
    title: str
    maintenance: str
    rights: str
    creator: str
    opened_at: datetime
    language: str = "Tiếng Việt"
    description: str = ""
    items: tuple[DossierItem, ...] = ()
    state: DossierState = DossierState.OPEN
    closed_at: datetime | None = None
    # the username of the person who opened it (``creator`` is the Phụ lục VI "Người lập hồ sơ",
    # free text, often a unit); "" on records saved before it was kept and not found in the audit
    opened_by: str = ""

    @property
    def doc_total(self) -> int:
        return len(self.items)

    @property
    def page_total(self) -> int:
        return sum(i.page_amount for i in self.items)

    @property
    def start_date(self) -> date | None:
        return min((i.issued_date for i in self.items), default=None)

    @property
    def end_date(self) -> date | None:
        return max((i.issued_date for i in self.items), default=None)

    @property
    def subject_ref(self) -> str:
        return f"dossier:{self.file_code}"


class DossierRepository(Protocol):
    def get_dossier(self, file_code: FileCode) -> Dossier | None: ...

    def dossiers_of(self, doc_ref: str) -> list[FileCode]: ...

    def save_dossier(self, dossier: Dossier, events: tuple[AuditEvent, ...]) -> None: ...


def _audit(d: Dossier, action: str, actor: str, **detail: object) -> AuditEvent:
    return AuditEvent(f"dossier.{action}", d.subject_ref, {"actor": actor, **detail})


def open_from_catalogue(entry: CatalogueEntry, organ_id: str, *, actor: Actor,
                        at: datetime) -> Outcome[Dossier]:
    """Create the hồ sơ of a catalogue row; the system fills the OrganId and the year."""
    if not entry.title.strip():
        raise DossierError("Tiêu đề hồ sơ không được để trống.", code="dossier_title_missing")
    d = Dossier(FileCode(organ_id, entry.year, entry.notation), " ".join(entry.title.split()),
                entry.maintenance, entry.rights, entry.unit or actor.username, as_aware(at),
                opened_by=actor.username)
    return Outcome(d, (_audit(d, "open", actor.username, title=d.title),))


def _renumber(items: list[DossierItem]) -> tuple[DossierItem, ...]:
    ordered = sorted(items, key=lambda i: (i.issued_date, i.doc_ordinal or 10**9, i.doc_ref))
    return tuple(replace(item, doc_ordinal=n) for n, item in enumerate(ordered, start=1))


def add_document(d: Dossier, item: DossierItem, *, actor: Actor, at: datetime) -> Outcome[Dossier]:
    if d.state is DossierState.CLOSED:
        raise IllegalTransition(f"Hồ sơ {d.file_code} đã đóng: không thêm văn bản được.",
                                code="dossier_closed")
    if any(i.doc_ref == item.doc_ref for i in d.items):
        raise InvalidInput("Văn bản đã có trong hồ sơ này.", code="already_filed")
    if item.page_amount < 0:
        raise InvalidInput("Số trang không hợp lệ.")
    new = replace(d, items=_renumber([*d.items, replace(item, doc_ordinal=0)]))
    return Outcome(new, (_audit(new, "add", actor.username, doc=item.doc_ref),))


def remove_document(d: Dossier, doc_ref: str, *, actor: Actor, at: datetime) -> Outcome[Dossier]:
    if d.state is DossierState.CLOSED:
        raise IllegalTransition(f"Hồ sơ {d.file_code} đã đóng.", code="dossier_closed")
    left = [i for i in d.items if i.doc_ref != doc_ref]
    if len(left) == len(d.items):
        raise InvalidInput("Văn bản không có trong hồ sơ.", code="not_in_dossier")
    new = replace(d, items=_renumber([replace(i, doc_ordinal=0) for i in left]))
    return Outcome(new, (_audit(new, "remove", actor.username, doc=doc_ref),))


def may_close(d: Dossier, actor: Actor) -> bool:
    """The person who opened the hồ sơ, a văn thư or a lãnh đạo (not the IT admin as such)."""
    if actor.has(Role.CLERK, Role.LEADER):
        return True
    return bool(d.opened_by) and d.opened_by.casefold() == actor.username.casefold()


def close(d: Dossier, *, actor: Actor, at: datetime, description: str = "") -> Outcome[Dossier]:
    """Kết thúc hồ sơ (Điều 13.4 of seed 003): fields 8 (EndDate) and 11 (Description)."""
    if not may_close(d, actor):
        raise NotPermitted(f"Chỉ người lập hồ sơ {d.file_code}, văn thư hoặc lãnh đạo được đóng hồ sơ này.",
                           code="dossier_not_yours")
    if d.state is DossierState.CLOSED:
        raise IllegalTransition("Hồ sơ đã đóng.", code="dossier_closed")
    if not d.items:
        raise InvalidInput("Hồ sơ chưa có văn bản nào.", code="dossier_empty")
    new = replace(d, state=DossierState.CLOSED, closed_at=as_aware(at),
                  description=" ".join(description.split()) or d.description)
    return Outcome(new, (_audit(new, "close", actor.username, doc_total=new.doc_total,
                                page_total=new.page_total),))


def fields(d: Dossier) -> dict[str, str]:
    """Phụ lục VI Part III, in order, as text."""
    return {
        "OrganId": d.file_code.organ_id, "FileCatalog": str(d.file_code.year),
        "FileNotation": d.file_code.notation, "Title": d.title, "Maintenance": d.maintenance,
        "Rights": d.rights, "Creator": d.creator, "Language": d.language,
        "StartDate": f"{d.start_date:%Y/%m/%d}" if d.start_date else "",
        "EndDate": f"{d.end_date:%Y/%m/%d}" if d.end_date else "",
        "DocTotal": str(d.doc_total), "PageTotal": str(d.page_total), "Description": d.description,
    }


def to_xml(d: Dossier) -> bytes:
    """The hồ sơ record and its document index (time order) as UTF-8 XML."""
    f = fields(d)
    root = ET.Element("HoSo")
    code = ET.SubElement(root, "FileCode")
    for k in ("OrganId", "FileCatalog", "FileNotation"):
        ET.SubElement(code, k).text = f[k]
    for k in ("Title", "Maintenance", "Rights", "Creator", "Language", "StartDate", "EndDate", "DocTotal",
              "PageTotal", "Description"):
        ET.SubElement(root, k).text = f[k]
    docs = ET.SubElement(root, "Documents")
    for i in d.items:
        e = ET.SubElement(docs, "Document", {"DocOrdinal": str(i.doc_ordinal)})
        ET.SubElement(e, "Ref").text = i.doc_ref
        ET.SubElement(e, "Code").text = i.code
        ET.SubElement(e, "IssuedDate").text = f"{i.issued_date:%Y/%m/%d}"
        ET.SubElement(e, "Subject").text = i.subject
        ET.SubElement(e, "PageAmount").text = str(i.page_amount)
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data
