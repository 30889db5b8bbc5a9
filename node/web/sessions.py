"""Server-side sessions whose id changes at login (no session fixation)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig

_ROTATE = "vanthu.rotate_session"
_NEW_ID = "vanthu.new_session_id"


class RotatingSessionBackend(ServerSideSessionBackend):
    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        scope: dict[str, Any] = connection.scope  # type: ignore[assignment]
        if scope.get(_ROTATE):
            new_id: str | None = scope.get(_NEW_ID)
            if new_id is None:
                new_id = self.generate_session_id()
                scope[_NEW_ID] = new_id
            return new_id
        return super().get_session_id(connection)


class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


def start_new_session(request: Request[Any, Any, Any], data: dict[str, Any]) -> None:
    """Replace the session with ``data`` under a fresh session id."""
    scope: dict[str, Any] = request.scope  # type: ignore[assignment]
    scope[_ROTATE] = True
    request.set_session(data)
