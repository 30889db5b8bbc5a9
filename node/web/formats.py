"""Dates and times as the pages show them (Vietnam time, dd/mm/yyyy)."""

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
