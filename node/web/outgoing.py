"""Văn bản đi pages: the list, a new draft, and the detail page with the actions of the workflow.

Every action is a plain form (POST → 303 back to the detail page with ``?ok=<action>``); a refused
step re-renders the detail page with the Vietnamese message of the domain or signing error and
nothing changed. Use cases run in a worker thread (signing talks to the token thread, PDF work is
slow). The PIN typed for a signature goes straight to the use case: it is never logged, stored or
echoed back into the page.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.datastructures import FormMultiDict, UploadFile
from litestar.exceptions import NotFoundException, ServiceUnavailableException
from litestar.params import FromQuery, Parameter
from litestar.response import Redirect, Template

from node.domain.accounts import Role, User
from node.domain.categories import CATEGORY_VI, DeliveryCategory
from node.domain.clock import VN_TZ
from node.domain.documents import (
    PRIORITY_VI,
    SECRECY_VI,
    Actor,
    Channel,
    DocumentFrozen,
    IllegalTransition,
    InvalidInput,
    Organ,
    Priority,
    Secrecy,
)
from node.domain.errors import DomainError
from node.domain.listing import DocumentLists, ListFilters, count_cap
from node.domain.meetings import MEETING_STATUS_VI, ChangeKind, Meeting, MeetingStatus, change_note, when_text
from node.domain.numbering import Register, register_kind_for
from node.domain.office import DraftInput, MeetingInput, Office, check_may_read
from node.domain.outgoing import (
    DELIVERY_VI,
    OUTGOING_STATE_VI,
    Delivery,
    DeliveryState,
    OutgoingDocument,
    OutgoingState,
    Recipient,
)
from node.errors import NodeError
from node.web.auth import requires, session_user
from node.web.formats import paging, vn_time
from node.web.history import timeline
from node.web.list_filters import chips, extra_filters
from node.web.office import actor_of, office_of

EVERYONE = [requires(Role.CLERK, Role.LEADER, Role.SPECIALIST)]
DRAFTERS = EVERYONE
LEADERS = [requires(Role.LEADER)]
CLERKS = [requires(Role.CLERK)]
CLERKS_LEADERS = [requires(Role.CLERK, Role.LEADER)]
PAGE_SIZE = 20
MAX_UPLOAD = 100 * 1024 * 1024  # a draft with its attachments

FLASH: dict[str, str] = {
    "moi": "Đã tạo dự thảo.",
    "gop-y": "Đã gửi dự thảo xin ý kiến góp ý.",
    "y-kien": "Đã ghi ý kiến.",
    "trinh-ky": "Đã trình ký dự thảo.",
    "tra-lai": "Đã trả lại dự thảo cho người soạn.",
    "ky": "Đã ký số văn bản.",
    "cap-so": "Đã cấp số văn bản.",
    "ky-so-co-quan": "Đã ký số của cơ quan.",
    "phat-hanh": "Đã phát hành văn bản: các gói tin đã vào hàng đợi gửi.",
    "thu-hoi": "Đã thu hồi văn bản: nơi nhận được yêu cầu thu hồi, văn bản bị khóa.",
    "cap-nhat": "Đã phát hành bản cập nhật đến các nơi nhận.",
    "doi-lich-hop": "Đã cập nhật lịch họp và gửi thông báo đến nơi nhận.",
    "thay-tep": "Đã thay tệp dự thảo. Tệp cũ vẫn được lưu và ghi trong lịch sử xử lý.",
    "sua-du-thao": "Đã lưu nơi nhận và căn cứ pháp lý của dự thảo.",
}
RECALL_REPLY_VI = {"15": "Đồng ý thu hồi", "16": "Từ chối thu hồi"}
ACTION_VI = {
    "outgoing.draft": "Tạo dự thảo", "outgoing.edit": "Sửa dự thảo", "outgoing.review": "Gửi xin ý kiến",
    "outgoing.comment": "Góp ý", "outgoing.submit": "Trình ký", "outgoing.return": "Trả lại dự thảo",
    "outgoing.sign": "Lãnh đạo ký số", "outgoing.number": "Cấp số", "outgoing.seal": "Ký số cơ quan",
    "outgoing.publish": "Phát hành", "outgoing.sent": "Trục liên thông đã nhận gói tin",
    "outgoing.status": "Nơi nhận báo trạng thái", "outgoing.status_stale": "Trạng thái cũ (bỏ qua)",
    "outgoing.recall": "Thu hồi", "outgoing.update": "Phát hành cập nhật", "outgoing.replaced": "Bị thay thế",
}
DETAIL_VI = {"to": "Đến", "frm": "Từ", "reviewers": "Người góp ý", "text": "Nội dung", "reason": "Lý do",
             "code": "Số, ký hiệu", "register": "Sổ", "description": "Ghi chú", "note": "Ghi chú",
             "cancelled": "Hủy gửi", "changed": "Đã thay đổi", "attachments_added": "Thêm tệp đính kèm",
             "attachments_removed": "Bỏ tệp đính kèm", "recipients": "Nơi nhận", "legal_bases": "Căn cứ"}
EDIT_VI = {"pdf": "tệp dự thảo (PDF)", "attachments": "tệp đính kèm", "recipients": "nơi nhận",
           "legal_bases": "căn cứ pháp lý", "meta": "thông tin văn bản"}
MEETING_KINDS = {"hoan": ChangeKind.POSTPONE, "doi": ChangeKind.MOVE, "huy": ChangeKind.CANCEL}
CATEGORY_SHORT = {DeliveryCategory.ELECTRONIC: "Điện tử", DeliveryCategory.ELECTRONIC_PAPER: "Điện tử + giấy",
                  DeliveryCategory.SECRET: "Mật"}

DocId = Annotated[int, Parameter(ge=1)]
PageNo = Annotated[int | None, Parameter(ge=1, required=False)]
Year = Annotated[int | None, Parameter(ge=1900, le=9999, required=False)]


# -- helpers ---------------------------------------------------------------------------------------
def _ref(doc_id: int) -> str:
    return f"out:{doc_id}"


def _lists(request: Request[Any, Any, Any]) -> DocumentLists:
    lists: DocumentLists | None = getattr(request.app.state.ctx, "lists", None)
    if lists is None:
        raise ServiceUnavailableException("Danh sách văn bản chưa được bật trên máy chủ này.")
    return lists


def _user(request: Request[Any, Any, Any]) -> User:
    user = session_user(request)
    assert user is not None  # the guards refused anonymous requests
    return user


def vn_date(value: date | datetime | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.astimezone(VN_TZ).date() if value.tzinfo else value.date()
    return value.strftime("%d/%m/%Y")


def _texts(form: FormMultiDict, name: str) -> list[str]:
    return [v for v in form.getall(name, []) if isinstance(v, str)]


def _text(form: FormMultiDict, name: str) -> str:
    values = _texts(form, name)
    return values[0].strip() if values else ""


def _status_of(error: Exception) -> int:
    if getattr(error, "code", "") == "not_permitted":  # the role (or person) may not: as incoming pages
        return 403
    return 409 if isinstance(error, IllegalTransition | DocumentFrozen) else 400


def _message(error: Exception) -> tuple[str, str]:
    return str(getattr(error, "message", error)), str(getattr(error, "code", "error"))


# -- the list --------------------------------------------------------------------------------------
@get("/van-ban-di", name="outgoing-list", guards=EVERYONE, sync_to_thread=True)
def outgoing_list(request: Request[Any, Any, Any], q: FromQuery[str] = "", trang_thai: FromQuery[str] = "",
                  loai: FromQuery[str] = "", tu_ngay: FromQuery[date | None] = None,
                  den_ngay: FromQuery[date | None] = None, so: FromQuery[str] = "", nam: Year = None,
                  trang: PageNo = None) -> Template:
    lists = _lists(request)
    # kênh, phòng (drafting unit), giao_nhan, theo ngày phát hành: what a report figure links with
    extra, extra_shown = extra_filters(request.query_params, "out")
    filters = ListFilters(state=trang_thai or None, type_name=loai.strip(), date_from=tu_ngay,
                          date_to=den_ngay, register_code=so.strip(), year=nam, query=q.strip(),
                          reader=actor_of(request), **extra)
    cap = count_cap(filters)
    total = lists.count_outgoing(filters, cap=cap)
    page, pages = paging(trang, total, PAGE_SIZE)
    rows = lists.list_outgoing(filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    # the report counts văn bản đi per recipient (lượt gửi) by the day published: with those filters
    # the list still lists documents, and says how many recipients each (and all) of them count
    per_recipient = bool(filters.channel or filters.delivery_state or filters.day_basis)
    deliveries = lists.deliveries_of([r.id for r in rows], filters) if per_recipient else {}
    recipients = lists.count_deliveries(filters) if per_recipient else None
    office = office_of(request)
    query = {"q": q, "trang_thai": trang_thai, "loai": loai, "so": so, "nam": str(nam or ""),
             "tu_ngay": tu_ngay.isoformat() if tu_ngay else "",
             "den_ngay": den_ngay.isoformat() if den_ngay else "", **extra_shown}
    keep = urlencode({k: v for k, v in query.items() if v})
    return Template("outgoing/list.html", context={
        "rows": rows, "total": total, "capped": total >= cap, "page": page, "pages": pages,
        "deliveries": deliveries, "recipients": recipients,
        "chips": chips("out", query, lambda k: "/van-ban-di?" + urlencode(
            {n: v for n, v in query.items() if v and n != k})),
        "query": query, "keep": keep, "states": OUTGOING_STATE_VI, "types": _type_names(office),
        "registers": [r for r in office.registers.list_registers() if r.kind.value != "den"],
        "vn_time": vn_time, "vn_date": vn_date, "priority": PRIORITY_VI, "can_draft": True,
    })


def _type_names(office: Office) -> list[str]:
    return [row[0] for row in office.docs.categories().to_rows()]


# -- a new draft -----------------------------------------------------------------------------------
def _new_context(office: Office, values: dict[str, Any] | None = None, error: str | None = None,
                 error_code: str = "") -> dict[str, Any]:
    return {"agencies": office.docs.agencies(), "types": _type_names(office), "priorities": PRIORITY_VI,
            "secrecies": SECRECY_VI, "v": values or {}, "error": error, "error_code": error_code,
            "agency_abbr": office.agency_abbr}


@get("/van-ban-di/moi", name="outgoing-new", guards=DRAFTERS)
async def new_form(request: Request[Any, Any, Any], thay_the: FromQuery[int | None] = None) -> Template:
    """The draft form; ``?thay_the=<id>`` drafts the replacement of a published document
    (BussinessDocType 3): its type, recipients and unit come prefilled."""
    office = office_of(request)
    actor = actor_of(request)

    def context() -> dict[str, Any]:
        values: dict[str, Any] = {}
        if thay_the is not None:
            old = _document(office, thay_the)
            check_may_read(old, actor)
            values = {"thay_the": str(thay_the), "loai": old.meta.type_name, "don_vi": old.unit_abbr,
                      "trich_yeu": old.meta.subject, "chuc_vu": old.meta.signer_position,
                      "noi_nhan_khac": "\n".join(f"{r.organ.organ_id}|{r.organ.name}" for r in old.recipients
                                                  if r.channel is Channel.AXIS),
                      "noi_nhan_giay": "\n".join(r.organ.name for r in old.recipients
                                                 if r.channel is Channel.PAPER),
                      "thay_the_code": old.meta.code}
        return _new_context(office, values or None)

    return Template("outgoing/new.html", context=await asyncio.to_thread(context))


def _lines(values: list[str]) -> list[str]:
    return [line.strip() for v in values for line in v.splitlines() if line.strip()]


def parse_recipients(values: list[str], directory: dict[str, str], channel: Channel) -> list[Recipient]:
    """Recipients from the picker (agency codes) and the free lines ("CODE|Tên", or a bare name on paper)."""
    out: list[Recipient] = []
    for line in _lines(values):
        code, sep, name = (p.strip() for p in line.partition("|"))
        if channel is Channel.AXIS:
            if not sep:
                if code not in directory:
                    raise InvalidInput(f"Không có cơ quan mã “{code}” trong danh bạ trục liên thông; nhập"
                                       " theo dạng “MÃ|Tên cơ quan”.", code="recipient_unknown")
                name = directory[code]
            if not code:
                raise InvalidInput(f"Thiếu mã định danh của nơi nhận “{line}”.",
                                   code="recipient_code_missing")
        elif not sep:  # a paper recipient may have no code: its name is its key
            code, name = line, line
        out.append(Recipient(Organ(code or name, name or directory.get(code, "")), channel))
    return out


def _when(text: str, what: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=VN_TZ)
    except ValueError as e:
        raise InvalidInput(f"{what} không hợp lệ: “{text}”.", code="datetime_invalid") from e


def _day(text: str, what: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as e:
        raise InvalidInput(f"{what} không hợp lệ: “{text}”.", code="date_invalid") from e


def _enum_value(text: str, kind: type[Priority] | type[Secrecy], what: str) -> Any:
    try:
        return kind(int(text or 0))
    except ValueError as e:
        raise InvalidInput(f"{what} không hợp lệ.", code="value_invalid") from e


def parse_meeting(form: FormMultiDict) -> MeetingInput | None:
    title, place = _text(form, "hop_tieu_de"), _text(form, "hop_dia_diem")
    start = _when(_text(form, "hop_bat_dau"), "Thời gian bắt đầu họp")
    end = _when(_text(form, "hop_ket_thuc"), "Thời gian kết thúc họp")
    if not (title or place or start or end):
        return None
    if start is None:
        raise InvalidInput("Giấy mời họp phải ghi thời gian bắt đầu.", code="meeting_start_missing")
    return MeetingInput(title=title, start=start, place=place, end=end, chair=_text(form, "hop_chu_tri"))


@dataclass(frozen=True)
class _Upload:
    name: str
    data: bytes


async def _files(form: FormMultiDict, name: str) -> list[_Upload]:
    out = []
    for f in form.getall(name, []):
        if isinstance(f, UploadFile) and f.filename:
            out.append(_Upload(f.filename, await f.read()))
    return out


def _draft_input(form: FormMultiDict, office: Office, attachments: list[_Upload]) -> DraftInput:
    directory = {o.organ_id: o.name for o in office.docs.agencies()}
    recipients = (parse_recipients(_texts(form, "noi_nhan"), directory, Channel.AXIS)
                  + parse_recipients(_texts(form, "noi_nhan_giay"), directory, Channel.PAPER))
    return DraftInput(
        type_name=_text(form, "loai"), subject=_text(form, "trich_yeu"), recipients=tuple(recipients),
        priority=_enum_value(_text(form, "do_khan"), Priority, "Độ khẩn"),
        secrecy=_enum_value(_text(form, "do_mat"), Secrecy, "Độ mật"),
        due_date=_day(_text(form, "han"), "Hạn xử lý"), unit_abbr=_text(form, "don_vi"),
        signer_position=_text(form, "chuc_vu"), legal_bases=tuple(_lines(_texts(form, "can_cu"))),
        attachments=tuple((a.name, a.data) for a in attachments), meeting=parse_meeting(form),
        replaces=f"out:{_text(form, 'thay_the')}" if _text(form, "thay_the").isdigit() else "")


def _typed_values(form: FormMultiDict) -> dict[str, Any]:
    """What the user typed, to fill the form again after a refusal (files must be chosen again)."""
    single = ("loai", "trich_yeu", "noi_nhan_giay", "do_khan", "do_mat", "han", "don_vi", "chuc_vu", "can_cu",
              "hop_tieu_de", "hop_bat_dau", "hop_ket_thuc", "hop_dia_diem", "hop_chu_tri", "thay_the")
    values: dict[str, Any] = {k: _text(form, k) for k in single}
    picked = [v for v in _texts(form, "noi_nhan") if "\n" not in v and "|" not in v]
    values["noi_nhan"] = picked
    values["noi_nhan_khac"] = "\n".join(v for v in _texts(form, "noi_nhan") if v not in picked)
    return values


@post("/van-ban-di/moi", name="outgoing-create", guards=DRAFTERS, status_code=303,
      request_max_body_size=MAX_UPLOAD)
async def create_draft(request: Request[Any, Any, Any]) -> Template | Redirect:
    office = office_of(request)
    actor = actor_of(request)
    form = await request.form()
    uploads = await _files(form, "tep")
    attachments = await _files(form, "dinh_kem")

    def run() -> OutgoingDocument:
        if not uploads:
            raise InvalidInput("Chưa chọn tệp dự thảo (PDF).", code="pdf_missing")
        return office.draft(actor, _draft_input(form, office, attachments), uploads[0].data)

    try:
        doc = await asyncio.to_thread(run)
    except (DomainError, NodeError) as e:
        message, code = _message(e)
        context = await asyncio.to_thread(_new_context, office, _typed_values(form), message, code)
        return Template("outgoing/new.html", status_code=_status_of(e), context=context)
    return Redirect(path=f"/van-ban-di/{doc.ref.partition(':')[2]}?ok=moi", status_code=303)


# -- the detail page -------------------------------------------------------------------------------
def allowed_actions(doc: OutgoingDocument, user: User, meeting: Meeting | None) -> set[str]:
    """The action forms shown to this user in this state (the use cases check again)."""
    if doc.frozen:
        return set()
    roles = user.roles
    leader, clerk = Role.LEADER in roles, Role.CLERK in roles
    author_or_leader = user.username == doc.author or leader
    state = doc.state
    out: set[str] = set()
    if state in (OutgoingState.DRAFT, OutgoingState.IN_REVIEW) and author_or_leader:
        out |= {"gop-y", "trinh-ky", "thay-tep", "sua-du-thao"}  # the last two: as outgoing.edit_draft allows
    if state in (OutgoingState.DRAFT, OutgoingState.IN_REVIEW, OutgoingState.SUBMITTED):
        out.add("y-kien")
    if state in (OutgoingState.IN_REVIEW, OutgoingState.SUBMITTED) and leader:
        out.add("tra-lai")
    if state is OutgoingState.SUBMITTED and leader:
        out.add("ky")
    if state is OutgoingState.SIGNED and clerk:
        out.add("cap-so")
    if state is OutgoingState.NUMBERED and clerk:
        out.add("ky-so-co-quan")
    if state is OutgoingState.SEALED and clerk:
        out.add("phat-hanh")
    if state is OutgoingState.PUBLISHED and (clerk or leader):
        out.add("thu-hoi")
    if state is OutgoingState.PUBLISHED and clerk:
        out |= {"cap-nhat", "thay-the"}
    if (state is OutgoingState.PUBLISHED and clerk and meeting is not None
            and meeting.status is not MeetingStatus.CANCELLED):
        out.add("doi-lich-hop")
    return out


def _registers_for(office: Office, doc: OutgoingDocument) -> list[Register]:
    kind = register_kind_for(doc.meta.type_name)
    return [r for r in office.registers.list_registers()
            if r.kind is kind and r.active and r.secret == doc.meta.secret and r.accepts(doc.meta.type_name)]


def _recall_reply(d: Delivery) -> str:
    if d.recall_reply is None:
        return ""
    label = RECALL_REPLY_VI.get(d.recall_reply.value, d.recall_reply.value)
    return f"{label}: {d.recall_reply_reason}" if d.recall_reply_reason and d.recall_reply.value == "16" \
        else label


def history_rows(office: Office, ref: str) -> list[dict[str, Any]]:
    """The document's audit rows, oldest first, in Vietnamese. A replaced draft PDF ("Thay tệp dự
    thảo") links "bản trước" (the page is only shown to those who may read the document, and
    /tep serves a secret document's earlier PDF to them only: ``secret_holders``)."""
    def shown(key: str, value: Any, detail: Mapping[str, Any]) -> Any:
        if key == "code" and "document_id" not in detail:
            return None  # "code" of a status row is the status number, not a số, ký hiệu
        if key == "changed" and isinstance(value, list):
            return [EDIT_VI.get(str(v), str(v)) for v in value]
        return value

    def headline(action: str, detail: Mapping[str, Any]) -> str | None:
        if action != "outgoing.status" or not detail.get("code"):
            return None
        status = str(detail["code"])  # a recipient's status: its meaning first
        return RECALL_REPLY_VI.get(status) or str(DELIVERY_VI.get(_delivery(status), status))

    def links(action: str, detail: Mapping[str, Any]) -> list[tuple[str, str]]:
        previous = detail.get("previous_pdf")
        if action == "outgoing.edit" and isinstance(previous, str) and previous:
            return [("bản trước", f"/tep/{previous}?ten=ban-truoc.pdf")]
        return []

    return timeline(office, ref, actions=ACTION_VI, details=DETAIL_VI, when=vn_time, shown=shown,
                    headline=headline, links=links)


def _delivery(value: str) -> Any:
    try:
        return DeliveryState(value)
    except ValueError:
        return value


def _people(request: Request[Any, Any, Any]) -> tuple[list[User], list[User]]:
    """(leaders, everyone) for the trình ký and góp ý pickers; empty when the port is not wired."""
    people = getattr(request.app.state.ctx, "people", None)
    if people is None:
        return [], []
    return list(people.active_users(Role.LEADER)), list(people.active_users())


def _signatures(office: Office, ref: str) -> tuple[dict[str, Any] | None, str]:
    try:
        return office.signature_report_of_outgoing(ref), ""
    except (DomainError, NodeError) as e:
        return None, f"Chưa kiểm tra được chữ ký số: {_message(e)[0]}"


def detail_context(office: Office, doc: OutgoingDocument, user: User) -> dict[str, Any]:
    meeting = office.docs.meeting(doc.ref)
    actions = allowed_actions(doc, user, meeting)
    problems = (office.submission_problems(doc.ref)
                if doc.state in (OutgoingState.DRAFT, OutgoingState.IN_REVIEW) else [])
    report, report_error = _signatures(office, doc.ref)
    return {
        "doc": doc, "id": doc.ref.partition(":")[2], "actions": actions, "problems": problems,
        "report": report, "report_error": report_error, "meeting": meeting,
        "meeting_when": when_text, "meeting_status": MEETING_STATUS_VI, "change_note": change_note,
        "registers": _registers_for(office, doc) if "cap-so" in actions else [],
        "category": CATEGORY_VI[doc.category], "category_short": CATEGORY_SHORT[doc.category],
        "priority": PRIORITY_VI[doc.meta.priority], "secrecy": SECRECY_VI[doc.meta.secrecy],
        "delivery_vi": DELIVERY_VI, "recall_reply": _recall_reply, "vn_time": vn_time, "vn_date": vn_date,
        "seal_needs_pin": not office.agency_pin_stored, "flash": None, "error": None, "error_code": "",
        "history": history_rows(office, doc.ref), "leaders": [], "people": [],
        "recipient_lines": recipient_lines, "channels": Channel,
    }


def _document(office: Office, doc_id: int) -> OutgoingDocument:
    doc = office.docs.outgoing.get(_ref(doc_id))
    if doc is None:
        raise NotFoundException(f"Không có văn bản đi số {doc_id}.")
    return doc


@get("/van-ban-di/{doc_id:int}", name="outgoing-detail", guards=EVERYONE, sync_to_thread=True)
def detail(request: Request[Any, Any, Any], doc_id: DocId, ok: FromQuery[str] = "") -> Template:
    office = office_of(request)
    doc = _document(office, doc_id)
    check_may_read(doc, actor_of(request))
    context = detail_context(office, doc, _user(request))
    context["flash"] = FLASH.get(ok)
    context["leaders"], context["people"] = _people(request)
    return Template("outgoing/detail.html", context=context)


# -- the actions -----------------------------------------------------------------------------------
Step = Callable[[Office, str, Actor, FormMultiDict], Any]


async def _act(request: Request[Any, Any, Any], doc_id: int, slug: str, step: Step) -> Template | Redirect:
    office = office_of(request)
    actor = actor_of(request)
    user = _user(request)
    form = await request.form()
    ref = _ref(doc_id)
    check_may_read(await asyncio.to_thread(_document, office, doc_id), actor)  # 404, then 403 if secret
    try:
        await asyncio.to_thread(step, office, ref, actor, form)
    except (DomainError, NodeError) as e:
        message, code = _message(e)

        def page() -> dict[str, Any]:
            context = detail_context(office, _document(office, doc_id), user)
            context.update(error=message, error_code=code, failed_action=slug)
            context["leaders"], context["people"] = _people(request)
            return context

        context = await asyncio.to_thread(page)
        return Template("outgoing/detail.html", status_code=_status_of(e), context=context)
    return Redirect(path=f"/van-ban-di/{doc_id}?ok={slug}", status_code=303)


def _review(office: Office, ref: str, actor: Actor, form: FormMultiDict) -> Any:
    names = [n for v in _texts(form, "nguoi_gop_y") for n in v.replace(",", " ").split()]
    return office.send_for_review(ref, names, actor)


def _submit(office: Office, ref: str, actor: Actor, form: FormMultiDict) -> Any:
    leader = _text(form, "lanh_dao")
    if not leader:
        raise InvalidInput("Chọn lãnh đạo để trình ký.", code="leader_missing")
    return office.submit(ref, leader, actor)


def _sign(office: Office, ref: str, actor: Actor, form: FormMultiDict) -> Any:
    return office.sign(ref, actor, _text(form, "pin") or None)


def _seal(office: Office, ref: str, actor: Actor, form: FormMultiDict) -> Any:
    return office.seal(ref, actor, _text(form, "pin") or None)


def _change_meeting(office: Office, ref: str, actor: Actor, form: FormMultiDict) -> Any:
    kind = MEETING_KINDS.get(_text(form, "kieu"))
    if kind is None:
        raise InvalidInput("Chọn hoãn, dời hay hủy họp.", code="meeting_change_kind")
    return office.change_meeting(ref, actor, kind=kind, reason=_text(form, "ly_do"),
                                 new_start=_when(_text(form, "bat_dau_moi"), "Thời gian mới"),
                                 new_place=_text(form, "dia_diem_moi") or None)


@post("/van-ban-di/{doc_id:int}/gop-y", name="outgoing-review", guards=DRAFTERS, status_code=303)
async def review(request: Request[Any, Any, Any], doc_id: DocId) -> Template | Redirect:
    return await _act(request, doc_id, "gop-y", _review)


@post("/van-ban-di/{doc_id:int}/y-kien", name="outgoing-comment", guards=EVERYONE, status_code=303)
async def comment(request: Request[Any, Any, Any], doc_id: DocId) -> Template | Redirect:
    return await _act(request, doc_id, "y-kien",
                      lambda o, ref, a, f: o.comment(ref, _text(f, "noi_dung"), a))


@post("/van-ban-di/{doc_id:int}/trinh-ky", name="outgoing-submit", guards=DRAFTERS, status_code=303)
async def submit(request: Request[Any, Any, Any], doc_id: DocId) -> Template | Redirect:
    return await _act(request, doc_id, "trinh-ky", _submit)


@post("/van-ban-di/{doc_id:int}/tra-lai", name="outgoing-return", guards=LEADERS, status_code=303)
async def return_draft(request: Request[Any, Any, Any], doc_id: DocId) -> Template | Redirect:
    return await _act(request, doc_id, "tra-lai",
                      lambda o, ref, a, f: o.return_for_revision(ref, _text(f, "ly_do"), a))


@post("/van-ban-di/{doc_id:int}/ky", name="outgoing-sign", guards=LEADERS, status_code=303)
async def sign(request: Request[Any, Any, Any], doc_id: DocId) -> Template | Redirect:
    return await _act(request, doc_id, "ky", _sign)


@post("/van-ban-di/{doc_id:int}/cap-so", name="outgoing-number", guards=CLERKS, status_code=303)
async def number(request: Request[Any, Any, Any], doc_id: DocId) -> Template | Redirect:
    return await _act(request, doc_id, "cap-so",
                      lambda o, ref, a, f: o.number(ref, a, _text(f, "so") or None))


@post("/van-ban-di/{doc_id:int}/ky-so-co-quan", name="outgoing-seal", guards=CLERKS, status_code=303)
async def seal(request: Request[Any, Any, Any], doc_id: DocId) -> Template | Redirect:
    return await _act(request, doc_id, "ky-so-co-quan", _seal)


@post("/van-ban-di/{doc_id:int}/phat-hanh", name="outgoing-publish", guards=CLERKS, status_code=303)
async def publish(request: Request[Any, Any, Any], doc_id: DocId) -> Template | Redirect:
    return await _act(request, doc_id, "phat-hanh", lambda o, ref, a, f: o.publish(ref, a))


@post("/van-ban-di/{doc_id:int}/thu-hoi", name="outgoing-recall", guards=CLERKS_LEADERS, status_code=303)
async def recall(request: Request[Any, Any, Any], doc_id: DocId) -> Template | Redirect:
    return await _act(request, doc_id, "thu-hoi",
                      lambda o, ref, a, f: o.recall_outgoing(ref, _text(f, "ly_do"), a))


@post("/van-ban-di/{doc_id:int}/cap-nhat", name="outgoing-update", guards=CLERKS, status_code=303)
async def update(request: Request[Any, Any, Any], doc_id: DocId) -> Template | Redirect:
    """Cập nhật (BussinessDocType 2): a new trích yếu, note or deadline sent to every recipient."""
    return await _act(request, doc_id, "cap-nhat", lambda o, ref, a, f: o.update_outgoing(
        ref, a, _text(f, "ly_do"), subject=_text(f, "trich_yeu") or None,
        description=_text(f, "ghi_chu") or None, due_date=_day(_text(f, "han"), "Hạn xử lý")))


@post("/van-ban-di/{doc_id:int}/doi-lich-hop", name="outgoing-meeting", guards=CLERKS, status_code=303)
async def change_meeting(request: Request[Any, Any, Any], doc_id: DocId) -> Template | Redirect:
    return await _act(request, doc_id, "doi-lich-hop", _change_meeting)


@post("/van-ban-di/{doc_id:int}/thay-tep", name="outgoing-replace-files", guards=DRAFTERS, status_code=303,
      request_max_body_size=MAX_UPLOAD)
async def replace_files(request: Request[Any, Any, Any], doc_id: DocId) -> Template | Redirect:
    """Thay tệp dự thảo (multipart: ``tep`` the new PDF, optional ``dinh_kem`` extra attachments) while
    the draft may still be edited — the drafter or a leader, as ``Office.edit_draft`` decides."""
    form = await request.form()
    uploads = await _files(form, "tep")
    attachments = await _files(form, "dinh_kem")

    def step(office: Office, ref: str, actor: Actor, _: FormMultiDict) -> Any:
        if not uploads:
            raise InvalidInput("Chưa chọn tệp dự thảo (PDF).", code="pdf_missing")
        return office.edit_draft(ref, actor, pdf=uploads[0].data,
                                 attachments=[(a.name, a.data) for a in attachments])

    return await _act(request, doc_id, "thay-tep", step)


def recipient_lines(doc: OutgoingDocument, channel: Channel) -> str:
    """The draft's recipients as the edit form writes them ("MÃ|Tên"; a paper one by its name)."""
    def line(r: Recipient) -> str:
        o = r.organ
        return o.name if channel is Channel.PAPER and o.organ_id == o.name else f"{o.organ_id}|{o.name}"

    return "\n".join(line(r) for r in doc.recipients if r.channel is channel)


def _edit_details(office: Office, ref: str, actor: Actor, form: FormMultiDict) -> Any:
    directory = {o.organ_id: o.name for o in office.docs.agencies()}
    recipients = (parse_recipients(_texts(form, "noi_nhan"), directory, Channel.AXIS)
                  + parse_recipients(_texts(form, "noi_nhan_giay"), directory, Channel.PAPER))
    return office.edit_draft(ref, actor, recipients=tuple(recipients),
                             legal_bases=_lines(_texts(form, "can_cu")))


@post("/van-ban-di/{doc_id:int}/sua-du-thao", name="outgoing-edit", guards=DRAFTERS, status_code=303)
async def edit_details(request: Request[Any, Any, Any], doc_id: DocId) -> Template | Redirect:
    """Nơi nhận (``noi_nhan`` "MÃ|Tên" lines, ``noi_nhan_giay``) and căn cứ pháp lý (``can_cu``, one per
    line) of a draft, replaced as typed — the same people and states as "Thay tệp dự thảo"."""
    return await _act(request, doc_id, "sua-du-thao", _edit_details)


handlers = [outgoing_list, new_form, create_draft, detail, review, comment, submit, return_draft, sign,
            number, seal, publish, recall, update, change_meeting, replace_files, edit_details]
