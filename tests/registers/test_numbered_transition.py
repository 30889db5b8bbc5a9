"""The pattern the web layer uses: take the number and run the pure transition in ONE write
transaction, so a refused transition consumes no number (no gap) and a kept one is recorded."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import sqlite_utils

from node.domain import outgoing as og
from node.domain.categories import CategoryTable
from node.domain.clock import VN_TZ
from node.domain.documents import AuditEvent, Channel, Organ, Outcome
from node.domain.errors import DomainError
from node.domain.numbering import Register
from node.store.audit import append_audit
from node.store.db import Database
from node.store.registers import SqliteRegisters, allocate_number
from tests.domain.support import CLERK, LEADER, SPECIALIST
from tests.domain.test_outgoing import draft

AT = datetime(2026, 12, 31, 23, 59, 30, tzinfo=VN_TZ)


def numbered(db: Database, doc: og.OutgoingDocument, register: Register, actor: Any = CLERK,
             at: datetime = AT) -> Outcome[og.OutgoingDocument]:
    def tx(d: sqlite_utils.Database) -> Outcome[og.OutgoingDocument]:
        number = allocate_number(d, register.code, at=at, actor=actor.username, subject=doc.ref)
        out = og.assign_number(doc, number, register, actor=actor, at=at)
        for ev in out.events:  # the store would also save the document row here
            if isinstance(ev, AuditEvent):
                append_audit(d, now=at, actor=actor.username, action=ev.action, subject=ev.subject,
                             detail=dict(ev.detail))
        return out

    return db.write(tx)


def signed_draft(**kw: Any) -> og.OutgoingDocument:
    cats = CategoryTable.default()
    doc = og.submit(draft(**kw), "lanhdao", actor=SPECIALIST, at=AT, categories=cats).doc
    return og.sign_personal(doc, og.SignatureRecord("lanhdao", AT, "s" * 64), actor=LEADER, at=AT).doc


def test_refused_transitions_consume_no_number(db: Database) -> None:
    regs = SqliteRegisters(db)
    di, di_mat = regs.get_register("di"), regs.get_register("di-mat")
    assert di is not None and di_mat is not None
    first = numbered(db, signed_draft(), di)
    assert first.doc.meta.code == "01/QĐ-UBND"
    assert first.doc.meta.document_id == "000.00.01.H26,2026/12/31,01/QĐ-UBND"
    with pytest.raises(DomainError) as e:  # already numbered: wrong state
        numbered(db, first.doc, di)
    assert e.value.code == "transition_illegal"
    with pytest.raises(DomainError) as e:  # a secret document into the open register
        numbered(db, signed_draft(secrecy=1, recipients=(og.Recipient(Organ("x"), Channel.PAPER),)), di)
    assert e.value.code == "secret_needs_secret_register"
    with pytest.raises(DomainError) as e:  # a specialist may not number
        numbered(db, signed_draft(), di, actor=SPECIALIST)
    assert e.value.code == "not_permitted"
    second = numbered(db, signed_draft(), di)
    assert second.doc.meta.code_number == "02"
    assert regs.numbers("di", 2026) == [1, 2]
    # one minute later it is 2027 in Vietnam: the series restarts
    third = numbered(db, signed_draft(), di, at=datetime(2027, 1, 1, 0, 0, 30, tzinfo=VN_TZ))
    assert (third.doc.number_year, third.doc.meta.code_number, str(third.doc.meta.issued_date)) == \
        (2027, "01", "2027-01-01")
    actions = [r["action"] for r in db.query("SELECT action FROM audit ORDER BY id")]
    assert actions == ["register.allocate", "outgoing.number"] * 3
