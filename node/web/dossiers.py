"""Hồ sơ pages: the hồ sơ of a year, a new one from its catalogue row (Danh mục hồ sơ), a hồ sơ
with its documents in time order and the totals the system fills, adding a document, closing,
and the export (one PDF bundle in time order, and the Phụ lục VI XML).

Use cases are :class:`node.domain.office.Office` methods (``open_dossier``, ``file_document``,
``close_dossier``, ``dossier_files``); the bundle is built by the ``dossier_pdf`` port.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, Parameter
from litestar.response import Redirect, Template

from node.domain.accounts import Role
from node.domain.calendar import vn_date
from node.domain.dossier import (
    CatalogueEntry,
    Dossier,
    DossierError,
    DossierState,
    FileCode,
    may_close,
    to_xml,
)
from node.domain.errors import DomainError
from node.domain.listing import ListFilters, ref_url
from node.domain.office import Office
from node.web.auth import requires
from node.web.office import actor_of, office_of

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Year = Annotated[int | None, Parameter(ge=1900, le=9999, required=False)]

EVERYONE = (Role.CLERK, Role.LEADER, Role.SPECIALIST)  # every person forms hồ sơ of their own work
READ = [requires(*EVERYONE)]
WRITE = [requires(*EVERYONE)]
MAINTENANCE = ("Vĩnh viễn", "70 năm", "50 năm", "20 năm", "10 năm", "5 năm")
RIGHTS = ("Hạn chế", "Công khai", "Mật")
FLASH = {"tao": "Đã tạo hồ sơ.", "them": "Đã thêm văn bản vào hồ sơ.", "dong": "Đã đóng hồ sơ."}
STATE_VI = {DossierState.OPEN: "Đang mở", DossierState.CLOSED: "Đã đóng"}


def _year(request: Request[Any, Any, Any]) -> int:
    return vn_date(request.app.state.ctx.clock.now()).year


def _dossier(office: Office, code: str) -> Dossier:
    try:
        found = office.docs.get_dossier(FileCode.parse(code))
    except DossierError as e:
        raise NotFoundException(f"Không có hồ sơ “{code}”.") from e
    if found is None:
        raise NotFoundException(f"Không có hồ sơ “{code}”.")
    return found


def _suggestions(request: Request[Any, Any, Any]) -> list[tuple[str, str]]:
    """Recent documents to pick from (a <datalist>: typing the ref works too)."""
    lists = request.app.state.ctx.lists
    if lists is None:
        return []
    rows: list[tuple[str, str]] = []
    mine = ListFilters(reader=actor_of(request))
    for r in lists.list_incoming(mine, limit=30):
        rows.append((r.ref, f"Đến: {r.code or ''} {r.subject}".strip()))
    for o in lists.list_outgoing(mine, limit=30):
        rows.append((o.ref, f"Đi: {o.code or ''} {o.subject}".strip()))
    return rows


def _detail_context(request: Request[Any, Any, Any], d: Dossier, **extra: Any) -> dict[str, Any]:
    items = [(i, ref_url(i.doc_ref.split(":")[0], i.doc_ref)) for i in d.items]
    return {"d": d, "items": items, "state_label": STATE_VI[d.state], "suggestions": _suggestions(request),
            "flash": FLASH.get(request.query_params.get("ok", ""), ""), "error": None, "error_code": "",
            "van_ban": "", "may_close": may_close(d, actor_of(request)), "vn_datetime": vn_datetime, **extra}


@get("/ho-so", name="dossiers", guards=READ, sync_to_thread=True)
def dossier_list(request: Request[Any, Any, Any], nam: Year = None) -> Template:
    office = office_of(request)
    year = nam or _year(request)
    return Template("dossiers/index.html", context={
        "year": year, "dossiers": office.docs.list_dossiers(year), "states": STATE_VI,
        "years": list(range(_year(request), _year(request) - 6, -1))})


def _form_context(request: Request[Any, Any, Any], form: dict[str, str] | None = None,
                  error: str | None = None) -> dict[str, Any]:
    user = request.state.user
    form = form or {"nam": str(_year(request)), "don_vi": user.full_name if user else "",
                    "thoi_han": MAINTENANCE[4], "che_do": RIGHTS[0]}
    return {"form": form, "error": error, "maintenance": MAINTENANCE, "rights": RIGHTS,
            "organ_id": office_of(request).agency.organ_id}


@get("/ho-so/moi", name="dossier-new", guards=WRITE)
async def dossier_form(request: Request[Any, Any, Any]) -> Template:
    # async: a sync_to_thread GET sharing its path with a POST is left un-awaited by Litestar 2.25
    return Template("dossiers/new.html", context=await asyncio.to_thread(_form_context, request))


@post("/ho-so/moi", name="dossier-create", guards=WRITE, sync_to_thread=True, status_code=303)
def dossier_create(request: Request[Any, Any, Any], data: FormData) -> Template | Redirect:
    office = office_of(request)
    try:
        year_text = data.get("nam", "").strip()
        if not year_text.isdigit():
            raise DossierError("Năm hình thành hồ sơ phải là số (ví dụ 2026).", code="file_code_invalid")
        entry = CatalogueEntry(year=int(year_text), notation=data.get("ky_hieu", "").strip(),
                               title=data.get("tieu_de", ""), maintenance=data.get("thoi_han", "").strip(),
                               unit=" ".join(data.get("don_vi", "").split()),
                               rights=data.get("che_do", "").strip() or RIGHTS[0])
        if not entry.maintenance:
            raise DossierError("Chưa chọn thời hạn bảo quản.", code="maintenance_missing")
        d = office.open_dossier(actor_of(request), entry)
    except DomainError as e:
        status = 409 if e.code == "dossier_exists" else 400
        return Template("dossiers/new.html", status_code=status,
                        context=_form_context(request, dict(data), e.message))
    return Redirect(path=f"/ho-so/{d.file_code}?ok=tao", status_code=303)


@get("/ho-so/{code:str}", name="dossier", guards=READ, sync_to_thread=True)
def dossier_detail(request: Request[Any, Any, Any], code: FromPath[str]) -> Template:
    d = _dossier(office_of(request), code)
    return Template("dossiers/detail.html", context=_detail_context(request, d))


def _doc_ref(text: str) -> str:
    """What people type or paste: "in:42", "out:17", or a page address /van-ban-den/42."""
    t = text.strip()
    for prefix, kind in (("/van-ban-den/", "in"), ("/van-ban-di/", "out")):
        if prefix in t:
            tail = t.split(prefix, 1)[1].split("/")[0].split("?")[0]
            if tail.isdigit():
                return f"{kind}:{tail}"
    head, _, tail = t.partition(":")
    if head in ("in", "out") and tail.strip().isdigit():
        return f"{head}:{int(tail)}"
    raise DossierError(f"“{t}” không phải mã văn bản (ví dụ in:42 hoặc out:17).", code="document_ref_invalid")


def _refused(request: Request[Any, Any, Any], office: Office, code: str, e: DomainError,
             van_ban: str = "") -> Template:
    d = _dossier(office, code)
    refused = ("not_permitted", "secret_not_permitted", "dossier_not_yours")
    status = 403 if e.code in refused else 409 if e.code in (
        "dossier_closed", "already_filed", "illegal_transition") else 400
    return Template("dossiers/detail.html", status_code=status,
                    context=_detail_context(request, d, error=e.message, error_code=e.code, van_ban=van_ban))


@post("/ho-so/{code:str}/them", name="dossier-add", guards=WRITE, sync_to_thread=True, status_code=303)
def dossier_add(request: Request[Any, Any, Any], code: FromPath[str], data: FormData) -> Template | Redirect:
    office = office_of(request)
    d = _dossier(office, code)
    typed = data.get("van_ban", "")
    try:
        office.file_document(str(d.file_code), _doc_ref(typed), actor_of(request))
    except DomainError as e:
        return _refused(request, office, code, e, typed)
    return Redirect(path=f"/ho-so/{d.file_code}?ok=them", status_code=303)


@post("/ho-so/{code:str}/dong", name="dossier-close", guards=WRITE, sync_to_thread=True, status_code=303)
def dossier_close(request: Request[Any, Any, Any], code: FromPath[str],
                  data: FormData) -> Template | Redirect:
    office = office_of(request)
    d = _dossier(office, code)
    try:
        office.close_dossier(str(d.file_code), actor_of(request), description=data.get("ghi_chu", ""))
    except DomainError as e:
        return _refused(request, office, code, e)
    return Redirect(path=f"/ho-so/{d.file_code}?ok=dong", status_code=303)


def _download(data: bytes, media_type: str, name: str) -> Response[bytes]:
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@get("/ho-so/{code:str}/xuat.pdf", name="dossier-pdf", guards=READ)
async def dossier_pdf(request: Request[Any, Any, Any], code: FromPath[str]) -> Response[bytes]:
    office = office_of(request)
    port = request.app.state.ctx.dossier_pdf
    if port is None:
        raise NotFoundException("Chức năng xuất hồ sơ PDF chưa được bật.")
    d = await asyncio.to_thread(_dossier, office, code)
    if not d.items:
        raise DossierError("Hồ sơ chưa có văn bản nào để xuất.", code="dossier_empty")
    actor = actor_of(request)

    def build() -> bytes:
        found, files = office.dossier_files(str(d.file_code), actor)  # secret members: for their readers
        data: bytes = port(found, files)
        return data

    data = await asyncio.to_thread(build)
    return _download(data, "application/pdf", f"ho-so-{d.file_code}.pdf")


@get("/ho-so/{code:str}/xuat.xml", name="dossier-xml", guards=READ, sync_to_thread=True)
def dossier_xml(request: Request[Any, Any, Any], code: FromPath[str]) -> Response[bytes]:
    d = _dossier(office_of(request), code)
    return _download(to_xml(d), "application/xml", f"ho-so-{d.file_code}.xml")


def vn_datetime(at: datetime | None) -> str:
    return vn_date(at).strftime("%d/%m/%Y") if at else ""


handlers = [dossier_list, dossier_form, dossier_create, dossier_detail, dossier_add, dossier_close,
            dossier_pdf, dossier_xml]
