"""The reports as tables of text: one shape for the screen, the PDF, the XLSX and the CSV.

Every output format renders the same :class:`ReportTable` (headers, rows of cells, the column
widths of the printed book), so a register printed, downloaded as XLSX or opened as CSV holds the
same rows in the same columns (Phụ lục IV column names and order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from node.domain.reports import (
    BreakdownRow,
    DeadlineEntry,
    FollowUpRow,
    IncomingRegisterRow,
    OutgoingRegisterRow,
    PeriodReport,
)

Cell = str | int


@dataclass(frozen=True)
class ReportTable:
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    widths: tuple[int, ...] = ()  # relative widths of the printed columns
    refs: tuple[str, ...] = ()  # the document behind each row ("in:42"), when there is one
    numbered: bool = False  # a first column "STT" is part of the headers/rows already
    sheet: str = ""  # XLSX sheet name (≤ 31 characters)
    extra: dict[str, str] = field(default_factory=dict)


def vn(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


def duration_vi(d: timedelta) -> str:
    minutes = int(d.total_seconds() // 60)
    h, m = divmod(minutes, 60)
    days, h = divmod(h, 24)
    parts = ([f"{days} ngày"] if days else []) + ([f"{h} giờ"] if h else []) + [f"{m} phút"]
    return " ".join(parts) if minutes else "0 phút"


def percent(value: int | None) -> str:
    return "—" if value is None else f"{value}%"


INCOMING_HEADERS = ("Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu văn bản", "Ngày tháng văn bản",
                    "Tên loại và trích yếu nội dung", "Đơn vị hoặc người nhận", "Ngày chuyển", "Ký nhận",
                    "Ghi chú")
OUTGOING_HEADERS = ("Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tên loại và trích yếu nội dung", "Người ký",
                    "Nơi nhận văn bản", "Đơn vị, người nhận bản lưu", "Số lượng bản", "Ngày chuyển",
                    "Ký nhận", "Ghi chú")
FOLLOW_UP_HEADERS = ("Số đến", "Tên loại, số, ký hiệu, ngày tháng, cơ quan ban hành", "Đơn vị/người nhận",
                     "Thời hạn giải quyết", "Tiến độ giải quyết", "Số, ký hiệu văn bản trả lời", "Ghi chú")

BOOK_TITLES = {"den": "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN", "di": "SỔ ĐĂNG KÝ VĂN BẢN ĐI",
               "theo-doi": "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN"}


def incoming_table(rows: Sequence[IncomingRegisterRow], refs: Sequence[str] = ()) -> ReportTable:
    return ReportTable(BOOK_TITLES["den"], INCOMING_HEADERS, tuple(
        (vn(r.arrival_date), r.arrival_number, r.author, r.code, vn(r.issued_date), r.type_and_subject,
         r.receiver, vn(r.handed_over), r.signature, r.note) for r in rows),
        widths=(8, 5, 12, 10, 8, 25, 11, 8, 6, 7), refs=tuple(refs), sheet="So den")


def outgoing_table(rows: Sequence[OutgoingRegisterRow], refs: Sequence[str] = ()) -> ReportTable:
    return ReportTable(BOOK_TITLES["di"], OUTGOING_HEADERS, tuple(
        (r.code, vn(r.issued_date), r.type_and_subject, r.signer, r.recipients, r.archive_copy, r.copies,
         vn(r.sent), r.signature, r.note) for r in rows),
        widths=(10, 8, 24, 11, 15, 8, 5, 8, 5, 6), refs=tuple(refs), sheet="So di")


def follow_up_table(rows: Sequence[FollowUpRow], refs: Sequence[str] = ()) -> ReportTable:
    return ReportTable(BOOK_TITLES["theo-doi"], FOLLOW_UP_HEADERS, tuple(
        (r.arrival_number, r.document, r.receiver, vn(r.due), r.progress, r.reply, r.note) for r in rows),
        widths=(6, 32, 15, 9, 16, 11, 11), refs=tuple(refs), sheet="So theo doi")


def overdue_table(entries: Sequence[DeadlineEntry], *, soon: bool = False) -> ReportTable:
    last = "Còn lại (ngày làm việc)" if soon else "Số ngày quá hạn (ngày làm việc)"
    rows = []
    for i, e in enumerate(entries, 1):
        it = e.item
        kind = "Đến" if it.direction == "in" else "Đi"
        left = e.status.working_days_left
        rows.append((i, kind, it.code, it.subject, it.unit, it.person + ("" if it.lead else " (phối hợp)"),
                     vn(it.due), (left if left is not None else "") if soon else e.days_overdue))
    title = "VĂN BẢN KHẨN, HẠN NGẮN SẮP ĐẾN HẠN" if soon else "VĂN BẢN QUÁ HẠN GIẢI QUYẾT"
    headers = ("STT", "Loại", "Số", "Trích yếu", "Đơn vị", "Người xử lý", "Hạn giải quyết", last)
    return ReportTable(title, headers, tuple(rows), widths=(4, 5, 10, 36, 14, 14, 9, 8),
                       refs=tuple(e.item.ref for e in entries), numbered=True,
                       sheet="Sap den han" if soon else "Qua han")


def _breakdown_table(title: str, first: str, rows: Sequence[BreakdownRow], sheet: str) -> ReportTable:
    return ReportTable(title, (first, "Đến: điện tử", "Đến: giấy", "Đến: tỷ lệ điện tử", "Đi: điện tử",
                               "Đi: giấy", "Đi: tỷ lệ điện tử"),
                       tuple((r.label, r.received.electronic, r.received.paper, percent(r.received.share),
                              r.sent.electronic, r.sent.paper, percent(r.sent.share)) for r in rows),
                       widths=(30, 10, 10, 10, 10, 10, 10), sheet=sheet)


def exchange_tables(report: PeriodReport) -> list[ReportTable]:
    r = report
    heads = ("Chỉ tiêu", "Điện tử", "Giấy", "Tổng số", "Tỷ lệ điện tử")
    summary = ReportTable("KẾT QUẢ GỬI, NHẬN VĂN BẢN", heads, (
        ("Văn bản đến (tiếp nhận)", r.received.electronic, r.received.paper, r.received.total,
         percent(r.received.share)),
        ("Văn bản đi (lượt gửi theo nơi nhận)", r.sent.electronic, r.sent.paper, r.sent.total,
         percent(r.sent.share)),
        ("Cộng", r.total.electronic, r.total.paper, r.total.total, percent(r.total.share)),
    ), widths=(40, 12, 12, 12, 12), sheet="Tong hop")
    quality = ReportTable("XỬ LÝ, PHẢN HỒI VÀ SỰ CỐ KẾT NỐI", ("Chỉ tiêu", "Giá trị"), (
        ("Văn bản đến hoàn thành đúng hạn", r.done_on_time),
        ("Văn bản đến hoàn thành quá hạn", r.done_late),
        ("Tỷ lệ hoàn thành đúng hạn", percent(r.on_time_share)),
        ("Lượt gửi bị nơi nhận từ chối (trạng thái 02)", r.rejected_by_recipients),
        ("Số lần mất kết nối trục liên thông", r.outages.count),
        ("Tổng thời gian mất kết nối", duration_vi(r.outages.total)),
        ("Lần mất kết nối dài nhất", duration_vi(r.outages.longest)),
    ), widths=(60, 20), sheet="Xu ly va su co")
    return [summary, _breakdown_table("THEO LOẠI VĂN BẢN", "Loại văn bản", r.by_type, "Theo loai"),
            _breakdown_table("THEO ĐƠN VỊ", "Đơn vị", r.by_unit, "Theo don vi"), quality]
