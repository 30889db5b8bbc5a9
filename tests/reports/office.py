"""A small office made through the domain transitions and the document store, with known figures:
across the November/December month boundary, the 1 January 2027 holiday and the year boundary.

Incoming (register "den"):
  A  axis  Công văn   27/11/2026 10:00  → Phòng Văn hóa, due 02/12, done 01/12 (on time)
  B  paper Quyết định 30/11/2026 23:30  → registered, not assigned
  C  axis  Công văn   01/12/2026 00:10  → Phòng Văn hóa, due 31/12/2026 (overdue over the holiday)
  D  axis  Giấy mời   31/12/2026 16:00  → Lê Chuyên Viên (user of Phòng Văn hóa), due 04/01/2027, khẩn
  E  axis  Công văn   04/01/2027 09:00  → số đến 1 of 2027
Outgoing (register "di"), author chuyenvien (Phòng Văn hóa):
  P  Công văn, published 20/11/2026 to 2 axis + 1 paper; one axis recipient refused it (02)
  Q  Công văn, published 01/12/2026 to 1 axis
Outages: 10/11 08:00–10:30 and 30/11 23:00 – 01/12 01:00 (one hour in each month).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from node.domain import incoming as inc
from node.domain import outgoing as og
from node.domain.accounts import Role
from node.domain.categories import CategoryTable
from node.domain.clock import VN_TZ, FixedClock
from node.domain.documents import Actor, Channel, DocumentMetadata, Organ, Priority, StatusCode
from node.domain.incoming import Assignee
from node.domain.numbering import default_registers
from node.domain.outgoing import Recipient, SignatureRecord
from node.store.blobs import BlobStore
from node.store.db import Database
from node.store.documents import SqliteDocuments
from node.store.exchange import SqliteExchangeStore
from node.store.users import create_user
from node.sync.packages import EdxmlPackageFactory

REG = {r.code: r for r in default_registers()}
US = Organ("000.00.01.H26", "UBND phường Một")
SENDER = Organ("000.00.09.H13", "Sở Nội vụ")
B1, B2, B3 = (
    Organ("000.00.02.H26", "UBND phường Hai"),
    Organ("000.00.03.H26", "Sở Tài chính"),
    Organ("000.00.04.H26", "Công an phường"),
)
CLERK = Actor("vanthu", frozenset({Role.CLERK}), "Trần Thị Văn Thư", unit_id=1)
LEADER = Actor("lanhdao", frozenset({Role.LEADER}), "Nguyễn Văn Lãnh Đạo", unit_id=1)
SPEC = Actor("chuyenvien", frozenset({Role.SPECIALIST}), "Lê Chuyên Viên", unit_id=2)
UNIT = "Phòng Văn hóa"


def at(y: int, mo: int, d: int, h: int = 9, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=VN_TZ)


@dataclass
class Office:
    db: Database
    docs: SqliteDocuments
    refs: dict[str, str]


def make_users(db: Database, now: datetime) -> None:
    def tx(d):  # type: ignore[no-untyped-def]
        d.execute("INSERT INTO unit (id, code, name) VALUES (1, 'VP', 'Văn phòng'), (2, 'VH', ?)", (UNIT,))
        for a, unit in ((CLERK, 1), (LEADER, 1), (SPEC, 2)):
            create_user(
                d,
                username=a.username,
                full_name=a.full_name,
                password_hash="x",
                roles=a.roles,
                now=now,
                actor="test",
                unit_id=unit,
            )

    db.write(tx)


def _incoming(
    docs: SqliteDocuments,
    clock: FixedClock,
    name: str,
    channel: Channel,
    type_name: str,
    when: datetime,
    *,
    subject: str,
    priority: Priority = Priority.NORMAL,
) -> str:
    clock.set(when)
    meta = DocumentMetadata(
        type_name=type_name,
        subject=subject,
        issuer=SENDER,
        code_number=str(100 + ord(name)),
        code_notation="SNV-VP",
        issued_date=when.date() - timedelta(days=2),
        document_id=f"{SENDER.organ_id},{when:%Y/%m/%d},{name}",
        priority=priority,
    )
    doc = docs.create_incoming(lambda ref: inc.receive(ref, meta, channel=channel, sender=SENDER, at=when))
    docs.incoming.apply_numbered(
        doc.ref,
        "den",
        lambda d, n: inc.accept(d, n, REG["den"], actor=CLERK, at=when),
        actor=CLERK.username,
        at=when,
    )
    return doc.ref


def _assign(docs: SqliteDocuments, ref: str, when: datetime, lead: Assignee) -> None:
    docs.incoming.apply(
        ref, lambda d: inc.present(d, LEADER.username, actor=CLERK, at=when), actor="vanthu", at=when
    )
    docs.incoming.apply(
        ref, lambda d: inc.assign(d, lead=lead, actor=LEADER, at=when), actor="lanhdao", at=when
    )


def _outgoing(
    docs: SqliteDocuments,
    blobs: BlobStore,
    clock: FixedClock,
    subject: str,
    when: datetime,
    recipients: tuple[Recipient, ...],
    *,
    drafted: datetime | None = None,  # the day drafted when not the day published
) -> str:
    clock.set(drafted or when)
    pdf = blobs.put_bytes(b"%PDF-1.4 " + subject.encode()).sha256
    meta = DocumentMetadata(type_name="Công văn", subject=subject, issuer=US)
    cats = CategoryTable.default()
    doc = docs.create_outgoing(
        lambda ref: og.create_draft(
            ref,
            meta,
            author=SPEC,
            at=drafted or when,
            pdf_blob=pdf,
            issuer_abbr="UBND",
            unit_abbr="VH",
            categories=cats,
            recipients=recipients,
        )
    )
    ref = doc.ref
    clock.set(when)
    sig = SignatureRecord("lanhdao", when, pdf)
    docs.outgoing.apply(
        ref,
        lambda d: og.submit(d, "lanhdao", actor=SPEC, at=when, categories=cats),
        actor="chuyenvien",
        at=when,
    )
    docs.outgoing.apply(
        ref, lambda d: og.sign_personal(d, sig, actor=LEADER, at=when), actor="lanhdao", at=when
    )
    docs.outgoing.apply_numbered(
        ref,
        "di",
        lambda d, n: og.assign_number(d, n, REG["di"], actor=CLERK, at=when),
        actor="vanthu",
        at=when,
    )
    docs.outgoing.apply(ref, lambda d: og.seal(d, sig, actor=CLERK, at=when), actor="vanthu", at=when)
    docs.outgoing.apply(ref, lambda d: og.publish(d, actor=CLERK, at=when), actor="vanthu", at=when)
    return ref


def build_office(db: Database, blobs: BlobStore) -> Office:
    clock = FixedClock(at(2026, 11, 1))
    make_users(db, clock.now())
    docs = SqliteDocuments(db, blobs, clock, EdxmlPackageFactory(US))
    refs: dict[str, str] = {}
    unit = lambda due: Assignee("unit", "2", UNIT, due)  # noqa: E731
    refs["A"] = _incoming(
        docs,
        clock,
        "A",
        Channel.AXIS,
        "Công văn",
        at(2026, 11, 27, 10),
        subject="V/v tăng cường sử dụng văn bản điện tử",
    )
    _assign(docs, refs["A"], at(2026, 11, 27, 14), unit(date(2026, 12, 2)))
    refs["B"] = _incoming(
        docs,
        clock,
        "B",
        Channel.PAPER,
        "Quyết định",
        at(2026, 11, 30, 23, 30),
        subject="Quyết định về việc kiện toàn Ban chỉ đạo chuyển đổi số",
    )
    refs["C"] = _incoming(
        docs,
        clock,
        "C",
        Channel.AXIS,
        "Công văn",
        at(2026, 12, 1, 0, 10),
        subject="Báo cáo tình hình ứng dụng chữ ký số",
    )
    _assign(docs, refs["C"], at(2026, 12, 1, 9), unit(date(2026, 12, 31)))
    refs["D"] = _incoming(
        docs,
        clock,
        "D",
        Channel.AXIS,
        "Giấy mời",
        at(2026, 12, 31, 16),
        subject="Mời dự hội nghị tổng kết năm",
        priority=Priority.URGENT,
    )
    _assign(
        docs,
        refs["D"],
        at(2026, 12, 31, 16, 30),
        Assignee("user", "chuyenvien", SPEC.full_name, date(2027, 1, 4)),
    )
    refs["E"] = _incoming(
        docs,
        clock,
        "E",
        Channel.AXIS,
        "Công văn",
        at(2027, 1, 4, 9),
        subject="Kế hoạch công tác văn thư năm 2027",
    )
    done = at(2026, 12, 1, 15)
    docs.incoming.apply(
        refs["A"],
        lambda d: inc.complete(d, actor=LEADER, at=done, result="Đã trả lời"),
        actor="lanhdao",
        at=done,
    )
    refs["P"] = _outgoing(
        docs,
        blobs,
        clock,
        "V/v phối hợp tổ chức lễ hội",
        at(2026, 11, 20, 10),
        (Recipient(B1), Recipient(B2), Recipient(B3, Channel.PAPER)),
    )
    docs.outgoing.apply(
        refs["P"],
        lambda d: og.record_status(d, B2.organ_id, StatusCode.REJECTED, "Sai nơi nhận", at=at(2026, 11, 21)),
        actor="system",
        at=at(2026, 11, 21),
    )
    refs["Q"] = _outgoing(
        docs, blobs, clock, "V/v báo cáo số liệu tháng 11", at(2026, 12, 1, 10), (Recipient(B1),)
    )
    ex = SqliteExchangeStore(db, blobs, clock)
    for down, up in (
        (at(2026, 11, 10, 8), at(2026, 11, 10, 10, 30)),
        (at(2026, 11, 30, 23), at(2026, 12, 1, 1)),
    ):
        clock.set(down)
        ex.link_up(report_after=timedelta(hours=99))  # the link was up before
        ex.link_down("hub unreachable")
        clock.set(up)
        ex.link_up(report_after=timedelta(hours=99))
    return Office(db, docs, refs)
