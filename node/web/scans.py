"""Số hóa: the queue of scanned incoming paper, and "Vào sổ" of one scan in a click or two.

The scanner stored each scan with the fields it read off page 1 and their confidence; the clerk
confirms or fixes them and the scan becomes a văn bản đến through
:meth:`node.domain.office.Office.register_paper` (and, unless unticked, is accepted into the
incoming register right away). Registering marks the scan in the same transaction, so it leaves
the queue exactly once. Thumbnails of page 1 are rendered with pdfium on first request and kept
in memory (they are addressed by the PDF's SHA-256, so they never go stale).

"Loại bỏ" takes a wrong page, a blank page or a duplicate out of the queue with a reason
(:func:`node.domain.scanning.discard`); the scan and its files are kept and listed under "Đã loại
bỏ" (/so-hoa/da-loai-bo), from where the văn thư puts one discarded by mistake back ("Khôi phục").
Both work as plain forms (303 back with a flash message); on the queue, htmx swaps the scan's card
for the message.
"""

from __future__ import annotations

import asyncio
import io
import threading
from collections import OrderedDict
from datetime import date
from typing import Any

import pypdfium2
from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from node.domain import scanning
from node.domain.accounts import Role
from node.domain.documents import (
    PRIORITY_VI,
    SECRECY_VI,
    DocumentMetadata,
    InvalidInput,
    Organ,
    Priority,
    Secrecy,
)
from node.domain.errors import DomainError
from node.domain.numbering import RegisterKind
from node.domain.office import check_may_read
from node.domain.scanning import SCAN_STATE_VI, QueuedScan, ScanQueue, ScanState
from node.web.auth import requires
from node.web.formats import paging, vn_time
from node.web.incoming import error_status, parse_day
from node.web.office import actor_of, office_of

READERS = [requires(Role.CLERK, Role.LEADER)]
CLERKS = [requires(Role.CLERK)]
PAGE_SIZE = 20
THUMB_WIDTH = 180
LOW_CONFIDENCE = 0.6
# form field ← extracted field
FIELDS = {"loai": "type_name", "so_ky_hieu": "code_number", "ky_hieu": "code_notation", "ngay": "issued_date",
          "co_quan": "issuer", "trich_yeu": "subject"}
FLASH = {
    "loai-bo": "Đã loại bỏ bản quét khỏi hàng chờ. Bản quét vẫn được lưu trong mục “Đã loại bỏ” và có thể"
               " khôi phục.",
    "khoi-phuc": "Đã khôi phục bản quét về hàng chờ số hóa.",
}


def _queue(request: Request[Any, Any, Any]) -> ScanQueue:
    scans: ScanQueue | None = request.app.state.ctx.scans
    if scans is None:
        raise NotFoundException("Chức năng số hóa chưa được bật.")
    return scans


def _scan(request: Request[Any, Any, Any], scan_id: int) -> QueuedScan:
    found = _queue(request).queued(scan_id)
    if found is None:
        raise NotFoundException(f"Không có bản quét số {scan_id}.")
    return found


def prefill(scan: QueuedScan) -> dict[str, str]:
    """The form's values from what the scanner read (the clerk confirms or fixes them)."""
    values = {key: str(scan.value(name) or "") for key, name in FIELDS.items()}
    values["so_trang"] = str(scan.pages or "")
    values["do_khan"] = "0"
    values["do_mat"] = "0"
    values["han"] = ""
    values["ma_co_quan"] = ""
    values["tiep_nhan"] = "1"
    return values


def confidences(scan: QueuedScan) -> dict[str, float]:
    return {key: scan.confidence(name) for key, name in FIELDS.items()}


# -- thumbnails -----------------------------------------------------------------------------------

class Thumbnails:
    """Page 1 of a PDF as a small PNG, rendered once per content and kept (LRU) in memory."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sha256: str, read: Any) -> bytes:
        with self._lock:
            png = self._cache.get(sha256)
            if png is not None:
                self._cache.move_to_end(sha256)
                return png
        png = render_first_page(read(sha256))
        with self._lock:
            self._cache[sha256] = png
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return png


def render_first_page(pdf: bytes, width: int = THUMB_WIDTH) -> bytes:
    doc = pypdfium2.PdfDocument(pdf)
    try:
        page = doc[0]
        image = page.render(scale=width / max(page.get_width(), 1.0)).to_pil()
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()
    finally:
        doc.close()


THUMBNAILS = Thumbnails()


@get("/so-hoa/{scan_id:int}/anh.png", name="scan-thumbnail", guards=READERS, sync_to_thread=True)
def thumbnail(request: Request[Any, Any, Any], scan_id: FromPath[int]) -> Response[bytes]:
    scan = _scan(request, scan_id)
    doc = office_of(request).docs.incoming_of_scan(scan_id)
    if doc is not None:  # a registered scan is its document's page 1: the document's readers only
        check_may_read(doc, actor_of(request))
    try:
        png = THUMBNAILS.get(scan.pdf_sha256, office_of(request).blobs.read)
    except (OSError, ValueError, pypdfium2.PdfiumError) as e:
        raise NotFoundException("Không tạo được ảnh trang đầu của bản quét.") from e
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=86400"})


# -- pages ----------------------------------------------------------------------------------------

def shown_day(value: str) -> str:
    """An extracted ISO date as dd/mm/yyyy (anything unreadable as it came)."""
    try:
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        return value


def _state_label(state: str) -> str:
    try:
        return SCAN_STATE_VI[ScanState(state)]
    except ValueError:
        return state


def _helpers() -> dict[str, Any]:
    return {"vn_time": vn_time, "low": LOW_CONFIDENCE, "priorities": PRIORITY_VI, "secrecies": SECRECY_VI,
            "shown_day": shown_day, "state_label": _state_label}


def _flash(request: Request[Any, Any, Any]) -> str | None:
    return FLASH.get(request.query_params.get("ok") or "")


def _names(request: Request[Any, Any, Any]) -> dict[str, str]:
    """username → full name, for who discarded a scan (empty when the port is not wired)."""
    people = getattr(request.app.state.ctx, "people", None)
    return {u.username: u.full_name for u in people.active_users()} if people is not None else {}


@get("/so-hoa", name="scans", guards=READERS, sync_to_thread=True)
def scan_queue(request: Request[Any, Any, Any]) -> Template:
    queue = _queue(request)
    total = queue.count_queue()
    page, pages = paging(request.query_params.get("trang"), total, PAGE_SIZE)
    items = queue.queue(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    user = request.state.user
    return Template("scans/queue.html", context={
        "items": [(s, prefill(s), confidences(s)) for s in items], "total": total, "page": page,
        "pages": pages, "can_register": user.has_any(Role.CLERK, Role.ADMIN),
        "can_discard": user.has_any(Role.CLERK), "discarded": queue.count_discarded(),
        "flash": _flash(request), **_helpers()})


@get("/so-hoa/da-loai-bo", name="scans-discarded", guards=READERS, sync_to_thread=True)
def discarded_list(request: Request[Any, Any, Any]) -> Template:
    """The scans taken out of the queue: why, by whom, when — and "Khôi phục" for the văn thư."""
    queue = _queue(request)
    total = queue.count_discarded()
    page, pages = paging(request.query_params.get("trang"), total, PAGE_SIZE)
    user = request.state.user
    return Template("scans/discarded.html", context={
        "items": queue.discarded(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE), "total": total,
        "page": page, "pages": pages, "can_discard": user.has_any(Role.CLERK), "names": _names(request),
        "flash": _flash(request), **_helpers()})


@get("/so-hoa/{scan_id:int}", name="scan", guards=READERS, sync_to_thread=True)
def scan_page(request: Request[Any, Any, Any], scan_id: FromPath[int]) -> Template | Redirect:
    return _scan_or_document(request, scan_id)


def _scan_or_document(request: Request[Any, Any, Any], scan_id: int) -> Template | Redirect:
    """A registered scan shows the văn bản đến it became; otherwise its fields (a form for clerks)."""
    scan = _scan(request, scan_id)
    if scan.doc_ref:
        return Redirect(path=f"/van-ban-den/{scan.doc_ref.partition(':')[2]}")
    return Template("scans/register.html", context=_register_context(request, scan))


def _register_context(request: Request[Any, Any, Any], scan: QueuedScan,
                      values: dict[str, str] | None = None) -> dict[str, Any]:
    office = office_of(request)
    registers = [r for r in office.registers.list_registers() if r.kind is RegisterKind.INCOMING and r.active]
    user = request.state.user
    return {"scan": scan, "v": values or prefill(scan), "conf": confidences(scan), "registers": registers,
            "error": None, "error_code": "", "can_register": user.has_any(Role.CLERK, Role.ADMIN),
            "can_discard": user.has_any(Role.CLERK), "names": _names(request), "discard_values": {},
            **_helpers()}


@get("/so-hoa/{scan_id:int}/vao-so", name="scan-register-form", guards=CLERKS)
async def register_form(request: Request[Any, Any, Any], scan_id: FromPath[int]) -> Template | Redirect:
    # async on purpose: Litestar 2.25 registers a path's earlier handlers again when a later handler
    # (the POST below) joins the path, wrapping a sync_to_thread GET twice (it then answers a coroutine)
    return await asyncio.to_thread(_scan_or_document, request, scan_id)


def metadata_from(form: FormMultiDict | dict[str, str]) -> DocumentMetadata:
    def text(key: str) -> str:
        return " ".join(str(form.get(key) or "").split())

    def level(key: str, enum: Any, what: str) -> Any:
        raw = text(key) or "0"
        try:
            return enum(int(raw))
        except ValueError as e:
            raise InvalidInput(f"{what} “{raw}” không hợp lệ.", code="field_invalid") from e

    pages = text("so_trang")
    issued: date | None = parse_day(text("ngay"), "Ngày ban hành")
    return DocumentMetadata(
        type_name=text("loai") or "Công văn", subject=text("trich_yeu"),
        issuer=Organ(text("ma_co_quan"), text("co_quan")), code_number=text("so_ky_hieu"),
        code_notation=text("ky_hieu"), issued_date=issued,
        page_amount=int(pages) if pages.isdigit() else 0, signer_full_name=text("nguoi_ky"),
        priority=level("do_khan", Priority, "Độ khẩn"), secrecy=level("do_mat", Secrecy, "Độ mật"),
        due_date=parse_day(text("han"), "Hạn xử lý"))


def _register(request: Request[Any, Any, Any], scan: QueuedScan, form: FormMultiDict) -> tuple[int, bool]:
    """Register the scan; accept it into the register too unless unticked. (doc id, accepted)."""
    office = office_of(request)
    actor = actor_of(request)
    scanning.check_queued(scan, "vào sổ")  # a discarded or registered scan: 409 before any field check
    meta = metadata_from(form)
    if not meta.issuer.name:
        raise InvalidInput("Chưa có cơ quan ban hành.", code="issuer_missing")
    doc = office.register_paper(actor, meta, scan.pdf_sha256, scan_id=scan.id, text=scan.text)
    doc_id = int(doc.ref.partition(":")[2])
    if not form.get("tiep_nhan"):
        return doc_id, False
    try:
        office.accept(doc.ref, actor, " ".join(str(form.get("so") or "").split()) or None)
    except DomainError:  # the document exists; its page shows the accept form again
        return doc_id, False
    return doc_id, True


@post("/so-hoa/{scan_id:int}/vao-so", name="scan-register", guards=CLERKS, status_code=303)
async def register(request: Request[Any, Any, Any], scan_id: FromPath[int]) -> Template | Redirect:
    scan = await asyncio.to_thread(_scan, request, scan_id)
    form: FormMultiDict = await request.form()
    try:
        doc_id, accepted = await asyncio.to_thread(_register, request, scan, form)
    except DomainError as e:
        context = await asyncio.to_thread(_register_context, request, scan,
                                          {k: str(form.get(k) or "") for k in form})
        context.update(error=e.message, error_code=e.code)
        status = 200 if request.headers.get("hx-request") == "true" else error_status(e)
        return Template("scans/register.html", status_code=status, context=context)
    ok = "vao-so" if accepted else "vao-so-chua-tiep-nhan"
    return Redirect(path=f"/van-ban-den/{doc_id}?ok={ok}", status_code=303)


# -- loại bỏ / khôi phục --------------------------------------------------------------------------

def _discard(request: Request[Any, Any, Any], scan_id: int, reason: str) -> QueuedScan:
    scan = _scan(request, scan_id)
    _queue(request).discard(scanning.discard(scan, reason, actor=actor_of(request),
                                             at=request.app.state.ctx.clock.now()))
    return scan


def _restore(request: Request[Any, Any, Any], scan_id: int) -> QueuedScan:
    scan = _scan(request, scan_id)
    now = request.app.state.ctx.clock.now()
    _queue(request).restore(scanning.restore(scan, actor=actor_of(request), at=now))
    return scan


def _counts(request: Request[Any, Any, Any]) -> dict[str, int]:
    """The queue's and "Đã loại bỏ"'s counts after a change: the htmx answer swaps them out of band
    (scans/_counts.html), so the page agrees without a reload."""
    queue = _queue(request)
    return {"waiting": queue.count_queue(), "discarded": queue.count_discarded()}


def _htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


async def _refused(request: Request[Any, Any, Any], scan_id: int, e: DomainError,
                   values: dict[str, str]) -> Template:
    """The scan's page with the Vietnamese message (for htmx: the message alone, swapped in place of
    the scan's card, status 200 so htmx swaps it)."""
    if _htmx(request):
        return Template("scans/_notice.html", context={"error": e.message, "error_code": e.code,
                                                        "scan_id": scan_id, "flash": None})
    scan = await asyncio.to_thread(_scan, request, scan_id)
    context = await asyncio.to_thread(_register_context, request, scan)
    context.update(error=e.message, error_code=e.code, discard_values=values)
    return Template("scans/register.html", status_code=error_status(e), context=context)


@post("/so-hoa/{scan_id:int}/loai-bo", name="scan-discard", guards=CLERKS, status_code=303)
async def discard(request: Request[Any, Any, Any], scan_id: FromPath[int]) -> Template | Redirect:
    """Loại bỏ with a reason (``ly_do``): the scan leaves the queue, kept under "Đã loại bỏ"."""
    form: FormMultiDict = await request.form()
    reason = str(form.get("ly_do") or "")
    try:
        scan = await asyncio.to_thread(_discard, request, scan_id, reason)
    except DomainError as e:
        return await _refused(request, scan_id, e, {"ly_do": reason})
    if _htmx(request):
        return Template("scans/_notice.html", context={
            "flash": f"Đã loại bỏ bản quét {scan.file_name} khỏi hàng chờ.", "scan_id": scan_id,
            "error": None, "counts": await asyncio.to_thread(_counts, request)})
    return Redirect(path="/so-hoa?ok=loai-bo", status_code=303)


@post("/so-hoa/{scan_id:int}/khoi-phuc", name="scan-restore", guards=CLERKS, status_code=303)
async def restore(request: Request[Any, Any, Any], scan_id: FromPath[int]) -> Template | Redirect:
    """Khôi phục: a scan discarded by mistake goes back to the queue."""
    try:
        scan = await asyncio.to_thread(_restore, request, scan_id)
    except DomainError as e:
        return await _refused(request, scan_id, e, {})
    if _htmx(request):
        return Template("scans/_notice.html", context={
            "flash": f"Đã khôi phục bản quét {scan.file_name} về hàng chờ số hóa.", "scan_id": scan_id,
            "error": None, "counts": await asyncio.to_thread(_counts, request)})
    return Redirect(path="/so-hoa/da-loai-bo?ok=khoi-phuc", status_code=303)


handlers = [scan_queue, discarded_list, scan_page, thumbnail, register_form, register, discard, restore]
