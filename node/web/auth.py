"""Login and logout, and role guards for the rest of the UI."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.connection import ASGIConnection
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from node.domain.accounts import Role, User, authenticate
from node.domain.errors import DomainError
from node.web.sessions import start_new_session

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _safe_next(value: str | None) -> str:
    """Only local paths: never redirect to another host after login."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


@get("/login", name="login_form", sync_to_thread=False)
def login_form(request: Request[Any, Any, Any],
               next: FromQuery[str | None] = None) -> Template | Redirect:
    if getattr(request.state, "user", None) is not None:
        return Redirect(path=_safe_next(next))
    return Template("login.html", context={"next": _safe_next(next), "error": None, "username": ""})


@post("/login", name="login", sync_to_thread=True, status_code=303)
def login(request: Request[Any, Any, Any], data: FormData) -> Template | Redirect:
    ctx = request.app.state.ctx
    username = data.get("username", "")
    nxt = _safe_next(data.get("next"))
    try:
        user = authenticate(ctx.users, ctx.hasher, ctx.clock, ctx.lockout, username, data.get("password", ""))
    except DomainError as e:
        return Template("login.html", status_code=401,
                        context={"next": nxt, "error": e.message, "username": username})
    start_new_session(request, {"uid": user.id})
    return Redirect(path=nxt, status_code=303)


@post("/logout", name="logout", status_code=303)
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    request.clear_session()
    return Redirect(path="/login", status_code=303)


def session_user(connection: ASGIConnection[Any, Any, Any, Any]) -> User | None:
    """The logged-in user of this request (looked up once, then kept on the connection state).

    Route guards run before the app's ``before_request`` hook, so both use this.
    """
    state = connection.state
    if getattr(state, "user_loaded", False):
        user: User | None = getattr(state, "user", None)
        return user
    state.user_loaded = True
    state.user = None
    if "session" not in connection.scope:
        return None
    uid = connection.session.get("uid")
    if uid is not None:
        found = connection.app.state.ctx.directory.get(int(uid))
        if found is not None and found.active:
            state.user = found
        else:
            connection.clear_session()  # a deleted or disabled account ends its sessions
    return state.user  # type: ignore[no-any-return]


def requires(*roles: Role) -> Any:
    """A guard: the logged-in user must hold one of ``roles`` (admins pass everywhere)."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        user = session_user(connection)
        if user is None:
            raise NotAuthorizedException("Cần đăng nhập.")
        if not user.has_any(Role.ADMIN, *roles):
            raise PermissionDeniedException("Bạn không có quyền thực hiện chức năng này.")

    return guard


handlers = [login_form, login, logout]
