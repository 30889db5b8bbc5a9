"""The outgoing workflow and the delivery categories (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node.domain import outgoing as og
from node.domain.categories import CategoryTable, DeliveryCategory, Topic, TypeRule
from node.domain.documents import (
    AuditEvent,
    BusinessDocType,
    CancelPackage,
    Channel,
    Organ,
    OutboxPackage,
    Outcome,
    PrintPaperCopies,
    SendStatus,
    StatusCode,
    WorkflowError,
)
from node.domain.errors import DomainError
from node.domain.numbering import default_registers
from node.domain.outgoing import (
    Attachment,
    DeliveryState,
    LegalBasis,
    OutgoingState,
    Recipient,
    SignatureRecord,
)
from tests.domain.support import CLERK, LEADER, SPECIALIST, T0, US, meta, number

REG = {r.code: r for r in default_registers()}
CATS = CategoryTable.default()
B = Organ("000.00.02.H26", "UBND phường Hai")
C = Organ("000.00.03.H26", "Sở Tài chính")
D = Organ("000.00.04.H26", "Công an phường")
BASIS = (LegalBasis("Nghị định số 30/2020/NĐ-CP ngày 05/3/2020 của Chính phủ về công tác văn thư"),)


def draft(type_name: str = "Quyết định", *, recipients: tuple[Recipient, ...] = (Recipient(B), Recipient(C)),
          secrecy: int = 0, legal_bases: tuple[LegalBasis, ...] = BASIS,
          attachments: tuple[Attachment, ...] = (), unit: str = "", due_date: date | None = None,
          priority: int = 0, **kw: object) -> og.OutgoingDocument:
    m = meta(type_name=type_name, issuer=US, code_number="", code_notation="", document_id="",
             secrecy=secrecy, subject="Về việc ban hành quy chế văn thư", due_date=due_date,
             priority=priority)
    return og.create_draft("out:1", m, author=SPECIALIST, at=T0, pdf_blob="p" * 64, issuer_abbr="UBND",
                           unit_abbr=unit, categories=CATS, recipients=recipients, attachments=attachments,
                           legal_bases=legal_bases, **kw).doc  # type: ignore[arg-type]


def signed(doc: og.OutgoingDocument) -> og.OutgoingDocument:
    doc = og.submit(doc, "lanhdao", actor=SPECIALIST, at=T0, categories=CATS).doc
    return og.sign_personal(doc, SignatureRecord("lanhdao", T0, "s" * 64), actor=LEADER, at=T0).doc


def published(doc: og.OutgoingDocument, register: str = "di", n: int = 5) -> og.OutgoingDocument:
    doc = signed(doc)
    doc = og.assign_number(doc, number(REG[register], n), REG[register], actor=CLERK, at=T0).doc
    doc = og.seal(doc, SignatureRecord("vanthu", T0, "t" * 64), actor=CLERK, at=T0).doc
    return og.publish(doc, actor=CLERK, at=T0).doc


def test_the_whole_outgoing_flow() -> None:
    doc = draft()
    assert doc.state is OutgoingState.DRAFT and doc.category is DeliveryCategory.ELECTRONIC
    doc = og.send_for_review(doc, ("truongphong",), actor=SPECIALIST, at=T0).doc
    doc = og.add_comment(doc, "Sửa  trích yếu", actor=LEADER, at=T0).doc
    assert doc.state is OutgoingState.IN_REVIEW and doc.comments[-1].text == "Sửa trích yếu"
    out = og.submit(doc, "lanhdao", actor=SPECIALIST, at=T0, categories=CATS)
    assert out.doc.state is OutgoingState.SUBMITTED
    doc = og.sign_personal(out.doc, SignatureRecord("lanhdao", T0, "s" * 64), actor=LEADER, at=T0).doc
    assert doc.state is OutgoingState.SIGNED and doc.pdf_blob == "s" * 64
    out = og.assign_number(doc, number(REG["di"], 5), REG["di"], actor=CLERK, at=T0)
    doc = out.doc
    assert (doc.meta.code, str(doc.meta.issued_date)) == ("05/QĐ-UBND", "2026-11-24")
    assert doc.meta.document_id == "000.00.01.H26,2026/11/24,05/QĐ-UBND"
    doc = og.seal(doc, SignatureRecord("vanthu", T0, "t" * 64), actor=CLERK, at=T0).doc
    out = og.publish(doc, actor=CLERK, at=T0)
    doc = out.doc
    assert doc.state is OutgoingState.PUBLISHED
    pkgs = out.of_type(OutboxPackage)
    assert [(p.recipient, p.business_type) for p in pkgs] == [(B, BusinessDocType.NEW),
                                                              (C, BusinessDocType.NEW)]
    assert out.of_type(PrintPaperCopies) == []
    assert [d.state for d in doc.deliveries] == [DeliveryState.QUEUED] * 2
    # per-recipient status table
    doc = og.record_sent(doc, B.organ_id, at=T0).doc
    doc = og.record_status(doc, B.organ_id, StatusCode.ACCEPTED, at=T0).doc
    doc = og.record_status(doc, B.organ_id, StatusCode.ARRIVED, at=T0).doc  # late 01: ignored
    doc = og.record_status(doc, C.organ_id, StatusCode.REJECTED, "Sai nơi nhận", at=T0).doc
    b, c = doc.deliveries
    assert (b.state, b.label) == (DeliveryState.ACCEPTED, "Đã tiếp nhận")
    assert (c.state, c.description) == (DeliveryState.REJECTED, "Sai nơi nhận")
    doc = og.record_status(doc, B.organ_id, StatusCode.DONE, at=T0).doc
    assert doc.delivery(B.organ_id).state is DeliveryState.DONE  # type: ignore[union-attr]
    with pytest.raises(WorkflowError) as e:
        og.record_status(doc, "999", StatusCode.DONE, at=T0)
    assert e.value.code == "recipient_unknown"


def test_every_pdf_a_document_had_stays_named_in_its_history() -> None:
    """Sign, number (số / ngày filled in) and seal each make a new PDF: the audit row names the new
    and the previous file, so who may open a secret document's earlier file is decided from it."""
    doc = og.submit(draft(), "lanhdao", actor=SPECIALIST, at=T0, categories=CATS).doc
    drafted = doc.pdf_blob
    out = og.sign_personal(doc, SignatureRecord("lanhdao", T0, "s" * 64), actor=LEADER, at=T0)
    (row,) = out.of_type(AuditEvent)
    assert (row.detail["pdf"], row.detail["previous_pdf"]) == ("s" * 64, drafted)
    out = og.with_filled_pdf(og.assign_number(out.doc, number(REG["di"], 5), REG["di"], actor=CLERK, at=T0),
                             previous="s" * 64, filled="f" * 64)
    (row,) = out.of_type(AuditEvent)
    assert out.doc.pdf_blob == "f" * 64 and row.action == "outgoing.number"
    assert (row.detail["pdf"], row.detail["previous_pdf"], row.detail["number"]) == ("f" * 64, "s" * 64, 5)
    out = og.seal(out.doc, SignatureRecord("vanthu", T0, "t" * 64), actor=CLERK, at=T0)
    (row,) = out.of_type(AuditEvent)
    assert (row.detail["pdf"], row.detail["previous_pdf"]) == ("t" * 64, "f" * 64)


def test_roles_and_order_are_enforced() -> None:
    doc = draft()
    with pytest.raises(WorkflowError) as e:
        og.sign_personal(doc, SignatureRecord("x", T0, "s" * 64), actor=LEADER, at=T0)
    assert e.value.code == "transition_illegal"
    with pytest.raises(WorkflowError) as e:
        og.submit(doc, "lanhdao", actor=CLERK, at=T0, categories=CATS)
    assert e.value.code == "not_permitted"
    sub = og.submit(doc, "lanhdao", actor=SPECIALIST, at=T0, categories=CATS).doc
    with pytest.raises(WorkflowError) as e:
        og.sign_personal(sub, SignatureRecord("x", T0, "s" * 64), actor=CLERK, at=T0)
    assert e.value.code == "not_permitted"
    back = og.return_for_revision(sub, "Bổ sung căn cứ", actor=LEADER, at=T0).doc
    assert back.state is OutgoingState.DRAFT and back.comments[-1].text == "Bổ sung căn cứ"
    s = signed(doc)
    with pytest.raises(WorkflowError):
        og.assign_number(s, number(REG["di"], 1), REG["di"], actor=SPECIALIST, at=T0)
    with pytest.raises(DomainError) as e2:
        og.assign_number(s, number(REG["den"], 1), REG["den"], actor=CLERK, at=T0)
    assert e2.value.code == "register_mismatch"
    with pytest.raises(WorkflowError):
        og.publish(s, actor=CLERK, at=T0)


def test_submission_without_attachments_or_legal_bases_is_refused() -> None:
    doc = draft(legal_bases=())
    with pytest.raises(WorkflowError) as e:
        og.submit(doc, "lanhdao", actor=SPECIALIST, at=T0, categories=CATS)
    assert e.value.code == "missing_legal_basis"
    doc = draft(attachments=(Attachment("Dự thảo quy chế", "q" * 64), Attachment("Báo cáo thẩm định")))
    with pytest.raises(WorkflowError) as e:
        og.submit(doc, "lanhdao", actor=SPECIALIST, at=T0, categories=CATS)
    assert e.value.code == "missing_attachments" and "Báo cáo thẩm định" in e.value.message
    # a tờ trình must carry its dossier (seed 001 §2), and goes electronic + paper (seed 002 §3)
    ttr = draft("Tờ trình")
    assert ttr.category is DeliveryCategory.ELECTRONIC_PAPER
    problems = og.submission_problems(ttr, CATS)
    assert [p.code for p in problems] == ["missing_attachments"]
    # công văn needs neither
    cv = draft("Công văn", legal_bases=(), unit="VP")
    assert og.submission_problems(cv, CATS) == []
    with pytest.raises(DomainError) as e2:
        draft("Công văn")  # no drafting unit: could never be numbered
    assert e2.value.code == "notation_unit_missing"


def test_secret_documents_are_never_sent_electronically() -> None:
    with pytest.raises(WorkflowError) as e:
        draft(secrecy=1)
    assert e.value.code == "secret_not_electronic"
    assert "Văn bản mật không được gửi qua trục" in e.value.message
    paper_only = (Recipient(B, Channel.PAPER), Recipient(C, Channel.PAPER))
    doc = draft(secrecy=1, recipients=paper_only)
    assert doc.category is DeliveryCategory.SECRET
    with pytest.raises(WorkflowError) as e:
        og.edit_draft(doc, actor=SPECIALIST, at=T0, categories=CATS, recipients=(Recipient(B),))
    assert e.value.code == "secret_not_electronic"
    with pytest.raises(DomainError) as e2:
        published(doc, register="di")
    assert e2.value.code == "secret_needs_secret_register"
    s = signed(doc)
    s = og.assign_number(s, number(REG["di-mat"], 1), REG["di-mat"], actor=CLERK, at=T0).doc
    assert s.meta.code == "01/QĐ-UBND"
    s = og.seal(s, SignatureRecord("vanthu", T0, "t" * 64), actor=CLERK, at=T0).doc
    # even if the recipients were tampered with after drafting, publishing refuses
    tampered = replace(s, recipients=(Recipient(B),))
    with pytest.raises(WorkflowError) as e:
        og.publish(tampered, actor=CLERK, at=T0)
    assert e.value.code == "secret_not_electronic"
    out = og.publish(s, actor=CLERK, at=T0)
    assert out.of_type(OutboxPackage) == []
    [paper] = out.of_type(PrintPaperCopies)
    assert paper.recipients == (B, C)
    assert {d.state for d in out.doc.deliveries} == {DeliveryState.PAPER}


def test_electronic_plus_paper_by_topic() -> None:
    doc = draft("Quyết định", topics=[Topic.FINANCE_INVESTMENT])
    assert doc.category is DeliveryCategory.ELECTRONIC_PAPER
    doc = signed(doc)
    doc = og.assign_number(doc, number(REG["di"], 9), REG["di"], actor=CLERK, at=T0).doc
    doc = og.seal(doc, SignatureRecord("vanthu", T0, "t" * 64), actor=CLERK, at=T0).doc
    out = og.publish(doc, actor=CLERK, at=T0)
    assert len(out.of_type(OutboxPackage)) == 2
    assert out.of_type(PrintPaperCopies)[0].recipients == (B, C)


def test_recall_freezes_and_collects_15_16() -> None:
    e = Organ("000.00.05.H26", "Trường học")
    doc = published(draft(recipients=(Recipient(B), Recipient(C), Recipient(D, Channel.PAPER), Recipient(e))))
    doc = og.record_sent(doc, B.organ_id, at=T0).doc
    doc = og.record_status(doc, C.organ_id, StatusCode.REJECTED, "Không đúng thẩm quyền", at=T0).doc
    out = og.recall(doc, "Ban hành nhầm đối tượng", actor=CLERK, at=T0)
    doc = out.doc
    assert doc.state is OutgoingState.RECALLED and doc.frozen
    sends = out.of_type(SendStatus)
    # B got it: 13; C rejected it and D is on paper: nothing; E's package never left: cancelled
    assert [(s.to, s.code) for s in sends] == [(B, StatusCode.RECALL_REQUESTED)]
    assert sends[0].document_id == doc.meta.document_id
    assert [c.recipient for c in out.of_type(CancelPackage)] == [e]
    for step in (lambda d: og.issue_update(d, d.meta, "x", actor=CLERK, at=T0),
                 lambda d: og.recall(d, "x", actor=CLERK, at=T0),
                 lambda d: og.add_comment(d, "x", actor=LEADER, at=T0),
                 lambda d: og.edit_draft(d, actor=SPECIALIST, at=T0, categories=CATS)):
        with pytest.raises(WorkflowError) as e:
            step(doc)
        assert e.value.code == "document_frozen"
    doc = og.record_status(doc, B.organ_id, StatusCode.CHANGE_ACCEPTED, at=T0).doc
    assert doc.delivery(B.organ_id).recall_reply is StatusCode.CHANGE_ACCEPTED  # type: ignore[union-attr]


def test_update_and_replacement() -> None:
    doc = published(draft())
    later = replace(doc.meta, subject="Về việc ban hành quy chế văn thư (lùi thời gian)")
    out = og.issue_update(doc, later, "Lùi thời gian áp dụng", actor=CLERK, at=T0)
    assert out.doc.revision == 1 and out.doc.state is OutgoingState.PUBLISHED
    assert {(p.business_type, p.related_document_id) for p in out.of_type(OutboxPackage)} == \
        {(BusinessDocType.UPDATE, doc.meta.document_id)}
    with pytest.raises(WorkflowError) as e:
        og.issue_update(doc, replace(doc.meta, code_number="06"), "x", actor=CLERK, at=T0)
    assert e.value.code == "update_changes_identity"
    new = published(draft(replaces=doc.meta.document_id), n=6)
    assert new.replaces == doc.meta.document_id
    old = og.mark_replaced(doc, new.meta.document_id, actor=CLERK, at=T0).doc
    assert old.state is OutgoingState.REPLACED and old.frozen


def test_replacement_packages_carry_type_3() -> None:
    doc = signed(draft(replaces="000.00.01.H26,2026/11/20,04/QĐ-UBND"))
    doc = og.assign_number(doc, number(REG["di"], 6), REG["di"], actor=CLERK, at=T0 + timedelta(hours=1)).doc
    doc = og.seal(doc, SignatureRecord("vanthu", T0, "t" * 64), actor=CLERK, at=T0).doc
    out = og.publish(doc, actor=CLERK, at=T0)
    assert {p.business_type for p in out.of_type(OutboxPackage)} == {BusinessDocType.REPLACEMENT}


def test_category_table_is_editable_data() -> None:
    assert CATS.category_for("Giấy mời", secret=False) is DeliveryCategory.ELECTRONIC
    assert CATS.category_for("giấy mời", secret=True) is DeliveryCategory.SECRET
    assert CATS.category_for("Tờ trình", secret=False) is DeliveryCategory.ELECTRONIC_PAPER
    assert CATS.category_for("Không biết", secret=False) is DeliveryCategory.ELECTRONIC
    assert CATS.category_for("Công văn", secret=False, topics=[Topic.COMPLAINT]) is \
        DeliveryCategory.ELECTRONIC_PAPER
    edited = CATS.with_rule("Báo cáo", TypeRule(DeliveryCategory.ELECTRONIC_PAPER, True, True))
    assert edited.category_for("Báo cáo", secret=False) is DeliveryCategory.ELECTRONIC_PAPER
    assert CategoryTable.from_rows(edited.to_rows()).to_rows() == edited.to_rows()
    with pytest.raises(DomainError):
        CategoryTable.from_rows([("Báo cáo", "fax", False, False)])


ACTIONS = ["review", "comment", "submit", "return", "sign", "number", "seal", "publish", "sent", "status",
           "recall", "update", "replaced", "edit"]


def _apply(doc: og.OutgoingDocument, action: str, code: StatusCode) -> Outcome[og.OutgoingDocument]:
    sig = SignatureRecord("x", T0, "s" * 64)
    return {
        "review": lambda: og.send_for_review(doc, ("a",), actor=SPECIALIST, at=T0),
        "comment": lambda: og.add_comment(doc, "ý kiến", actor=LEADER, at=T0),
        "submit": lambda: og.submit(doc, "lanhdao", actor=SPECIALIST, at=T0, categories=CATS),
        "return": lambda: og.return_for_revision(doc, "sửa", actor=LEADER, at=T0),
        "sign": lambda: og.sign_personal(doc, sig, actor=LEADER, at=T0),
        "number": lambda: og.assign_number(doc, number(REG["di"], 1), REG["di"], actor=CLERK, at=T0),
        "seal": lambda: og.seal(doc, sig, actor=CLERK, at=T0),
        "publish": lambda: og.publish(doc, actor=CLERK, at=T0),
        "sent": lambda: og.record_sent(doc, B.organ_id, at=T0),
        "status": lambda: og.record_status(doc, B.organ_id, code, "mô tả", at=T0),
        "recall": lambda: og.recall(doc, "nhầm", actor=CLERK, at=T0),
        "update": lambda: og.issue_update(doc, doc.meta, "cập nhật", actor=CLERK, at=T0),
        "replaced": lambda: og.mark_replaced(doc, "X", actor=CLERK, at=T0),
        "edit": lambda: og.edit_draft(doc, actor=SPECIALIST, at=T0, categories=CATS),
    }[action]()


@settings(max_examples=300)
@given(st.lists(st.tuples(st.sampled_from(ACTIONS), st.sampled_from(list(StatusCode))), max_size=16))
def test_any_sequence_keeps_the_invariants(steps: list[tuple[str, StatusCode]]) -> None:
    doc = draft()
    for action, code in steps:
        before = doc
        try:
            out = _apply(doc, action, code)
        except WorkflowError as e:
            assert e.code and e.message
            continue
        doc = out.doc
        if before.frozen:  # only delivery bookkeeping may change a frozen document
            assert action in ("sent", "status")
            assert (doc.meta, doc.state, doc.pdf_blob) == (before.meta, before.state, before.pdf_blob)
        if doc.state not in (OutgoingState.DRAFT, OutgoingState.IN_REVIEW, OutgoingState.SUBMITTED,
                             OutgoingState.SIGNED):
            assert doc.meta.code_number and doc.meta.document_id  # numbered before it can leave
        if out.of_type(OutboxPackage):
            assert before.state in (OutgoingState.SEALED, OutgoingState.PUBLISHED)
            assert doc.agency_signature is not None and doc.personal_signature is not None
        if doc is not before and action not in ("sent", "status"):
            assert out.of_type(AuditEvent)


def test_copies_are_numbered_in_the_copy_register() -> None:
    doc = signed(draft("Bản sao y", legal_bases=()))
    with pytest.raises(DomainError) as e:
        og.assign_number(doc, number(REG["di"], 1), REG["di"], actor=CLERK, at=T0)
    assert e.value.code == "register_mismatch"
    out = og.assign_number(doc, number(REG["sao"], 1), REG["sao"], actor=CLERK, at=T0)
    assert out.doc.meta.code == "01/SY-UBND"
