"""Builders shared by the pure workflow tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from node.domain.accounts import Role
from node.domain.documents import Actor, DocumentMetadata, Organ
from node.domain.numbering import AllocatedNumber, Register, numbering_year

VN = timezone(timedelta(hours=7))
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=VN)

CLERK = Actor("vanthu", frozenset({Role.CLERK}), "Trần Thị Văn Thư", unit_id=1)
LEADER = Actor("lanhdao", frozenset({Role.LEADER}), "Nguyễn Văn Lãnh Đạo", unit_id=1)
SPECIALIST = Actor("chuyenvien", frozenset({Role.SPECIALIST}), "Lê Chuyên Viên", unit_id=3)
OTHER = Actor("khac", frozenset({Role.SPECIALIST}), "Người Khác", unit_id=4)
ADMIN = Actor("quantri", frozenset({Role.ADMIN}), "Quản Trị")

SENDER = Organ("000.00.09.H13", "Sở Nội vụ")
US = Organ("000.00.01.H26", "UBND phường Một")


def meta(**kw: object) -> DocumentMetadata:
    base: dict[str, object] = {"type_name": "Công văn", "subject": "V/v tăng cường sử dụng văn bản điện tử",
                               "issuer": SENDER, "code_number": "1768", "code_notation": "SVHTT-VP",
                               "document_id": "000.00.09.H13,2026/11/20,1768/SVHTT-VP", "page_amount": 2}
    base.update(kw)
    return DocumentMetadata(**base)  # type: ignore[arg-type]


def number(register: Register, n: int, at: datetime = T0) -> AllocatedNumber:
    return AllocatedNumber(register.code, numbering_year(at), n, at)
