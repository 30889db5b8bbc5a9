"""A replacement (BussinessDocType 3) at the receiver: the old văn bản đến is frozen, linked and kept."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from node.domain import incoming as inc
from node.domain.calendar import DeadlineFlag, WorkingCalendar
from node.domain.documents import AuditEvent, Channel, DestroyContent, Notify, SendStatus, StatusCode
from node.domain.incoming import Assignee, IncomingState
from node.domain.numbering import default_registers
from tests.domain.support import CLERK, LEADER, SENDER, SPECIALIST, T0, meta, number

REG = {r.code: r for r in default_registers()}
OLD_ID = "000.00.09.H13,2026/11/20,1768/SVHTT-VP"
NEW_ID = "000.00.09.H13,2026/11/25,1801/SVHTT-VP"


def assigned_old() -> inc.IncomingDocument:
    doc = inc.receive("in:1", meta(), channel=Channel.AXIS, sender=SENDER, at=T0, blobs=("a" * 64,)).doc
    doc = inc.accept(doc, number(REG["den"], 3), REG["den"], actor=CLERK, at=T0).doc
    doc = inc.present(doc, "lanhdao", actor=CLERK, at=T0).doc
    lead = Assignee("user", "chuyenvien", "Lê Chuyên Viên", date(2026, 12, 5))
    coop = (Assignee("unit", "5", "Phòng Tài chính", date(2026, 12, 5)),)
    return inc.assign(doc, lead=lead, cooperating=coop, actor=LEADER, at=T0).doc


def replacement(*named: str) -> inc.Outcome[inc.IncomingDocument]:  # type: ignore[name-defined]
    return inc.receive("in:2", meta(document_id=NEW_ID, code_number="1801", subject="V/v … (thay thế)"),
                       channel=Channel.AXIS, sender=SENDER, at=T0 + timedelta(days=1), blobs=("c" * 64,),
                       replaces=named)


def test_the_old_one_is_frozen_linked_and_kept_and_its_people_are_told() -> None:
    old = assigned_old()
    new, marked = inc.link_replacement(replacement(OLD_ID), [old], at=T0 + timedelta(days=1))
    (out,) = marked
    gone = out.doc
    assert gone.state is IncomingState.REPLACED and gone.state_label == "Đã bị thay thế"
    assert gone.replaced_by == "in:2" and gone.replaced_at == T0 + timedelta(days=1)
    assert new.doc.replaces == ("in:1",) and new.doc.replaces_document_ids == (OLD_ID,)
    # nothing destroyed, nothing sent: metadata, file, number and assignment stay
    assert gone.blobs == old.blobs and gone.meta == old.meta and gone.arrival_number == 3
    assert gone.assignment == old.assignment and not gone.content_destroyed
    assert not out.of_type(DestroyContent) and not out.of_type(SendStatus)
    # one audit row for the old one, notifications to văn thư, the leader and every assignee
    (audit,) = out.of_type(AuditEvent)
    assert audit.action == "incoming.replaced" and audit.subject == "in:1"
    assert audit.detail["by"] == "in:2" and audit.detail["previous_state"] == "assigned"
    assert [n.to for n in out.of_type(Notify)] == ["role:clerk", "user:lanhdao", "user:chuyenvien", "unit:5"]
    assert all(n.document_ref == "in:1" and "thay thế" in n.message for n in out.of_type(Notify))
    # the new one keeps its own receipt and says what it replaces
    actions = [e.action for e in new.of_type(AuditEvent)]
    assert actions == ["incoming.receive", "incoming.replaces"]
    # no deadline on a replaced document
    assert inc.assignee_deadlines(gone, WorkingCalendar(), now=T0) == []
    assert inc.deadline(gone, WorkingCalendar(), now=T0).flag is DeadlineFlag.NONE


@pytest.mark.parametrize("step", [
    lambda d: inc.start_processing(d, actor=SPECIALIST, at=T0),
    lambda d: inc.complete(d, actor=LEADER, at=T0),
    lambda d: inc.assign(d, lead=Assignee("user", "x", "X"), actor=LEADER, at=T0),
    lambda d: inc.file_into(d, "000.00.01.H26.2026.01TH", actor=CLERK, at=T0),
    lambda d: inc.apply_update(d, d.meta, at=T0),
])
def test_every_step_on_a_replaced_document_is_refused_with_code_replaced(step) -> None:  # type: ignore[no-untyped-def]
    (out,) = inc.link_replacement(replacement(OLD_ID), [assigned_old()], at=T0)[1]
    with pytest.raises(inc.DocumentReplaced) as e:
        step(out.doc)
    assert e.value.code == "replaced" and "thay thế" in e.value.message


def test_a_replaced_received_one_cannot_be_accepted_but_its_recall_can_still_be_handled() -> None:
    doc = inc.receive("in:1", meta(), channel=Channel.AXIS, sender=SENDER, at=T0).doc
    (out,) = inc.link_replacement(replacement(OLD_ID), [doc], at=T0)[1]
    with pytest.raises(inc.DocumentReplaced):
        inc.accept(out.doc, number(REG["den"], 1), REG["den"], actor=CLERK, at=T0)
    asked = inc.request_recall(out.doc, via=StatusCode.RECALL_REQUESTED, reason="Nhầm", at=T0).doc
    assert inc.refuse_recall(asked, "Đã thay thế", actor=CLERK, at=T0).doc.state is IncomingState.REPLACED


def test_a_replacement_of_a_document_never_received_is_a_new_one_with_a_note() -> None:
    out = replacement(OLD_ID)
    new, marked = inc.link_replacement(out, [], at=T0)
    assert marked == () and new.doc.replaces == () and new.doc.state is IncomingState.RECEIVED
    note = new.of_type(AuditEvent)[-1]
    assert note.action == "incoming.replace_unmatched" and note.detail["document_ids"] == [OLD_ID]
    assert "văn bản đến mới" in note.detail["note"]


def test_a_recalled_or_already_replaced_one_is_left_as_it_is_and_noted() -> None:
    doc = inc.receive("in:1", meta(), channel=Channel.AXIS, sender=SENDER, at=T0, blobs=("a" * 64,)).doc
    asked = inc.request_recall(doc, via=StatusCode.RECALL_REQUESTED, reason="Nhầm", at=T0).doc
    recalled = inc.accept_recall(asked, actor=CLERK, at=T0).doc
    new, marked = inc.link_replacement(replacement(OLD_ID), [recalled], at=T0)
    assert marked == () and new.doc.replaces == ()
    assert [e.action for e in new.of_type(AuditEvent)][-1] == "incoming.replace_skipped"
    (first,) = inc.link_replacement(replacement(OLD_ID), [doc], at=T0)[1]
    again, marked = inc.link_replacement(replacement(OLD_ID), [first.doc], at=T0)
    assert marked == () and "thay thế trước đó" in again.of_type(AuditEvent)[-1].detail["note"]
    with pytest.raises(inc.DocumentReplaced):
        inc.mark_replaced(first.doc, replacement(OLD_ID).doc, at=T0)


def test_the_original_arriving_after_its_replacement_is_replaced_from_the_start() -> None:
    rep = inc.link_replacement(replacement(OLD_ID), [], at=T0)[0].doc
    late = inc.receive("in:3", meta(), channel=Channel.AXIS, sender=SENDER, at=T0 + timedelta(hours=1))
    old, linked = inc.link_late_original(late, rep, at=T0 + timedelta(hours=1))
    assert old.doc.state is IncomingState.REPLACED and old.doc.replaced_by == "in:2"
    assert [e.action for e in old.of_type(AuditEvent)] == ["incoming.receive", "incoming.replaced"]
    assert linked.doc.replaces == ("in:3",) and linked.of_type(AuditEvent)[0].action == "incoming.replaces"
    asked = inc.request_recall(rep, via=StatusCode.RECALL_REQUESTED, reason="x", at=T0).doc
    recalled = inc.accept_recall(asked, actor=CLERK, at=T0).doc
    with pytest.raises(inc.IllegalTransition):
        inc.link_late_original(late, recalled, at=T0)
