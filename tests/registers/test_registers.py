"""Registers in SQLite: year rollover at 1 January +07, secret series apart, permanent entries."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest

from node.domain.errors import DomainError
from node.domain.numbering import Register, RegisterKind, choose_register, format_code
from node.store.db import Database
from node.store.registers import SqliteRegisters, allocate_number

VN = timezone(timedelta(hours=7))


def test_numbers_restart_on_1_january_in_vietnam(db: Database) -> None:
    regs = SqliteRegisters(db)
    di = regs.get_register("di")
    assert di is not None
    first = regs.allocate(di, at=datetime(2026, 6, 1, 8, tzinfo=VN), actor="clerk", subject="a")
    last_2026 = regs.allocate(di, at=datetime(2026, 12, 31, 23, 59, tzinfo=VN), actor="clerk", subject="b")
    new_year = regs.allocate(di, at=datetime(2027, 1, 1, 0, 0, tzinfo=VN), actor="clerk", subject="c")
    # 2026-12-31 17:30 UTC is already 2027-01-01 00:30 in Vietnam
    utc_side = regs.allocate(di, at=datetime(2026, 12, 31, 17, 30, tzinfo=UTC), actor="clerk", subject="d")
    assert (first.year, first.number) == (2026, 1)
    assert (last_2026.year, last_2026.number) == (2026, 2)
    assert (new_year.year, new_year.number, new_year.text) == (2027, 1, "01")
    assert (utc_side.year, utc_side.number) == (2027, 2)
    assert str(new_year.issued_date) == "2027-01-01"
    assert regs.numbers("di", 2026) == [1, 2]
    assert regs.numbers("di", 2027) == [1, 2]
    assert regs.last_number("di", 2028) == 0


def test_secret_documents_have_their_own_series(db: Database) -> None:
    regs = SqliteRegisters(db)
    at = datetime(2026, 3, 5, 14, tzinfo=VN)
    registers = regs.list_registers()
    open_reg = choose_register(registers, RegisterKind.OUTGOING, secret=False, type_name="Quyết định")
    secret_reg = choose_register(registers, RegisterKind.OUTGOING, secret=True, type_name="Quyết định")
    assert (open_reg.code, secret_reg.code) == ("di", "di-mat")
    got = [regs.allocate(open_reg, at=at, actor="vt", subject=f"d{i}").number for i in range(3)]
    secret = [regs.allocate(secret_reg, at=at, actor="vt", subject=f"m{i}").number for i in range(2)]
    incoming = regs.allocate(choose_register(registers, RegisterKind.INCOMING, secret=False),
                             at=at, actor="vt", subject="in").number
    assert got == [1, 2, 3]
    assert secret == [1, 2]
    assert incoming == 1
    assert format_code(secret[0], "QĐ-UBND") == "01/QĐ-UBND"


def test_a_failed_transaction_leaves_no_gap(db: Database) -> None:
    at = datetime(2026, 3, 5, 14, tzinfo=VN)

    def fails(d: object) -> None:
        allocate_number(d, "den", at=at, actor="vt", subject="x")  # type: ignore[arg-type]
        raise RuntimeError("the document could not be stored")

    with pytest.raises(RuntimeError):
        db.write(fails)
    n = db.write(lambda d: allocate_number(d, "den", at=at, actor="vt", subject="y"))
    assert n.number == 1


def test_entries_are_permanent_and_consecutive_at_the_database_level(db: Database) -> None:
    at = datetime(2026, 3, 5, 14, tzinfo=VN)
    db.write(lambda d: allocate_number(d, "di", at=at, actor="vt", subject="x"))
    with pytest.raises(sqlite3.IntegrityError, match="consecutive"):
        db.write(lambda d: d.execute(
            "INSERT INTO register_entry VALUES ('di', 2026, 3, '', 'x', '', 0)"))
    with pytest.raises(sqlite3.IntegrityError):
        db.write(lambda d: d.execute(
            "INSERT INTO register_entry VALUES ('di', 2026, 1, '', 'x', '', 0)"))
    with pytest.raises(sqlite3.IntegrityError, match="permanent"):
        db.write(lambda d: d.execute("DELETE FROM register_entry"))
    with pytest.raises(sqlite3.IntegrityError, match="permanent"):
        db.write(lambda d: d.execute("UPDATE register_entry SET number = 7"))


def test_registers_are_edited_with_an_audit_row_and_keep_their_kind_once_used(db: Database) -> None:
    regs = SqliteRegisters(db)
    now = datetime(2026, 3, 5, 14, tzinfo=VN)
    hd = Register("di-hd", RegisterKind.OUTGOING, "Sổ Hội đồng thi đua", type_names=frozenset({"Quyết định"}))
    regs.save_register(hd, now=now, actor="admin")
    assert regs.get_register("di-hd") == hd
    chosen = choose_register(regs.list_registers(), RegisterKind.OUTGOING, secret=False,
                             type_name="quyết định")
    assert chosen.code == "di-hd"  # a register dedicated to the type wins
    regs.allocate(hd, at=now, actor="vt", subject="x")
    with pytest.raises(DomainError) as e:
        regs.save_register(Register("di-hd", RegisterKind.OUTGOING, "x", secret=True), now=now, actor="admin")
    assert e.value.code == "register_in_use"
    closed = Register("di-hd", RegisterKind.OUTGOING, "Sổ HĐ", active=False)
    regs.save_register(closed, now=now, actor="admin")
    with pytest.raises(DomainError) as e2:
        regs.allocate(hd, at=now, actor="vt", subject="y")
    assert e2.value.code == "register_inactive"
    actions = [r["action"] for r in db.query("SELECT action FROM audit ORDER BY id")]
    assert actions == ["register.save", "register.allocate", "register.save"]


def test_naive_times_are_refused(db: Database) -> None:
    regs = SqliteRegisters(db)
    di = regs.get_register("di")
    assert di is not None
    with pytest.raises(DomainError) as e:
        regs.allocate(di, at=datetime(2026, 1, 1), actor="vt", subject="x")
    assert e.value.code == "naive_datetime"
