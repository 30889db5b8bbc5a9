"""Văn bản đến pages: the list with its filters, the detail page with its actions, "Việc của tôi".

Every action is a plain form POST (CSRF token inside) answered by a 303 back to the detail page
with ``?ok=<action>``; a refused step re-renders the page with the Vietnamese message (403 when
the role does not allow it, 409 when the state does not, 400 otherwise; htmx gets 200 so it
swaps the message in). The handlers gather the form into the arguments of one
:class:`node.domain.office.Office` use case and run it in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from node.domain.accounts import PeopleDirectory, Role, User
from node.domain.calendar import DeadlineFlag, DeadlineStatus, WorkingCalendar, deadline_status, vn_date
from node.domain.clock import VN_TZ
from node.domain.documents import (
    PRIORITY_VI,
    SECRECY_VI,
    Actor,
    Channel,
    IllegalTransition,
    InvalidInput,
    NotPermitted,
    Priority,
    Secrecy,
)
from node.domain.errors import DomainError
from node.domain.incoming import (
    INCOMING_STATE_VI,
    Assignee,
    IncomingDocument,
    IncomingState,
    RecallNotPending,
    assignee_deadlines,
    is_lead,
)
from node.domain.incoming import deadline as doc_deadline
from node.domain.listing import (
    OPEN_INCOMING,
    DocumentLists,
    ListFilters,
    count_cap,
    deadline_filter,
    due_soon_until,
)
from node.domain.numbering import RegisterKind
from node.domain.office import Office, check_may_read, may_read
from node.web.auth import requires
from node.web.formats import paging, vn_day, vn_time
from node.web.history import timeline
from node.web.list_filters import chips, extra_filters
from node.web.office import actor_of, office_of

ALL = [requires(Role.CLERK, Role.LEADER, Role.SPECIALIST)]  # admins pass every guard
CLERKS = [requires(Role.CLERK)]
CLERKS_LEADERS = [requires(Role.CLERK, Role.LEADER)]
LEADERS = [requires(Role.LEADER)]
WORKERS = ALL  # the lead (any person, or a member of the lead unit) or a leader: the use case decides
PAGE_SIZE = 20

# ?ok=<action> → the flash message
FLASH: dict[str, str] = {
    "tiep-nhan": "Đã tiếp nhận và vào sổ văn bản đến.",
    "tu-choi": "Đã từ chối tiếp nhận; lý do được gửi cho nơi gửi.",
    "trinh": "Đã trình lãnh đạo.",
    "phan-cong": "Đã phân công xử lý.",
    "xu-ly": "Đã chuyển sang đang xử lý.",
    "hoan-thanh": "Đã báo hoàn thành xử lý.",
    "dong-y-thu-hoi": "Đã đồng ý thu hồi: nội dung văn bản đã được hủy, thông tin được giữ lại.",
    "tu-choi-thu-hoi": "Đã từ chối thu hồi; lý do được gửi cho nơi gửi.",
    "lap-ho-so": "Đã đưa văn bản vào hồ sơ.",
    "kiem-tra-chu-ky": "Đã kiểm tra lại chữ ký số với chứng thư tin cậy và dữ liệu thu hồi hiện có.",
    "vao-so": "Đã vào sổ văn bản giấy từ bản quét.",
    "vao-so-chua-tiep-nhan": "Đã tạo văn bản đến từ bản quét; văn bản chưa được tiếp nhận vào sổ.",
}

ACTION_VI: dict[str, str] = {
    "incoming.receive": "Văn bản đến hệ thống",
    "incoming.accept": "Tiếp nhận, vào sổ văn bản đến",
    "incoming.reject": "Từ chối tiếp nhận",
    "incoming.present": "Trình lãnh đạo",
    "incoming.assign": "Phân công xử lý",
    "incoming.process": "Bắt đầu xử lý",
    "incoming.complete": "Hoàn thành xử lý",
    "incoming.file": "Lập hồ sơ",
    "incoming.recall_request": "Nơi gửi yêu cầu thu hồi",
    "incoming.recall_accept": "Đồng ý thu hồi, hủy nội dung",
    "incoming.recall_refuse": "Từ chối thu hồi",
    "incoming.update": "Nơi gửi cập nhật văn bản",
    "incoming.update_refuse": "Từ chối cập nhật",
    "incoming.replaced": "Nơi gửi thay thế bằng văn bản mới",
    "incoming.replaces": "Thay thế văn bản đã nhận",
    "incoming.replace_unmatched": "Văn bản thay thế cho văn bản chưa nhận",
    "incoming.replace_skipped": "Không đánh dấu được văn bản bị thay thế",
    "signature.recheck": "Kiểm tra lại chữ ký số",
}
# detail keys worth a line in the timeline, with their label
DETAIL_VI: dict[str, str] = {
    "channel": "kênh", "register": "sổ", "arrival_number": "số đến", "reason": "lý do", "to": "trình",
    "lead": "chủ trì", "cooperating": "phối hợp", "due": "hạn", "direction": "ý kiến chỉ đạo",
    "result": "kết quả", "file_code": "hồ sơ", "note": "ghi chú", "via": "qua",
    "by_code": "văn bản thay thế", "replaced": "văn bản bị thay thế",
    "document_ids": "mã văn bản bị thay thế",
}
CHANNEL_VI = {"axis": "Trục liên thông", "paper": "Văn bản giấy"}
FLAG_CLASS = {DeadlineFlag.OVERDUE: "overdue", DeadlineFlag.DUE_SOON: "due-soon",
              DeadlineFlag.ON_TRACK: "on-track", DeadlineFlag.DONE: "done", DeadlineFlag.DONE_LATE: "late"}


# -- small helpers -------------------------------------------------------------------------------

def _ctx(request: Request[Any, Any, Any]) -> Any:
    return request.app.state.ctx


def _now(request: Request[Any, Any, Any]) -> datetime:
    now: datetime = _ctx(request).clock.now()
    return now


def _is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


def _lists(request: Request[Any, Any, Any]) -> DocumentLists:
    lists: DocumentLists | None = _ctx(request).lists
    if lists is None:
        raise NotFoundException("Chức năng danh sách văn bản chưa được bật.")
    return lists


def _people(request: Request[Any, Any, Any]) -> PeopleDirectory | None:
    people: PeopleDirectory | None = _ctx(request).people
    return people


def calendar_of(request: Request[Any, Any, Any]) -> WorkingCalendar:
    """The working-day calendar with the office's holiday table (the built-in one without it)."""
    holidays = _ctx(request).holidays
    return WorkingCalendar(holidays.load_table() if holidays is not None else None)


def parse_day(value: str | None, what: str = "Ngày") -> date | None:
    """'YYYY-MM-DD' (an HTML date input) or 'dd/mm/yyyy'; '' → None; anything else refused."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        if "/" in text:
            d, m, y = (int(x) for x in text.split("/"))
            return date(y, m, d)
        return date.fromisoformat(text)
    except ValueError as e:
        raise InvalidInput(f"{what} “{text}” không hợp lệ (định dạng dd/mm/yyyy).",
                           code="date_invalid") from e


def _quiet_day(value: str | None) -> date | None:
    """A filter's date: an unreadable one is ignored, not an error page."""
    try:
        return parse_day(value)
    except DomainError:
        return None


def flag_of(cal: WorkingCalendar, now: datetime, *, due: str | date | None, priority: int,
            state: str) -> DeadlineStatus | None:
    """The deadline flag of a list row (open documents only)."""
    if state not in OPEN_INCOMING or not due:
        return None
    day = date.fromisoformat(due[:10]) if isinstance(due, str) else due
    return deadline_status(cal, due=day, now=now, priority=priority)


def _helpers() -> dict[str, Any]:
    return {"vn_time": vn_time, "vn_day": vn_day, "priority_vi": lambda p: PRIORITY_VI.get(Priority(p), ""),
            "flag_class": lambda s: FLAG_CLASS.get(s.flag, "") if s else "",
            "state_vi": {s.value: label for s, label in INCOMING_STATE_VI.items()}}


# -- the list -------------------------------------------------------------------------------------

def filters_from(query: Any) -> tuple[ListFilters, dict[str, str]]:
    """The list filters from the query string; unreadable values are dropped (and not echoed)."""
    raw = {k: (query.get(k) or "").strip() for k in
           ("q", "trang_thai", "loai", "tu_ngay", "den_ngay", "so", "nam", "don_vi", "do_khan")}
    known = {s.value for s in IncomingState}
    states = tuple(dict.fromkeys(s for s in query.getall("trang_thai", []) if s in known)) \
        if hasattr(query, "getall") else ((raw["trang_thai"],) if raw["trang_thai"] in known else ())
    state = states[0] if len(states) == 1 else ""
    year = int(raw["nam"]) if raw["nam"].isdigit() and 1900 <= int(raw["nam"]) <= 9999 else None
    priority = int(raw["do_khan"]) if raw["do_khan"].isdigit() and int(raw["do_khan"]) <= 4 else None
    lo, hi = _quiet_day(raw["tu_ngay"]), _quiet_day(raw["den_ngay"])
    extra, extra_shown = extra_filters(query, "in")  # kênh, phòng, theo ngày hoàn thành, đúng hạn
    filters = ListFilters(states=states, type_name=raw["loai"], issuer=raw["don_vi"],
                          date_from=lo, date_to=hi, register_code=raw["so"], year=year, priority=priority,
                          query=raw["q"], **extra)
    shown = {**raw, "trang_thai": state, "nam": str(year or ""),
             "trang_thai_nhieu": ",".join(states) if len(states) > 1 else "",
             "do_khan": "" if priority is None else str(priority),
             "tu_ngay": lo.isoformat() if lo else "", "den_ngay": hi.isoformat() if hi else "", **extra_shown}
    return filters, shown


def _page_query(shown: dict[str, str], page: int) -> str:
    params: dict[str, Any] = {k: v for k, v in shown.items() if v and k != "trang_thai_nhieu"}
    if shown.get("trang_thai_nhieu"):  # several states (a dashboard link): keep them all
        params["trang_thai"] = shown["trang_thai_nhieu"].split(",")
    if page > 1:
        params["trang"] = str(page)
    return urlencode(params, doseq=True)


@get("/van-ban-den", name="incoming-list", guards=ALL, sync_to_thread=True)
def incoming_list(request: Request[Any, Any, Any]) -> Template:
    lists = _lists(request)
    filters, shown = filters_from(request.query_params)
    filters = replace(filters, reader=actor_of(request))  # secret documents for their readers only
    cal, now = calendar_of(request), _now(request)
    if shown.get("han"):  # quá hạn / sắp đến hạn today, by the working-day calendar (as the dashboard)
        today = vn_date(now)
        due = deadline_filter(shown["han"], today, due_soon_until(cal, today))
        if due is not None:
            states = tuple(s for s in filters.states if s in due.states) if filters.states else due.states
            filters = replace(filters, states=states or ("-",), due_from=due.due_from, due_to=due.due_to)
    cap = count_cap(filters)
    total = lists.count_incoming(filters, cap=cap)
    page, pages = paging(request.query_params.get("trang"), total, PAGE_SIZE)
    rows = lists.list_incoming(filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    flags = {r.ref: flag_of(cal, now, due=r.due_date, priority=r.priority, state=r.state) for r in rows}
    office = _ctx(request).office
    registers = [r for r in office.registers.list_registers() if r.kind is RegisterKind.INCOMING] \
        if office is not None else []
    context = {"rows": rows, "flags": flags, "total": total, "capped": total >= cap, "page": page,
               "pages": pages, "f": shown, "states": INCOMING_STATE_VI, "registers": registers,
               "priorities": PRIORITY_VI, "page_query": lambda p: _page_query(shown, p),
               "chips": chips("in", shown, lambda k: "/van-ban-den?" + _page_query(
                   {**shown, k: ""}, 1)), **_helpers()}
    template = "incoming/_rows.html" if _is_htmx(request) and request.headers.get(
        "hx-target") == "ds-van-ban-den" else "incoming/list.html"
    return Template(template, context=context)


# -- the detail page ------------------------------------------------------------------------------

def _doc(office: Office, doc_id: int) -> IncomingDocument:
    doc = office.docs.incoming.get(f"in:{doc_id}")
    if doc is None:
        raise NotFoundException(f"Không tìm thấy văn bản đến số {doc_id}.")
    return doc


def signature_panel(office: Office, doc: IncomingDocument) -> dict[str, Any]:
    """The stored reports of the document's PDFs: one line per signature, ok when all are valid."""
    if doc.channel is Channel.PAPER:
        return {"ok": False, "checked": False, "lines": [],
                "head": "Văn bản giấy được số hóa: không có chữ ký số để kiểm tra."}
    reports = [r for r in (office.docs.signature_report(sha) for sha in doc.blobs) if r is not None]
    if not reports:
        head = ("Nội dung đã bị hủy; không còn báo cáo kiểm tra chữ ký số." if doc.content_destroyed
                else "Chưa có kết quả kiểm tra chữ ký số của văn bản.")
        return {"ok": False, "checked": False, "head": head, "lines": []}
    ok = all(bool(r.get("ok")) for r in reports)
    lines: list[dict[str, Any]] = []
    for r in reports:
        sigs = r.get("signatures") or []
        if not sigs:
            lines.append({"ok": False, "text": "Tài liệu không có chữ ký số.", "revocation": ""})
        lines += [{"ok": bool(s.get("ok")), "text": str(s.get("summary", "")),
                   "revocation": str(s.get("revocation", ""))} for s in sigs]
    count = len(lines)
    revoked = any(x["revocation"] == "revoked" for x in lines)
    pending = any(x["revocation"] == "unknown" for x in lines)
    head = (f"Tất cả {count} chữ ký hợp lệ." if ok
            else f"Có chữ ký không hợp lệ hoặc thiếu chữ ký ({sum(not x['ok'] for x in lines)}/{count}).")
    if revoked:
        head = "CHỨNG THƯ SỐ CỦA NGƯỜI KÝ ĐÃ BỊ THU HỒI: chữ ký không còn giá trị. " + head
    elif pending:
        head += (" Chưa có dữ liệu thu hồi chứng thư (chờ dữ liệu thu hồi): kiểm tra lại khi bộ phận kỹ thuật"
                 " đã cập nhật danh sách thu hồi (CRL).")
    return {"ok": ok, "checked": True, "head": head, "lines": lines, "revoked": revoked, "pending": pending}


def history_rows(office: Office, ref: str, names: dict[str, str],
                 units: dict[str, str] | None = None) -> list[dict[str, Any]]:
    def who(value: Any) -> Any:
        return names.get(str(value)) or (units or {}).get(str(value)) or value

    def shown(key: str, value: Any, detail: Mapping[str, Any]) -> Any:
        if key == "channel":
            return CHANNEL_VI.get(str(value), value)
        if key in ("to", "lead"):
            return who(value)
        if key == "cooperating" and isinstance(value, list):
            return [who(v) for v in value]
        return value

    return timeline(office, ref, actions=ACTION_VI, details=DETAIL_VI, when=vn_time, shown=shown, names=names)


def _names(people: PeopleDirectory | None) -> tuple[list[User], dict[str, str], dict[str, str]]:
    if people is None:
        return [], {}, {}
    everyone = people.active_users()
    users = [u for u in everyone if u.has_any(Role.CLERK, Role.LEADER, Role.SPECIALIST)]  # not admin-only
    return users, {u.username: u.full_name for u in everyone}, {str(u.id): u.name for u in people.units()}


def allowed_actions(doc: IncomingDocument, actor: Actor) -> set[str]:
    """The forms this person may use on this document now (the use cases check again)."""
    s, out = doc.state, set[str]()
    if s is IncomingState.RECALLED:
        return out
    clerk, leader = actor.has(Role.CLERK), actor.has(Role.LEADER)
    if clerk and s is IncomingState.RECEIVED:
        out |= {"tiep-nhan", "tu-choi"}
    if clerk and s is IncomingState.ACCEPTED:
        out.add("trinh")
    if leader and s in (IncomingState.PRESENTED, IncomingState.ASSIGNED):
        out.add("phan-cong")
    worker = leader or is_lead(doc, actor)
    if worker and s is IncomingState.ASSIGNED:
        out.add("xu-ly")
    if worker and s in (IncomingState.ASSIGNED, IncomingState.PROCESSING):
        out.add("hoan-thanh")
    if clerk and doc.recall_pending:
        out |= {"dong-y-thu-hoi", "tu-choi-thu-hoi"}
    if s in (IncomingState.DONE, IncomingState.FILED) and (clerk or worker or actor.has(Role.SPECIALIST)):
        out.add("lap-ho-so")
    if (clerk or leader) and doc.channel is Channel.AXIS and doc.blobs and not doc.content_destroyed:
        out.add("kiem-tra-chu-ky")  # not a workflow step: also on a replaced or finished document
    return out


def _link(doc: IncomingDocument | None, actor: Actor) -> dict[str, str] | None:
    """A linked văn bản đến (replaced / replacing) as the page shows it: its number and, for those
    who may open it, its subject."""
    if doc is None:
        return None
    return {"id": doc.ref.partition(":")[2], "code": doc.meta.code or doc.ref,
            "subject": doc.meta.subject if may_read(doc, actor) else "", "received": vn_time(doc.received_at)}


def detail_context(request: Request[Any, Any, Any], doc_id: int) -> dict[str, Any]:
    office = office_of(request)
    actor = actor_of(request)
    doc = _doc(office, doc_id)
    check_may_read(doc, actor)
    users, names, units = _names(_people(request))
    cal, now = calendar_of(request), _now(request)
    actions = allowed_actions(doc, actor)
    registers = [r for r in office.registers.list_registers()
                 if r.kind is RegisterKind.INCOMING and r.active and r.secret == doc.meta.secret]
    year = now.astimezone(VN_TZ).year  # this year's hồ sơ, and last year's for late January filing
    dossiers = [d for y in (year, year - 1) for d in office.docs.list_dossiers(y)
                if d.state.value == "open"] if "lap-ho-so" in actions else []
    filed = [str(c) for c in office.docs.dossiers_of(doc.ref)]
    sha = doc.blobs[0] if doc.blobs and not doc.content_destroyed else ""
    linked = {d.ref: d for d in (office.docs.incoming.get(r) for r in (doc.replaced_by, *doc.replaces) if r)
              if d is not None}
    ok = request.query_params.get("ok") or ""
    early = doc.state in (IncomingState.RECEIVED, IncomingState.ACCEPTED)  # when the clerk can still act
    return {
        "duplicates": office.duplicates_of(doc.ref) if early else [],
        "doc": doc, "id": doc_id, "actor": actor, "actions": actions, "sha": sha,
        "register_names": {r.code: r.name for r in office.registers.list_registers()},
        "signatures": signature_panel(office, doc), "history": history_rows(office, doc.ref, names, units),
        "deadline": doc_deadline(doc, cal, now=now), "assignees": assignee_deadlines(doc, cal, now=now),
        "registers": registers, "leaders": [u for u in users if Role.LEADER in u.roles],
        "users": users, "units": units, "names": names, "dossiers": dossiers, "filed": filed,
        "replaced_by": _link(linked.get(doc.replaced_by), actor), "replaces": [
            _link(linked.get(r), actor) for r in doc.replaces],
        "replaces_unknown": [i for i in doc.replaces_document_ids
                             if i not in {d.meta.document_id for d in linked.values()}],
        "flash": FLASH.get(ok, ""), "error": None, "error_code": "", "form": {}, "failed": "",
        "channel_vi": CHANNEL_VI, "secrecy_vi": SECRECY_VI, "priority_vi_enum": PRIORITY_VI,
        "secret": doc.meta.secrecy > Secrecy.NONE, "today": now.astimezone(VN_TZ).date().isoformat(),
        **_helpers(),
    }


@get("/van-ban-den/{doc_id:int}", name="incoming-detail", guards=ALL, sync_to_thread=True)
def incoming_detail(request: Request[Any, Any, Any], doc_id: FromPath[int]) -> Template:
    return Template("incoming/detail.html", context=detail_context(request, doc_id))


# -- actions --------------------------------------------------------------------------------------

def error_status(e: DomainError) -> int:
    if isinstance(e, NotPermitted) or e.code == "not_permitted":
        return 403
    if isinstance(e, IllegalTransition | RecallNotPending):
        return 409
    return 400


async def run_action(request: Request[Any, Any, Any], doc_id: int, slug: str,
                     step: Callable[[Office, Actor, FormMultiDict], Any]) -> Template | Redirect:
    """Run one use case off the event loop; 303 to the detail page, or the page with the message."""
    office = office_of(request)
    actor = actor_of(request)
    form: FormMultiDict = await request.form()
    try:
        await asyncio.to_thread(_doc, office, doc_id)
        await asyncio.to_thread(step, office, actor, form)
    except DomainError as e:
        context = await asyncio.to_thread(detail_context, request, doc_id)
        context.update(error=e.message, error_code=e.code, failed=slug,
                       form={k: form.get(k) for k in form})
        status = 200 if _is_htmx(request) else error_status(e)
        return Template("incoming/detail.html", status_code=status, context=context)
    return Redirect(path=f"/van-ban-den/{doc_id}?ok={slug}", status_code=303)


def _ref(doc_id: int) -> str:
    return f"in:{doc_id}"


def _text(form: FormMultiDict, key: str) -> str:
    return " ".join(str(form.get(key) or "").split())


def parse_assignee(value: str, people: PeopleDirectory | None, due: date | None) -> Assignee:
    """"user:<username>" or "unit:<id>" → the Assignee with its display name."""
    kind, _, key = value.strip().partition(":")
    if kind not in ("user", "unit") or not key:
        raise InvalidInput("Chưa chọn người hoặc đơn vị xử lý.", code="assignee_missing")
    name = key
    if people is not None:
        if kind == "user":
            found = {u.username: u.full_name for u in people.active_users()}
        else:
            found = {str(u.id): u.name for u in people.units()}
        if key not in found:
            raise InvalidInput(f"Không có {'người dùng' if kind == 'user' else 'đơn vị'} “{key}”.",
                               code="assignee_unknown")
        name = found[key]
    return Assignee(kind, key, name, due)


@post("/van-ban-den/{doc_id:int}/tiep-nhan", name="incoming-accept", guards=CLERKS, status_code=303)
async def accept(request: Request[Any, Any, Any], doc_id: FromPath[int]) -> Template | Redirect:
    def step(office: Office, actor: Actor, form: FormMultiDict) -> Any:
        _doc(office, doc_id)  # 404 for an unknown document
        return office.accept(_ref(doc_id), actor, _text(form, "so") or None)

    return await run_action(request, doc_id, "tiep-nhan", step)


@post("/van-ban-den/{doc_id:int}/tu-choi", name="incoming-reject", guards=CLERKS, status_code=303)
async def reject(request: Request[Any, Any, Any], doc_id: FromPath[int]) -> Template | Redirect:
    return await run_action(request, doc_id, "tu-choi",
                            lambda o, a, f: o.reject(_ref(doc_id), _text(f, "ly_do"), a))


@post("/van-ban-den/{doc_id:int}/trinh", name="incoming-present", guards=CLERKS, status_code=303)
async def present(request: Request[Any, Any, Any], doc_id: FromPath[int]) -> Template | Redirect:
    people = _people(request)

    def step(office: Office, actor: Actor, form: FormMultiDict) -> Any:
        leader = _text(form, "lanh_dao")
        if not leader:
            raise InvalidInput("Chưa chọn lãnh đạo để trình.", code="leader_missing")
        if people is not None and leader not in {u.username for u in people.active_users(Role.LEADER)}:
            raise InvalidInput(f"“{leader}” không phải lãnh đạo đang hoạt động.", code="leader_unknown")
        return office.present(_ref(doc_id), leader, actor)

    return await run_action(request, doc_id, "trinh", step)


@post("/van-ban-den/{doc_id:int}/phan-cong", name="incoming-assign", guards=LEADERS, status_code=303)
async def assign(request: Request[Any, Any, Any], doc_id: FromPath[int]) -> Template | Redirect:
    people = _people(request)

    def step(office: Office, actor: Actor, form: FormMultiDict) -> Any:
        due = parse_day(form.get("han"), "Hạn xử lý")
        co_due = parse_day(form.get("han_phoi_hop"), "Hạn phối hợp") or due
        lead = parse_assignee(str(form.get("chu_tri") or ""), people, due)
        cooperating = [parse_assignee(v, people, co_due) for v in form.getall("phoi_hop", []) if v.strip()]
        return office.assign(_ref(doc_id), actor, lead=lead, cooperating=cooperating,
                             direction=str(form.get("y_kien") or ""))

    return await run_action(request, doc_id, "phan-cong", step)


@post("/van-ban-den/{doc_id:int}/xu-ly", name="incoming-start", guards=WORKERS, status_code=303)
async def start(request: Request[Any, Any, Any], doc_id: FromPath[int]) -> Template | Redirect:
    return await run_action(request, doc_id, "xu-ly", lambda o, a, f: o.start(_ref(doc_id), a))


@post("/van-ban-den/{doc_id:int}/hoan-thanh", name="incoming-complete", guards=WORKERS, status_code=303)
async def complete(request: Request[Any, Any, Any], doc_id: FromPath[int]) -> Template | Redirect:
    return await run_action(request, doc_id, "hoan-thanh",
                            lambda o, a, f: o.complete(_ref(doc_id), a, str(f.get("ket_qua") or "")))


@post("/van-ban-den/{doc_id:int}/dong-y-thu-hoi", name="incoming-recall-accept", guards=CLERKS,
      status_code=303)
async def recall_accept(request: Request[Any, Any, Any], doc_id: FromPath[int]) -> Template | Redirect:
    return await run_action(request, doc_id, "dong-y-thu-hoi",
                            lambda o, a, f: o.accept_recall(_ref(doc_id), a))


@post("/van-ban-den/{doc_id:int}/tu-choi-thu-hoi", name="incoming-recall-refuse", guards=CLERKS,
      status_code=303)
async def recall_refuse(request: Request[Any, Any, Any], doc_id: FromPath[int]) -> Template | Redirect:
    return await run_action(request, doc_id, "tu-choi-thu-hoi",
                            lambda o, a, f: o.refuse_recall(_ref(doc_id), _text(f, "ly_do"), a))


@post("/van-ban-den/{doc_id:int}/lap-ho-so", name="incoming-file", guards=ALL, status_code=303)
async def file_into(request: Request[Any, Any, Any], doc_id: FromPath[int]) -> Template | Redirect:
    def step(office: Office, actor: Actor, form: FormMultiDict) -> Any:
        code = _text(form, "ho_so")
        if not code:
            raise InvalidInput("Chưa chọn hồ sơ.", code="dossier_missing")
        return office.file_incoming(_ref(doc_id), code, actor)

    return await run_action(request, doc_id, "lap-ho-so", step)


@post("/van-ban-den/{doc_id:int}/kiem-tra-chu-ky", name="incoming-recheck-signatures", guards=CLERKS_LEADERS,
      status_code=303)
async def recheck_signatures(request: Request[Any, Any, Any], doc_id: FromPath[int]) -> Template | Redirect:
    """Kiểm tra lại chữ ký: the document's files verified again with the CRL files there are now."""
    return await run_action(request, doc_id, "kiem-tra-chu-ky",
                            lambda o, a, f: o.recheck_document_signatures(_ref(doc_id), a))


# -- việc của tôi ---------------------------------------------------------------------------------

@get("/viec-cua-toi", name="my-work", guards=ALL, sync_to_thread=True)
def my_work(request: Request[Any, Any, Any]) -> Template:
    actor = actor_of(request)
    items = _lists(request).my_work(actor.username, actor.unit_id, limit=200)
    cal, now = calendar_of(request), _now(request)
    flags = {i.ref: flag_of(cal, now, due=i.due_date, priority=i.priority, state=i.state) for i in items}
    counts = {"overdue": sum(1 for f in flags.values() if f and f.flag is DeadlineFlag.OVERDUE),
              "due_soon": sum(1 for f in flags.values() if f and f.flag is DeadlineFlag.DUE_SOON)}
    return Template("incoming/my_work.html", context={"items": items, "flags": flags, "counts": counts,
                                                      **_helpers()})


handlers = [incoming_list, incoming_detail, accept, reject, present, assign, start, complete, recall_accept,
            recall_refuse, file_into, recheck_signatures, my_work]
