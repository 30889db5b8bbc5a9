"""The editable holiday table in SQLite (implements ``node.domain.calendar.HolidayStore``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlite_utils import Database as SuDatabase

from node.domain.calendar import CalendarEntry, CalendarError, HolidayTable
from node.store.audit import append_audit
from node.store.db import Database


def _table(db: SuDatabase) -> HolidayTable:
    rows = db.execute("SELECT day, kind, name, note FROM holiday ORDER BY day").fetchall()
    return HolidayTable.from_rows([(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows])


class SqliteHolidays:
    def __init__(self, db: Database) -> None:
        self.db = db

    def load_table(self) -> HolidayTable:
        rows = self.db.query("SELECT day, kind, name, note FROM holiday ORDER BY day")
        return HolidayTable.from_rows([(r["day"], r["kind"], r["name"], r["note"]) for r in rows])

    def save_entry(self, entry: CalendarEntry, *, now: datetime, actor: str) -> None:
        def tx(db: SuDatabase) -> None:
            _table(db).with_entry(entry)  # validates (e.g. a make-up day must be a weekend day)
            db.execute(
                "INSERT INTO holiday (day, kind, name, note) VALUES (?, ?, ?, ?) ON CONFLICT (day) DO UPDATE"
                " SET kind = excluded.kind, name = excluded.name, note = excluded.note",
                (entry.day.isoformat(), entry.kind.value, entry.name, entry.note))
            append_audit(db, now=now, actor=actor, action="holiday.save", subject=f"holiday:{entry.day}",
                         detail={"kind": entry.kind.value, "name": entry.name, "note": entry.note})

        self.db.write(tx)

    def delete_entry(self, day: date, *, now: datetime, actor: str) -> None:
        def tx(db: SuDatabase) -> None:
            cur = db.execute("DELETE FROM holiday WHERE day = ?", (day.isoformat(),))
            if cur.rowcount == 0:
                raise CalendarError(f"Ngày {day:%d/%m/%Y} không có trong bảng ngày nghỉ.",
                                    code="calendar_day_missing")
            append_audit(db, now=now, actor=actor, action="holiday.delete", subject=f"holiday:{day}")

        self.db.write(tx)
