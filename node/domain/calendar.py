"""Working days, deadlines and deadline flags (NĐ 30 Điều 4, 18, 21, 23; seed 000 §2b).

A working day is Monday–Friday, minus the public holidays of the holiday table, plus the
make-up working days ("làm bù") of that table. The table is data the office edits
(:class:`HolidayTable`); :data:`node.domain.holidays_vn.DEFAULT_HOLIDAY_ROWS` is what a fresh
node starts with. Every "today" is the date in Asia/Ho_Chi_Minh.

Deadline flags: an item is *overdue* once its due date has passed, *due soon* when at most
``due_soon_days`` working days are left. Urgent items (priority ≥ 1) and items whose whole
deadline was ≤ 5 working days ("xử lý gấp hoặc trong 05 ngày làm việc", seed 000 §2b) also
*warn* — the dashboard and the drafter are alerted before the deadline passes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from node.domain.clock import VN_TZ
from node.domain.errors import DomainError
from node.domain.holidays_vn import DEFAULT_HOLIDAY_ROWS


class CalendarError(DomainError):
    code = "calendar_invalid"


class DayKind(StrEnum):
    HOLIDAY = "holiday"  # a weekday off
    MAKEUP = "makeup"  # a weekend day worked instead ("làm bù")


@dataclass(frozen=True, order=True)
class CalendarEntry:
    day: date
    kind: DayKind
    name: str
    note: str = ""


def vn_date(at: datetime) -> date:
    """The calendar date in Vietnam of an aware datetime."""
    if at.tzinfo is None:
        raise CalendarError("Thời điểm thiếu múi giờ.", code="naive_datetime")
    return at.astimezone(VN_TZ).date()


class HolidayTable:
    """The editable table of holidays and make-up working days, keyed by date."""

    def __init__(self, entries: Iterable[CalendarEntry] = ()) -> None:
        by_day: dict[date, CalendarEntry] = {}
        for e in entries:
            if e.day in by_day:
                raise CalendarError(f"Ngày {e.day:%d/%m/%Y} có hai dòng trong bảng ngày nghỉ.",
                                    code="calendar_duplicate_day")
            if e.kind is DayKind.MAKEUP and e.day.weekday() < 5:
                raise CalendarError(f"Ngày làm bù {e.day:%d/%m/%Y} không phải thứ Bảy hoặc Chủ nhật.",
                                    code="calendar_makeup_weekday")
            by_day[e.day] = e
        self._by_day = by_day

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, str, str] | tuple[str, str, str]]) -> HolidayTable:
        """Rows of ``(YYYY-MM-DD, holiday|makeup, name[, note])`` (what the store and the UI keep)."""
        entries = []
        for row in rows:
            try:
                day = date.fromisoformat(row[0])
                kind = DayKind(row[1])
            except ValueError as e:
                raise CalendarError(f"Dòng bảng ngày nghỉ không hợp lệ: {row!r}.",
                                    code="calendar_bad_row") from e
            note = row[3] if len(row) > 3 else ""
            entries.append(CalendarEntry(day, kind, row[2], note))
        return cls(entries)

    @classmethod
    def default(cls) -> HolidayTable:
        return cls.from_rows(DEFAULT_HOLIDAY_ROWS)

    def to_rows(self) -> list[tuple[str, str, str, str]]:
        return [(e.day.isoformat(), e.kind.value, e.name, e.note) for e in self.entries()]

    def entries(self, year: int | None = None) -> list[CalendarEntry]:
        return sorted(e for e in self._by_day.values() if year is None or e.day.year == year)

    def years(self) -> list[int]:
        return sorted({d.year for d in self._by_day})

    def get(self, day: date) -> CalendarEntry | None:
        return self._by_day.get(day)

    def with_entry(self, entry: CalendarEntry) -> HolidayTable:
        """A copy with ``entry`` added, replacing any row for the same day."""
        return HolidayTable([*(e for e in self._by_day.values() if e.day != entry.day), entry])

    def without(self, day: date) -> HolidayTable:
        return HolidayTable(e for e in self._by_day.values() if e.day != day)


class HolidayStore(Protocol):
    """Where the office keeps its edited table (seeded with the defaults on a fresh node)."""

    def load_table(self) -> HolidayTable: ...

    def save_entry(self, entry: CalendarEntry, *, now: datetime, actor: str) -> None:
        """Add or replace the row of ``entry.day``, with an audit row."""
        ...

    def delete_entry(self, day: date, *, now: datetime, actor: str) -> None: ...


class WorkingCalendar:
    def __init__(self, table: HolidayTable | None = None) -> None:
        self.table = table if table is not None else HolidayTable.default()

    def is_working_day(self, day: date) -> bool:
        entry = self.table.get(day)
        if entry is not None:
            return entry.kind is DayKind.MAKEUP
        return day.weekday() < 5

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        return self.add_working_days(day, 1)

    def working_day_on_or_after(self, day: date) -> date:
        d = day
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def add_working_days(self, start: date, n: int) -> date:
        """The date ``n`` working days after ``start`` (before it when ``n`` < 0).

        ``add_working_days(d, 0)`` is ``d`` itself, working day or not.
        """
        step = 1 if n >= 0 else -1
        left, d = abs(n), start
        while left:
            d += timedelta(days=step)
            if self.is_working_day(d):
                left -= 1
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in ``(start, end]``; if ``end < start``, minus those in ``[end, start)``.

        So ``working_days_between(d, add_working_days(d, n)) == n`` for every ``n``.
        """
        lo, hi, sign = (start, end, 1) if end >= start else (end, start, -1)
        count = 0
        d = lo if sign < 0 else lo + timedelta(days=1)
        last = hi - timedelta(days=1) if sign < 0 else hi
        while d <= last:
            if self.is_working_day(d):
                count += 1
            d += timedelta(days=1)
        return sign * count

    def deadline_after(self, start: datetime, working_days: int) -> date:
        """The due date ``working_days`` working days after the day ``start`` falls on in Vietnam."""
        return self.add_working_days(vn_date(start), working_days)

    def handover_due(self, received_at: datetime, priority: int) -> date:
        """NĐ 30 Điều 4.2(c), 23.1: same day, at the latest the next working day; urgent: today."""
        day = vn_date(received_at)
        if priority >= 1:
            return day
        return self.next_working_day(day)


# -- deadline flags --------------------------------------------------------------------------


class DeadlineFlag(StrEnum):
    NONE = "none"  # no deadline
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    DONE = "done"
    DONE_LATE = "done_late"


DEADLINE_FLAG_VI: dict[DeadlineFlag, str] = {
    DeadlineFlag.NONE: "Không có hạn",
    DeadlineFlag.ON_TRACK: "Trong hạn",
    DeadlineFlag.DUE_SOON: "Sắp đến hạn",
    DeadlineFlag.OVERDUE: "Quá hạn",
    DeadlineFlag.DONE: "Hoàn thành đúng hạn",
    DeadlineFlag.DONE_LATE: "Hoàn thành quá hạn",
}


@dataclass(frozen=True)
class DeadlinePolicy:
    due_soon_days: int = 2  # "sắp đến hạn" when this many working days or fewer are left
    short_deadline_days: int = 5  # deadlines of ≤ this many working days warn (seed 000 §2b)
    warn_days: int = 2  # ... and warn this many working days ahead


@dataclass(frozen=True)
class DeadlineStatus:
    flag: DeadlineFlag
    working_days_left: int | None  # negative once overdue (working days late)
    warn: bool  # urgent or short item that is due soon or overdue: alert people

    @property
    def label(self) -> str:
        return DEADLINE_FLAG_VI[self.flag]


def deadline_status(cal: WorkingCalendar, *, due: date | None, now: datetime, priority: int = 0,
                    start: date | None = None, done_at: datetime | None = None,
                    policy: DeadlinePolicy | None = None) -> DeadlineStatus:
    """Flag one item. ``start`` is when the deadline was set (to tell a short deadline)."""
    pol = policy or DeadlinePolicy()
    if due is None:
        return DeadlineStatus(DeadlineFlag.NONE, None, False)
    if done_at is not None:
        late = vn_date(done_at) > due
        return DeadlineStatus(DeadlineFlag.DONE_LATE if late else DeadlineFlag.DONE, None, False)
    today = vn_date(now)
    left = cal.working_days_between(today, due)
    short = start is not None and cal.working_days_between(start, due) <= pol.short_deadline_days
    watched = priority >= 1 or short
    if today > due:
        return DeadlineStatus(DeadlineFlag.OVERDUE, min(left, -1), watched)
    flag = DeadlineFlag.DUE_SOON if left <= pol.due_soon_days else DeadlineFlag.ON_TRACK
    warn = watched and left <= pol.warn_days
    if warn and flag is DeadlineFlag.ON_TRACK:
        flag = DeadlineFlag.DUE_SOON
    return DeadlineStatus(flag, left, warn)
