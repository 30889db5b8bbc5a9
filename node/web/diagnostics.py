"""Admin diagnostics page (/admin/chan-doan) and the JSON diagnostics bundle for support.

The web layer sees only the ``diagnostics`` port of :class:`node.web.app.WebContext`: a callable
returning the bundle (checks, versions, redacted config, link and outage history, queue figures).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.response import Template

from node.domain.accounts import Role
from node.web.auth import requires

LEVEL_LABELS = {"green": "Bình thường", "yellow": "Cần chú ý", "red": "Lỗi"}


ADMIN_ONLY = [requires(Role.ADMIN)]


async def _bundle(request: Request[Any, Any, Any]) -> dict[str, Any]:
    ctx = request.app.state.ctx
    if ctx.diagnostics is None:
        raise NotFoundException("Chức năng chẩn đoán chưa được bật.")
    result: dict[str, Any] = await asyncio.to_thread(ctx.diagnostics)
    return result


@get("/admin/chan-doan", name="diagnostics", guards=ADMIN_ONLY)
async def diagnostics_page(request: Request[Any, Any, Any]) -> Template:
    bundle = await _bundle(request)
    return Template("admin/diagnostics.html", context={"b": bundle, "labels": LEVEL_LABELS})


@get("/admin/chan-doan/goi.json", name="diagnostics-bundle", guards=ADMIN_ONLY)
async def diagnostics_bundle(request: Request[Any, Any, Any]) -> Response[bytes]:
    bundle = await _bundle(request)
    stamp = str(bundle.get("generated_at", ""))[:19].replace(":", "").replace("-", "")
    body = json.dumps(bundle, ensure_ascii=False, indent=2).encode("utf-8")
    return Response(body, media_type="application/json; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="vanthu-chan-doan-{stamp}.json"',
        "Cache-Control": "no-store"})


handlers = [diagnostics_page, diagnostics_bundle]
