"""Văn bản đi: the outgoing workflow as pure transitions (NĐ 30 Điều 15–18; R7, R8, R9, R10, R11).

draft ─send_for_review→ in_review (comments) ─submit→ submitted ─sign_personal→ signed
  ─assign_number→ numbered (số đi, date, ký hiệu, DocumentId) ─seal→ sealed ─publish→ published
  (one package per electronic recipient; paper copies for paper recipients and electronic + paper
  types) → per-recipient delivery table (sent, 01…06, 02 with reason).
published ─recall→ recalled (status 13 to each recipient; 15/16 replies recorded) — frozen
published ─issue_update→ published (a BussinessDocType 2 package per recipient)
published ─mark_replaced→ replaced — frozen; the replacement is a new document with
``replaces`` set, published as BussinessDocType 3.
Submitting without the declared attachments or the legal bases the type needs is refused
(seed 000 §2a); a secret document never gets an electronic recipient (seed 002 §1).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from node.domain.accounts import Role
from node.domain.calendar import (
    DeadlineFlag,
    DeadlinePolicy,
    DeadlineStatus,
    WorkingCalendar,
    deadline_status,
    vn_date,
)
from node.domain.categories import CategoryTable, DeliveryCategory, Topic
from node.domain.documents import (
    Actor,
    AuditEvent,
    BusinessDocType,
    CancelPackage,
    Channel,
    DocumentFrozen,
    DocumentMetadata,
    Event,
    IllegalTransition,
    InvalidInput,
    Notify,
    Organ,
    OutboxPackage,
    Outcome,
    PrintPaperCopies,
    SendStatus,
    StatusCode,
    WorkflowError,
    as_aware,
    require_reason,
    require_role,
)
from node.domain.numbering import AllocatedNumber, Register, build_notation, check_register, register_kind_for


class OutgoingState(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    SUBMITTED = "submitted"
    SIGNED = "signed"
    NUMBERED = "numbered"
    SEALED = "sealed"
    PUBLISHED = "published"
    RECALLED = "recalled"
    REPLACED = "replaced"


OUTGOING_STATE_VI: dict[OutgoingState, str] = {
    OutgoingState.DRAFT: "Dự thảo",
    OutgoingState.IN_REVIEW: "Đang góp ý",
    OutgoingState.SUBMITTED: "Đã trình ký",
    OutgoingState.SIGNED: "Lãnh đạo đã ký",
    OutgoingState.NUMBERED: "Đã cấp số",
    OutgoingState.SEALED: "Đã ký số cơ quan",
    OutgoingState.PUBLISHED: "Đã phát hành",
    OutgoingState.RECALLED: "Đã thu hồi",
    OutgoingState.REPLACED: "Đã bị thay thế",
}
FROZEN_STATES = frozenset({OutgoingState.RECALLED, OutgoingState.REPLACED})


class MissingAttachments(WorkflowError):
    code = "missing_attachments"


class MissingLegalBasis(WorkflowError):
    code = "missing_legal_basis"


class SecretNotElectronic(WorkflowError):
    code = "secret_not_electronic"


class DeliveryState(StrEnum):
    QUEUED = "queued"  # package in the outbox
    SENT = "sent"  # the axis took it
    ARRIVED = "01"
    REJECTED = "02"
    ACCEPTED = "03"
    ASSIGNED = "04"
    PROCESSING = "05"
    DONE = "06"
    PAPER = "paper"  # printed and posted


DELIVERY_VI: dict[DeliveryState, str] = {
    DeliveryState.QUEUED: "Chờ gửi", DeliveryState.SENT: "Đã gửi", DeliveryState.ARRIVED: "Đã đến",
    DeliveryState.REJECTED: "Từ chối tiếp nhận", DeliveryState.ACCEPTED: "Đã tiếp nhận",
    DeliveryState.ASSIGNED: "Đã phân công", DeliveryState.PROCESSING: "Đang xử lý",
    DeliveryState.DONE: "Hoàn thành", DeliveryState.PAPER: "Gửi bản giấy",
}
_RANK = {s: i for i, s in enumerate([DeliveryState.QUEUED, DeliveryState.SENT, DeliveryState.ARRIVED,
                                     DeliveryState.ACCEPTED, DeliveryState.ASSIGNED,
                                     DeliveryState.PROCESSING, DeliveryState.DONE])}


@dataclass(frozen=True)
class Attachment:
    name: str
    blob: str | None = None  # None: declared but the file is not attached yet


@dataclass(frozen=True)
class LegalBasis:
    citation: str  # "Nghị định số 30/2020/NĐ-CP ngày 05/3/2020 …"
    document_ref: str = ""  # a document of ours it points to, if any


@dataclass(frozen=True)
class Recipient:
    organ: Organ
    channel: Channel = Channel.AXIS


@dataclass(frozen=True)
class Comment:
    author: str
    at: datetime
    text: str


@dataclass(frozen=True)
class SignatureRecord:
    signer: str
    signed_at: datetime
    pdf_blob: str  # the PDF after this signature


@dataclass(frozen=True)
class Delivery:
    recipient: Recipient
    state: DeliveryState
    updated_at: datetime
    description: str = ""
    recall_reply: StatusCode | None = None  # 15 or 16
    recall_reply_reason: str = ""

    @property
    def label(self) -> str:
        return DELIVERY_VI[self.state]


@dataclass(frozen=True)
class OutgoingDocument:
    ref: str  # our id, e.g. "out:17"
    meta: DocumentMetadata  # issuer = our agency; code/date filled at numbering
    author: str
    created_at: datetime
    pdf_blob: str
    issuer_abbr: str  # "UBND", "SVHTT"
    unit_abbr: str = ""  # drafting unit: "VP" (công văn needs it)
    state: OutgoingState = OutgoingState.DRAFT
    category: DeliveryCategory = DeliveryCategory.ELECTRONIC
    topics: frozenset[Topic] = frozenset()
    recipients: tuple[Recipient, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    legal_bases: tuple[LegalBasis, ...] = ()
    reviewers: tuple[str, ...] = ()
    comments: tuple[Comment, ...] = ()
    personal_signature: SignatureRecord | None = None
    agency_signature: SignatureRecord | None = None
    register_code: str = ""
    number_year: int | None = None
    published_at: datetime | None = None
    deliveries: tuple[Delivery, ...] = ()
    revision: int = 0  # updates issued (BussinessDocType 2)
    replaces: str = ""  # DocumentId of the document this one replaces
    replaced_by: str = ""
    recall_reason: str = ""
    recalled_at: datetime | None = None

    @property
    def state_label(self) -> str:
        return OUTGOING_STATE_VI[self.state]

    @property
    def frozen(self) -> bool:
        return self.state in FROZEN_STATES

    def delivery(self, organ_id: str) -> Delivery | None:
        return next((d for d in self.deliveries if d.recipient.organ.organ_id == organ_id), None)


def _audit(doc: OutgoingDocument, action: str, actor: str, **detail: object) -> AuditEvent:
    return AuditEvent(f"outgoing.{action}", doc.ref, {"actor": actor, "state": doc.state.value, **detail})


def _require(doc: OutgoingDocument, doing: str, *states: OutgoingState) -> None:
    if doc.frozen:
        raise DocumentFrozen(f"Văn bản {doc.state_label.lower()}: nội dung và thông tin đã bị khóa,"
                             f" không thể {doing}.")
    if doc.state not in states:
        raise IllegalTransition(f"Không thể {doing} văn bản đang ở trạng thái “{doc.state_label}”.")


def _check_secret_channels(category: DeliveryCategory, recipients: Iterable[Recipient]) -> None:
    if category is DeliveryCategory.SECRET:
        electronic = [r.organ.name or r.organ.organ_id for r in recipients if r.channel is Channel.AXIS]
        if electronic:
            raise SecretNotElectronic(
                "Văn bản mật không được gửi qua trục liên thông văn bản điện tử (chỉ gửi bản giấy theo"
                f" quy định bảo vệ bí mật nhà nước): {', '.join(electronic)}.")


def _check_recipients(recipients: tuple[Recipient, ...]) -> None:
    ids = [r.organ.organ_id for r in recipients]
    if len(set(ids)) != len(ids):
        raise InvalidInput("Nơi nhận bị trùng.", code="recipient_duplicate")


def create_draft(ref: str, meta: DocumentMetadata, *, author: Actor, at: datetime, pdf_blob: str,
                 issuer_abbr: str, unit_abbr: str = "", categories: CategoryTable,
                 topics: Iterable[Topic] = (), recipients: tuple[Recipient, ...] = (),
                 attachments: tuple[Attachment, ...] = (), legal_bases: tuple[LegalBasis, ...] = (),
                 replaces: str = "") -> Outcome[OutgoingDocument]:
    require_role(author, Role.SPECIALIST, Role.LEADER, Role.CLERK, doing="soạn dự thảo")
    topic_set = frozenset(topics)
    category = categories.category_for(meta.type_name, secret=meta.secret, topics=topic_set)
    _check_secret_channels(category, recipients)
    _check_recipients(recipients)
    build_notation(meta.type_name, issuer_abbr, unit_abbr)  # refuse now what could not be numbered later
    doc = OutgoingDocument(ref=ref, meta=meta, author=author.username, created_at=as_aware(at),
                           pdf_blob=pdf_blob, issuer_abbr=issuer_abbr, unit_abbr=unit_abbr, category=category,
                           topics=topic_set, recipients=recipients, attachments=attachments,
                           legal_bases=legal_bases, replaces=replaces)
    return Outcome(doc, (_audit(doc, "draft", author.username, type=meta.type_name, category=category.value,
                                replaces=replaces),))


def edit_draft(doc: OutgoingDocument, *, actor: Actor, at: datetime, categories: CategoryTable,
               meta: DocumentMetadata | None = None, pdf_blob: str | None = None,
               recipients: tuple[Recipient, ...] | None = None,
               attachments: tuple[Attachment, ...] | None = None,
               legal_bases: tuple[LegalBasis, ...] | None = None,
               topics: Iterable[Topic] | None = None) -> Outcome[OutgoingDocument]:
    _require(doc, "sửa", OutgoingState.DRAFT, OutgoingState.IN_REVIEW)
    if actor.username != doc.author and not actor.has(Role.LEADER):
        raise WorkflowError("Chỉ người soạn hoặc lãnh đạo được sửa dự thảo.", code="not_permitted")
    new_meta = meta or doc.meta
    new_topics = frozenset(topics) if topics is not None else doc.topics
    new_recipients = recipients if recipients is not None else doc.recipients
    category = categories.category_for(new_meta.type_name, secret=new_meta.secret, topics=new_topics)
    _check_secret_channels(category, new_recipients)
    _check_recipients(new_recipients)
    build_notation(new_meta.type_name, doc.issuer_abbr, doc.unit_abbr)
    new = replace(doc, meta=new_meta, topics=new_topics, recipients=new_recipients, category=category,
                  pdf_blob=pdf_blob or doc.pdf_blob,
                  attachments=attachments if attachments is not None else doc.attachments,
                  legal_bases=legal_bases if legal_bases is not None else doc.legal_bases)
    return Outcome(new, (_audit(new, "edit", actor.username, pdf=new.pdf_blob, **_edit_detail(doc, new)),))


def _edit_detail(old: OutgoingDocument, new: OutgoingDocument) -> dict[str, object]:
    """What an edit changed, for the history: the replaced PDF (kept: blobs are never rewritten),
    the attachments added or removed, the recipients and legal bases when they differ."""
    detail: dict[str, object] = {}
    changed = []
    if new.pdf_blob != old.pdf_blob:
        changed.append("pdf")
        detail["previous_pdf"] = old.pdf_blob
    if new.attachments != old.attachments:
        changed.append("attachments")
        added = [a.name for a in new.attachments if a not in old.attachments]
        removed = [a.name for a in old.attachments if a not in new.attachments]
        if added:
            detail["attachments_added"] = added
        if removed:
            detail["attachments_removed"] = removed
    if new.recipients != old.recipients:
        changed.append("recipients")
        detail["recipients"] = [r.organ.name or r.organ.organ_id for r in new.recipients]
    if new.legal_bases != old.legal_bases:
        changed.append("legal_bases")
        detail["legal_bases"] = [b.citation for b in new.legal_bases]
    if replace(new.meta, page_amount=old.meta.page_amount) != old.meta:  # pages follow the PDF
        changed.append("meta")
    if changed:
        detail["changed"] = changed
    return detail


def send_for_review(doc: OutgoingDocument, reviewers: tuple[str, ...], *, actor: Actor,
                    at: datetime) -> Outcome[OutgoingDocument]:
    _require(doc, "gửi góp ý", OutgoingState.DRAFT, OutgoingState.IN_REVIEW)
    if not reviewers:
        raise InvalidInput("Chọn ít nhất một người góp ý.", code="reviewers_missing")
    everyone = tuple(dict.fromkeys((*doc.reviewers, *reviewers)))
    new = replace(doc, state=OutgoingState.IN_REVIEW, reviewers=everyone)
    return Outcome(new, (_audit(new, "review", actor.username, reviewers=list(reviewers)),
                         *(Notify(f"user:{r}", f"Xin ý kiến dự thảo: {doc.meta.subject}", doc.ref)
                           for r in reviewers)))


def add_comment(doc: OutgoingDocument, text: str, *, actor: Actor, at: datetime) -> Outcome[OutgoingDocument]:
    _require(doc, "góp ý", OutgoingState.DRAFT, OutgoingState.IN_REVIEW, OutgoingState.SUBMITTED)
    body = " ".join(text.split())
    if not body:
        raise InvalidInput("Ý kiến góp ý trống.", code="comment_empty")
    new = replace(doc, comments=(*doc.comments, Comment(actor.username, as_aware(at), body)))
    return Outcome(new, (_audit(new, "comment", actor.username, text=body),
                         Notify(f"user:{doc.author}", f"Có góp ý mới cho dự thảo: {doc.meta.subject}",
                                doc.ref)))


def submission_problems(doc: OutgoingDocument, categories: CategoryTable) -> list[WorkflowError]:
    """Everything that keeps the draft from being submitted (shown before the button is pressed)."""
    rule = categories.rule_for(doc.meta.type_name)
    problems: list[WorkflowError] = []
    missing = [a.name for a in doc.attachments if a.blob is None]
    if missing:
        problems.append(MissingAttachments("Chưa đính kèm đủ tài liệu: " + "; ".join(missing) + "."))
    elif rule.needs_attachment and not doc.attachments:
        problems.append(MissingAttachments(f"{doc.meta.type_name} phải đính kèm bản điện tử của toàn bộ"
                                           " hồ sơ, tài liệu trình."))
    if rule.needs_legal_basis and not doc.legal_bases:
        problems.append(MissingLegalBasis(f"{doc.meta.type_name} phải nêu cơ sở pháp lý (căn cứ) trước khi"
                                          " trình ký."))
    if not doc.recipients:
        problems.append(InvalidInput("Chưa có nơi nhận.", code="recipients_missing"))
    if not doc.meta.subject.strip():
        problems.append(InvalidInput("Chưa có trích yếu.", code="subject_missing"))
    return problems


def submit(doc: OutgoingDocument, leader: str, *, actor: Actor, at: datetime,
           categories: CategoryTable) -> Outcome[OutgoingDocument]:
    """Trình ký. Refused without the attachments and legal bases (seed 000 §2a)."""
    _require(doc, "trình ký", OutgoingState.DRAFT, OutgoingState.IN_REVIEW)
    if actor.username != doc.author and not actor.has(Role.LEADER):
        raise WorkflowError("Chỉ người soạn hoặc lãnh đạo được trình ký dự thảo.", code="not_permitted")
    problems = submission_problems(doc, categories)
    if problems:
        raise problems[0]
    new = replace(doc, state=OutgoingState.SUBMITTED)
    return Outcome(new, (_audit(new, "submit", actor.username, to=leader),
                         Notify(f"user:{leader}", f"Dự thảo trình ký: {doc.meta.subject}", doc.ref)))


def return_for_revision(doc: OutgoingDocument, reason: str, *, actor: Actor,
                        at: datetime) -> Outcome[OutgoingDocument]:
    require_role(actor, Role.LEADER, doing="trả lại dự thảo")
    _require(doc, "trả lại", OutgoingState.SUBMITTED, OutgoingState.IN_REVIEW)
    why = require_reason(reason, "trả lại dự thảo")
    new = replace(doc, state=OutgoingState.DRAFT,
                  comments=(*doc.comments, Comment(actor.username, as_aware(at), why)))
    return Outcome(new, (_audit(new, "return", actor.username, reason=why),
                         Notify(f"user:{doc.author}", f"Dự thảo bị trả lại: {why}", doc.ref)))


def sign_personal(doc: OutgoingDocument, signature: SignatureRecord, *, actor: Actor,
                  at: datetime) -> Outcome[OutgoingDocument]:
    """The leader's personal signature (the signing adapter produced ``signature.pdf_blob``)."""
    require_role(actor, Role.LEADER, doing="ký duyệt")
    _require(doc, "ký", OutgoingState.SUBMITTED)
    meta = replace(doc.meta, signer_full_name=doc.meta.signer_full_name or actor.full_name)
    new = replace(doc, state=OutgoingState.SIGNED, personal_signature=signature, pdf_blob=signature.pdf_blob,
                  meta=meta)
    return Outcome(new, (_audit(new, "sign", actor.username, pdf=signature.pdf_blob,
                                previous_pdf=doc.pdf_blob),
                         Notify("role:clerk", f"Văn bản đã ký, chờ cấp số: {doc.meta.subject}", doc.ref)))


def document_id(organ_id: str, number: AllocatedNumber, notation: str) -> str:
    """``<issuer OrganId>,<yyyy/MM/dd>,<số>/<ký hiệu>`` (DOMAIN.md §2)."""
    return f"{organ_id},{number.issued_date:%Y/%m/%d},{number.text}/{notation}"


def assign_number(doc: OutgoingDocument, number: AllocatedNumber, register: Register, *, actor: Actor,
                  at: datetime) -> Outcome[OutgoingDocument]:
    """Cấp số: số đi of the register and year, the date, the ký hiệu and the DocumentId."""
    require_role(actor, Role.CLERK, doing="cấp số văn bản")
    _require(doc, "cấp số", OutgoingState.SIGNED)
    check_register(register, register_kind_for(doc.meta.type_name), secret=doc.meta.secret)
    if number.register_code != register.code:
        raise InvalidInput("Số đi không thuộc sổ đã chọn.", code="register_mismatch")
    notation = build_notation(doc.meta.type_name, doc.issuer_abbr, doc.unit_abbr)
    meta = replace(doc.meta, code_number=number.text, code_notation=notation, issued_date=number.issued_date,
                   document_id=document_id(doc.meta.issuer.organ_id, number, notation))
    new = replace(doc, state=OutgoingState.NUMBERED, meta=meta, register_code=register.code,
                  number_year=number.year)
    return Outcome(new, (_audit(new, "number", actor.username, register=register.code, year=number.year,
                                number=number.number, code=meta.code, document_id=meta.document_id),))


def seal(doc: OutgoingDocument, signature: SignatureRecord, *, actor: Actor,
         at: datetime) -> Outcome[OutgoingDocument]:
    """The agency signature, applied by văn thư after the number and date were filled in."""
    require_role(actor, Role.CLERK, doing="ký số cơ quan")
    _require(doc, "ký số cơ quan", OutgoingState.NUMBERED)
    new = replace(doc, state=OutgoingState.SEALED, agency_signature=signature, pdf_blob=signature.pdf_blob)
    return Outcome(new, (_audit(new, "seal", actor.username, pdf=signature.pdf_blob,
                                previous_pdf=doc.pdf_blob),))


def with_filled_pdf(out: Outcome[OutgoingDocument], *, previous: str,
                    filled: str) -> Outcome[OutgoingDocument]:
    """The numbering step once số / ngày are written into the PDF's fields: the record names the
    filled file, and its audit row names both — every PDF a document ever had stays named in its
    history (who may open a secret document's earlier file is decided from it)."""
    events = tuple(replace(e, detail={**e.detail, "pdf": filled, "previous_pdf": previous})
                   if isinstance(e, AuditEvent) and e.action == "outgoing.number" else e for e in out.events)
    return Outcome(replace(out.doc, pdf_blob=filled), events)


def publish(doc: OutgoingDocument, *, actor: Actor, at: datetime) -> Outcome[OutgoingDocument]:
    """Phát hành: one package per electronic recipient, paper copies where the category says so."""
    require_role(actor, Role.CLERK, doing="phát hành văn bản")
    _require(doc, "phát hành", OutgoingState.SEALED)
    _check_secret_channels(doc.category, doc.recipients)
    if not doc.recipients:
        raise InvalidInput("Chưa có nơi nhận.", code="recipients_missing")
    when = as_aware(at)
    btype = BusinessDocType.REPLACEMENT if doc.replaces else BusinessDocType.NEW
    deliveries: list[Delivery] = []
    events: list[Event] = []
    for r in doc.recipients:
        if r.channel is Channel.AXIS:
            deliveries.append(Delivery(r, DeliveryState.QUEUED, when))
            events.append(OutboxPackage(r.organ, btype, doc.ref, related_document_id=doc.replaces))
        else:
            deliveries.append(Delivery(r, DeliveryState.PAPER, when))
    paper = tuple(r.organ for r in doc.recipients
                  if r.channel is Channel.PAPER or doc.category is DeliveryCategory.ELECTRONIC_PAPER)
    if paper:
        events.append(PrintPaperCopies(doc.ref, paper))
    new = replace(doc, state=OutgoingState.PUBLISHED, published_at=when, deliveries=tuple(deliveries))
    return Outcome(new, (_audit(new, "publish", actor.username, business_type=int(btype),
                                electronic=[r.organ.organ_id for r in doc.recipients
                                            if r.channel is Channel.AXIS],
                                paper=[o.organ_id for o in paper]),
                         *events))


def _set_delivery(doc: OutgoingDocument, organ_id: str, change: dict[str, object]) -> OutgoingDocument:
    found = doc.delivery(organ_id)
    if found is None:
        raise InvalidInput(f"Cơ quan {organ_id} không có trong danh sách nơi nhận.", code="recipient_unknown")
    return replace(doc, deliveries=tuple(replace(d, **change) if d is found else d  # type: ignore[arg-type]
                                         for d in doc.deliveries))


def record_sent(doc: OutgoingDocument, organ_id: str, *, at: datetime) -> Outcome[OutgoingDocument]:
    """The axis accepted the package for ``organ_id``."""
    d = doc.delivery(organ_id)
    if d is None or d.state is not DeliveryState.QUEUED:
        return Outcome(doc)
    new = _set_delivery(doc, organ_id, {"state": DeliveryState.SENT, "updated_at": as_aware(at)})
    return Outcome(new, (_audit(new, "sent", "system", to=organ_id),))


def record_status(doc: OutgoingDocument, organ_id: str, code: StatusCode, description: str = "", *,
                  at: datetime) -> Outcome[OutgoingDocument]:
    """A status package from a recipient. Late, lower statuses do not move the table backwards;
    02 always applies; 15/16 answer a recall or an update. Works on frozen documents too."""
    d = doc.delivery(organ_id)
    if d is None:
        raise InvalidInput(f"Cơ quan {organ_id} không có trong danh sách nơi nhận.", code="recipient_unknown")
    when = as_aware(at)
    desc = " ".join(description.split())
    if code in (StatusCode.CHANGE_ACCEPTED, StatusCode.CHANGE_REFUSED):
        new = _set_delivery(doc, organ_id, {"recall_reply": code, "recall_reply_reason": desc,
                                            "updated_at": when})
        return Outcome(new, (_audit(new, "status", "system", frm=organ_id, code=code.value,
                                    description=desc),))
    if code is StatusCode.RECALL_REQUESTED:
        raise InvalidInput("Trạng thái 13 chỉ do bên gửi phát ra.", code="status_unexpected")
    target = DeliveryState(code.value)
    if target is not DeliveryState.REJECTED and d.state in _RANK and _RANK[d.state] >= _RANK[target]:
        return Outcome(doc, (_audit(doc, "status_stale", "system", frm=organ_id, code=code.value),))
    new = _set_delivery(doc, organ_id, {"state": target, "description": desc, "updated_at": when})
    events: list[Event] = [_audit(new, "status", "system", frm=organ_id, code=code.value, description=desc)]
    if target in (DeliveryState.REJECTED, DeliveryState.DONE):
        events.append(Notify(f"user:{doc.author}", f"{d.recipient.organ.name or organ_id}: "
                             f"{DELIVERY_VI[target].lower()}" + (f" — {desc}" if desc else ""), doc.ref))
    return Outcome(new, tuple(events))


def _electronic_reached(doc: OutgoingDocument) -> list[Delivery]:
    return [d for d in doc.deliveries
            if d.recipient.channel is Channel.AXIS and d.state is not DeliveryState.REJECTED]


def recall(doc: OutgoingDocument, reason: str, *, actor: Actor, at: datetime) -> Outcome[OutgoingDocument]:
    """Thu hồi: status 13 to every electronic recipient the package reached (packages still in
    the outbox are cancelled instead); the document is frozen from now on."""
    require_role(actor, Role.CLERK, Role.LEADER, doing="thu hồi văn bản")
    _require(doc, "thu hồi", OutgoingState.PUBLISHED)
    why = require_reason(reason, "thu hồi")
    new = replace(doc, state=OutgoingState.RECALLED, recall_reason=why, recalled_at=as_aware(at))
    reached = _electronic_reached(doc)
    sends = [SendStatus(d.recipient.organ, StatusCode.RECALL_REQUESTED, doc.meta.document_id, why)
             for d in reached if d.state is not DeliveryState.QUEUED]
    cancels = [CancelPackage(d.recipient.organ, doc.ref) for d in reached if d.state is DeliveryState.QUEUED]
    return Outcome(new, (_audit(new, "recall", actor.username, reason=why, to=[s.to.organ_id for s in sends],
                                cancelled=[c.recipient.organ_id for c in cancels]), *sends, *cancels))


def issue_update(doc: OutgoingDocument, meta: DocumentMetadata, note: str, *, actor: Actor,
                 at: datetime) -> Outcome[OutgoingDocument]:
    """Cập nhật (BussinessDocType 2), e.g. a postponed meeting: a package to every recipient."""
    require_role(actor, Role.CLERK, doing="phát hành cập nhật")
    _require(doc, "cập nhật", OutgoingState.PUBLISHED)
    why = require_reason(note, "cập nhật")
    kept = ("code_number", "code_notation", "issued_date", "document_id", "issuer", "secrecy")
    if any(getattr(meta, f) != getattr(doc.meta, f) for f in kept):
        raise InvalidInput("Bản cập nhật không được đổi số, ký hiệu, ngày, cơ quan ban hành hay độ mật;"
                           " hãy ban hành văn bản thay thế.", code="update_changes_identity")
    new = replace(doc, meta=meta, revision=doc.revision + 1)
    packages = [OutboxPackage(d.recipient.organ, BusinessDocType.UPDATE, doc.ref,
                              related_document_id=doc.meta.document_id, note=why)
                for d in _electronic_reached(doc)]
    return Outcome(new, (_audit(new, "update", actor.username, note=why, revision=new.revision), *packages))


def mark_replaced(doc: OutgoingDocument, by_document_id: str, *, actor: Actor,
                  at: datetime) -> Outcome[OutgoingDocument]:
    """The replacement was published: the old document is frozen and points to the new one."""
    require_role(actor, Role.CLERK, doing="ghi nhận văn bản thay thế")
    _require(doc, "thay thế", OutgoingState.PUBLISHED)
    new = replace(doc, state=OutgoingState.REPLACED, replaced_by=by_document_id)
    return Outcome(new, (_audit(new, "replaced", actor.username, by=by_document_id),))


def tracking_status(doc: OutgoingDocument, cal: WorkingCalendar, *, now: datetime,
                    policy: DeadlinePolicy | None = None) -> DeadlineStatus:
    """Follow-up after publishing (seed 000 §2a–b): the document's requested deadline is met when
    every electronic recipient that accepted it reported 06; urgent or ≤ 5-working-day requests
    warn the drafter before the deadline."""
    if doc.state is not OutgoingState.PUBLISHED or doc.published_at is None:
        return DeadlineStatus(DeadlineFlag.NONE, None, False)
    tracked = [d for d in doc.deliveries
               if d.recipient.channel is Channel.AXIS and d.state is not DeliveryState.REJECTED]
    done_at = None
    if tracked and all(d.state is DeliveryState.DONE for d in tracked):
        done_at = max(d.updated_at for d in tracked)
    return deadline_status(cal, due=doc.meta.due_date, now=now, priority=int(doc.meta.priority),
                           start=vn_date(doc.published_at), done_at=done_at, policy=policy)
