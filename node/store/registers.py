"""Registers and gapless number allocation in SQLite.

A number exists exactly when its ``register_entry`` row does. The row is inserted inside the
writer's ``BEGIN IMMEDIATE`` transaction together with its audit row (and, when the caller
allocates through :func:`allocate_number` inside its own write closure, together with the
document that carries the number). SQLite serialises IMMEDIATE transactions across threads and
processes, so concurrent clerks queue; a crash rolls the whole transaction back, so the number
is neither lost (skipped) nor handed out twice. A trigger refuses any entry that is not exactly
``max + 1`` of its (register, year) series and the entries can be neither changed nor deleted.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from sqlite_utils import Database as SuDatabase

from node.domain.numbering import (
    AllocatedNumber,
    NumberingError,
    Register,
    RegisterEntry,
    RegisterKind,
    numbering_year,
)
from node.store.audit import append_audit
from node.store.db import Database


def _register(row: sqlite3.Row | tuple[object, ...]) -> Register:
    code, kind, name, secret, type_names, active = tuple(row)
    return Register(code=str(code), kind=RegisterKind(str(kind)), name=str(name), secret=bool(secret),
                    type_names=frozenset(json.loads(str(type_names))), active=bool(active))


_COLUMNS = "code, kind, name, secret, type_names, active"


def allocate_number(db: SuDatabase, register_code: str, *, at: datetime, actor: str,
                    subject: str = "") -> AllocatedNumber:
    """Take the next number of the series (register, year of ``at`` in Vietnam).

    Call inside a write transaction (``Database.write``); the number, its entry and its audit
    row commit with whatever else the transaction does, or not at all.
    """
    row = db.execute(f"SELECT {_COLUMNS} FROM register WHERE code = ?", (register_code,)).fetchone()
    if row is None:
        raise NumberingError(f"Không có sổ “{register_code}”.", code="register_not_found")
    register = _register(row)
    if not register.active:
        raise NumberingError(f"{register.name} đã ngừng sử dụng.", code="register_inactive")
    year = numbering_year(at)
    last = db.execute("SELECT COALESCE(max(number), 0) FROM register_entry"
                      " WHERE register_code = ? AND year = ?", (register_code, year)).fetchone()[0]
    number = int(last) + 1
    audit_id = append_audit(db, now=at, actor=actor, action="register.allocate",
                            subject=f"register:{register_code}/{year}/{number}",
                            detail={"register": register_code, "year": year, "number": number,
                                    "secret": register.secret, "for": subject})
    db.execute(
        "INSERT INTO register_entry (register_code, year, number, allocated_at, actor, subject, audit_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (register_code, year, number, at.isoformat(timespec="microseconds"), actor, subject, audit_id),
    )
    return AllocatedNumber(register_code=register_code, year=year, number=number, allocated_at=at)


def save_register(db: SuDatabase, register: Register, *, now: datetime, actor: str) -> None:
    """Insert or update a register's description (its kind and secrecy never change once used)."""
    old = db.execute(f"SELECT {_COLUMNS} FROM register WHERE code = ?", (register.code,)).fetchone()
    if old is not None:
        prev = _register(old)
        used = db.execute("SELECT 1 FROM register_entry WHERE register_code = ? LIMIT 1",
                          (register.code,)).fetchone()
        if used and (prev.kind is not register.kind or prev.secret != register.secret):
            raise NumberingError(f"{prev.name} đã có số: không đổi được loại sổ hoặc độ mật.",
                                 code="register_in_use")
    db.execute(
        "INSERT INTO register (code, kind, name, secret, type_names, active) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, name = excluded.name,"
        " secret = excluded.secret, type_names = excluded.type_names, active = excluded.active",
        (register.code, register.kind.value, register.name, int(register.secret),
         json.dumps(sorted(register.type_names), ensure_ascii=False), int(register.active)),
    )
    append_audit(db, now=now, actor=actor, action="register.save", subject=f"register:{register.code}",
                 detail={"kind": register.kind.value, "name": register.name, "secret": register.secret,
                         "type_names": sorted(register.type_names), "active": register.active})


class SqliteRegisters:
    """Implements the domain's ``RegisterBooks`` port (``NumberAllocator``, ``RegisterRepository``,
    ``RegisterLedger``)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def allocate(self, register: Register, *, at: datetime, actor: str, subject: str) -> AllocatedNumber:
        code = register.code
        return self.db.write(lambda d: allocate_number(d, code, at=at, actor=actor, subject=subject))

    def last_number(self, register_code: str, year: int) -> int:
        row = self.db.query_one("SELECT COALESCE(max(number), 0) AS n FROM register_entry"
                                " WHERE register_code = ? AND year = ?", (register_code, year))
        return int(row["n"]) if row else 0

    def numbers(self, register_code: str, year: int) -> list[int]:
        rows = self.db.query("SELECT number FROM register_entry WHERE register_code = ? AND year = ?"
                             " ORDER BY number", (register_code, year))
        return [int(r["number"]) for r in rows]

    def entries(self, register_code: str, year: int, *, limit: int, offset: int = 0) -> list[RegisterEntry]:
        rows = self.db.query(
            "SELECT e.register_code, e.year, e.number, e.allocated_at, e.actor,"
            " COALESCE(u.full_name, '') AS actor_name, e.subject"
            " FROM register_entry e LEFT JOIN user u ON u.username = e.actor"
            " WHERE e.register_code = ? AND e.year = ? ORDER BY e.number DESC LIMIT ? OFFSET ?",
            (register_code, year, limit, offset))
        return [RegisterEntry(register_code=r["register_code"], year=int(r["year"]), number=int(r["number"]),
                              allocated_at=datetime.fromisoformat(r["allocated_at"]), actor=r["actor"],
                              actor_name=r["actor_name"], subject=r["subject"]) for r in rows]

    def count_entries(self, register_code: str, year: int) -> int:
        row = self.db.query_one("SELECT count(*) AS n FROM register_entry"
                                " WHERE register_code = ? AND year = ?", (register_code, year))
        return int(row["n"]) if row else 0

    def list_registers(self) -> list[Register]:
        return [_register(r) for r in self.db.query(f"SELECT {_COLUMNS} FROM register ORDER BY code")]

    def get_register(self, code: str) -> Register | None:
        row = self.db.query_one(f"SELECT {_COLUMNS} FROM register WHERE code = ?", (code,))
        return _register(row) if row is not None else None

    def save_register(self, register: Register, *, now: datetime, actor: str) -> None:
        self.db.write(lambda d: save_register(d, register, now=now, actor=actor))
