"""The reports the office prints, downloads and sees on screen, built once for every format.

``ReportService`` is the ``reports`` port of the web layer (:class:`node.web.reports.ReportsPort`):
it gives the template context of a report (the screen renders it inside the page layout) and the
report as a file (PDF from the same partial templates, XLSX and CSV from the same tables).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from node.domain.calendar import WorkingCalendar, vn_date
from node.domain.clock import Clock
from node.domain.errors import DomainError
from node.domain.listing import ref_url
from node.domain.report_tables import (
    BOOK_TITLES,
    ReportTable,
    duration_vi,
    exchange_tables,
    follow_up_table,
    incoming_table,
    outgoing_table,
    overdue_table,
    vn,
)
from node.domain.reports import (
    ReportPeriod,
    follow_up_register,
    incoming_register,
    outgoing_register,
    overdue_report,
)
from node.reports import charts, files
from node.reports.book import CHUNK_ROWS, write_book_pdf
from node.reports.render import render_print
from node.store.db import Database
from node.store.holidays import SqliteHolidays
from node.store.report_jobs import ReportJob
from node.store.reports import SqliteReports

BOOKS = ("den", "di", "theo-doi")
FORMATS = {"pdf": "application/pdf",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8"}
MAX_BOOK_DAYS = 400  # a register book covers at most about a year per print
# WeasyPrint lays out a table at ~8 ms a row on the 2-core box: a book up to this many rows is
# printed within the web request (about 2 s); a longer one is made in the background
# (node/reports/jobs.py) and laid out in parts (node/reports/book.py), as the CLI does.
INLINE_PDF_ROWS = 300


class ReportRequestError(DomainError):
    code = "report_request_invalid"


@dataclass(frozen=True)
class ReportFile:
    filename: str
    media_type: str
    data: bytes


def list_url(kind: str, **params: object) -> str:
    """The văn bản đến / đi list filtered like a figure (query names of the list pages)."""
    base = "/van-ban-den" if kind == "den" else "/van-ban-di"
    query = {k: v for k, v in params.items() if v not in (None, "")}
    return base + ("?" + urlencode(query) if query else "")


def _doc_url(ref: str) -> str:
    kind = ref.split(":", 1)[0]
    return ref_url(kind, ref)


def print_helpers() -> dict[str, Any]:
    """The functions of a report context the templates call (a context sent to another process
    travels without them)."""
    return {"vn": vn, "doc_url": _doc_url, "duration": duration_vi}


@dataclass
class ReportService:
    db: Database
    clock: Clock
    agency_name: str
    agency_code: str = ""
    supervising_name: str = ""
    # The dashboard reminders of drafted reports (``ReportScheduler.reminders``), once wired.
    reminder_source: Callable[[], list[Any]] | None = None
    # Long register books made in the background (``node.reports.jobs.BookJobs``), once wired.
    jobs: Any = None
    inline_pdf_rows: int = INLINE_PDF_ROWS
    pdf_workers: int = 1  # processes laying out a long book side by side (the CLI's --workers)
    queries: SqliteReports = field(init=False)
    calendar: Callable[[], WorkingCalendar] = field(init=False)

    def __post_init__(self) -> None:
        self.queries = SqliteReports(self.db)
        holidays = SqliteHolidays(self.db)
        self.calendar = lambda: WorkingCalendar(holidays.load_table())

    def reminders(self) -> list[Any]:
        return self.reminder_source() if self.reminder_source is not None else []

    # -- contexts -----------------------------------------------------------------------------
    def _common(self) -> dict[str, Any]:
        now = self.clock.now()
        return {"agency_name": self.agency_name, "agency_code": self.agency_code,
                "supervising_name": self.supervising_name, "now": now, "today": vn_date(now),
                "generated_at": f"{now:%H:%M} ngày {vn(vn_date(now))}", **print_helpers()}

    def register_book(self, book: str, start: date, end: date,
                      register_code: str | None = None) -> dict[str, Any]:
        _check_book(book, start, end)
        code = register_code or None
        table: ReportTable
        if book == "di":
            docs = self.queries.outgoing(start=start, end=end, register_code=code)
            rows = outgoing_register(docs, register_code=code, start=start, end=end)
            by_code = {d.meta.code: d.ref for d in docs}
            table = outgoing_table(rows, [by_code.get(r.code, "") for r in rows])
        else:
            ins = self.queries.incoming(start=start, end=end, register_code=code)
            by_num = {(d.arrival_year, d.arrival_number): d.ref for d in ins}
            if book == "den":
                irows = incoming_register(ins, register_code=code, start=start, end=end)
                table = incoming_table(irows, [by_num.get((r.year, r.arrival_number), "") for r in irows])
            else:
                frows = follow_up_register(ins, self.calendar(), now=self.clock.now(), register_code=code,
                                           start=start, end=end)
                table = follow_up_table(frows, [by_num.get((r.year, r.arrival_number), "") for r in frows])
        years = sorted({start.year, end.year})
        kind = "di" if book == "di" else "den"
        return {**self._common(), "report": "register", "book": book, "title": BOOK_TITLES[book],
                "table": table, "start": start, "end": end, "register_code": code or "",
                "registers": self.queries.registers(kind),
                "year_label": "Năm " + "–".join(str(y) for y in years),
                "range_label": f"Từ ngày {vn(start)} đến ngày {vn(end)}", "orientation": "landscape",
                "inline_pdf_rows": self.inline_pdf_rows if self.jobs is not None else None}

    def overdue(self) -> dict[str, Any]:
        report = overdue_report(self.queries.deadline_items(), self.calendar(), now=self.clock.now())
        return {**self._common(), "report": "overdue", "title": "DANH SÁCH VĂN BẢN QUÁ HẠN, SẮP ĐẾN HẠN",
                "overdue": report,
                "tables": [overdue_table(report.overdue), overdue_table(report.due_soon, soon=True)],
                "year_label": f"Ngày {vn(report.as_of)}", "orientation": "landscape"}

    def exchange(self, period: ReportPeriod) -> dict[str, Any]:
        report = self.queries.exchange(period, now=self.clock.now())
        span = {"tu_ngay": period.start.isoformat(), "den_ngay": period.end.isoformat()}

        def url(kind: str, **params: object) -> str:
            return list_url(kind, **span, **params)

        chart_main = charts.channel_bars(
            [("Văn bản đến", report.received), ("Văn bản đi (lượt gửi)", report.sent)],
            title="Tỷ lệ văn bản điện tử")
        chart_types = charts.channel_bars([(r.label, r.received + r.sent) for r in report.by_type[:10]],
                                          title="Theo loại văn bản (đến và đi)")
        return {**self._common(), "report": "exchange", "period": period, "r": report,
                "title": f"BÁO CÁO KẾT QUẢ GỬI, NHẬN VĂN BẢN ĐIỆN TỬ {period.label.upper()}",
                "tables": exchange_tables(report), "outage_rows": self.queries.outages(period),
                "charts": [chart_main, chart_types], "list_url": url,
                "year_label": f"Kỳ báo cáo: {period.label}", "orientation": "portrait"}

    # -- files ----------------------------------------------------------------------------------
    def html(self, context: dict[str, Any]) -> str:
        return render_print(f"reports/_{context['report']}.html", context)

    def pdf(self, context: dict[str, Any]) -> bytes:
        if context["report"] == "register" and len(context["table"].rows) > CHUNK_ROWS:
            with tempfile.TemporaryDirectory(prefix="vanthu-book-") as tmp:
                out = Path(tmp) / "book.pdf"
                write_book_pdf(context, out, workers=self.pdf_workers)
                return out.read_bytes()
        return files.pdf_from_html(self.html(context))

    def file(self, context: dict[str, Any], fmt: str) -> ReportFile:
        if fmt not in FORMATS:
            raise ReportRequestError(f"Định dạng “{fmt}” không được hỗ trợ (pdf, xlsx, csv).")
        name = _filename(context)
        tables: list[ReportTable] = [context["table"]] if "table" in context else list(context["tables"])
        if fmt == "pdf":
            data = self.pdf(context)
        elif fmt == "xlsx":
            heading = [self.agency_name, context["title"],
                       context.get("range_label") or context["year_label"]]
            data = files.xlsx_bytes(tables, heading=heading)
        else:
            if len(tables) != 1:
                raise ReportRequestError("Tệp CSV chỉ có cho sổ đăng ký; báo cáo này hãy tải XLSX.")
            data = files.csv_bytes(tables[0])
        return ReportFile(f"{name}.{fmt}", FORMATS[fmt], data)

    def download(self, report: str, fmt: str, params: dict[str, str]) -> ReportFile:
        """The file of a report named as in the web routes and the CLI (made here, however long)."""
        return self.file(self.context(report, params), fmt)

    def fetch(self, report: str, fmt: str, params: dict[str, str], *,
              requested_by: str) -> ReportFile | ReportJob:
        """The file, or — a register book longer than ``inline_pdf_rows`` as PDF, when background
        jobs are wired — the job making it (a new one, or the one already making the same book).
        The rows are counted, not read, to choose: the job's child reads them."""
        if fmt == "pdf" and report in BOOKS and self.jobs is not None:
            start, end = _dates(params)
            _check_book(report, start, end)
            code = params.get("so") or None
            rows = self.queries.book_size(report, start=start, end=end, register_code=code)
            if rows > self.inline_pdf_rows:
                name = _filename({"report": "register", "book": report, "start": start, "end": end})
                return self.jobs.submit(  # type: ignore[no-any-return]
                    report=report, fmt=fmt, params={k: v for k, v in params.items() if v},
                    title=BOOK_TITLES[report], filename=f"{name}.pdf", rows=rows, requested_by=requested_by)
        return self.file(self.context(report, params), fmt)

    def job(self, job_id: int) -> ReportJob | None:
        return self.jobs.get(job_id) if self.jobs is not None else None  # type: ignore[no-any-return]

    def job_file(self, job_id: int) -> ReportFile | None:
        job = self.job(job_id)
        data = self.jobs.file(job) if job is not None else None
        if job is None or data is None:
            return None
        return ReportFile(job.filename, FORMATS[job.fmt], data)

    def context(self, report: str, params: dict[str, str]) -> dict[str, Any]:
        if report in BOOKS:
            start, end = _dates(params)
            return self.register_book(report, start, end, params.get("so") or None)
        if report == "qua-han":
            return self.overdue()
        if report == "gui-nhan":
            key = params.get("ky") or _last_month(vn_date(self.clock.now()))
            return self.exchange(ReportPeriod.parse(key))
        raise ReportRequestError(f"Không có báo cáo “{report}”.")


def _check_book(book: str, start: date, end: date) -> None:
    if book not in BOOKS:
        raise ReportRequestError(f"Không có sổ “{book}”.")
    if end < start:
        raise ReportRequestError("Ngày kết thúc trước ngày bắt đầu.")
    if (end - start).days > MAX_BOOK_DAYS:
        raise ReportRequestError("Mỗi lần in sổ tối đa một năm; hãy chọn khoảng ngày ngắn hơn.")


def _last_month(today: date) -> str:
    y, m = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return f"{y}-{m:02d}"


def _dates(params: dict[str, str]) -> tuple[date, date]:
    try:
        start = date.fromisoformat(params["tu_ngay"])
        end = date.fromisoformat(params["den_ngay"])
    except (KeyError, ValueError) as e:
        raise ReportRequestError("Cần chọn từ ngày và đến ngày (YYYY-MM-DD).") from e
    return start, end


def _filename(ctx: dict[str, Any]) -> str:
    if ctx["report"] == "register":
        base = {"den": "so-den", "di": "so-di", "theo-doi": "so-theo-doi"}[ctx["book"]]
        return f"{base}_{ctx['start']}_{ctx['end']}"
    if ctx["report"] == "exchange":
        return f"bao-cao-gui-nhan_{ctx['period'].key}"
    return f"qua-han_{ctx['overdue'].as_of}"

