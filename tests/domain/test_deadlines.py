"""Deadline flags of incoming work and of outgoing follow-up (seed 000 §2b)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from node.domain import incoming as inc
from node.domain import outgoing as og
from node.domain.calendar import DeadlineFlag, WorkingCalendar
from node.domain.documents import Channel, StatusCode
from node.domain.incoming import Assignee
from node.domain.numbering import default_registers
from tests.domain.support import CLERK, LEADER, SENDER, SPECIALIST, T0, VN, meta, number
from tests.domain.test_outgoing import B, C, draft, published

CAL = WorkingCalendar()
REG = {r.code: r for r in default_registers()}


def day(d: date, hour: int = 10) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=VN)


def assigned(priority: int, lead_due: date, coop_due: date) -> inc.IncomingDocument:
    doc = inc.receive("in:1", meta(priority=priority), channel=Channel.AXIS, sender=SENDER, at=T0).doc
    doc = inc.accept(doc, number(REG["den"], 1), REG["den"], actor=CLERK, at=T0).doc
    doc = inc.present(doc, "lanhdao", actor=CLERK, at=T0).doc
    return inc.assign(doc, lead=Assignee("user", "chuyenvien", "CV", lead_due),
                      cooperating=(Assignee("unit", "5", "Phòng TC", coop_due),), actor=LEADER, at=T0).doc


def test_incoming_flags_per_assignee_and_overall() -> None:
    # assigned Tue 24/11/2026; lead due Mon 30/11 (4 working days: short), coop due 15/12
    doc = assigned(0, date(2026, 11, 30), date(2026, 12, 15))
    now = day(date(2026, 11, 26))  # Thursday: 2 working days left for the lead
    overall = inc.deadline(doc, CAL, now=now)
    assert (overall.flag, overall.working_days_left, overall.warn) == (DeadlineFlag.DUE_SOON, 2, True)
    (lead, s1), (coop, s2) = inc.assignee_deadlines(doc, CAL, now=now)
    assert (lead.ref, s1.warn) == ("chuyenvien", True)
    assert (coop.ref, s2.flag, s2.warn) == ("5", DeadlineFlag.ON_TRACK, False)
    late = inc.deadline(doc, CAL, now=day(date(2026, 12, 1)))
    assert late.flag is DeadlineFlag.OVERDUE
    doc = inc.complete(doc, actor=SPECIALIST, at=day(date(2026, 11, 27)))
    assert inc.deadline(doc.doc, CAL, now=day(date(2026, 12, 20))).flag is DeadlineFlag.DONE
    rejected = inc.reject(inc.receive("in:2", meta(), channel=Channel.AXIS, sender=SENDER, at=T0).doc,
                          "sai", actor=CLERK, at=T0).doc
    assert inc.deadline(rejected, CAL, now=T0).flag is DeadlineFlag.NONE


def test_outgoing_follow_up_warns_for_urgent_requests() -> None:
    doc = published(draft(due_date=date(2026, 12, 1), priority=1))
    s = og.tracking_status(doc, CAL, now=day(date(2026, 11, 27)))
    assert (s.flag, s.warn) == (DeadlineFlag.DUE_SOON, True)
    doc = og.record_status(doc, B.organ_id, StatusCode.DONE, at=T0 + timedelta(days=1)).doc
    assert og.tracking_status(doc, CAL, now=day(date(2026, 12, 2))).flag is DeadlineFlag.OVERDUE  # C not done
    doc = og.record_status(doc, C.organ_id, StatusCode.REJECTED, "sai", at=T0).doc
    assert og.tracking_status(doc, CAL, now=day(date(2026, 12, 2))).flag is DeadlineFlag.DONE
    assert og.tracking_status(draft(), CAL, now=T0).flag is DeadlineFlag.NONE
