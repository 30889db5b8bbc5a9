"""Quản trị pages (role admin): accounts, units, the holiday table and the document types.

Every change goes through a port that writes it and its audit row in one transaction:
``ctx.accounts`` (:class:`node.domain.admin.AccountAdmin`), ``ctx.holidays``
(:class:`node.domain.calendar.HolidayStore`) and ``office.docs.save_type_rule``. A new or reset
password is generated on the server, shown once on the answer page (never stored in clear,
never logged, never put in a URL) and kept only as its argon2 hash.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, Parameter
from litestar.response import Redirect, Template

from node.domain.accounts import ROLE_LABELS, Role
from node.domain.admin import AccountAdmin, AdminError, new_account, new_password, parse_roles
from node.domain.calendar import CalendarEntry, CalendarError, DayKind, HolidayStore, vn_date
from node.domain.categories import CATEGORY_VI, DeliveryCategory, TypeRule
from node.domain.errors import DomainError
from node.web.auth import requires, session_user
from node.web.office import office_of

ADMIN = [requires(Role.ADMIN)]
Year = Annotated[int | None, Parameter(ge=1900, le=9999, required=False)]
DAY_KIND_VI = {DayKind.HOLIDAY: "Ngày nghỉ", DayKind.MAKEUP: "Ngày làm bù"}
NO_STORE = {"Cache-Control": "no-store"}
FLASH = {
    "sua": "Đã lưu thông tin tài khoản.", "khoa": "Đã vô hiệu hóa tài khoản.",
    "mo-khoa": "Đã mở lại tài khoản.",
    "don-vi": "Đã thêm đơn vị.", "doi-ten": "Đã đổi tên đơn vị.", "ngay": "Đã lưu ngày vào bảng ngày nghỉ.",
    "xoa-ngay": "Đã xóa ngày khỏi bảng ngày nghỉ.", "loai": "Đã lưu quy định của loại văn bản.",
}


def _accounts(request: Request[Any, Any, Any]) -> AccountAdmin:
    port: AccountAdmin | None = request.app.state.ctx.accounts
    if port is None:
        raise NotFoundException("Chức năng quản trị tài khoản chưa được bật.")
    return port


def _holidays(request: Request[Any, Any, Any]) -> HolidayStore:
    port: HolidayStore | None = request.app.state.ctx.holidays
    if port is None:
        raise NotFoundException("Chức năng bảng ngày nghỉ chưa được bật.")
    return port


def _actor(request: Request[Any, Any, Any]) -> str:
    user = session_user(request)
    return user.username if user else "admin"


def _flash(request: Request[Any, Any, Any]) -> str:
    return FLASH.get(request.query_params.get("ok", ""), "")


def _text(form: FormMultiDict, key: str) -> str:
    return str(form.get(key) or "").strip()


def _all(form: FormMultiDict, key: str) -> list[str]:
    """Every value of a repeated field (ticked checkboxes); none ticked: an empty list."""
    return [str(v) for v in form.getall(key, [])]


def _unit_id(form: FormMultiDict) -> int | None:
    raw = _text(form, "don_vi")
    if not raw:
        return None
    if not raw.isdigit():
        raise AdminError("Đơn vị không hợp lệ.", code="unit_not_found")
    return int(raw)


async def _run(request: Request[Any, Any, Any], work: Callable[[FormMultiDict], Any],
               page: Callable[..., Template], ok: str, back: str) -> Template | Redirect:
    """Read the form, run ``work`` off the loop; on a refusal re-render ``page`` with the message."""
    form: FormMultiDict = await request.form()
    try:
        await asyncio.to_thread(work, form)
    except DomainError as e:
        status = 409 if e.code in ("user_exists", "unit_exists", "last_admin") else 400
        return await asyncio.to_thread(page, request, error=e.message, status=status, form=form)
    return Redirect(path=f"{back}?ok={ok}", status_code=303)


@get("/quan-tri", name="admin", guards=ADMIN, sync_to_thread=False)
def admin_index() -> Redirect:
    return Redirect(path="/quan-tri/nguoi-dung")


# -- accounts ------------------------------------------------------------------------------------------


def _users_page(request: Request[Any, Any, Any], *, error: str | None = None, status: int = 200,
                form: FormMultiDict | None = None, password: tuple[str, str] | None = None) -> Template:
    accounts = _accounts(request)
    units = accounts.units()
    return Template("admin/users.html", status_code=status, headers=NO_STORE, context={
        "users": accounts.list_users(), "units": units, "unit_names": {u.id: u.name for u in units},
        "roles": ROLE_LABELS, "error": error, "flash": _flash(request), "password": password,
        "form": form or {}, "form_roles": _all(form, "vai_tro") if form else [],
        "me": _actor(request)})


# GET handlers that share their path with a POST are async: Litestar 2.25 registers a path's handlers
# twice and a second registration of a sync_to_thread handler leaves it un-awaited.
@get("/quan-tri/nguoi-dung", name="admin-users", guards=ADMIN)
async def users_page(request: Request[Any, Any, Any]) -> Template:
    return await asyncio.to_thread(_users_page, request)


@post("/quan-tri/nguoi-dung", name="admin-user-add", guards=ADMIN, status_code=200)
async def user_add(request: Request[Any, Any, Any]) -> Template:
    """Add an account; the answer shows its one-time password (a page, not a redirect)."""
    form: FormMultiDict = await request.form()
    ctx = request.app.state.ctx
    accounts = _accounts(request)

    def work() -> tuple[str, str]:
        account = new_account(_text(form, "ten_dang_nhap"), _text(form, "ho_ten"), _all(form, "vai_tro"),
                              title=_text(form, "chuc_vu"), unit_id=_unit_id(form))
        if accounts.exists(account.username):
            raise AdminError(f"Tên đăng nhập “{account.username}” đã có.", code="user_exists")
        password = new_password()
        accounts.add_account(account, ctx.hasher.hash(password), now=ctx.clock.now(), actor=_actor(request))
        return account.username, password

    try:
        shown = await asyncio.to_thread(work)
    except DomainError as e:
        status = 409 if e.code == "user_exists" else 400
        return await asyncio.to_thread(_users_page, request, error=e.message, status=status, form=form)
    return await asyncio.to_thread(_users_page, request, password=shown)


@post("/quan-tri/nguoi-dung/{user_id:int}/sua", name="admin-user-edit", guards=ADMIN, status_code=303)
async def user_edit(request: Request[Any, Any, Any], user_id: FromPath[int]) -> Template | Redirect:
    ctx = request.app.state.ctx
    accounts = _accounts(request)

    def work(form: FormMultiDict) -> None:
        user = accounts.get(user_id)
        if user is None:
            raise AdminError("Không có tài khoản này.", code="user_not_found")
        full_name = " ".join(_text(form, "ho_ten").split()) or user.full_name
        accounts.update_account(user_id, roles=parse_roles(_all(form, "vai_tro")), unit_id=_unit_id(form),
                                title=" ".join(_text(form, "chuc_vu").split()), full_name=full_name,
                                now=ctx.clock.now(), actor=_actor(request))

    return await _run(request, work, _users_page, "sua", "/quan-tri/nguoi-dung")


def _set_active(request: Request[Any, Any, Any], user_id: int, active: bool) -> None:
    accounts = _accounts(request)
    user = accounts.get(user_id)
    if user is None:
        raise AdminError("Không có tài khoản này.", code="user_not_found")
    if not active and user.username == _actor(request):
        raise AdminError("Không thể tự vô hiệu hóa tài khoản đang đăng nhập.", code="self_disable")
    accounts.set_active(user_id, active, now=request.app.state.ctx.clock.now(), actor=_actor(request))


@post("/quan-tri/nguoi-dung/{user_id:int}/khoa", name="admin-user-disable", guards=ADMIN, status_code=303)
async def user_disable(request: Request[Any, Any, Any], user_id: FromPath[int]) -> Template | Redirect:
    return await _run(request, lambda _: _set_active(request, user_id, False), _users_page, "khoa",
                      "/quan-tri/nguoi-dung")


@post("/quan-tri/nguoi-dung/{user_id:int}/mo-khoa", name="admin-user-enable", guards=ADMIN, status_code=303)
async def user_enable(request: Request[Any, Any, Any], user_id: FromPath[int]) -> Template | Redirect:
    return await _run(request, lambda _: _set_active(request, user_id, True), _users_page, "mo-khoa",
                      "/quan-tri/nguoi-dung")


@post("/quan-tri/nguoi-dung/{user_id:int}/dat-lai-mat-khau", name="admin-user-reset", guards=ADMIN,
      status_code=200)
async def user_reset_password(request: Request[Any, Any, Any], user_id: FromPath[int]) -> Template:
    ctx = request.app.state.ctx
    accounts = _accounts(request)

    def work() -> tuple[str, str]:
        user = accounts.get(user_id)
        if user is None:
            raise AdminError("Không có tài khoản này.", code="user_not_found")
        password = new_password()
        accounts.reset_password(user_id, ctx.hasher.hash(password), now=ctx.clock.now(),
                                actor=_actor(request))
        return user.username, password

    try:
        shown = await asyncio.to_thread(work)
    except DomainError as e:
        return await asyncio.to_thread(_users_page, request, error=e.message, status=400)
    return await asyncio.to_thread(_users_page, request, password=shown)


# -- units ----------------------------------------------------------------------------------------------


def _units_page(request: Request[Any, Any, Any], *, error: str | None = None, status: int = 200,
                form: FormMultiDict | None = None) -> Template:
    accounts = _accounts(request)
    members: dict[int, int] = {}
    for u in accounts.list_users():
        if u.unit_id is not None:
            members[u.unit_id] = members.get(u.unit_id, 0) + 1
    return Template("admin/units.html", status_code=status, context={
        "units": accounts.units(), "members": members, "error": error, "flash": _flash(request),
        "form": form or {}})


@get("/quan-tri/don-vi", name="admin-units", guards=ADMIN)
async def units_page(request: Request[Any, Any, Any]) -> Template:
    return await asyncio.to_thread(_units_page, request)


@post("/quan-tri/don-vi", name="admin-unit-add", guards=ADMIN, status_code=303)
async def unit_add(request: Request[Any, Any, Any]) -> Template | Redirect:
    ctx = request.app.state.ctx
    return await _run(request, lambda f: _accounts(request).add_unit(
        _text(f, "ma"), _text(f, "ten"), now=ctx.clock.now(), actor=_actor(request)),
        _units_page, "don-vi", "/quan-tri/don-vi")


@post("/quan-tri/don-vi/{unit_id:int}/doi-ten", name="admin-unit-rename", guards=ADMIN, status_code=303)
async def unit_rename(request: Request[Any, Any, Any], unit_id: FromPath[int]) -> Template | Redirect:
    ctx = request.app.state.ctx
    return await _run(request, lambda f: _accounts(request).rename_unit(
        unit_id, _text(f, "ten"), now=ctx.clock.now(), actor=_actor(request)),
        _units_page, "doi-ten", "/quan-tri/don-vi")


# -- holidays -------------------------------------------------------------------------------------------


def _holidays_page(request: Request[Any, Any, Any], *, error: str | None = None, status: int = 200,
                   form: FormMultiDict | None = None, year: int | None = None) -> Template:
    table = _holidays(request).load_table()
    today = vn_date(request.app.state.ctx.clock.now())
    if year is None:
        raw = request.query_params.get("nam", "")
        year = int(raw) if raw.isdigit() and 1900 <= int(raw) <= 9999 else today.year
    years = sorted({*table.years(), today.year, today.year + 1})
    return Template("admin/holidays.html", status_code=status, context={
        "entries": table.entries(year), "year": year, "years": years, "kinds": DAY_KIND_VI,
        "weekdays": ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"),
        "error": error, "flash": _flash(request), "form": form or {}})


@get("/quan-tri/ngay-nghi", name="admin-holidays", guards=ADMIN)
async def holidays_page(request: Request[Any, Any, Any], nam: Year = None) -> Template:
    return await asyncio.to_thread(lambda: _holidays_page(request, year=nam))


def _day(form: FormMultiDict) -> date:
    try:
        return date.fromisoformat(_text(form, "ngay"))
    except ValueError as e:
        raise CalendarError("Ngày không hợp lệ (chọn ngày trên lịch hoặc nhập YYYY-MM-DD).",
                            code="calendar_bad_day") from e


@post("/quan-tri/ngay-nghi", name="admin-holiday-save", guards=ADMIN, status_code=303)
async def holiday_save(request: Request[Any, Any, Any]) -> Template | Redirect:
    ctx = request.app.state.ctx

    def work(form: FormMultiDict) -> None:
        day = _day(form)
        try:
            kind = DayKind(_text(form, "loai"))
        except ValueError as e:
            raise CalendarError("Loại ngày không hợp lệ.", code="calendar_bad_kind") from e
        name = " ".join(_text(form, "ten").split())
        if not name:
            raise CalendarError("Chưa nhập tên ngày nghỉ / lý do làm bù.", code="calendar_name_missing")
        note = " ".join(_text(form, "ghi_chu").split())
        _holidays(request).save_entry(CalendarEntry(day, kind, name, note), now=ctx.clock.now(),
                                      actor=_actor(request))

    return await _run(request, work, _holidays_page, "ngay", "/quan-tri/ngay-nghi")


@post("/quan-tri/ngay-nghi/xoa", name="admin-holiday-delete", guards=ADMIN, status_code=303)
async def holiday_delete(request: Request[Any, Any, Any]) -> Template | Redirect:
    ctx = request.app.state.ctx
    return await _run(request, lambda f: _holidays(request).delete_entry(
        _day(f), now=ctx.clock.now(), actor=_actor(request)), _holidays_page, "xoa-ngay",
        "/quan-tri/ngay-nghi")


# -- document types -------------------------------------------------------------------------------------


def _types_page(request: Request[Any, Any, Any], *, error: str | None = None, status: int = 200,
                form: FormMultiDict | None = None) -> Template:
    rows = office_of(request).docs.categories().to_rows()
    return Template("admin/doctypes.html", status_code=status, context={
        "rows": rows, "categories": CATEGORY_VI, "error": error, "flash": _flash(request),
        "form": form or {}})


@get("/quan-tri/loai-van-ban", name="admin-doctypes", guards=ADMIN)
async def doctypes_page(request: Request[Any, Any, Any]) -> Template:
    return await asyncio.to_thread(_types_page, request)


@post("/quan-tri/loai-van-ban", name="admin-doctype-save", guards=ADMIN, status_code=303)
async def doctype_save(request: Request[Any, Any, Any]) -> Template | Redirect:
    ctx = request.app.state.ctx
    office = office_of(request)

    def work(form: FormMultiDict) -> None:
        try:
            category = DeliveryCategory(_text(form, "nhom"))
        except ValueError as e:
            raise AdminError("Nhóm văn bản không hợp lệ.", code="category_invalid") from e
        rule = TypeRule(category, needs_legal_basis=bool(form.get("can_cu")),
                        needs_attachment=bool(form.get("dinh_kem")))
        office.docs.save_type_rule(_text(form, "loai"), rule, actor=_actor(request), at=ctx.clock.now())

    return await _run(request, work, _types_page, "loai", "/quan-tri/loai-van-ban")


handlers = [admin_index, users_page, user_add, user_edit, user_disable, user_enable, user_reset_password,
            units_page, unit_add, unit_rename, holidays_page, holiday_save, holiday_delete, doctypes_page,
            doctype_save]
