"""What the list pages and the search page ask for, and what they get back (read side, pure).

The store answers from the list columns of ``doc_in`` / ``doc_out`` (never decoding the JSON
record), so the shapes here are small: enough for one table row. Ports as ``typing.Protocol``;
the SQLite adapters are ``node.store.lists.SqliteLists`` and ``node.store.search.SqliteSearchIndex``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from node.domain.accounts import Role
from node.domain.calendar import DeadlinePolicy, WorkingCalendar
from node.domain.documents import Actor
from node.domain.incoming import INCOMING_STATE_VI, IncomingState
from node.domain.outgoing import OUTGOING_STATE_VI, OutgoingState

# States in which a văn bản đến still waits for someone (deadlines count, "việc của tôi").
OPEN_INCOMING: tuple[str, ...] = (IncomingState.RECEIVED.value, IncomingState.ACCEPTED.value,
                                  IncomingState.PRESENTED.value, IncomingState.ASSIGNED.value,
                                  IncomingState.PROCESSING.value)
# After assignment: the work a unit or a person does ("việc của tôi").
WORKING_INCOMING: tuple[str, ...] = (IncomingState.ASSIGNED.value, IncomingState.PROCESSING.value)

KIND_LABELS: dict[str, str] = {"in": "Văn bản đến", "out": "Văn bản đi", "scan": "Bản số hóa",
                               "dossier": "Hồ sơ"}


def state_label(kind: str, state: str) -> str:
    """The Vietnamese name of a document state ("" when unknown)."""
    try:
        if kind == "in":
            return INCOMING_STATE_VI[IncomingState(state)]
        if kind == "out":
            return OUTGOING_STATE_VI[OutgoingState(state)]
    except ValueError:
        pass
    return ""


def ref_id(ref: str) -> int | None:
    """The number in a document ref: "in:42" → 42, "42" → 42; None when there is none."""
    tail = ref.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


def ref_url(kind: str, ref: str) -> str:
    """The page of a search hit or list row.

    in:42 → /van-ban-den/42, out:7 → /van-ban-di/7, scan 3 → /so-hoa/3, hồ sơ → /ho-so/<mã hồ sơ>.
    """
    if kind == "dossier":
        return f"/ho-so/{ref}"
    number = ref_id(ref)
    base = {"in": "/van-ban-den", "out": "/van-ban-di", "scan": "/so-hoa"}.get(kind)
    if base is None or number is None:
        return ""
    return f"{base}/{number}"


@dataclass(frozen=True)
class ListFilters:
    """Filters of the văn bản đến / đi lists; every field optional (None or "" = any).

    ``date_from``/``date_to`` bound the Vietnamese calendar day received (đến) or created (đi),
    both included — or, with ``day_basis``, the day published (đi, "published") or completed
    (đến, "done"); ``year`` is the calendar year of that day; ``query`` is searched in the
    full-text index (folded: "da nang" finds "Đà Nẵng"); ``issuer`` is part of the issuing
    agency's name, any case and marks.

    The figures of the exchange report (``node.store.reports``) link to lists narrowed the same
    way they are counted: ``channel`` is how a văn bản đến arrived, or — văn bản đi — that at least
    one recipient gets it by that channel ("axis" / "paper"); ``unit`` is the office's own unit
    (its name, ``NO_UNIT`` for none) the report attributes the document to: the lead assignee's
    unit (a unit assigned, or the unit of the person assigned) for văn bản đến, the drafter's unit
    for văn bản đi; ``delivery_state`` keeps văn bản đi with at least one recipient in that
    status (same recipient as ``channel`` when both are given); ``on_time`` keeps completed văn
    bản đến that had a deadline and were done by it (True) or after it (False).
    """

    state: str | None = None
    states: tuple[str, ...] = ()
    type_name: str = ""
    issuer: str = ""
    date_from: date | None = None
    date_to: date | None = None
    register_code: str = ""
    year: int | None = None
    priority: int | None = None
    query: str = ""
    # Who looks (None: no restriction). Secret (mật) documents are listed only for those who may
    # open them (node.domain.office.may_read): văn thư, lãnh đạo, assignees, drafter, reviewers.
    reader: Actor | None = None
    recall_pending: bool = False  # văn bản đến with a recall request waiting for the clerk
    channel: str = ""  # "axis" / "paper"
    unit: str = ""  # an internal unit's name as the exchange report groups by it
    delivery_state: str = ""  # văn bản đi: a recipient in this status ("02" = refused)
    day_basis: str = ""  # "" received / created, "published" (đi), "done" (đến)
    on_time: bool | None = None  # văn bản đến done by its deadline (True) / after it (False)
    # văn bản đến whose deadline (the lead's, else the sender's: the ``due_date`` column) falls in
    # [due_from, due_to], both included (the dashboard's "sắp đến hạn" / "quá hạn", ``deadline_filter``)
    due_from: date | None = None
    due_to: date | None = None


CHANNEL_VI: dict[str, str] = {"axis": "Điện tử", "paper": "Giấy"}

# The deadline filters of the văn bản đến list (query ``han``) that the dashboard figures open.
DEADLINE_VI: dict[str, str] = {"qua_han": "Quá hạn", "sap_den": "Sắp đến hạn"}


def due_soon_until(cal: WorkingCalendar, today: date, policy: DeadlinePolicy | None = None) -> date:
    """The last deadline day that is "sắp đến hạn" today: ``due_soon_days`` working days on (a
    deadline on Tuesday is due soon on the Friday before, two working days left)."""
    return cal.add_working_days(today, (policy or DeadlinePolicy()).due_soon_days)


def deadline_filter(which: str, today: date, soon_until: date) -> ListFilters | None:
    """The filter of a deadline list: open văn bản đến (OPEN_INCOMING) whose deadline is before
    ``today`` ("qua_han") or from ``today`` to ``soon_until`` ("sap_den"); None for anything else.
    Done, rejected, recalled and replaced documents have no deadline left to keep."""
    if which == "qua_han":
        return ListFilters(states=OPEN_INCOMING, due_to=today - timedelta(days=1))
    if which == "sap_den":
        return ListFilters(states=OPEN_INCOMING, due_from=today, due_to=soon_until)
    return None


def dashboard_filters(today: date, soon_until: date) -> dict[str, tuple[str, ListFilters]]:
    """Each dashboard figure as (list kind, the list filters behind it): the store counts them with
    these, and the page links each figure to the list that applies the same filters."""
    soon, late = deadline_filter("sap_den", today, soon_until), deadline_filter("qua_han", today, soon_until)
    assert soon is not None and late is not None
    return {
        "to_accept": ("in", ListFilters(states=(IncomingState.RECEIVED.value,))),
        "to_present": ("in", ListFilters(states=(IncomingState.ACCEPTED.value,))),
        "processing": ("in", ListFilters(states=WORKING_INCOMING)),
        "due_soon": ("in", soon),
        "overdue": ("in", late),
        "to_sign": ("out", ListFilters(states=(OutgoingState.SUBMITTED.value,))),
        "to_number": ("out", ListFilters(states=(OutgoingState.SIGNED.value,))),
        "to_seal": ("out", ListFilters(states=(OutgoingState.NUMBERED.value,))),
        "to_publish": ("out", ListFilters(states=(OutgoingState.SEALED.value,))),
        "recall_requests": ("in", ListFilters(recall_pending=True)),
    }


DAY_BASES: dict[str, tuple[str, ...]] = {"in": ("done",), "out": ("published",)}


COUNT_CAP = 10_000  # a list's total is counted this far: "Hơn 10.000 văn bản" needs no exact figure
TEXT_COUNT_CAP = 1_000  # with words to find, every counted match walks the full-text index and the table


def count_cap(f: ListFilters) -> int:
    """How far a list's total is counted: with a text query past a thousand matches the clerk adds a
    word or a filter rather than pages on (a common word in a million documents costs 50–140 ms to
    count to 10,000, 5–15 ms to 1,000)."""
    return TEXT_COUNT_CAP if f.query.strip() else COUNT_CAP


@dataclass(frozen=True)
class IncomingRow:
    id: int
    ref: str
    subject: str
    type_name: str
    code: str
    issuer_name: str
    state: str
    received_at: str  # ISO time with offset
    issued_date: str | None  # 'YYYY-MM-DD'
    due_date: str | None
    priority: int
    secrecy: int
    channel: str
    register_code: str
    arrival_number: int | None
    arrival_year: int | None
    recall_pending: bool

    @property
    def state_label(self) -> str:
        return state_label("in", self.state)

    @property
    def url(self) -> str:
        return f"/van-ban-den/{self.id}"


@dataclass(frozen=True)
class OutgoingRow:
    id: int
    ref: str
    subject: str
    type_name: str
    code: str
    author: str
    state: str
    created_at: str
    issued_date: str | None
    published_at: str | None
    due_date: str | None
    priority: int
    secrecy: int
    category: str
    register_code: str

    @property
    def state_label(self) -> str:
        return state_label("out", self.state)

    @property
    def url(self) -> str:
        return f"/van-ban-di/{self.id}"


@dataclass(frozen=True)
class WorkItem:
    """One văn bản đến assigned to a person or their unit and not yet done ("việc của tôi")."""

    id: int
    ref: str
    subject: str
    code: str
    issuer_name: str
    state: str
    priority: int
    due_date: str | None  # this assignee's deadline, else the document's
    lead: bool  # chủ trì (True) or phối hợp
    assigned_as: str  # "user" or "unit"

    @property
    def state_label(self) -> str:
        return state_label("in", self.state)

    @property
    def url(self) -> str:
        return f"/van-ban-den/{self.id}"


@dataclass(frozen=True)
class DashboardCounts:
    to_accept: int  # văn bản đến chờ tiếp nhận
    to_present: int  # đã tiếp nhận, chờ trình
    processing: int  # đã phân công / đang xử lý
    due_soon: int  # open, deadline from today to ``soon_until`` (the caller's working-day rule)
    overdue: int  # open, deadline passed
    to_sign: int  # dự thảo trình ký (submitted)
    to_number: int  # lãnh đạo đã ký, chờ cấp số
    to_seal: int  # đã cấp số, chờ ký số cơ quan
    to_publish: int  # đã ký số cơ quan, chờ phát hành
    recall_requests: int  # yêu cầu thu hồi chờ xử lý


@dataclass(frozen=True)
class SearchFilters:
    """Filters of the search page; empty = any. ``exact`` keeps only hits that contain every
    typed word with its marks (case-insensitive): "Đà Nẵng" yes, "da nang" no."""

    kinds: tuple[str, ...] = ()  # "in", "out", "scan", "dossier"
    type_name: str = ""
    issuer: str = ""
    date_from: date | None = None
    date_to: date | None = None
    state: str = ""
    register_code: str = ""
    exact: bool = False
    # Who searches (None: no restriction, for internal use). Secret (mật) documents are found only
    # by those who may open them (node.domain.office.may_read): văn thư and lãnh đạo, the drafter
    # and reviewers of a văn bản đi, the assignees of a văn bản đến. Scans (raw intake, whose
    # secrecy is not known yet) are found by văn thư and lãnh đạo only.
    reader: Actor | None = None

    @property
    def sees_everything(self) -> bool:
        return self.reader is None or self.reader.has(Role.CLERK, Role.LEADER)

    @property
    def on_documents(self) -> bool:
        """Any filter that only a văn bản đến / đi row can satisfy (scans then drop out)."""
        return bool(self.type_name or self.issuer or self.date_from or self.date_to or self.state
                    or self.register_code)


@dataclass(frozen=True)
class SearchHit:
    kind: str
    ref: str
    title: str
    snippet: str
    rank: float
    type_name: str = ""
    code: str = ""
    issuer_name: str = ""
    state: str = ""
    day: str = ""  # 'YYYY-MM-DD': received (đến), created (đi), indexed (scan)

    @property
    def url(self) -> str:
        return ref_url(self.kind, self.ref)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def state_label(self) -> str:
        return state_label(self.kind, self.state)


class DocumentLists(Protocol):
    def list_incoming(self, filters: ListFilters, *, limit: int = 20,
                      offset: int = 0) -> list[IncomingRow]: ...

    def count_incoming(self, filters: ListFilters, *, cap: int | None = None) -> int: ...

    def list_outgoing(self, filters: ListFilters, *, limit: int = 20,
                      offset: int = 0) -> list[OutgoingRow]: ...

    def count_outgoing(self, filters: ListFilters, *, cap: int | None = None) -> int: ...

    def count_deliveries(self, filters: ListFilters) -> int: ...

    def deliveries_of(self, doc_ids: Sequence[int], filters: ListFilters) -> dict[int, int]: ...

    def my_work(self, username: str, unit_id: int | None, *, limit: int = 50) -> list[WorkItem]: ...

    def dashboard_counts(self, now_date: date, *, soon_until: date | None = None,
                         reader: Actor | None = None) -> DashboardCounts: ...


class DocumentSearch(Protocol):
    def search(self, query: str, *, kinds: tuple[str, ...] = (), limit: int = 20, offset: int = 0,
               filters: SearchFilters | None = None, order: str = "newest") -> list[SearchHit]: ...

    def count(self, query: str, *, kinds: tuple[str, ...] = (), filters: SearchFilters | None = None,
              cap: int | None = None) -> int: ...
