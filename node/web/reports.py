"""Report pages (/bao-cao): register books, overdue lists and the exchange report, with filters.

The web layer sees only the ``reports`` port of :class:`node.web.app.WebContext`
(:class:`ReportsPort`, filled by ``node.reports.service.ReportService``): the context of a report,
rendered here inside the page layout from the same partial templates the PDF uses, and the report
as a file (PDF, XLSX, CSV). Every figure links to the list of documents behind it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol
from urllib.parse import urlencode

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from node.domain.accounts import Role
from node.domain.calendar import vn_date
from node.web.auth import requires, session_user

READERS = [requires(Role.CLERK, Role.LEADER)]
REPORTS = {"den": "Sổ đăng ký văn bản đến", "di": "Sổ đăng ký văn bản đi",
           "theo-doi": "Sổ theo dõi giải quyết văn bản đến", "qua-han": "Văn bản quá hạn, sắp đến hạn",
           "gui-nhan": "Báo cáo gửi, nhận văn bản điện tử"}
PARAMS = ("tu_ngay", "den_ngay", "so", "ky")


class ReportFileLike(Protocol):
    @property
    def filename(self) -> str: ...

    @property
    def media_type(self) -> str: ...

    @property
    def data(self) -> bytes: ...


class ReportJobLike(Protocol):
    """A register book made in the background (node.store.report_jobs.ReportJob)."""

    @property
    def id(self) -> int: ...

    @property
    def report(self) -> str: ...

    @property
    def params(self) -> dict[str, str]: ...

    @property
    def title(self) -> str: ...

    @property
    def filename(self) -> str: ...

    @property
    def rows(self) -> int: ...

    @property
    def rows_done(self) -> int: ...

    @property
    def state(self) -> str: ...

    @property
    def pending(self) -> bool: ...

    @property
    def created_at(self) -> datetime: ...

    @property
    def finished_at(self) -> datetime | None: ...

    @property
    def pages(self) -> int | None: ...

    @property
    def size(self) -> int | None: ...

    @property
    def error(self) -> str | None: ...


class ReportsPort(Protocol):
    def context(self, report: str, params: dict[str, str]) -> dict[str, Any]: ...

    def fetch(self, report: str, fmt: str, params: dict[str, str], *,
              requested_by: str) -> ReportFileLike | ReportJobLike:
        """The file, or the background job making it (a long register book as PDF)."""
        ...

    def job(self, job_id: int) -> ReportJobLike | None: ...

    def job_file(self, job_id: int) -> ReportFileLike | None: ...

    def reminders(self) -> list[Any]: ...


def _port(request: Request[Any, Any, Any]) -> ReportsPort:
    port: ReportsPort | None = getattr(request.app.state.ctx, "reports", None)
    if port is None:
        raise NotFoundException("Chức năng báo cáo chưa được bật.")
    return port


def _params(request: Request[Any, Any, Any], report: str) -> dict[str, str]:
    if report not in REPORTS:
        raise NotFoundException(f"Không có báo cáo “{report}”.")
    params = {k: request.query_params.get(k, "").strip() for k in PARAMS}
    today: date = vn_date(request.app.state.ctx.clock.now())
    if report in ("den", "di", "theo-doi"):
        params["tu_ngay"] = params["tu_ngay"] or today.replace(day=1).isoformat()
        params["den_ngay"] = params["den_ngay"] or today.isoformat()
    if report == "gui-nhan" and not params["ky"]:
        last = today.replace(day=1).toordinal() - 1
        prev = date.fromordinal(last)
        params["ky"] = f"{prev.year}-{prev.month:02d}"
    return params


@get("/bao-cao", name="reports", guards=READERS, sync_to_thread=True)
def reports_index(request: Request[Any, Any, Any]) -> Template:
    port = _port(request)
    return Template("reports/index.html", context={"reports": REPORTS, "reminders": port.reminders()})


@get("/bao-cao/{report:str}", name="report", guards=READERS, sync_to_thread=True)
def report_page(request: Request[Any, Any, Any], report: FromPath[str]) -> Template:
    params = _params(request, report)
    context = _port(request).context(report, params)
    query = urlencode({k: v for k, v in params.items() if v})
    return Template("reports/page.html", context={**context, "links": True, "key": report, "params": params,
                                                  "names": REPORTS, "query": query})


@get("/bao-cao/{report:str}/tai/{fmt:str}", name="report-file", guards=READERS, sync_to_thread=True)
def report_file(request: Request[Any, Any, Any], report: FromPath[str],
                fmt: FromPath[str]) -> Response[bytes] | Redirect:
    params = _params(request, report)
    user = session_user(request)
    got = _port(request).fetch(report, fmt, params, requested_by=user.username if user else "")
    if not hasattr(got, "data"):  # a long book: made in the background, its page says how far
        return Redirect(path=f"/bao-cao/ban-in/{got.id}", status_code=303)
    return _attachment(got)  # type: ignore[arg-type]


def _attachment(f: ReportFileLike) -> Response[bytes]:
    return Response(f.data, media_type=f.media_type, headers={
        "Content-Disposition": f'attachment; filename="{f.filename}"', "Cache-Control": "no-store"})


def _job(request: Request[Any, Any, Any], job_id: int) -> ReportJobLike:
    job = _port(request).job(job_id)
    if job is None:
        raise NotFoundException(f"Không có bản in số {job_id}.")
    return job


@get("/bao-cao/ban-in/{job_id:int}", name="report-job", guards=READERS, sync_to_thread=True)
def report_job(request: Request[Any, Any, Any], job_id: FromPath[int]) -> Template:
    """The page of a book made in the background, "Đang tạo sổ… (N dòng)": it reloads itself (meta
    refresh without JS, htmx polling with it) until the book is ready, then offers "Tải về"."""
    job = _job(request, job_id)
    query = urlencode({k: v for k, v in job.params.items() if v})
    context = {"job": job, "names": REPORTS, "back": f"/bao-cao/{job.report}?{query}",
               "percent": int(100 * job.rows_done / job.rows) if job.rows else 0, "refresh_s": REFRESH_S}
    partial = request.headers.get("hx-request") == "true"
    return Template("reports/_job.html" if partial else "reports/job.html", context=context)


@get("/bao-cao/ban-in/{job_id:int}/tep", name="report-job-file", guards=READERS, sync_to_thread=True)
def report_job_file(request: Request[Any, Any, Any], job_id: FromPath[int]) -> Response[bytes]:
    job = _job(request, job_id)
    f = _port(request).job_file(job.id)
    if f is None:
        raise NotFoundException("Bản in chưa sẵn sàng hoặc đã hết thời hạn lưu; hãy tạo lại sổ.")
    return _attachment(f)


REFRESH_S = 3
handlers = [reports_index, report_page, report_file, report_job, report_job_file]
