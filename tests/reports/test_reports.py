"""Acceptance of issue 8: every figure of the fixture office's reports, the register files
(PDF through pdftotext, a page as PNG, XLSX through openpyxl, CSV), and the monthly draft."""

from __future__ import annotations

import csv
import io
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from node.domain.calendar import WorkingCalendar
from node.domain.clock import FixedClock
from node.domain.documents import Channel, Organ
from node.domain.incoming import IncomingDocument
from node.domain.outgoing import OutgoingDocument, OutgoingState
from node.domain.reports import (
    NO_UNIT,
    PeriodError,
    ReportPeriod,
    Span,
    Tally,
    period_report,
    periods_due,
    report_warranted,
    summarize_outages,
    tallies_of,
)
from node.reports.schedule import ReportScheduler
from node.reports.service import ReportService
from node.signing.locate import find_number_date_boxes, find_signature_box
from node.store.blobs import BlobStore
from node.store.codec import decode
from node.store.db import Database
from node.store.documents import SqliteDocuments
from node.store.reports import SqliteReports
from tests.reports.office import LEADER, UNIT, US, Office, at, build_office, make_users
from tests.support.tools import require_tool

SUPERVISING = Organ("000.00.00.H26", "Sở Thông tin và Truyền thông")


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    root = tmp_path_factory.mktemp("office")
    db = Database(root / "node.db").open()
    built = build_office(db, BlobStore(root / "blobs").open())
    yield built
    db.close()


def service(office: Office, when) -> ReportService:  # type: ignore[no-untyped-def]
    return ReportService(office.db, FixedClock(when), US.name, US.organ_id, SUPERVISING.name)


def office_queries(office: Office) -> SqliteReports:
    return SqliteReports(office.db)


def figures(svc: ReportService, key: str):  # type: ignore[no-untyped-def]
    return svc.queries.exchange(ReportPeriod.parse(key), now=at(2027, 1, 5))


def test_monthly_report_figures_across_the_month_boundary(office: Office) -> None:
    svc = service(office, at(2027, 1, 5))
    nov = figures(svc, "2026-11")
    assert (nov.received.electronic, nov.received.paper, nov.received.share) == (1, 1, 50)
    assert (nov.sent.electronic, nov.sent.paper, nov.sent.share) == (2, 1, 67)
    assert {
        r.label: (r.received.electronic, r.received.paper, r.sent.electronic, r.sent.paper)
        for r in nov.by_type
    } == {"Công văn": (1, 0, 2, 1), "Quyết định": (0, 1, 0, 0)}
    assert {
        r.label: (r.received.electronic, r.received.paper, r.sent.electronic, r.sent.paper)
        for r in nov.by_unit
    } == {UNIT: (1, 0, 2, 1), NO_UNIT: (0, 1, 0, 0)}
    assert (nov.done_on_time, nov.done_late, nov.on_time_share, nov.rejected_by_recipients) == (0, 0, None, 1)
    assert (nov.outages.count, nov.outages.total, nov.outages.longest) == (
        2,
        timedelta(hours=3, minutes=30),
        timedelta(hours=2, minutes=30),
    )

    dec = figures(svc, "2026-12")
    assert (dec.received.electronic, dec.received.paper, dec.received.share) == (2, 0, 100)
    assert (dec.sent.electronic, dec.sent.paper) == (1, 0)
    assert {r.label: r.received.total for r in dec.by_unit} == {UNIT: 2}  # D's lead is a person of the unit
    assert (dec.done_on_time, dec.done_late, dec.on_time_share, dec.rejected_by_recipients) == (1, 0, 100, 0)
    assert (dec.outages.count, dec.outages.total) == (1, timedelta(hours=1))

    jan = figures(svc, "2027-01")
    assert (jan.received.electronic, jan.received.paper, jan.sent.total) == (1, 0, 0)


def test_quarterly_report_and_store_equals_domain(office: Office) -> None:
    svc = service(office, at(2027, 1, 5))
    q4 = figures(svc, "2026-Q4")
    assert (q4.received.electronic, q4.received.paper, q4.received.share) == (3, 1, 75)
    assert (q4.sent.electronic, q4.sent.paper, q4.sent.share) == (3, 1, 75)
    assert (q4.done_on_time, q4.rejected_by_recipients, q4.on_time_share) == (1, 1, 100)
    assert (q4.outages.count, q4.outages.total, q4.outages.longest) == (
        2,
        timedelta(hours=4, minutes=30),
        timedelta(hours=2, minutes=30),
    )
    ins = [decode(IncomingDocument, r[0]) for r in office.db.query("SELECT data FROM doc_in")]
    outs = [decode(OutgoingDocument, r[0]) for r in office.db.query("SELECT data FROM doc_out")]
    for key in ("2026-11", "2026-12", "2026-Q4", "2027-01"):
        p = ReportPeriod.parse(key)
        assert svc.queries.tallies(p) == tallies_of(ins, outs, p, unit_of_user=svc.queries.unit_of_user()), (
            key
        )


def test_seed_004_share() -> None:
    report = period_report(
        ReportPeriod(2026, month=11),
        [Tally("in", Channel.AXIS, "Công văn", "", 1787), Tally("in", Channel.PAPER, "Công văn", "", 534)],
    )
    assert (report.received.total, report.received.share) == (2321, 77)
    assert ReportPeriod.parse("2026-11").due == date(2026, 12, 2)
    assert ReportPeriod.parse("2026-Q4").label == "quý IV/2026"


def test_overdue_counts_working_days_over_the_new_year_holiday(office: Office) -> None:
    svc = service(office, at(2027, 1, 5, 10))
    report = svc.overdue()["overdue"]
    assert [(e.item.ref, e.days_overdue) for e in report.overdue] == [
        (office.refs["C"], 2),
        (office.refs["D"], 1),
    ]  # 1/1 is Tết Dương lịch, 2–3/1 a weekend
    assert report.overdue[1].item.person == "Lê Chuyên Viên" and report.overdue[1].item.unit == UNIT
    assert [(g.label, g.overdue, g.worst_days) for g in report.by_unit] == [(UNIT, 2, 2)]
    assert report.due_soon == ()
    soon = service(office, at(2026, 12, 30, 10)).overdue()["overdue"]
    assert soon.overdue == ()
    assert [(e.item.ref, e.status.working_days_left) for e in soon.due_soon] == [(office.refs["D"], 2)]
    assert WorkingCalendar().working_days_between(date(2026, 12, 31), date(2027, 1, 5)) == 2


def _pdftotext(data: bytes, tmp: Path, *, layout: bool = False) -> str:
    pdf = tmp / "r.pdf"
    pdf.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", *(["-layout"] if layout else []), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return text if layout else " ".join(text.split())  # cells wrap inside their column: squash whitespace


def _in_order(words: list[str], tokens: list[str]) -> bool:
    it = iter(tokens)
    return all(any(w == t for t in it) for w in words)


def test_register_books_as_pdf_xlsx_csv(office: Office, tmp_path: Path, artifacts: Path) -> None:
    require_tool("pdftotext")
    require_tool("pdftoppm")
    svc = service(office, at(2027, 1, 5, 10))
    params = {"tu_ngay": "2026-11-27", "den_ngay": "2027-01-04"}
    ctx = svc.context("den", params)
    table = ctx["table"]
    assert [(r[0], r[1]) for r in table.rows] == [
        ("27/11/2026", 1),
        ("30/11/2026", 2),
        ("01/12/2026", 3),
        ("31/12/2026", 4),
        ("04/01/2027", 1),
    ]
    pdf = svc.download("den", "pdf", params)
    assert pdf.filename == "so-den_2026-11-27_2027-01-04.pdf" and pdf.data.startswith(b"%PDF")
    text = _pdftotext(pdf.data, tmp_path)
    laid = _pdftotext(pdf.data, tmp_path, layout=True)
    head = laid[laid.index("Từ ngày 27/11/2026") : laid.index("(10)") + 4].split()
    for header in table.headers:  # a header may wrap inside its cell: its words come in order
        assert _in_order(header.split(), head), header
    assert all(f"({i})" in head for i in range(1, 11))  # the column numbers of the printed book
    for needle in (
        "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
        "UBND PHƯỜNG MỘT",
        "Năm 2026–2027",
        "Sở Nội vụ",
        "Công văn: V/v tăng cường sử dụng",
        "Quyết định: Quyết định về việc kiện toàn",
        "Phòng Văn hóa",
        "Lê Chuyên Viên",
        "Bản giấy",
        "Trang 1 / 1",
        "THỦ TRƯỞNG CƠ QUAN",
        "Ký tên, đóng dấu",
        "Sổ gồm 5 dòng",
    ):
        assert needle in text, needle
    codes = [text.index(f"{n}/SNV-VP") for n in range(165, 170)]  # A…E in (year, số đến) order
    assert codes == sorted(codes)
    fonts = subprocess.run(["pdffonts", str(tmp_path / "r.pdf")], capture_output=True, text=True).stdout
    assert "Noto" in fonts and all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "80",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(tmp_path / "r.pdf"),
            str(artifacts / "reports-so-den-page1"),
        ],
        check=True,
    )
    assert (artifacts / "reports-so-den-page1.png").stat().st_size > 10_000

    book = openpyxl.load_workbook(io.BytesIO(svc.download("den", "xlsx", params).data))
    sheet = book.active
    values = [tuple("" if c is None else c for c in row) for row in sheet.iter_rows(values_only=True)]
    header_at = values.index(tuple(table.headers))
    assert values[header_at + 1 :] == [tuple(r) for r in table.rows]
    rows = list(csv.reader(io.StringIO(svc.download("den", "csv", params).data.decode("utf-8-sig"))))
    assert rows[0] == list(table.headers) and rows[1:] == [[str(c) for c in r] for r in table.rows]

    out = svc.context("di", {"tu_ngay": "2026-11-01", "den_ngay": "2026-12-31"})["table"]
    assert [(r[0], r[4], r[6]) for r in out.rows] == [
        ("01/UBND-VH", "UBND phường Hai; Sở Tài chính; Công an phường", 4),
        ("02/UBND-VH", "UBND phường Hai", 2),
    ]
    follow = svc.context("theo-doi", params)["table"]
    progress = {r[0]: r[4] for r in follow.rows if r[0] in (3,)}
    assert "quá hạn 2 ngày làm việc" in progress[3]
    text = _pdftotext(svc.download("gui-nhan", "pdf", {"ky": "2026-11"}).data, tmp_path)
    for needle in (
        "BÁO CÁO KẾT QUẢ GỬI, NHẬN VĂN BẢN ĐIỆN TỬ THÁNG 11/2026",
        "Kính gửi: Sở Thông tin và Truyền thông",
        "Tỷ lệ điện tử",
        "50%",
        "67%",
        "Phòng Văn hóa",
        "3 giờ 30 phút",
        "2 giờ 30 phút",
    ):
        assert needle in text, needle
    sheets = openpyxl.load_workbook(io.BytesIO(svc.download("gui-nhan", "xlsx", {"ky": "2026-Q4"}).data))
    assert sheets.sheetnames == ["Tong hop", "Theo loai", "Theo don vi", "Xu ly va su co"]


def test_monthly_draft_on_the_first_and_late_after_the_third(tmp_path: Path) -> None:
    db = Database(tmp_path / "node.db").open()
    blobs = BlobStore(tmp_path / "blobs").open()
    try:
        build_office(db, blobs)
        clock = FixedClock(at(2026, 12, 1, 8))
        svc = ReportService(db, clock, US.name, US.organ_id, SUPERVISING.name)
        docs = SqliteDocuments(db, blobs, clock)
        sched = ReportScheduler(svc, docs, blobs, agency=US, agency_abbr="UBND", supervising=SUPERVISING)
        svc.reminder_source = sched.reminders
        made = sched.run()
        assert len(made) == 1
        doc = made[0]
        assert doc.meta.subject == "Kết quả gửi, nhận văn bản điện tử tháng 11/2026"
        assert doc.meta.type_name == "Báo cáo" and [r.organ for r in doc.recipients] == [SUPERVISING]
        assert doc.state is OutgoingState.SUBMITTED  # waiting for the leader's signature
        text = _pdftotext(blobs.read_bytes(doc.pdf_blob), tmp_path)
        assert "Kết quả gửi, nhận văn bản điện tử tháng 11/2026" in text and "50%" in text
        # laid out as an NĐ 30 document the signing step can work on: số/ngày blanks, signer block
        draft = tmp_path / "draft.pdf"
        draft.write_bytes(blobs.read_bytes(doc.pdf_blob))
        assert find_number_date_boxes(draft).day is not None
        assert find_signature_box(draft, LEADER.full_name).page == 1  # the leader's name on the last page
        assert (doc.meta.signer_full_name, doc.meta.type_name) == (LEADER.full_name, "Báo cáo")
        assert sched.run() == []  # idempotent
        clock.set(at(2026, 12, 2, 16))
        [m] = svc.reminders()
        assert (m.period.key, m.ref, m.late) == ("2026-11", doc.ref, False)
        clock.set(at(2026, 12, 4, 8))
        assert [r.late for r in svc.reminders()] == [True]
    finally:
        db.close()


def test_a_node_installed_mid_month_drafts_no_report_of_the_month_before(tmp_path: Path) -> None:
    """In service from 15 December with nothing of November: no November report (nor its "late"
    reminder); the first report is December's (and the quarter's), drafted on 1 January."""
    db = Database(tmp_path / "node.db").open()
    blobs = BlobStore(tmp_path / "blobs").open()
    try:
        make_users(db, at(2026, 12, 15, 9))  # `vanthu init`: the node's first audit rows
        clock = FixedClock(at(2026, 12, 15, 10))
        svc = ReportService(db, clock, US.name, US.organ_id, SUPERVISING.name)
        sched = ReportScheduler(svc, SqliteDocuments(db, blobs, clock), blobs, agency=US, agency_abbr="UBND",
                                supervising=SUPERVISING)
        svc.reminder_source = sched.reminders
        assert sched.run() == [] and sched.drafted(ReportPeriod(2026, month=11)) is None
        clock.set(at(2026, 12, 20, 8))
        assert sched.run() == [] and svc.reminders() == []  # nothing to remind of, nothing late
        clock.set(at(2027, 1, 1, 8))
        made = sched.run()
        assert [d.meta.subject for d in made] == ["Kết quả gửi, nhận văn bản điện tử tháng 12/2026",
                                                  "Kết quả gửi, nhận văn bản điện tử quý IV/2026"]
        assert all([r.organ for r in d.recipients] == [SUPERVISING] for d in made)
        clock.set(at(2027, 1, 4, 8))
        assert [(m.period.key, m.late) for m in svc.reminders()] == [("2026-12", True), ("2026-Q4", True)]
    finally:
        db.close()


def test_which_periods_concern_a_node(office: Office) -> None:
    """In service since its first audit row (1 November in the fixture), or holding documents dated in
    the period (paper registered later, imported history)."""
    q = office_queries(office)
    assert q.in_service_since() == at(2026, 11, 1)
    held = {k: q.holds_documents(ReportPeriod.parse(k)) for k in ("2026-09", "2026-10", "2026-11", "2026-12",
                                                                  "2027-01", "2027-02", "2026-Q3", "2026-Q4")}
    assert held == {"2026-09": False, "2026-10": False, "2026-11": True, "2026-12": True, "2027-01": True,
                    "2027-02": False, "2026-Q3": False, "2026-Q4": True}
    oct_, nov = ReportPeriod(2026, month=10), ReportPeriod(2026, month=11)
    assert report_warranted(oct_, in_service_since=at(2026, 10, 31, 23, 59), holds_documents=False)
    assert not report_warranted(oct_, in_service_since=at(2026, 11, 1, 0, 0), holds_documents=False)
    assert not report_warranted(nov, in_service_since=None, holds_documents=False)
    assert report_warranted(nov, in_service_since=None, holds_documents=True)
    assert report_warranted(nov, in_service_since=at(2026, 12, 15), holds_documents=True)  # imported history


def test_periods_and_outage_clipping() -> None:
    assert [p.key for p in periods_due(date(2027, 1, 1))] == ["2026-12", "2026-Q4"]
    assert [p.key for p in periods_due(date(2026, 12, 15))] == ["2026-11"]
    q4 = ReportPeriod.parse("2026-q4")
    assert (q4.start, q4.end, q4.due) == (date(2026, 10, 1), date(2026, 12, 31), date(2027, 1, 2))
    with pytest.raises(PeriodError):
        ReportPeriod.parse("2026-13")
    nov = ReportPeriod(2026, month=11)
    spans = [Span(at(2026, 10, 31, 23), at(2026, 11, 1, 1)), Span(at(2026, 11, 30, 22), None)]
    got = summarize_outages(spans, nov, now=at(2026, 12, 1, 3))  # the open one runs to the end of November
    assert (got.count, got.total, got.longest) == (2, timedelta(hours=3), timedelta(hours=2))
