"""Tìm kiếm (/tim-kiem): văn bản đến / đi, bản số hóa and hồ sơ by their words, in Vietnamese.

Diacritics-insensitive by default ("da nang" finds "Đà Nẵng", ``đ`` = ``d``), with an
exact-diacritics option; filters by kind, type, issuer, date range, status and register. The form is
a plain GET form (works without JavaScript); with htmx only the results fragment is swapped. The
handler sees only the ``search`` port of :class:`node.web.app.WebContext` (``DocumentSearch``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.response import Template

from node.domain.accounts import Role
from node.domain.doctypes import CONG_VAN, DOCUMENT_TYPES
from node.domain.incoming import INCOMING_STATE_VI
from node.domain.listing import DocumentSearch, SearchFilters
from node.domain.numbering import RegisterKind
from node.domain.outgoing import OUTGOING_STATE_VI
from node.web.auth import requires
from node.web.office import actor_of

EVERYONE = [requires(Role.CLERK, Role.LEADER, Role.SPECIALIST)]  # admins pass every guard
PAGE_SIZE = 20
TARGET = "ket-qua-tim-kiem"
KINDS = {"den": ("in",), "di": ("out",), "so-hoa": ("scan",), "ho-so": ("dossier",)}
KIND_CHOICES = {"den": "Văn bản đến", "di": "Văn bản đi", "so-hoa": "Bản số hóa", "ho-so": "Hồ sơ"}
ORDER_CHOICES = {"moi": "Mới nhất", "lien-quan": "Phù hợp nhất"}
TYPE_NAMES = [CONG_VAN, *(name for name, _ in DOCUMENT_TYPES)]
FIELDS = ("q", "loai_vb", "loai", "don_vi", "tu_ngay", "den_ngay", "trang_thai", "so", "chinh_xac", "sap_xep")


def _day(text: str) -> date | None:
    """An HTML date input ('YYYY-MM-DD') or 'dd/mm/yyyy'; anything else is ignored."""
    try:
        if "/" in text:
            d, m, y = (int(x) for x in text.split("/"))
            return date(y, m, d)
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def read_form(query: Any) -> tuple[str, SearchFilters, str, dict[str, str]]:
    """(query text, filters, order, the form's values to show again) from the query string."""
    raw = {k: (query.get(k) or "").strip()[:200] for k in FIELDS}
    kind = raw["loai_vb"] if raw["loai_vb"] in KINDS else ""
    states = {s.value for s in INCOMING_STATE_VI} | {s.value for s in OUTGOING_STATE_VI}
    state = raw["trang_thai"] if raw["trang_thai"] in states else ""
    lo, hi = _day(raw["tu_ngay"]), _day(raw["den_ngay"])
    exact = raw["chinh_xac"] in ("1", "on", "true")
    order = raw["sap_xep"] if raw["sap_xep"] in ORDER_CHOICES else "moi"
    filters = SearchFilters(kinds=KINDS.get(kind, ()), type_name=raw["loai"], issuer=raw["don_vi"],
                            date_from=lo, date_to=hi, state=state, register_code=raw["so"], exact=exact)
    shown = {**raw, "loai_vb": kind, "trang_thai": state, "chinh_xac": "1" if exact else "",
             "tu_ngay": lo.isoformat() if lo else "", "den_ngay": hi.isoformat() if hi else "",
             "sap_xep": "" if order == "moi" else order}
    return raw["q"], filters, "rank" if order == "lien-quan" else "newest", shown


def page_query(shown: dict[str, str], page: int) -> str:
    params = {k: v for k, v in shown.items() if v}
    if page > 1:
        params["trang"] = str(page)
    return urlencode(params)


def _registers(request: Request[Any, Any, Any]) -> list[Any]:
    books = request.app.state.ctx.registers
    if books is None:
        return []
    return [r for r in books.list_registers() if r.kind in (RegisterKind.INCOMING, RegisterKind.OUTGOING)]


def _ranked_window(index: DocumentSearch, text: str, filters: SearchFilters, order: str,
                   hits: list[Any]) -> int | None:
    """How many of the newest matches "Phù hợp nhất" ranked, when there are more matches than that
    (the page says so: a clerk must know that older documents were not ranked); else None."""
    window = getattr(index, "rank_window", None)
    if order != "rank" or not hits or not isinstance(window, int):
        return None
    return window if index.count(text, filters=filters, cap=window + 1) > window else None


@get("/tim-kiem", name="search", guards=EVERYONE, sync_to_thread=True)
def search_page(request: Request[Any, Any, Any]) -> Template:
    index: DocumentSearch | None = request.app.state.ctx.search
    if index is None:
        raise NotFoundException("Chức năng tìm kiếm chưa được bật.")
    text, filters, order, shown = read_form(request.query_params)
    filters = replace(filters, reader=actor_of(request))  # secret documents: only those given them
    page_text = request.query_params.get("trang") or "1"
    page = min(max(1, int(page_text)), 500) if page_text.isdigit() else 1
    hits = index.search(text, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE, filters=filters,
                        order=order) if text else []
    context = {"hits": hits[:PAGE_SIZE], "more": len(hits) > PAGE_SIZE, "page": page, "asked": bool(text),
               "f": shown, "kinds": KIND_CHOICES, "orders": ORDER_CHOICES, "types": TYPE_NAMES,
               "in_states": INCOMING_STATE_VI, "out_states": OUTGOING_STATE_VI,
               "registers": _registers(request), "page_query": lambda p: page_query(shown, p),
               "target": TARGET, "rank_window": _ranked_window(index, text, filters, order, hits)}
    fragment = request.headers.get("hx-request") == "true" and request.headers.get("hx-target") == TARGET
    return Template("search/_results.html" if fragment else "search/page.html", context=context)


handlers = [search_page]
