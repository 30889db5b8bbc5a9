"""Register books (Phụ lục IV rows) and the monthly exchange report (R13)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from node.domain import incoming as inc
from node.domain import outgoing as og
from node.domain.documents import Channel, StatusCode
from node.domain.incoming import Assignee
from node.domain.numbering import default_registers
from node.domain.reports import ExchangeReport, exchange_report, incoming_register, outgoing_register
from tests.domain.support import CLERK, LEADER, SENDER, T0, VN, meta, number
from tests.domain.test_outgoing import B, C, D, Recipient, draft, published

REG = {r.code: r for r in default_registers()}


def test_incoming_register_rows_in_number_order() -> None:
    docs = []
    for n, channel in ((2, Channel.PAPER), (1, Channel.AXIS), (3, Channel.AXIS)):
        d = inc.receive(f"in:{n}", meta(subject=f"Việc {n}"), channel=channel, sender=SENDER, at=T0).doc
        d = inc.accept(d, number(REG["den"], n), REG["den"], actor=CLERK, at=T0).doc
        docs.append(d)
    docs[0] = inc.present(docs[0], "lanhdao", actor=CLERK, at=T0 + timedelta(days=1)).doc
    lead = Assignee("unit", "3", "Phòng Văn hóa", date(2026, 12, 9))
    docs[0] = inc.assign(docs[0], lead=lead, actor=LEADER, at=T0 + timedelta(days=1)).doc
    docs[2] = inc.request_recall(docs[2], via=StatusCode.RECALL_REQUESTED, reason="nhầm", at=T0).doc
    docs[2] = inc.accept_recall(docs[2], actor=CLERK, at=T0).doc
    unregistered = inc.receive("in:9", meta(), channel=Channel.AXIS, sender=SENDER, at=T0).doc
    rows = incoming_register([*docs, unregistered], register_code="den", year=2026)
    assert [r.arrival_number for r in rows] == [1, 2, 3]
    two = rows[1]
    assert (two.arrival_date, two.author, two.code) == (date(2026, 11, 24), "Sở Nội vụ", "1768/SVHTT-VP")
    assert (two.receiver, two.handed_over, two.note) == ("Phòng Văn hóa", date(2026, 11, 25), "Bản giấy")
    assert two.type_and_subject == "Công văn: Việc 2"
    assert rows[2].note.startswith("Đã thu hồi")
    assert incoming_register(docs, register_code="den", year=2027) == []


def test_outgoing_register_and_monthly_report() -> None:
    a = published(draft(recipients=(Recipient(B), Recipient(C), Recipient(D, Channel.PAPER))), n=12)
    b = published(draft(), n=3)
    b = og.recall(b, "Sai sót", actor=CLERK, at=T0).doc
    rows = outgoing_register([a, b, draft()], register_code="di", year=2026)
    assert [r.code for r in rows] == ["03/QĐ-UBND", "12/QĐ-UBND"]
    assert rows[0].note == "Đã thu hồi: Sai sót"
    assert (rows[1].copies, rows[1].sent) == (4, date(2026, 11, 24))
    assert rows[1].recipients == "UBND phường Hai; Sở Tài chính; Công an phường"

    incoming = [inc.receive(f"in:{i}", meta(), channel=Channel.AXIS if i < 1787 else Channel.PAPER,
                            sender=SENDER, at=T0).doc for i in range(2321)]
    dec = inc.receive("in:x", meta(), channel=Channel.PAPER, sender=SENDER,
                      at=datetime(2026, 12, 1, 0, 5, tzinfo=VN)).doc
    report = exchange_report([*incoming, dec], [a, b], year=2026, month=11)
    assert (report.received_electronic, report.received_paper, report.received_share) == (1787, 534, 77)
    assert (report.sent_electronic, report.sent_paper) == (4, 1)
    assert report.due == date(2026, 12, 2)
    assert ExchangeReport(2026, 12, 0, 0, 0, 0).due == date(2027, 1, 2)
    assert ExchangeReport(2026, 12, 0, 0, 0, 0).received_share is None
