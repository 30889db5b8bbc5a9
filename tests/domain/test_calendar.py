"""Working-day calendar and deadline flags (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.domain.calendar import (
    CalendarEntry,
    CalendarError,
    DayKind,
    DeadlineFlag,
    HolidayTable,
    WorkingCalendar,
    deadline_status,
    vn_date,
)

VN = timezone(timedelta(hours=7))
CAL = WorkingCalendar()
days = st.dates(min_value=date(2024, 6, 1), max_value=date(2028, 6, 30))


def at(d: date, hour: int = 9) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=VN)


def test_default_table_covers_2025_to_2027_with_the_main_holidays() -> None:
    table = HolidayTable.default()
    assert table.years() == [2025, 2026, 2027]
    for year in (2025, 2026, 2027):
        names = " ".join(e.name for e in table.entries(year))
        for holiday in ("Tết Dương lịch", "Tết Nguyên đán", "Giỗ Tổ Hùng Vương", "Quốc khánh",
                        "Quốc tế Lao động", "Giải phóng miền Nam"):
            assert holiday in names, (year, holiday)
    # Tết Bính Ngọ 2026: Mon 16 – Fri 20 February are off, the next working day is Mon 23
    assert not any(CAL.is_working_day(date(2026, 2, d)) for d in range(14, 23))
    assert CAL.next_working_day(date(2026, 2, 13)) == date(2026, 2, 23)
    # 2025: Saturday 26/04 is a make-up working day, Friday 02/05 is off
    assert CAL.is_working_day(date(2025, 4, 26))
    assert not CAL.is_working_day(date(2025, 5, 2))
    # Giỗ Tổ 2026 falls on a Sunday: Monday 27/04 is off
    assert not CAL.is_working_day(date(2026, 4, 27))


def test_add_working_days_skips_weekends_and_holidays() -> None:
    assert CAL.add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)  # Fri → Mon
    assert CAL.add_working_days(date(2026, 4, 24), 2) == date(2026, 4, 29)  # Fri → (27 off) → Wed 29
    assert CAL.add_working_days(date(2026, 4, 29), 1) == date(2026, 5, 4)  # 30/4, 1/5, weekend
    assert CAL.add_working_days(date(2026, 5, 4), -1) == date(2026, 4, 29)
    assert CAL.working_days_between(date(2026, 4, 24), date(2026, 5, 4)) == 3
    assert CAL.add_working_days(date(2026, 11, 21), 0) == date(2026, 11, 21)


@given(days, st.integers(min_value=-80, max_value=80))
def test_between_inverts_add(start: date, n: int) -> None:
    end = CAL.add_working_days(start, n)
    assert CAL.working_days_between(start, end) == n
    if n:
        assert CAL.is_working_day(end)


@given(days, days)
def test_between_is_signed_and_bounded(a: date, b: date) -> None:
    n = CAL.working_days_between(a, b)
    assert abs(n) <= abs((b - a).days)
    assert (n > 0 and b > a) or (n < 0 and b < a) or n == 0
    if a.weekday() < 5 and b.weekday() < 5 and not CAL.table.get(a) and not CAL.table.get(b):
        assert n == -CAL.working_days_between(b, a)


@given(days, st.integers(0, 40), st.integers(0, 40))
def test_add_is_additive(start: date, m: int, n: int) -> None:
    assert CAL.add_working_days(CAL.add_working_days(start, m), n) == CAL.add_working_days(start, m + n) \
        or m == 0  # adding 0 to a non-working start stays on it


def test_table_is_editable_data() -> None:
    extra = CalendarEntry(date(2026, 11, 24), DayKind.HOLIDAY, "Ngày Văn hóa Việt Nam", "quyết định của tỉnh")
    cal = WorkingCalendar(HolidayTable.default().with_entry(extra))
    assert CAL.is_working_day(date(2026, 11, 24))
    assert not cal.is_working_day(date(2026, 11, 24))
    assert cal.table.without(date(2026, 11, 24)).get(date(2026, 11, 24)) is None
    rows = cal.table.to_rows()
    assert HolidayTable.from_rows(rows).to_rows() == rows
    with pytest.raises(CalendarError) as e:
        HolidayTable([CalendarEntry(date(2026, 11, 25), DayKind.MAKEUP, "x")])
    assert e.value.code == "calendar_makeup_weekday"
    with pytest.raises(CalendarError):
        HolidayTable.from_rows([("2026-13-01", "holiday", "x")])


def test_vietnam_date_of_a_utc_time() -> None:
    assert vn_date(datetime(2026, 12, 31, 17, 0, tzinfo=UTC)) == date(2027, 1, 1)
    with pytest.raises(CalendarError):
        vn_date(datetime(2026, 1, 1))


def test_handover_same_day_for_urgent_next_working_day_otherwise() -> None:
    fri = at(date(2026, 11, 20), 16)
    assert CAL.handover_due(fri, priority=1) == date(2026, 11, 20)
    assert CAL.handover_due(fri, priority=0) == date(2026, 11, 23)


def test_deadline_flags() -> None:
    due = date(2026, 12, 10)  # Thursday
    start = date(2026, 11, 2)
    st_ = deadline_status(CAL, due=due, now=at(date(2026, 11, 24)), start=start)
    assert (st_.flag, st_.warn) == (DeadlineFlag.ON_TRACK, False)
    st_ = deadline_status(CAL, due=due, now=at(date(2026, 12, 8)), start=start)
    assert (st_.flag, st_.working_days_left, st_.warn) == (DeadlineFlag.DUE_SOON, 2, False)
    assert st_.label == "Sắp đến hạn"
    st_ = deadline_status(CAL, due=due, now=at(date(2026, 12, 10), 17), start=start)
    assert (st_.flag, st_.working_days_left) == (DeadlineFlag.DUE_SOON, 0)
    st_ = deadline_status(CAL, due=due, now=at(date(2026, 12, 11), 8), start=start)
    assert (st_.flag, st_.working_days_left) == (DeadlineFlag.OVERDUE, -1)
    # done before or after the deadline
    assert deadline_status(CAL, due=due, now=at(date(2026, 12, 20)), done_at=at(date(2026, 12, 9))).flag \
        is DeadlineFlag.DONE
    assert deadline_status(CAL, due=due, now=at(date(2026, 12, 20)), done_at=at(date(2026, 12, 11))).flag \
        is DeadlineFlag.DONE_LATE
    assert deadline_status(CAL, due=None, now=at(date(2026, 12, 20))).flag is DeadlineFlag.NONE


def test_urgent_and_short_deadline_items_warn_before_the_deadline() -> None:
    due = date(2026, 12, 10)
    now = at(date(2026, 12, 8))
    long_normal = deadline_status(CAL, due=due, now=now, start=date(2026, 11, 2))
    urgent = deadline_status(CAL, due=due, now=now, start=date(2026, 11, 2), priority=1)
    short = deadline_status(CAL, due=due, now=now, start=date(2026, 12, 4))  # 4 working days
    assert not long_normal.warn
    assert urgent.warn and short.warn
    # a short item is not warned about on its first day
    assert not deadline_status(CAL, due=due, now=at(date(2026, 12, 4)), start=date(2026, 12, 4)).warn
    # overdue urgent items keep warning
    late = deadline_status(CAL, due=due, now=at(date(2026, 12, 14)), priority=2)
    assert late.flag is DeadlineFlag.OVERDUE and late.warn


@given(days, days, st.integers(0, 4))
def test_flags_are_consistent(now_day: date, due: date, priority: int) -> None:
    s = deadline_status(CAL, due=due, now=at(now_day), priority=priority)
    assert (s.flag is DeadlineFlag.OVERDUE) == (now_day > due)
    if s.flag is not DeadlineFlag.OVERDUE:
        assert s.working_days_left is not None and s.working_days_left >= 0
    if s.warn:
        assert priority >= 1
