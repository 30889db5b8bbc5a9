"""The dashboard (Tổng quan), the outage banner of every page, notifications and the health endpoint.

The dashboard reads only ports: the list counts (``ctx.lists``), the person's work with its
deadline flags (working days from ``ctx.holidays``), upcoming meetings and notifications
(``office.docs``), the exchange link and queue (``ctx.link_status``, cached by the node) and the
report reminders (``ctx.reports``). Each figure links to the list behind it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template

from node.domain.accounts import Role, User
from node.domain.calendar import DeadlineStatus, WorkingCalendar, deadline_status, vn_date
from node.domain.clock import VN_TZ
from node.domain.exchange import ExchangeStatus
from node.domain.health import Level, worst
from node.domain.listing import DashboardCounts, WorkItem, due_soon_until, ref_url
from node.domain.meetings import Meeting, upcoming, when_text
from node.web.auth import session_user
from node.web.office import actor_of

NOTIFICATIONS_SHOWN = 15
DEADLINES_SHOWN = 5  # the most overdue and the soonest due, office-wide (văn thư, lãnh đạo)


def vn_time(at: datetime | None) -> str:
    """``HH:MM dd/mm/yyyy`` in Vietnam time."""
    return at.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y") if at else ""


def link_status(request: Request[Any, Any, Any]) -> ExchangeStatus | None:
    port = request.app.state.ctx.link_status
    if port is None:
        return None
    status: ExchangeStatus = port()
    return status


def outage_text(status: ExchangeStatus | None) -> str | None:
    """The banner line while the axis link is down; None while it is up (or never tried)."""
    if status is None or status.link.online is not False:
        return None
    since = vn_time(status.link.since)
    head = f"Mất kết nối với Trục liên thông từ {since}" if since else "Mất kết nối với Trục liên thông"
    return f"{head} — {status.queued} văn bản đang chờ gửi"


def outage_banner(context: Mapping[str, Any]) -> str | None:
    """Template callable of ``base.html``: the banner text for a logged-in page, else None."""
    request = context.get("request")
    if request is None or getattr(request.state, "user", None) is None:
        return None
    try:
        return outage_text(link_status(request))
    except Exception:  # the banner must never take a page down with it
        return None


# -- the dashboard ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: int
    url: str
    tone: str = ""  # "warn" / "error" when the figure needs attention


def _list_url(base: str, states: tuple[str, ...] = (), **params: str) -> str:
    query = [("trang_thai", s) for s in states] + [(k, v) for k, v in params.items() if v]
    return base + ("?" + urlencode(query) if query else "")


# The list each figure opens; its filters are ``node.domain.listing.dashboard_filters``, with which
# the figure is counted (for the person looking, as the list shows it).
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("to_accept", "Văn bản đến chờ tiếp nhận", _list_url("/van-ban-den", ("received",))),
    ("to_present", "Đã tiếp nhận, chờ trình", _list_url("/van-ban-den", ("accepted",))),
    ("processing", "Đang xử lý", _list_url("/van-ban-den", ("assigned", "processing"))),
    ("due_soon", "Sắp đến hạn", _list_url("/van-ban-den", han="sap_den")),
    ("overdue", "Quá hạn", _list_url("/van-ban-den", han="qua_han")),
    ("to_sign", "Dự thảo chờ ký", _list_url("/van-ban-di", ("submitted",))),
    ("to_number", "Chờ cấp số", _list_url("/van-ban-di", ("signed",))),
    ("to_seal", "Chờ ký số cơ quan", _list_url("/van-ban-di", ("numbered",))),
    ("to_publish", "Chờ phát hành", _list_url("/van-ban-di", ("sealed",))),
    ("recall_requests", "Yêu cầu thu hồi chờ xử lý", _list_url("/van-ban-den", thu_hoi="1")),
)
TONES = {"due_soon": "warn", "overdue": "error", "recall_requests": "warn"}


def figures(c: DashboardCounts) -> list[Figure]:
    """The dashboard counts in the order of the office's day, each linked to its list."""
    return [Figure(key, label, getattr(c, key), url, TONES.get(key, "") if getattr(c, key) else "")
            for key, label, url in FIGURES]


@dataclass(frozen=True)
class WorkRow:
    item: WorkItem
    status: DeadlineStatus
    due: date | None


@dataclass(frozen=True)
class MeetingRow:
    meeting: Meeting
    when: str
    url: str


def calendar_of(request: Request[Any, Any, Any]) -> WorkingCalendar:
    holidays = request.app.state.ctx.holidays
    return WorkingCalendar(holidays.load_table() if holidays is not None else None)


def notification_targets(user: User) -> list[str]:
    targets = [f"user:{user.username}", *(f"role:{r.value}" for r in user.roles)]
    if user.unit_id is not None:
        targets.append(f"unit:{user.unit_id}")
    return targets


def _dashboard(request: Request[Any, Any, Any], user: User) -> dict[str, Any]:
    ctx = request.app.state.ctx
    now: datetime = ctx.clock.now()
    today = vn_date(now)
    cal = calendar_of(request)
    context: dict[str, Any] = {"figures": [], "work": [], "meetings": [], "notifications": [], "link": None,
                               "link_since": "", "oldest_queued": "", "today": today, "vn_time": vn_time}
    if ctx.lists is not None:
        counts = ctx.lists.dashboard_counts(today, soon_until=due_soon_until(cal, today),
                                            reader=actor_of(request))
        context["figures"] = figures(counts)
        work = []
        for item in ctx.lists.my_work(user.username, user.unit_id, limit=20):
            due = date.fromisoformat(item.due_date[:10]) if item.due_date else None
            work.append(WorkRow(item, deadline_status(cal, due=due, now=now, priority=item.priority), due))
        context["work"] = work
    office = ctx.office
    if office is not None:
        found = upcoming(office.docs.meetings(since=now - timedelta(days=1)), now=now,
                         within=timedelta(days=14))
        context["meetings"] = [MeetingRow(m, when_text(m.start), ref_url(m.document_ref.split(":")[0],
                                                                         m.document_ref)) for m in found]
        rows = office.docs.notifications_for(notification_targets(user), reader=user.username,
                                             limit=NOTIFICATIONS_SHOWN, unread_only=True)
        context["notifications"] = [
            {"id": r["id"], "message": r["message"], "at": vn_time(datetime.fromisoformat(r["created_at"])),
             "url": ref_url(r["document_ref"].split(":")[0], r["document_ref"]) if r["document_ref"] else ""}
            for r in rows]
    if ctx.reports is not None and user.has_any(Role.CLERK, Role.LEADER, Role.ADMIN):
        report = ctx.reports.context("qua-han", {}).get("overdue")
        if report is not None:
            def linked(entries: Any) -> list[tuple[Any, str]]:
                return [(e, ref_url(e.item.direction, e.item.ref)) for e in entries[:DEADLINES_SHOWN]]

            context["deadlines"] = {"overdue": linked(report.overdue), "due_soon": linked(report.due_soon)}
    status = link_status(request)
    if status is not None:
        context.update(link=status, link_since=vn_time(status.link.since),
                       oldest_queued=vn_time(status.oldest_queued_at))
    return context


@get("/", name="home", sync_to_thread=True)
def home(request: Request[Any, Any, Any]) -> Template:
    user = session_user(request)
    assert user is not None  # the app's before_request sends anonymous browsers to /login
    context = _dashboard(request, user)
    context["flash"] = request.query_params.get("ok", "")
    return Template("home.html", context=context)


@post("/thong-bao/da-doc", name="notifications-read", status_code=303)
async def mark_notifications_read(request: Request[Any, Any, Any]) -> Redirect | Response[str]:
    """Mark the ticked (or, without any, all shown) notifications of this person as read."""
    user = session_user(request)
    assert user is not None
    form = await request.form()
    wanted = {int(v) for v in form.getall("id", []) if str(v).isdigit()}
    ctx = request.app.state.ctx
    office = ctx.office

    def mark() -> None:
        if office is None:
            return
        # only this person's own notifications (user / role / unit targets), never someone else's
        mine = [int(r["id"]) for r in office.docs.notifications_for(
            notification_targets(user), reader=user.username, limit=500, unread_only=True)]
        ids = [i for i in mine if i in wanted] if wanted else mine[:NOTIFICATIONS_SHOWN]
        office.docs.mark_read(ids, username=user.username, at=ctx.clock.now())

    await asyncio.to_thread(mark)
    if request.headers.get("hx-request") == "true":  # htmx swaps the notification out of the list
        return Response("", status_code=200, media_type="text/html")
    return Redirect(path="/?ok=da-doc", status_code=303)


@get("/healthz", name="healthz", include_in_schema=True)
async def healthz(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    ctx = request.app.state.ctx
    checks = await asyncio.to_thread(ctx.health)
    level = worst(checks)
    by_name = {c.name: c for c in checks}
    body = {
        "status": "ok" if level < Level.RED else "fail",
        "version": ctx.version,
        "database": by_name["database"].level.label if "database" in by_name else "unknown",
        "free_disk_mb": by_name["disk"].data.get("free_mb") if "disk" in by_name else None,
        "checks": [c.as_dict() for c in checks],
    }
    return Response(body, status_code=200 if level < Level.RED else 503)


handlers = [home, mark_notifications_read, healthz]
