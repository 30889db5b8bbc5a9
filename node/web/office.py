"""What every document page needs: the office's use cases and the person acting (as a domain Actor)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import NotAuthorizedException, ServiceUnavailableException

from node.domain.documents import Actor
from node.domain.office import Office


def office_of(request: Request[Any, Any, Any]) -> Office:
    office: Office | None = request.app.state.ctx.office
    if office is None:
        raise ServiceUnavailableException("Chức năng văn bản chưa được bật trên máy chủ này.")
    return office


def actor_of(request: Request[Any, Any, Any]) -> Actor:
    """The logged-in user as the workflow sees them (username, roles, full name, unit)."""
    user = getattr(request.state, "user", None)
    if user is None:
        raise NotAuthorizedException("Cần đăng nhập.")
    return Actor(user.username, frozenset(user.roles), user.full_name, unit_id=user.unit_id)
