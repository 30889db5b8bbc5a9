"""Dates and times as the pages show them (Vietnam time, dd/mm/yyyy), and list paging."""

from __future__ import annotations

from datetime import date, datetime

from node.domain.clock import VN_TZ


def vn_time(value: datetime | str | None) -> str:
    """dd/mm/yyyy HH:MM in Vietnam time ("" for nothing)."""
    if not value:
        return ""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    if at.tzinfo is None:
        return at.strftime("%d/%m/%Y %H:%M")
    return at.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


def vn_day(value: date | str | None) -> str:
    """dd/mm/yyyy ("" for nothing)."""
    if not value:
        return ""
    d = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return d.strftime("%d/%m/%Y")


def paging(requested: str | int | None, total: int, size: int) -> tuple[int, int]:
    """(page, pages) of a list of ``total`` rows, ``size`` a page: the ``?trang=`` asked for (text,
    number or nothing; anything unreadable is page 1), kept within 1..pages."""
    text = str(requested or "1")
    page = max(1, int(text)) if text.isdigit() else 1
    pages = max(1, -(-total // size))
    return min(page, pages), pages
