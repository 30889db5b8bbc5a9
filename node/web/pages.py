"""The home page and the health endpoint."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request, Response, get
from litestar.response import Template

from node.domain.health import Level, worst


@get("/", name="home", sync_to_thread=False)
def home(request: Request[Any, Any, Any]) -> Template:
    return Template("home.html", context={})


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


handlers = [home, healthz]
