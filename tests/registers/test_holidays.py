"""The holiday table is data in the store: seeded with the defaults, edited with audit rows."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from node.domain.calendar import CalendarEntry, DayKind, HolidayTable, WorkingCalendar
from node.domain.errors import DomainError
from node.store.db import Database
from node.store.holidays import SqliteHolidays

NOW = datetime(2026, 11, 24, 9, tzinfo=timezone(timedelta(hours=7)))


def test_seeded_with_the_defaults_and_editable(db: Database) -> None:
    store = SqliteHolidays(db)
    assert store.load_table().to_rows() == HolidayTable.default().to_rows()
    day = date(2026, 11, 24)
    store.save_entry(CalendarEntry(day, DayKind.HOLIDAY, "Ngày Văn hóa Việt Nam", "theo thông báo"),
                     now=NOW, actor="admin")
    cal = WorkingCalendar(store.load_table())
    assert not cal.is_working_day(day)
    assert cal.add_working_days(date(2026, 11, 23), 1) == date(2026, 11, 25)
    store.delete_entry(day, now=NOW, actor="admin")
    assert WorkingCalendar(store.load_table()).is_working_day(day)
    with pytest.raises(DomainError) as e:
        store.save_entry(CalendarEntry(date(2026, 11, 25), DayKind.MAKEUP, "x"), now=NOW, actor="admin")
    assert e.value.code == "calendar_makeup_weekday"
    with pytest.raises(DomainError):
        store.delete_entry(date(2026, 11, 26), now=NOW, actor="admin")
    actions = [r["action"] for r in db.query("SELECT action FROM audit ORDER BY id")]
    assert actions == ["holiday.save", "holiday.delete"]
