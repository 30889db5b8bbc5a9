"""Register books (NĐ 30 Phụ lục IV) and the exchange report (R13; seed 002 §4, seed 004).

The system-kept register must be printable in the register layout (Điều 16.2.b, 22.3.b): these
functions give the rows, in number order, with the Phụ lục IV columns; the web layer renders
them (HTML / PDF). The monthly report counts electronic and paper documents sent and received
(e.g. 1,787 electronic of 2,321 = 77 %) and is due before the 3rd of the next month.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from node.domain.calendar import (
    DeadlineFlag,
    DeadlinePolicy,
    DeadlineStatus,
    WorkingCalendar,
    deadline_status,
    vn_date,
)
from node.domain.clock import VN_TZ
from node.domain.documents import Channel
from node.domain.errors import DomainError
from node.domain.incoming import IncomingDocument, IncomingState
from node.domain.incoming import deadline as incoming_deadline
from node.domain.outgoing import DeliveryState, OutgoingDocument, OutgoingState


@dataclass(frozen=True)
class IncomingRegisterRow:
    """Sổ đăng ký văn bản đến (Phụ lục IV): 10 columns."""

    arrival_date: date  # Ngày đến
    arrival_number: int  # Số đến
    author: str  # Tác giả (cơ quan ban hành)
    code: str  # Số, ký hiệu văn bản
    issued_date: date | None  # Ngày tháng văn bản
    type_and_subject: str  # Tên loại và trích yếu nội dung
    receiver: str  # Đơn vị hoặc người nhận
    handed_over: date | None  # Ngày chuyển
    signature: str  # Ký nhận (left blank for the printed book)
    note: str  # Ghi chú
    year: int = 0  # the numbering year (a range across 1 January holds two series)


@dataclass(frozen=True)
class OutgoingRegisterRow:
    """Sổ đăng ký văn bản đi (Phụ lục IV): 10 columns."""

    code: str  # Số, ký hiệu văn bản
    issued_date: date | None  # Ngày tháng văn bản
    type_and_subject: str  # Tên loại và trích yếu nội dung
    signer: str  # Người ký
    recipients: str  # Nơi nhận văn bản
    archive_copy: str  # Đơn vị, người nhận bản lưu
    copies: int  # Số lượng bản
    sent: date | None  # Ngày chuyển
    signature: str  # Ký nhận
    note: str  # Ghi chú
    year: int = 0


def _in_range(day: date | None, start: date | None, end: date | None) -> bool:
    return day is not None and (start is None or day >= start) and (end is None or day <= end)


def incoming_register(docs: Iterable[IncomingDocument], *, register_code: str | None = None,
                      year: int | None = None, start: date | None = None,
                      end: date | None = None) -> list[IncomingRegisterRow]:
    """Rows of the sổ đến: one register (or all when ``register_code`` is None), a year and/or
    a range of arrival dates, in (year, số đến) order."""
    rows = []
    for d in docs:
        if d.arrival_number is None or d.arrival_date is None:
            continue
        if (register_code is not None and d.register_code != register_code) or (
                year is not None and d.arrival_year != year):
            continue
        if not _in_range(vn_date(d.arrival_date), start, end) and (start or end):
            continue
        receiver = d.assignment.lead.name if d.assignment else d.presented_to
        handed = d.assignment.assigned_at if d.assignment else d.presented_at
        note = "Đã thu hồi theo yêu cầu của nơi gửi" if d.state is IncomingState.RECALLED else (
            "Đã bị thay thế" if d.state is IncomingState.REPLACED else (
                "Bản giấy" if d.channel is Channel.PAPER else ""))
        rows.append(IncomingRegisterRow(
            vn_date(d.arrival_date), d.arrival_number, d.meta.issuer.name or d.meta.issuer.organ_id,
            d.meta.code, d.meta.issued_date, f"{d.meta.type_name}: {d.meta.subject}", receiver,
            vn_date(handed) if handed else None, "", note, d.arrival_year or d.arrival_date.year))
    return sorted(rows, key=lambda r: (r.year, r.arrival_number))


NUMBERED_STATES = frozenset({OutgoingState.NUMBERED, OutgoingState.SEALED, OutgoingState.PUBLISHED,
                             OutgoingState.RECALLED, OutgoingState.REPLACED})


def outgoing_register(docs: Iterable[OutgoingDocument], *, register_code: str | None = None,
                      year: int | None = None, start: date | None = None,
                      end: date | None = None) -> list[OutgoingRegisterRow]:
    """Rows of the sổ đi: numbered documents by register, year and/or date range, in number order."""
    rows = []
    for d in docs:
        if d.state not in NUMBERED_STATES:
            continue
        if (register_code is not None and d.register_code != register_code) or (
                year is not None and d.number_year != year):
            continue
        if (start or end) and not _in_range(d.meta.issued_date, start, end):
            continue
        note = {OutgoingState.RECALLED: f"Đã thu hồi: {d.recall_reason}",
                OutgoingState.REPLACED: f"Đã bị thay thế bởi {d.replaced_by}"}.get(d.state, "")
        signer = " ".join(x for x in (d.meta.signer_position, d.meta.signer_full_name) if x)
        rows.append(OutgoingRegisterRow(
            d.meta.code, d.meta.issued_date, f"{d.meta.type_name}: {d.meta.subject}", signer,
            "; ".join(r.organ.name or r.organ.organ_id for r in d.recipients), "Lưu: VT",
            len(d.recipients) + 1, vn_date(d.published_at) if d.published_at else None, "", note,
            d.number_year or 0))
    return sorted(rows, key=_code_order)


def _code_order(row: OutgoingRegisterRow) -> tuple[int, int, str]:
    num = row.code.split("/")[0]
    return (row.year, int(num) if num.isdigit() else 0, row.code)


@dataclass(frozen=True)
class ExchangeReport:
    year: int
    month: int
    received_electronic: int
    received_paper: int
    sent_electronic: int
    sent_paper: int

    @staticmethod
    def _share(e: int, p: int) -> int | None:
        return round(100 * e / (e + p)) if e + p else None

    @property
    def received_share(self) -> int | None:
        """Percent of received documents that were electronic (1,787 / 2,321 → 77)."""
        return self._share(self.received_electronic, self.received_paper)

    @property
    def sent_share(self) -> int | None:
        return self._share(self.sent_electronic, self.sent_paper)

    @property
    def due(self) -> date:
        """The report goes out before the 3rd of the next month (seed 002 §4): by the 2nd."""
        y, m = (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)
        return date(y, m, 2)


def exchange_report(incoming: Iterable[IncomingDocument], outgoing: Iterable[OutgoingDocument], *, year: int,
                    month: int) -> ExchangeReport:
    """Counts by month of arrival (accepted or rejected alike) and of publication (per recipient)."""
    re_ = rp = se = sp = 0
    for d in incoming:
        day = vn_date(d.received_at)
        if (day.year, day.month) == (year, month):
            if d.channel is Channel.AXIS:
                re_ += 1
            else:
                rp += 1
    for o in outgoing:
        if o.published_at is None:
            continue
        day = vn_date(o.published_at)
        if (day.year, day.month) != (year, month):
            continue
        for dl in o.deliveries:
            if dl.state is DeliveryState.PAPER:
                sp += 1
            else:
                se += 1
    return ExchangeReport(year, month, re_, rp, se, sp)


# -- sổ theo dõi giải quyết văn bản đến ------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpRow:
    """Sổ theo dõi giải quyết văn bản đến (Phụ lục IV): 7 columns."""

    arrival_number: int  # Số đến
    document: str  # Tên loại, số, ký hiệu, ngày tháng, cơ quan ban hành
    receiver: str  # Đơn vị/người nhận
    due: date | None  # Thời hạn giải quyết
    progress: str  # Tiến độ giải quyết
    reply: str  # Số, ký hiệu văn bản trả lời
    note: str  # Ghi chú
    year: int = 0


def follow_up_register(docs: Iterable[IncomingDocument], cal: WorkingCalendar, *, now: datetime,
                       register_code: str | None = None, start: date | None = None,
                       end: date | None = None,
                       replies: Mapping[str, str] | None = None) -> list[FollowUpRow]:
    """The follow-up book: every registered document of the range with its lead, deadline and
    progress today (state, and the deadline flag with working days left or late)."""
    rows = []
    for d in docs:
        if d.arrival_number is None or d.arrival_date is None:
            continue
        if register_code is not None and d.register_code != register_code:
            continue
        if (start or end) and not _in_range(vn_date(d.arrival_date), start, end):
            continue
        issued = f" ngày {d.meta.issued_date:%d/%m/%Y}" if d.meta.issued_date else ""
        document = (f"{d.meta.type_name} số {d.meta.code or '(không số)'}{issued} của "
                    f"{d.meta.issuer.name or d.meta.issuer.organ_id}: {d.meta.subject}")
        receiver = ""
        if d.assignment is not None:
            receiver = d.assignment.lead.name
            if d.assignment.cooperating:
                receiver += " (phối hợp: " + ", ".join(a.name for a in d.assignment.cooperating) + ")"
        elif d.presented_to:
            receiver = f"Trình lãnh đạo ({d.presented_to})"
        status = incoming_deadline(d, cal, now=now)
        progress = d.state_label
        if status.flag is DeadlineFlag.OVERDUE and status.working_days_left is not None:
            progress += f" — quá hạn {-status.working_days_left} ngày làm việc"
        elif status.flag is not DeadlineFlag.NONE:
            progress += f" — {status.label.lower()}"
        note = "Bản giấy" if d.channel is Channel.PAPER else ""
        if d.result_note:
            note = "; ".join(x for x in (note, d.result_note) if x)
        rows.append(FollowUpRow(d.arrival_number, document, receiver, d.due_date, progress,
                                (replies or {}).get(d.ref, ""), note, d.arrival_year or d.arrival_date.year))
    return sorted(rows, key=lambda r: (r.year, r.arrival_number))


# -- report periods (R13: monthly before the 3rd, quarterly) --------------------------------------

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


class PeriodError(DomainError):
    code = "report_period_invalid"


@dataclass(frozen=True, order=True)
class ReportPeriod:
    """A month (``month`` set) or a quarter (``quarter`` set) of one year."""

    year: int
    month: int | None = None
    quarter: int | None = None

    def __post_init__(self) -> None:
        if (self.month is None) == (self.quarter is None):
            raise PeriodError("Kỳ báo cáo phải là một tháng hoặc một quý.")
        if self.month is not None and not 1 <= self.month <= 12:
            raise PeriodError(f"Tháng {self.month} không hợp lệ.")
        if self.quarter is not None and not 1 <= self.quarter <= 4:
            raise PeriodError(f"Quý {self.quarter} không hợp lệ.")

    @classmethod
    def parse(cls, text: str) -> ReportPeriod:
        """``2026-11`` (a month) or ``2026-Q4`` (a quarter)."""
        t = text.strip().upper()
        try:
            y, rest = t.split("-", 1)
            if rest.startswith("Q"):
                return cls(int(y), quarter=int(rest[1:]))
            return cls(int(y), month=int(rest))
        except ValueError as e:
            raise PeriodError(f"Kỳ báo cáo “{text}” không đúng dạng YYYY-MM hoặc YYYY-Qn.") from e

    @property
    def key(self) -> str:
        return f"{self.year}-{self.month:02d}" if self.month else f"{self.year}-Q{self.quarter}"

    @property
    def quarterly(self) -> bool:
        return self.quarter is not None

    @property
    def first_month(self) -> int:
        return self.month if self.month is not None else 3 * (self.quarter or 1) - 2

    @property
    def last_month(self) -> int:
        return self.month if self.month is not None else 3 * (self.quarter or 1)

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        """The last day of the period."""
        return _next_month_first(self.year, self.last_month) - timedelta(days=1)

    @property
    def label(self) -> str:
        if self.month:
            return f"tháng {self.month:02d}/{self.year}"
        return f"quý {ROMAN[self.quarter or 1]}/{self.year}"

    @property
    def due(self) -> date:
        """Before the 3rd of the following month (seed 002 §4; quarters the same): by the 2nd."""
        return _next_month_first(self.year, self.last_month).replace(day=2)

    def late(self, today: date) -> bool:
        return today > self.due


def _next_month_first(year: int, month: int) -> date:
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def period_ends_at(period: ReportPeriod) -> datetime:
    """The first instant after the period (00:00 Vietnam time of the day after its last day)."""
    return datetime.combine(period.end + timedelta(days=1), time(), VN_TZ)


def report_warranted(period: ReportPeriod, *, in_service_since: datetime | None,
                     holds_documents: bool) -> bool:
    """Whether the node drafts the report of ``period``: only for a period it has something to say
    about — it was in service before the period ended (its first audit row, written by ``vanthu
    init``), or it holds documents dated in the period (paper registered later, imported history).
    A node installed on 15 December drafts no November report (nothing held, nothing run, and it
    would show as late at once); its first report is December's, on 1 January."""
    if holds_documents:
        return True
    return in_service_since is not None and in_service_since < period_ends_at(period)


def periods_due(today: date) -> list[ReportPeriod]:
    """The reports whose drafting starts on the 1st of ``today``'s month: the previous month,
    and the previous quarter when a quarter has just ended."""
    prev_last = today.replace(day=1) - timedelta(days=1)
    out = [ReportPeriod(prev_last.year, month=prev_last.month)]
    if prev_last.month % 3 == 0:
        out.append(ReportPeriod(prev_last.year, quarter=prev_last.month // 3))
    return out


# -- the exchange report of a period ---------------------------------------------------------------

NO_UNIT = "Chưa phân công"


@dataclass(frozen=True)
class Tally:
    """A count the store grouped: documents received (``in``) or deliveries sent (``out``)."""

    direction: str  # "in" | "out"
    channel: Channel
    type_name: str
    unit: str
    count: int


def share(part: int, whole: int) -> int | None:
    """A whole percent, half up (1,787 of 2,321 → 77); None for nothing counted."""
    if whole <= 0:
        return None
    return int((200 * part + whole) // (2 * whole))


@dataclass(frozen=True)
class ChannelCount:
    electronic: int = 0
    paper: int = 0

    @property
    def total(self) -> int:
        return self.electronic + self.paper

    @property
    def share(self) -> int | None:
        """Percent electronic."""
        return share(self.electronic, self.total)

    def __add__(self, other: ChannelCount) -> ChannelCount:
        return ChannelCount(self.electronic + other.electronic, self.paper + other.paper)


@dataclass(frozen=True)
class BreakdownRow:
    label: str
    received: ChannelCount
    sent: ChannelCount


@dataclass(frozen=True)
class OutageSummary:
    count: int = 0
    total: timedelta = timedelta(0)
    longest: timedelta = timedelta(0)


@dataclass(frozen=True)
class Span:
    """One outage as the ledger has it (``end`` None while still open)."""

    start: datetime
    end: datetime | None


def summarize_outages(spans: Iterable[Span], period: ReportPeriod, *, now: datetime) -> OutageSummary:
    """Outages overlapping the period, their durations clipped to it (an open one runs to ``now``)."""
    lo = datetime.combine(period.start, time.min, tzinfo=VN_TZ)
    hi = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=VN_TZ)
    count, total, longest = 0, timedelta(0), timedelta(0)
    for s in spans:
        end = s.end if s.end is not None else now
        a, b = max(s.start, lo), min(end, hi)
        if b <= a and not (s.start >= lo and s.start < hi):
            continue
        length = max(b - a, timedelta(0))
        count += 1
        total += length
        longest = max(longest, length)
    return OutageSummary(count, total, longest)


@dataclass(frozen=True)
class PeriodReport:
    """Báo cáo kết quả gửi, nhận văn bản điện tử of a month or a quarter."""

    period: ReportPeriod
    received: ChannelCount
    sent: ChannelCount  # per recipient: one delivery each
    by_type: tuple[BreakdownRow, ...]
    by_unit: tuple[BreakdownRow, ...]
    done_on_time: int  # incoming documents completed in the period on or before their deadline
    done_late: int
    rejected_by_recipients: int  # deliveries of the period's documents answered with 02
    outages: OutageSummary

    @property
    def on_time_share(self) -> int | None:
        return share(self.done_on_time, self.done_on_time + self.done_late)

    @property
    def total(self) -> ChannelCount:
        return self.received + self.sent


def _breakdown(tallies: Iterable[Tally], key: Callable[[Tally], str]) -> tuple[BreakdownRow, ...]:
    acc: dict[str, tuple[ChannelCount, ChannelCount]] = {}
    for t in tallies:
        got, sent = acc.get(key(t), (ChannelCount(), ChannelCount()))
        add = ChannelCount(t.count, 0) if t.channel is Channel.AXIS else ChannelCount(0, t.count)
        acc[key(t)] = (got + add, sent) if t.direction == "in" else (got, sent + add)
    rows = [BreakdownRow(k, r, s) for k, (r, s) in acc.items()]
    return tuple(sorted(rows, key=lambda r: (-(r.received.total + r.sent.total), r.label)))


def period_report(period: ReportPeriod, tallies: Iterable[Tally], *, done_on_time: int = 0,
                  done_late: int = 0, rejected_by_recipients: int = 0,
                  outages: OutageSummary | None = None) -> PeriodReport:
    items = list(tallies)
    received, sent = ChannelCount(), ChannelCount()
    for t in items:
        add = ChannelCount(t.count, 0) if t.channel is Channel.AXIS else ChannelCount(0, t.count)
        if t.direction == "in":
            received += add
        else:
            sent += add
    return PeriodReport(period, received, sent, _breakdown(items, lambda t: t.type_name or "(không rõ loại)"),
                        _breakdown(items, lambda t: t.unit or NO_UNIT), done_on_time, done_late,
                        rejected_by_recipients, outages or OutageSummary())


def tallies_of(incoming: Iterable[IncomingDocument], outgoing: Iterable[OutgoingDocument],
               period: ReportPeriod, *, unit_of_user: Mapping[str, str] | None = None) -> list[Tally]:
    """The same tallies from domain records (what the store computes with SQL; tests compare).
    ``unit_of_user``: username → unit name (authors of outgoing documents, assigned people)."""
    units = unit_of_user or {}
    acc: dict[tuple[str, Channel, str, str], int] = {}
    for d in incoming:
        if not period.start <= vn_date(d.received_at) <= period.end:
            continue
        lead = d.assignment.lead if d.assignment else None
        unit = NO_UNIT if lead is None else lead.name if lead.kind == "unit" else units.get(lead.ref, NO_UNIT)
        k = ("in", d.channel, d.meta.type_name, unit)
        acc[k] = acc.get(k, 0) + 1
    for o in outgoing:
        if o.published_at is None or not period.start <= vn_date(o.published_at) <= period.end:
            continue
        unit = units.get(o.author, NO_UNIT)
        for dl in o.deliveries:
            ch = Channel.PAPER if dl.state is DeliveryState.PAPER else Channel.AXIS
            k = ("out", ch, o.meta.type_name, unit)
            acc[k] = acc.get(k, 0) + 1
    return [Tally(*k, n) for k, n in sorted(acc.items())]


# -- overdue and due-soon lists (R11; seed 000 §2b–c) ------------------------------------------------


@dataclass(frozen=True)
class DeadlineItem:
    """One deadline someone holds: an incoming document's lead or cooperating assignee, or an
    outgoing document whose requested answers have not all come back."""

    ref: str
    direction: str  # "in" | "out"
    code: str  # số, ký hiệu (số đến for incoming)
    subject: str
    unit: str
    person: str
    due: date
    start: date | None = None  # when the deadline was set (tells a short deadline)
    priority: int = 0
    lead: bool = True


@dataclass(frozen=True)
class DeadlineEntry:
    item: DeadlineItem
    status: DeadlineStatus

    @property
    def days_overdue(self) -> int:
        """Working days past the deadline (0 when not overdue)."""
        left = self.status.working_days_left
        return -left if self.status.flag is DeadlineFlag.OVERDUE and left is not None else 0


@dataclass(frozen=True)
class GroupCount:
    label: str
    overdue: int
    due_soon: int
    worst_days: int  # the most working days overdue in the group


@dataclass(frozen=True)
class OverdueReport:
    as_of: date
    overdue: tuple[DeadlineEntry, ...]  # most late first
    due_soon: tuple[DeadlineEntry, ...]  # urgent / short-deadline items about to fall due
    by_unit: tuple[GroupCount, ...]
    by_person: tuple[GroupCount, ...]


def _groups(overdue: Iterable[DeadlineEntry], soon: Iterable[DeadlineEntry],
            key: Callable[[DeadlineItem], str]) -> tuple[GroupCount, ...]:
    acc: dict[str, list[int]] = {}
    for e in overdue:
        g = acc.setdefault(key(e.item) or NO_UNIT, [0, 0, 0])
        g[0] += 1
        g[2] = max(g[2], e.days_overdue)
    for e in soon:
        acc.setdefault(key(e.item) or NO_UNIT, [0, 0, 0])[1] += 1
    rows = [GroupCount(k, o, s, w) for k, (o, s, w) in acc.items()]
    return tuple(sorted(rows, key=lambda r: (-r.overdue, -r.worst_days, -r.due_soon, r.label)))


def overdue_report(items: Iterable[DeadlineItem], cal: WorkingCalendar, *, now: datetime,
                   policy: DeadlinePolicy | None = None) -> OverdueReport:
    """Items past their deadline (working days late) and the urgent or ≤ 5-working-day ones due soon."""
    overdue, soon = [], []
    for item in items:
        st = deadline_status(cal, due=item.due, now=now, priority=item.priority, start=item.start,
                             policy=policy)
        if st.flag is DeadlineFlag.OVERDUE:
            overdue.append(DeadlineEntry(item, st))
        elif st.warn:
            soon.append(DeadlineEntry(item, st))
    overdue.sort(key=lambda e: (-e.days_overdue, e.item.due, e.item.ref))
    soon.sort(key=lambda e: (e.item.due, -e.item.priority, e.item.ref))
    return OverdueReport(vn_date(now), tuple(overdue), tuple(soon),
                         _groups(overdue, soon, lambda i: i.unit),
                         _groups(overdue, soon, lambda i: i.person or i.unit))


def deadline_items(doc: IncomingDocument, *,
                   unit_of_user: Mapping[str, str] | None = None) -> list[DeadlineItem]:
    """The deadlines an incoming document puts on people (pure twin of the store query): one per
    lead / cooperating assignee with a deadline (the lead falls back to the sender's due date)."""
    if doc.state in (IncomingState.REJECTED, IncomingState.RECALLED, IncomingState.REPLACED,
                     IncomingState.DONE, IncomingState.FILED):
        return []
    code = str(doc.arrival_number) if doc.arrival_number is not None else doc.meta.code
    prio = int(doc.meta.priority)
    if doc.assignment is None:
        if doc.meta.due_date is None:
            return []
        return [DeadlineItem(doc.ref, "in", code, doc.meta.subject, NO_UNIT, doc.presented_to,
                             doc.meta.due_date, vn_date(doc.received_at), prio)]
    start = vn_date(doc.assignment.assigned_at)
    out = []
    for a in (doc.assignment.lead, *doc.assignment.cooperating):
        due = a.due_date or (doc.meta.due_date if a is doc.assignment.lead else None)
        if due is None:
            continue
        unit, person = (a.name, "") if a.kind == "unit" else ((unit_of_user or {}).get(a.ref, ""), a.name)
        out.append(DeadlineItem(doc.ref, "in", code, doc.meta.subject, unit, person, due, start, prio,
                                a is doc.assignment.lead))
    return out
