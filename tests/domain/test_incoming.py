"""The incoming workflow (pure transitions, events, refusals)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node.domain import incoming as inc
from node.domain.documents import (
    AuditEvent,
    BusinessDocType,
    Channel,
    DestroyContent,
    Notify,
    Outcome,
    SendStatus,
    StatusCode,
    WorkflowError,
)
from node.domain.errors import DomainError
from node.domain.incoming import Assignee, IncomingState
from node.domain.numbering import default_registers
from tests.domain.support import CLERK, LEADER, OTHER, SENDER, SPECIALIST, T0, meta, number

REG = {r.code: r for r in default_registers()}


def statuses(out: inc.Outcome[inc.IncomingDocument]) -> list[str]:  # type: ignore[name-defined]
    return [e.code.value for e in out.events if isinstance(e, SendStatus)]


def received(channel: Channel = Channel.AXIS, **kw: object) -> inc.IncomingDocument:
    out = inc.receive("in:1", meta(**kw), channel=channel, sender=SENDER, at=T0, blobs=("a" * 64, "b" * 64))
    return out.doc


def test_receipt_reports_01_to_an_axis_sender_only() -> None:
    out = inc.receive("in:1", meta(), channel=Channel.AXIS, sender=SENDER, at=T0)
    assert statuses(out) == ["01"]
    assert out.of_type(AuditEvent)[0].action == "incoming.receive"
    paper = inc.receive("in:2", meta(), channel=Channel.PAPER, sender=SENDER, at=T0)
    assert statuses(paper) == []


def test_the_whole_happy_path_sends_03_04_05_06() -> None:
    doc = received()
    codes: list[str] = []
    out = inc.accept(doc, number(REG["den"], 7), REG["den"], actor=CLERK, at=T0)
    assert (out.doc.state, out.doc.arrival_number, out.doc.arrival_year) == (IncomingState.ACCEPTED, 7, 2026)
    codes += statuses(out)
    out = inc.present(out.doc, "lanhdao", actor=CLERK, at=T0)
    assert any(isinstance(e, Notify) and e.to == "user:lanhdao" for e in out.events)
    lead = Assignee("user", "chuyenvien", "Lê Chuyên Viên", date(2026, 12, 1))
    coop = (Assignee("unit", "5", "Phòng Tài chính", date(2026, 12, 3)),)
    out = inc.assign(out.doc, lead=lead, cooperating=coop, direction="Chủ trì, tham mưu  trả lời.",
                     actor=LEADER, at=T0)
    assert out.doc.assignment is not None and out.doc.assignment.direction == "Chủ trì, tham mưu trả lời."
    assert out.doc.due_date == date(2026, 12, 1)
    assert {e.to for e in out.of_type(Notify)} == {"user:chuyenvien", "unit:5"}
    codes += statuses(out)
    with pytest.raises(WorkflowError) as e:
        inc.start_processing(out.doc, actor=OTHER, at=T0)
    assert e.value.code == "not_permitted"
    out = inc.start_processing(out.doc, actor=SPECIALIST, at=T0)
    codes += statuses(out)
    out = inc.complete(out.doc, actor=SPECIALIST, at=T0 + timedelta(days=2), result="Đã có văn bản trả lời")
    codes += statuses(out)
    out = inc.file_into(out.doc, "000.00.01.H26.2026.01TH", actor=SPECIALIST, at=T0)
    out = inc.file_into(out.doc, "000.00.01.H26.2026.05VP", actor=SPECIALIST, at=T0)
    assert out.doc.state is IncomingState.FILED and len(out.doc.file_codes) == 2
    assert codes == ["03", "04", "05", "06"]


def test_reject_needs_a_reason_and_sends_02() -> None:
    doc = received()
    with pytest.raises(WorkflowError) as e:
        inc.reject(doc, "  ", actor=CLERK, at=T0)
    assert e.value.code == "reason_required"
    out = inc.reject(doc, "Gửi nhầm nơi nhận", actor=CLERK, at=T0)
    assert out.doc.state is IncomingState.REJECTED
    [s] = out.of_type(SendStatus)
    assert (s.code, s.description, s.to) == (StatusCode.REJECTED, "Gửi nhầm nơi nhận", SENDER)
    with pytest.raises(WorkflowError) as e:
        inc.accept(out.doc, number(REG["den"], 1), REG["den"], actor=CLERK, at=T0)
    assert e.value.code == "transition_illegal"
    assert "Đã từ chối" in e.value.message


def test_accept_is_refused_when_signatures_failed_or_the_register_is_wrong() -> None:
    doc = received()
    with pytest.raises(WorkflowError) as e:
        inc.accept(doc, number(REG["den"], 1), REG["den"], actor=CLERK, at=T0, integrity_ok=False)
    assert e.value.code == "integrity_not_verified"
    with pytest.raises(DomainError) as e2:
        inc.accept(doc, number(REG["di"], 1), REG["di"], actor=CLERK, at=T0)
    assert e2.value.code == "register_mismatch"
    secret = received(secrecy=1)
    with pytest.raises(DomainError) as e2:
        inc.accept(secret, number(REG["den"], 1), REG["den"], actor=CLERK, at=T0)
    assert e2.value.code == "secret_needs_secret_register"
    ok = inc.accept(secret, number(REG["den-mat"], 1), REG["den-mat"], actor=CLERK, at=T0)
    assert ok.doc.register_code == "den-mat"
    with pytest.raises(WorkflowError) as e:
        inc.accept(doc, number(REG["den"], 1), REG["den"], actor=SPECIALIST, at=T0)
    assert e.value.code == "not_permitted"


def test_assign_refuses_past_deadlines_and_double_assignees() -> None:
    doc = inc.present(inc.accept(received(), number(REG["den"], 1), REG["den"], actor=CLERK, at=T0).doc,
                      "lanhdao", actor=CLERK, at=T0).doc
    lead = Assignee("unit", "3", "Phòng Văn hóa", date(2026, 11, 23))
    with pytest.raises(WorkflowError) as e:
        inc.assign(doc, lead=lead, actor=LEADER, at=T0)
    assert e.value.code == "due_date_past"
    lead = replace(lead, due_date=date(2026, 12, 1))
    with pytest.raises(WorkflowError) as e:
        inc.assign(doc, lead=lead, cooperating=(lead,), actor=LEADER, at=T0)
    assert e.value.code == "assignee_duplicate"
    with pytest.raises(WorkflowError):
        inc.assign(doc, lead=lead, actor=CLERK, at=T0)
    # a unit lead: anyone of the unit may report progress
    out = inc.assign(doc, lead=lead, actor=LEADER, at=T0)
    assert inc.start_processing(out.doc, actor=SPECIALIST, at=T0).doc.state is IncomingState.PROCESSING


def test_recall_destroys_content_keeps_metadata_and_answers_15() -> None:
    doc = inc.accept(received(), number(REG["den"], 3), REG["den"], actor=CLERK, at=T0).doc
    out = inc.request_recall(doc, via=StatusCode.RECALL_REQUESTED, reason="Ban hành nhầm", at=T0)
    assert out.doc.recall_pending and out.doc.state is IncomingState.ACCEPTED
    out = inc.accept_recall(out.doc, actor=CLERK, at=T0)
    assert out.doc.state is IncomingState.RECALLED
    assert out.doc.content_destroyed and out.doc.blobs == ()
    assert out.doc.meta == doc.meta and out.doc.arrival_number == 3  # metadata kept
    assert out.doc.recall is not None and out.doc.recall.accepted and out.doc.recall.reason == "Ban hành nhầm"
    [destroy] = out.of_type(DestroyContent)
    assert destroy.blobs == ("a" * 64, "b" * 64)
    assert statuses(out) == ["15"]
    for step in (lambda d: inc.present(d, "x", actor=CLERK, at=T0),
                 lambda d: inc.reject(d, "x", actor=CLERK, at=T0)):
        with pytest.raises(WorkflowError) as e:
            step(out.doc)
        assert e.value.code == "document_recalled"


def test_recall_by_revocation_package_can_be_refused_with_16() -> None:
    doc = received()
    out = inc.request_recall(doc, via=BusinessDocType.REVOCATION, reason="", at=T0)
    with pytest.raises(WorkflowError):
        inc.refuse_recall(out.doc, "", actor=CLERK, at=T0)
    out = inc.refuse_recall(out.doc, "Văn bản đã được xử lý xong", actor=CLERK, at=T0)
    assert out.doc.state is IncomingState.RECEIVED and not out.doc.content_destroyed
    [s] = out.of_type(SendStatus)
    assert (s.code, s.description) == (StatusCode.CHANGE_REFUSED, "Văn bản đã được xử lý xong")
    with pytest.raises(WorkflowError) as e:
        inc.accept_recall(out.doc, actor=CLERK, at=T0)
    assert e.value.code == "recall_not_pending"
    with pytest.raises(WorkflowError):
        inc.request_recall(doc, via=BusinessDocType.UPDATE, reason="", at=T0)


ACTIONS = ["accept", "reject", "present", "assign", "start", "complete", "file", "recall", "recall_ok",
           "recall_no"]


def _apply(doc: inc.IncomingDocument, action: str) -> Outcome[inc.IncomingDocument]:
    lead = Assignee("user", "chuyenvien", "CV", date(2026, 12, 31))
    return {
        "accept": lambda: inc.accept(doc, number(REG["den"], 1), REG["den"], actor=CLERK, at=T0),
        "reject": lambda: inc.reject(doc, "lý do", actor=CLERK, at=T0),
        "present": lambda: inc.present(doc, "lanhdao", actor=CLERK, at=T0),
        "assign": lambda: inc.assign(doc, lead=lead, actor=LEADER, at=T0),
        "start": lambda: inc.start_processing(doc, actor=SPECIALIST, at=T0),
        "complete": lambda: inc.complete(doc, actor=SPECIALIST, at=T0),
        "file": lambda: inc.file_into(doc, f"X.2026.{len(doc.file_codes)}", actor=SPECIALIST, at=T0),
        "recall": lambda: inc.request_recall(doc, via=StatusCode.RECALL_REQUESTED, reason="r", at=T0),
        "recall_ok": lambda: inc.accept_recall(doc, actor=CLERK, at=T0),
        "recall_no": lambda: inc.refuse_recall(doc, "không", actor=CLERK, at=T0),
    }[action]()


@settings(max_examples=300)
@given(st.lists(st.sampled_from(ACTIONS), max_size=14), st.sampled_from(list(Channel)))
def test_any_sequence_keeps_the_invariants(actions: list[str], channel: Channel) -> None:
    doc = received(channel)
    for action in actions:
        before = doc
        try:
            out = _apply(doc, action)
        except WorkflowError as e:
            assert e.code and e.message  # refused with a stable code and a message
            continue
        doc = out.doc
        assert any(isinstance(ev, AuditEvent) for ev in out.events), action  # every change is audited
        if channel is Channel.PAPER:
            assert not out.of_type(SendStatus)
        if before.state is IncomingState.RECALLED:
            raise AssertionError(f"{action} changed a recalled document")
        if doc.state is IncomingState.RECALLED:
            assert doc.content_destroyed and doc.blobs == () and doc.recall is not None
        if doc.state is not IncomingState.RECEIVED and doc.state is not IncomingState.REJECTED \
                and doc.arrival_number is None:
            assert doc.state is IncomingState.RECALLED
        if doc.state in (IncomingState.ASSIGNED, IncomingState.PROCESSING, IncomingState.DONE):
            assert doc.assignment is not None
