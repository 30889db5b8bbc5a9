"""The narrower filters of the văn bản đến / đi lists that a report figure links with.

The exchange report (/bao-cao/gui-nhan) counts documents by channel, by the office's own unit, by
the day published or completed, by a recipient's answer; each figure links to the list narrowed
the same way (``node.domain.listing.ListFilters``). The query names are their own, so they never
collide with the filter form's: ``kenh`` (axis / paper), ``phong`` (the office's unit — ``don_vi``
stays the issuing agency of a văn bản đến), ``giao_nhan`` (văn bản đi with a recipient in that
status, e.g. 02), ``theo_ngay`` (which day ``tu_ngay``/``den_ngay`` bound: ``phat_hanh`` for văn
bản đi, ``hoan_thanh`` for văn bản đến) and ``dung_han`` (1 done by the deadline, 0 after it).
The dashboard's figures add ``han`` (``qua_han`` / ``sap_den``: open văn bản đến past or near their
deadline) and ``thu_hoi`` (1: a recall request waiting for the clerk).

The page shows each active one as a removable chip, so the clerk sees why the list is narrowed,
and the form and the pagination keep them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from node.domain.listing import CHANNEL_VI, DEADLINE_VI
from node.domain.outgoing import DELIVERY_VI, DeliveryState

PARAMS = ("kenh", "phong", "giao_nhan", "theo_ngay", "dung_han", "han", "thu_hoi")
BASIS: dict[str, dict[str, tuple[str, str]]] = {
    "in": {"hoan_thanh": ("done", "Tính theo ngày hoàn thành")},
    "out": {"phat_hanh": ("published", "Tính theo ngày phát hành")},
}
DELIVERY_STATES = {s.value: s for s in DeliveryState}


@dataclass(frozen=True)
class Chip:
    param: str
    label: str
    value: str
    url: str  # the same list without this filter


def extra_filters(query: Mapping[str, Any], kind: str) -> tuple[dict[str, Any], dict[str, str]]:
    """(keyword values for ``ListFilters``, the valid query values to echo); unreadable ones are
    dropped, as the other list filters."""
    raw = {k: str(query.get(k) or "").strip() for k in PARAMS}
    values: dict[str, Any] = {}
    shown: dict[str, str] = {}
    if raw["kenh"] in CHANNEL_VI:
        values["channel"] = shown["kenh"] = raw["kenh"]
    if raw["phong"]:
        values["unit"] = shown["phong"] = raw["phong"][:200]
    if kind == "out" and raw["giao_nhan"] in DELIVERY_STATES:
        values["delivery_state"] = shown["giao_nhan"] = raw["giao_nhan"]
    if raw["theo_ngay"] in BASIS[kind]:
        values["day_basis"] = BASIS[kind][raw["theo_ngay"]][0]
        shown["theo_ngay"] = raw["theo_ngay"]
    if kind == "in" and raw["dung_han"] in ("0", "1"):
        values["on_time"] = raw["dung_han"] == "1"
        shown["dung_han"] = raw["dung_han"]
    # the dashboard's figures: văn bản đến by deadline (the list resolves the days with the office's
    # working-day calendar, ``node.domain.listing.deadline_filter``) or with a recall request waiting
    if kind == "in" and raw["han"] in DEADLINE_VI:
        shown["han"] = raw["han"]
    if kind == "in" and raw["thu_hoi"] == "1":
        values["recall_pending"] = True
        shown["thu_hoi"] = "1"
    return values, shown


def _label(kind: str, param: str, value: str) -> str:
    if param == "kenh":
        return f"Kênh: {CHANNEL_VI[value]}"
    if param == "phong":
        return f"Đơn vị: {value}"
    if param == "giao_nhan":
        if value == DeliveryState.REJECTED.value:
            return "Nơi nhận từ chối"
        return f"Nơi nhận: {DELIVERY_VI[DELIVERY_STATES[value]]}"
    if param == "theo_ngay":
        return BASIS[kind][value][1]
    if param == "han":
        return f"Hạn xử lý: {DEADLINE_VI[value]}"
    if param == "thu_hoi":
        return "Có yêu cầu thu hồi chờ xử lý"
    return "Hoàn thành đúng hạn" if value == "1" else "Hoàn thành quá hạn"


def chips(kind: str, shown: Mapping[str, str], url_without: Callable[[str], str]) -> list[Chip]:
    """The active narrower filters, each with the list's URL without it."""
    return [Chip(p, _label(kind, p, shown[p]), shown[p], url_without(p)) for p in PARAMS if shown.get(p)]
