"""The Litestar application: pages in Vietnamese, sessions, CSRF, htmx served locally.

The web layer talks only to ports (``WebContext``); ``node.app.create_app`` fills them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Response
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.stores.file import FileStore
from litestar.template.config import TemplateConfig
from litestar.types import ControllerRouterHandler

from node.domain.accounts import (
    LockoutPolicy,
    PasswordHasher,
    PeopleDirectory,
    User,
    UserDirectory,
    UserLogins,
)
from node.domain.admin import AccountAdmin
from node.domain.calendar import HolidayStore
from node.domain.clock import Clock
from node.domain.dossier import Dossier, DossierItem
from node.domain.exchange import ExchangeStatus
from node.domain.health import Check
from node.domain.listing import DocumentLists, DocumentSearch
from node.domain.numbering import RegisterBooks
from node.domain.office import Office
from node.domain.scanning import ScanQueue
from node.web import (
    admin,
    auth,
    diagnostics,
    dossiers,
    errors,
    files,
    incoming,
    outgoing,
    pages,
    registers,
    reports,
    scans,
)
from node.web import search as search_page
from node.web.auth import session_user
from node.web.reports import ReportsPort
from node.web.sessions import RotatingSessionConfig

HERE = Path(__file__).parent
PUBLIC_PREFIXES = ("/login", "/static/", "/healthz")


@dataclass
class WebContext:
    """Everything the web layer needs, as ports."""

    agency_name: str
    version: str
    clock: Clock
    users: UserLogins
    directory: UserDirectory
    hasher: PasswordHasher
    lockout: LockoutPolicy
    health: Callable[[], list[Check]]
    csrf_secret: str
    sessions_dir: Path
    session_max_age: timedelta = timedelta(hours=8)
    secure_cookies: bool = False
    lifespans: Sequence[Callable[[Litestar], AbstractAsyncContextManager[None]]] = ()
    extra_handlers: Sequence[ControllerRouterHandler] = field(default_factory=list)
    # The diagnostics bundle of the admin page (checks, versions, redacted config, link history).
    diagnostics: Callable[[], dict[str, Any]] | None = None
    # The registers (sổ đăng ký) and their gapless numbers (node.store.registers.SqliteRegisters).
    registers: RegisterBooks | None = None
    # Register books, overdue lists, exchange reports (node.reports.service.ReportService).
    reports: ReportsPort | None = None
    # The office's use cases and, through ``office.docs``, its documents (node/domain/office.py).
    office: Office | None = None
    # Lists, "việc của tôi" and the dashboard counts (node.store.lists.SqliteLists).
    lists: DocumentLists | None = None
    # Search over văn bản đến / đi, scans and hồ sơ (node.store.search.SqliteSearchIndex).
    search: DocumentSearch | None = None
    # The axis link and the outbox queue, cached a few seconds: the outage banner on every page
    # (``SqliteExchangeStore.queue_status``: sent / rejected / inbox are not counted there).
    link_status: Callable[[], ExchangeStatus] | None = None
    # Accounts and units of the admin pages (node.store.users.SqliteAccountAdmin).
    accounts: AccountAdmin | None = None
    # The editable holiday table (node.store.holidays.SqliteHolidays); working days for deadlines.
    holidays: HolidayStore | None = None
    # A hồ sơ as one PDF: cover page and the members' PDFs in time order (node.office.dossier_export).
    dossier_pdf: Callable[[Dossier, Sequence[tuple[DossierItem, bytes | None]]], bytes] | None = None
    # Active people and units for the present / assign forms (node.store.users.SqliteUserStore).
    people: PeopleDirectory | None = None
    # The số hóa queue: stored scans not yet registered (node.store.scans.SqliteScanStore).
    scans: ScanQueue | None = None


def current_user(request: Request[Any, Any, Any]) -> User | None:
    user: User | None = getattr(request.state, "user", None)
    return user


async def _load_user(request: Request[Any, Any, Any]) -> Response[Any] | None:
    """Attach the logged-in user to the request, or send the browser to the login page."""
    user = session_user(request)
    path = request.url.path
    if user is None and not path.startswith(PUBLIC_PREFIXES):
        target = "/login" if path == "/" else f"/login?next={path}"
        if request.headers.get("hx-request") == "true":
            return Response(content="", status_code=204, headers={"HX-Redirect": target})
        return Redirect(path=target)
    return None


def _template_globals(engine: JinjaTemplateEngine) -> None:
    engine.register_template_callable("outage_banner", pages.outage_banner)


def build_web_app(ctx: WebContext, *, debug: bool = False) -> Litestar:
    ctx.sessions_dir.mkdir(parents=True, exist_ok=True)

    @asynccontextmanager
    async def nothing(_: Litestar) -> AsyncIterator[None]:
        yield

    return Litestar(
        route_handlers=[
            *auth.handlers,
            *pages.handlers,
            *diagnostics.handlers,
            *registers.handlers,
            *reports.handlers,
            *incoming.handlers,
            *files.handlers,
            *scans.handlers,
            *outgoing.handlers,
            *dossiers.handlers,
            *search_page.handlers,
            *admin.handlers,
            *ctx.extra_handlers,
            create_static_files_router(path="/static", directories=[HERE / "static"], name="static",
                                       include_in_schema=False),
        ],
        before_request=_load_user,
        plugins=[HTMXPlugin()],
        template_config=TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine,
                                       engine_callback=_template_globals),
        csrf_config=CSRFConfig(secret=ctx.csrf_secret, cookie_samesite="strict",
                               cookie_secure=ctx.secure_cookies, exclude=["/healthz"]),
        middleware=[
            RotatingSessionConfig(max_age=int(ctx.session_max_age.total_seconds()), samesite="strict",
                                    secure=ctx.secure_cookies, renew_on_access=True,
                                  exclude=["/healthz", "/static"]).middleware,
        ],
        stores={"sessions": FileStore(path=ctx.sessions_dir, create_directories=True)},
        exception_handlers=errors.handlers,
        state=State({"ctx": ctx}),
        lifespan=list(ctx.lifespans) or [nothing],
        debug=debug,
        # No OpenAPI pages: the office UI is not an API, and Swagger/Redoc would fetch scripts from
        # CDNs an office LAN cannot reach (and list every route to anyone).
        openapi_config=None,
    )
