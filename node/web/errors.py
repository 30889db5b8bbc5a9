"""Map errors to answers: a Vietnamese page for browsers, JSON for API clients, never a traceback."""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException
from litestar.response import Redirect, Template

from node.domain.documents import DocumentFrozen, IllegalTransition, NotPermitted
from node.domain.errors import DomainError
from node.edxml.errors import PackageError
from node.errors import NodeError

log = logging.getLogger(__name__)

MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    401: "Cần đăng nhập để tiếp tục.",
    403: "Bạn không có quyền thực hiện thao tác này.",
    404: "Không tìm thấy trang hoặc tài liệu.",
    405: "Thao tác không được hỗ trợ.",
    413: "Tệp gửi lên quá lớn.",
    500: "Đã có lỗi trong hệ thống. Thao tác chưa được thực hiện; vui lòng thử lại hoặc báo quản trị.",
}
CSRF_MESSAGE = ("Biểu mẫu đã hết hạn hoặc thiếu mã xác thực (CSRF). Vui lòng tải lại trang và thử lại.")


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    accept = request.headers.get("accept", "")
    return request.url.path.startswith(("/api/", "/healthz")) or (
        "application/json" in accept and "text/html" not in accept)


def _answer(request: Request[Any, Any, Any], status: int, code: str, message: str) -> Response[Any]:
    if _wants_json(request):
        return Response({"error": code, "message": message}, status_code=status, media_type=MediaType.JSON)
    template = "partials/error.html" if request.headers.get("hx-request") == "true" else "error.html"
    context = {"status": status, "code": code, "message": message}
    return Template(template, status_code=status, context=context)


def error_status(exc: Exception) -> int:
    """The HTTP status of a refusal: not allowed 403, wrong state 409, unknown document 404."""
    code = str(getattr(exc, "code", ""))
    if isinstance(exc, NotPermitted) or code in ("not_permitted", "secret_not_permitted"):
        return 403
    if isinstance(exc, IllegalTransition | DocumentFrozen):
        return 409
    if code == "document_not_found":
        return 404
    return 400


def node_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    code = str(getattr(exc, "code", "error"))
    message = str(getattr(exc, "message", exc))
    return _answer(request, error_status(exc), code, message)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    detail = str(exc.detail or "")
    if isinstance(exc, PermissionDeniedException) and "csrf" in detail.lower():
        return _answer(request, 403, "csrf_failed", CSRF_MESSAGE)
    if status == 401 and not _wants_json(request):  # a guard met an anonymous browser
        target = f"/login?next={request.url.path}"
        if request.headers.get("hx-request") == "true":  # as _load_user: no login page inside a fragment
            return Response(content="", status_code=204, headers={"HX-Redirect": target})
        return Redirect(path=target)
    if isinstance(exc, NotFoundException):
        return _answer(request, 404, "not_found", MESSAGES[404])
    message = detail if detail and not detail.isascii() else MESSAGES.get(status, MESSAGES[400])
    return _answer(request, status, f"http_{status}", message)


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _answer(request, 500, "internal_error", MESSAGES[500])


handlers: dict[Any, Any] = {
    NodeError: node_error,
    DomainError: node_error,
    PackageError: node_error,
    HTTPException: http_error,
    500: internal_error,
}
