"""Sổ đăng ký pages: the registers with their last number, a register's entries, and "Lấy số cho
văn bản giấy" (the next number for a document issued on paper outside the system).

The handlers see only the ``registers`` port of :class:`node.web.app.WebContext`
(:class:`node.domain.numbering.RegisterBooks`); the number is taken by
:func:`node.domain.numbering.take_paper_number`, which the store runs in one write transaction
with its register entry and audit row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.params import Body, FromPath, Parameter
from litestar.response import Redirect, Template

from node.domain.accounts import Role
from node.domain.clock import VN_TZ
from node.domain.errors import DomainError
from node.domain.numbering import (
    REGISTER_KIND_VI,
    AllocatedNumber,
    Register,
    RegisterBooks,
    numbering_year,
    paper_subject,
    take_paper_number,
)
from node.web.auth import requires, session_user

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Year = Annotated[int | None, Parameter(ge=1900, le=9999, required=False)]
PageNo = Annotated[int | None, Parameter(ge=1, required=False)]
Number = Annotated[int | None, Parameter(ge=1, required=False)]

READERS = [requires(Role.CLERK, Role.LEADER)]  # admins pass every guard
CLERKS = [requires(Role.CLERK)]
PAGE_SIZE = 50


def _books(request: Request[Any, Any, Any]) -> RegisterBooks:
    books: RegisterBooks | None = request.app.state.ctx.registers
    if books is None:
        raise NotFoundException("Chức năng sổ đăng ký chưa được bật.")
    return books


def _register(books: RegisterBooks, code: str) -> Register:
    register = books.get_register(code)
    if register is None:
        raise NotFoundException(f"Không có sổ “{code}”.")
    return register


def _now(request: Request[Any, Any, Any]) -> datetime:
    now: datetime = request.app.state.ctx.clock.now()
    return now


def _vn_time(at: datetime) -> str:
    return at.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M:%S")


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


def _can_take(request: Request[Any, Any, Any]) -> bool:
    user = session_user(request)
    return user is not None and user.has_any(Role.CLERK)


def _ledger(request: Request[Any, Any, Any], books: RegisterBooks, register: Register, *, year: int,
            page: int | None, highlight: int | None) -> dict[str, Any]:
    """The context of ``registers/_entries.html``: one page of entries, newest first."""
    total = books.count_entries(register.code, year)
    pages = max(1, -(-total // PAGE_SIZE))
    if page is None:  # open the page holding the highlighted number (numbers are gapless)
        page = (total - highlight) // PAGE_SIZE + 1 if highlight and highlight <= total else 1
    page = min(page, pages)
    entries = books.entries(register.code, year, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    marked = next((e for e in entries if e.number == highlight), None)
    return {"register": register, "year": year, "entries": entries, "total": total, "page": page,
            "pages": pages, "highlight": highlight, "marked": marked, "vn_time": _vn_time,
            "can_take": _can_take(request), "error": None, "subject": "", "kinds": REGISTER_KIND_VI}


@get("/so-dang-ky", name="registers", guards=READERS, sync_to_thread=True)
def register_list(request: Request[Any, Any, Any]) -> Template:
    books = _books(request)
    year = numbering_year(_now(request))
    rows = [(r, books.last_number(r.code, year)) for r in books.list_registers()]
    return Template("registers/index.html",
                    context={"rows": rows, "year": year, "kinds": REGISTER_KIND_VI})


@get("/so-dang-ky/{code:str}", name="register", guards=READERS, sync_to_thread=True)
def register_page(request: Request[Any, Any, Any], code: FromPath[str], nam: Year = None,
                  trang: PageNo = None, so: Number = None) -> Template:
    books = _books(request)
    register = _register(books, code)
    year = nam or numbering_year(_now(request))
    context = _ledger(request, books, register, year=year, page=trang, highlight=so)
    template = "registers/_entries.html" if _is_htmx(request) else "registers/register.html"
    return Template(template, context=context)


def _taken_json(got: AllocatedNumber, subject: str) -> dict[str, Any]:
    return {"register": got.register_code, "year": got.year, "number": got.number, "text": got.text,
            "allocated_at": got.allocated_at.isoformat(), "subject": subject}


@post("/so-dang-ky/{code:str}/lay-so", name="register-take", guards=CLERKS, sync_to_thread=True,
      status_code=303)
def take_number(request: Request[Any, Any, Any], code: FromPath[str],
                data: FormData) -> Template | Redirect | Response[Any]:
    books = _books(request)
    register = _register(books, code)
    user = session_user(request)
    if user is None:  # the guard already refused anonymous requests
        raise NotAuthorizedException("Cần đăng nhập.")
    if not user.has_any(Role.CLERK):  # the guard lets admins through; numbers are the văn thư's (as cấp số)
        raise PermissionDeniedException("Chỉ văn thư được lấy số văn bản.")
    typed = data.get("trich_yeu", "")
    try:
        got = take_paper_number(books, register.code, subject=typed, at=_now(request), actor=user.username)
    except DomainError as e:
        if _wants_json(request):
            raise
        year = numbering_year(_now(request))
        context = _ledger(request, books, register, year=year, page=1, highlight=None)
        context.update(error=e.message, error_code=e.code, subject=typed)
        if _is_htmx(request):  # htmx swaps only 2xx answers: the message goes where the result would
            return Template("registers/_entries.html", status_code=200, context=context)
        return Template("registers/register.html", status_code=400, context=context)
    if _wants_json(request):
        return Response(_taken_json(got, paper_subject(typed)), status_code=201)
    if _is_htmx(request):
        context = _ledger(request, books, register, year=got.year, page=None, highlight=got.number)
        return Template("registers/_entries.html", status_code=200, context=context)
    return Redirect(path=f"/so-dang-ky/{register.code}?nam={got.year}&so={got.number}#so-{got.number}",
                    status_code=303)


handlers = [register_list, register_page, take_number]
