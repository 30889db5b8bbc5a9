"""Văn bản đến: the incoming workflow as pure transitions (NĐ 30 Điều 21–24; R2, R3, R5, R6).

received ─accept→ accepted (số đến; status 03) ─present→ presented ─assign→ assigned (04)
   │                                                    ─start→ processing (05) ─complete→ done (06)
   └reject→ rejected (reason; status 02)                                    ─file_into→ filed
Any state ─request_recall (status 13 / BussinessDocType 1)→ pending recall
   ─accept_recall→ recalled: content destroyed, metadata and the recall record kept, status 15
   ─refuse_recall→ unchanged, status 16 with the reason.
Any state but recalled ─mark_replaced (a replacement, BussinessDocType 3, naming it arrived)→ replaced:
   frozen (every step refused, code ``replaced``), content, metadata and history kept, linked both
   ways with the new văn bản đến (``replaced_by`` / ``replaces``). A document arriving after the
   replacement that names it is replaced from the start (``link_late_original``).

Status packages go only to senders on the axis (``Channel.AXIS``); paper arrivals have no one
to answer electronically.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
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
from node.domain.documents import (
    Actor,
    AuditEvent,
    BusinessDocType,
    Channel,
    DestroyContent,
    DocumentMetadata,
    Event,
    IllegalTransition,
    InvalidInput,
    Notify,
    Organ,
    Outcome,
    SendStatus,
    StatusCode,
    WorkflowError,
    as_aware,
    require_reason,
    require_role,
)
from node.domain.numbering import AllocatedNumber, Register, RegisterKind, check_register


class IncomingState(StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    PRESENTED = "presented"
    ASSIGNED = "assigned"
    PROCESSING = "processing"
    DONE = "done"
    FILED = "filed"
    RECALLED = "recalled"
    REPLACED = "replaced"


INCOMING_STATE_VI: dict[IncomingState, str] = {
    IncomingState.RECEIVED: "Chờ tiếp nhận",
    IncomingState.ACCEPTED: "Đã tiếp nhận",
    IncomingState.REJECTED: "Đã từ chối",
    IncomingState.PRESENTED: "Đã trình lãnh đạo",
    IncomingState.ASSIGNED: "Đã phân công",
    IncomingState.PROCESSING: "Đang xử lý",
    IncomingState.DONE: "Hoàn thành",
    IncomingState.FILED: "Đã lập hồ sơ",
    IncomingState.RECALLED: "Đã thu hồi",
    IncomingState.REPLACED: "Đã bị thay thế",
}


class IntegrityNotVerified(WorkflowError):
    code = "integrity_not_verified"


class RecallNotPending(WorkflowError):
    code = "recall_not_pending"


class DocumentReplaced(IllegalTransition):
    code = "replaced"


@dataclass(frozen=True)
class Assignee:
    kind: str  # "unit" | "user"
    ref: str  # unit id or username
    name: str
    due_date: date | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("unit", "user"):
            raise InvalidInput(f"Người/đơn vị xử lý không hợp lệ: {self.kind!r}.")


@dataclass(frozen=True)
class Assignment:
    lead: Assignee
    cooperating: tuple[Assignee, ...]
    direction: str  # ý kiến chỉ đạo
    assigned_by: str
    assigned_at: datetime


@dataclass(frozen=True)
class RecallRecord:
    """Kept for ever, also after the content is destroyed (Phụ lục VI §III.8)."""

    requested_at: datetime
    via: BusinessDocType | StatusCode  # REVOCATION edoc or status 13
    reason: str
    decided_at: datetime | None = None
    decided_by: str = ""
    accepted: bool | None = None
    refusal_reason: str = ""


@dataclass(frozen=True)
class IncomingDocument:
    ref: str  # our id, e.g. "in:42"
    meta: DocumentMetadata
    channel: Channel
    sender: Organ  # who to answer (the package's From)
    received_at: datetime
    state: IncomingState = IncomingState.RECEIVED
    blobs: tuple[str, ...] = ()  # sha256 of the PDF and attachments
    register_code: str = ""
    arrival_number: int | None = None
    arrival_year: int | None = None
    arrival_date: datetime | None = None
    rejection_reason: str = ""
    presented_to: str = ""
    presented_at: datetime | None = None
    assignment: Assignment | None = None
    done_at: datetime | None = None
    result_note: str = ""
    file_codes: tuple[str, ...] = ()
    recall: RecallRecord | None = None
    content_destroyed: bool = False
    # a replacement (BussinessDocType 3): the DocumentIds its package names, the văn bản đến among
    # them found here and marked replaced; on the old one, the văn bản đến that replaced it
    replaces_document_ids: tuple[str, ...] = ()
    replaces: tuple[str, ...] = ()
    replaced_by: str = ""
    replaced_at: datetime | None = None

    @property
    def state_label(self) -> str:
        return INCOMING_STATE_VI[self.state]

    @property
    def recall_pending(self) -> bool:
        return self.recall is not None and self.recall.accepted is None

    @property
    def due_date(self) -> date | None:
        """The lead's deadline once assigned, else the sender's requested one."""
        if self.assignment is not None and self.assignment.lead.due_date is not None:
            return self.assignment.lead.due_date
        return self.meta.due_date


def _audit(doc: IncomingDocument, action: str, actor: str, **detail: object) -> AuditEvent:
    return AuditEvent(f"incoming.{action}", doc.ref, {"actor": actor, "state": doc.state.value, **detail})


def _status(doc: IncomingDocument, code: StatusCode, description: str) -> tuple[Event, ...]:
    if doc.channel is not Channel.AXIS:
        return ()
    return (SendStatus(doc.sender, code, doc.meta.document_id, description),)


def _require(doc: IncomingDocument, doing: str, *states: IncomingState) -> None:
    if doc.state is IncomingState.RECALLED:
        raise IllegalTransition("Văn bản đã bị thu hồi theo yêu cầu của nơi gửi: không thao tác được nữa.",
                                code="document_recalled")
    if doc.state is IncomingState.REPLACED:
        raise DocumentReplaced("Văn bản đã bị nơi gửi thay thế bằng văn bản khác: không thao tác được nữa;"
                               " hãy xử lý trên văn bản thay thế.")
    if doc.state not in states:
        raise IllegalTransition(f"Không thể {doing} văn bản đang ở trạng thái “{doc.state_label}”.")


def receive(ref: str, meta: DocumentMetadata, *, channel: Channel, sender: Organ, at: datetime,
            blobs: tuple[str, ...] = (), actor: str = "system",
            replaces: tuple[str, ...] = ()) -> Outcome[IncomingDocument]:
    """A package stored (or a paper document digitized): report 01 "đã đến" to an axis sender.

    ``replaces``: the DocumentIds a replacement (BussinessDocType 3) names; :func:`link_replacement`
    then marks the ones received here."""
    doc = IncomingDocument(ref=ref, meta=meta, channel=channel, sender=sender,
                           received_at=as_aware(at), blobs=blobs,
                           replaces_document_ids=tuple(dict.fromkeys(i for i in replaces if i)))
    return Outcome(doc, (_audit(doc, "receive", actor, channel=channel.value, sender=sender.organ_id),
                         *_status(doc, StatusCode.ARRIVED, "Văn bản đã đến hệ thống"),
                         Notify("role:clerk", f"Văn bản đến mới: {meta.subject}", ref)))


def accept(doc: IncomingDocument, number: AllocatedNumber, register: Register, *, actor: Actor,
           at: datetime, integrity_ok: bool = True) -> Outcome[IncomingDocument]:
    """Register with the next số đến; report 03. Refused when the signature check failed (R2)."""
    require_role(actor, Role.CLERK, doing="tiếp nhận văn bản đến")
    _require(doc, "tiếp nhận", IncomingState.RECEIVED)
    if not integrity_ok:
        raise IntegrityNotVerified("Văn bản chưa qua kiểm tra tính xác thực, toàn vẹn (chữ ký số):"
                                   " hãy từ chối và nêu lý do cho nơi gửi.")
    check_register(register, RegisterKind.INCOMING, secret=doc.meta.secret)
    if number.register_code != register.code:
        raise InvalidInput("Số đến không thuộc sổ đã chọn.", code="register_mismatch")
    new = replace(doc, state=IncomingState.ACCEPTED, register_code=register.code,
                  arrival_number=number.number, arrival_year=number.year, arrival_date=as_aware(at))
    return Outcome(new, (_audit(new, "accept", actor.username, register=register.code, year=number.year,
                                arrival_number=number.number),
                         *_status(new, StatusCode.ACCEPTED, "Văn thư đã tiếp nhận, vào sổ văn bản đến"
                                  f" số {number.text}"),
                         Notify("role:leader", f"Văn bản đến số {number.text} chờ trình: {doc.meta.subject}",
                                doc.ref)))


def reject(doc: IncomingDocument, reason: str, *, actor: Actor, at: datetime) -> Outcome[IncomingDocument]:
    """Refuse the document (wrong recipient, invalid signature, incomplete …); report 02 + reason."""
    require_role(actor, Role.CLERK, doing="từ chối văn bản đến")
    _require(doc, "từ chối", IncomingState.RECEIVED)
    why = require_reason(reason, "từ chối tiếp nhận")
    new = replace(doc, state=IncomingState.REJECTED, rejection_reason=why)
    return Outcome(new, (_audit(new, "reject", actor.username, reason=why),
                         *_status(new, StatusCode.REJECTED, why)))


def present(doc: IncomingDocument, leader: str, *, actor: Actor, at: datetime) -> Outcome[IncomingDocument]:
    """Văn thư trình lãnh đạo (the same day, at the latest the next working day)."""
    require_role(actor, Role.CLERK, doing="trình văn bản")
    _require(doc, "trình", IncomingState.ACCEPTED)
    new = replace(doc, state=IncomingState.PRESENTED, presented_to=leader, presented_at=as_aware(at))
    return Outcome(new, (_audit(new, "present", actor.username, to=leader),
                         Notify(f"user:{leader}", f"Văn bản trình xin ý kiến: {doc.meta.subject}", doc.ref)))


def assign(doc: IncomingDocument, *, lead: Assignee, cooperating: tuple[Assignee, ...] = (),
           direction: str = "", actor: Actor, at: datetime) -> Outcome[IncomingDocument]:
    """Lãnh đạo phân công: lead unit/person, cooperating units, a deadline each, a direction; 04."""
    require_role(actor, Role.LEADER, doing="phân công xử lý")
    _require(doc, "phân công", IncomingState.PRESENTED, IncomingState.ASSIGNED)
    today = vn_date(as_aware(at))
    everyone = (lead, *cooperating)
    for a in everyone:
        if a.due_date is not None and a.due_date < today:
            raise InvalidInput(f"Hạn xử lý của {a.name} ({a.due_date:%d/%m/%Y}) đã qua.",
                               code="due_date_past")
    refs = [(a.kind, a.ref) for a in everyone]
    if len(set(refs)) != len(refs):
        raise InvalidInput("Một đơn vị/người không thể vừa chủ trì vừa phối hợp, hoặc được giao hai lần.",
                           code="assignee_duplicate")
    assignment = Assignment(lead, tuple(cooperating), " ".join(direction.split()), actor.username, at)
    new = replace(doc, state=IncomingState.ASSIGNED, assignment=assignment)
    notes = [Notify(f"{a.kind}:{a.ref}", ("Chủ trì xử lý: " if a is lead else "Phối hợp xử lý: ")
                    + doc.meta.subject, doc.ref) for a in everyone]
    return Outcome(new, (_audit(new, "assign", actor.username, lead=lead.ref,
                                cooperating=[a.ref for a in cooperating], direction=assignment.direction,
                                due=str(lead.due_date or "")),
                         *_status(new, StatusCode.ASSIGNED,
                                  f"Lãnh đạo: Phân công xử lý — chủ trì: {lead.name}"),
                         *notes))


def is_lead(doc: IncomingDocument, actor: Actor) -> bool:
    """Whether the actor is the assigned lead (the person, or a member of the lead unit)."""
    if doc.assignment is None:
        return False
    lead = doc.assignment.lead
    if lead.kind == "user":
        return lead.ref == actor.username
    return actor.unit_id is not None and str(actor.unit_id) == lead.ref


def _require_lead(doc: IncomingDocument, actor: Actor, doing: str) -> None:
    if not (is_lead(doc, actor) or actor.has(Role.LEADER)):
        raise WorkflowError(f"Chỉ người/đơn vị chủ trì hoặc lãnh đạo được {doing}.", code="not_permitted")


def start_processing(doc: IncomingDocument, *, actor: Actor, at: datetime) -> Outcome[IncomingDocument]:
    _require(doc, "bắt đầu xử lý", IncomingState.ASSIGNED)
    _require_lead(doc, actor, "cập nhật tiến độ")
    new = replace(doc, state=IncomingState.PROCESSING)
    return Outcome(new, (_audit(new, "process", actor.username),
                         *_status(new, StatusCode.PROCESSING, "Đang xử lý")))


def complete(doc: IncomingDocument, *, actor: Actor, at: datetime,
             result: str = "") -> Outcome[IncomingDocument]:
    _require(doc, "hoàn thành", IncomingState.ASSIGNED, IncomingState.PROCESSING)
    _require_lead(doc, actor, "báo hoàn thành")
    new = replace(doc, state=IncomingState.DONE, done_at=as_aware(at), result_note=" ".join(result.split()))
    return Outcome(new, (_audit(new, "complete", actor.username, result=new.result_note),
                         *_status(new, StatusCode.DONE, new.result_note or "Hoàn thành xử lý")))


def file_into(doc: IncomingDocument, file_code: str, *, actor: Actor,
              at: datetime) -> Outcome[IncomingDocument]:
    """Put the document into a hồ sơ (it may sit in several)."""
    _require(doc, "lập hồ sơ cho", IncomingState.DONE, IncomingState.FILED)
    if file_code in doc.file_codes:
        raise InvalidInput(f"Văn bản đã có trong hồ sơ {file_code}.", code="already_filed")
    new = replace(doc, state=IncomingState.FILED, file_codes=(*doc.file_codes, file_code))
    return Outcome(new, (_audit(new, "file", actor.username, file_code=file_code),))


# -- recall ------------------------------------------------------------------------------------


def request_recall(doc: IncomingDocument, *, via: BusinessDocType | StatusCode, reason: str,
                   at: datetime) -> Outcome[IncomingDocument]:
    """The sender asks to take the document back (status 13 or a revocation edoc)."""
    if via not in (StatusCode.RECALL_REQUESTED, BusinessDocType.REVOCATION):
        raise InvalidInput("Yêu cầu thu hồi phải là trạng thái 13 hoặc gói tin thu hồi (loại 1).")
    if doc.state is IncomingState.RECALLED:
        raise IllegalTransition("Văn bản đã được thu hồi trước đó.", code="document_recalled")
    record = RecallRecord(requested_at=as_aware(at), via=via, reason=" ".join(reason.split()))
    new = replace(doc, recall=record)
    return Outcome(new, (_audit(new, "recall_request", "system", via=str(via.value), reason=record.reason),
                         Notify("role:clerk", f"Nơi gửi yêu cầu thu hồi văn bản: {doc.meta.subject}",
                                doc.ref)))


def accept_recall(doc: IncomingDocument, *, actor: Actor, at: datetime) -> Outcome[IncomingDocument]:
    """Destroy the content, keep the metadata and the recall record, report 15 (Điều 18.4.b)."""
    require_role(actor, Role.CLERK, doing="xử lý yêu cầu thu hồi")
    if doc.recall is None or not doc.recall_pending:
        raise RecallNotPending("Không có yêu cầu thu hồi đang chờ xử lý.")
    record = replace(doc.recall, decided_at=as_aware(at), decided_by=actor.username, accepted=True)
    new = replace(doc, state=IncomingState.RECALLED, recall=record, blobs=(), content_destroyed=True)
    return Outcome(new, (DestroyContent(doc.ref, doc.blobs),
                         _audit(new, "recall_accept", actor.username, destroyed=list(doc.blobs),
                                previous_state=doc.state.value),
                         *_status(new, StatusCode.CHANGE_ACCEPTED, "Đồng ý thu hồi; văn bản đã được hủy")))


def refuse_recall(doc: IncomingDocument, reason: str, *, actor: Actor,
                  at: datetime) -> Outcome[IncomingDocument]:
    require_role(actor, Role.CLERK, doing="xử lý yêu cầu thu hồi")
    if doc.recall is None or not doc.recall_pending:
        raise RecallNotPending("Không có yêu cầu thu hồi đang chờ xử lý.")
    why = require_reason(reason, "từ chối thu hồi")
    record = replace(doc.recall, decided_at=as_aware(at), decided_by=actor.username, accepted=False,
                     refusal_reason=why)
    new = replace(doc, recall=record)
    return Outcome(new, (_audit(new, "recall_refuse", actor.username, reason=why),
                         *_status(new, StatusCode.CHANGE_REFUSED, why)))


# -- replacement by the sender (BussinessDocType 3) ----------------------------------------------


def _label(doc: IncomingDocument) -> str:
    return doc.meta.code or doc.meta.subject or doc.ref


def mark_replaced(doc: IncomingDocument, by: IncomingDocument, *, at: datetime) -> Outcome[IncomingDocument]:
    """A replacement of this document arrived (``by``): it is frozen, nothing is destroyed (unlike a
    recall), and whoever works on it is told — văn thư, the leader it was presented to, the assignees."""
    if doc.state is IncomingState.RECALLED:
        raise IllegalTransition("Văn bản đã bị thu hồi theo yêu cầu của nơi gửi: không đánh dấu thay thế"
                                " được.", code="document_recalled")
    if doc.state is IncomingState.REPLACED:
        raise DocumentReplaced(f"Văn bản đã bị thay thế trước đó bởi {doc.replaced_by}.")
    if by.ref == doc.ref:
        raise InvalidInput("Văn bản không thể tự thay thế chính nó.", code="replace_self")
    new = replace(doc, state=IncomingState.REPLACED, replaced_by=by.ref, replaced_at=as_aware(at))
    message = f"Văn bản {_label(doc)} đã bị thay thế bởi văn bản {_label(by)}: {by.meta.subject}"
    targets = ["role:clerk"]
    if doc.presented_to:
        targets.append(f"user:{doc.presented_to}")
    if doc.assignment is not None:
        targets += [f"{a.kind}:{a.ref}" for a in (doc.assignment.lead, *doc.assignment.cooperating)]
    return Outcome(new, (_audit(new, "replaced", "system", by=by.ref, by_code=by.meta.code,
                                previous_state=doc.state.value),
                         *(Notify(t, message, doc.ref) for t in dict.fromkeys(targets))))


def link_replacement(new: Outcome[IncomingDocument], olds: Sequence[IncomingDocument], *,
                     at: datetime) -> tuple[Outcome[IncomingDocument], tuple[Outcome[IncomingDocument], ...]]:
    """A replacement just received (``new``) and the văn bản đến here its package names (``olds``,
    found by DocumentId from the same sender): each old one is marked replaced and the new one points
    to them. One that cannot be (recalled, already replaced) and a DocumentId never received (the
    replacement came first, or names a document sent elsewhere) are only noted in the new one's
    history: it stays an ordinary văn bản đến."""
    doc = new.doc
    events = list(new.events)
    marked: list[Outcome[IncomingDocument]] = []
    for old in olds:
        try:
            marked.append(mark_replaced(old, doc, at=at))
        except WorkflowError as e:
            events.append(_audit(doc, "replace_skipped", "system", replaced=old.ref, note=e.message))
    found = {o.meta.document_id for o in olds}
    missing = [i for i in doc.replaces_document_ids if i not in found]
    linked = replace(doc, replaces=tuple(m.doc.ref for m in marked))
    if marked:
        events.append(_audit(linked, "replaces", "system", replaced=[m.doc.ref for m in marked]))
    if missing:
        events.append(_audit(linked, "replace_unmatched", "system", document_ids=missing,
                             note="Văn bản bị thay thế chưa có trong sổ văn bản đến (chưa nhận hoặc đến sau):"
                                  " văn bản này được xử lý như văn bản đến mới."))
    return Outcome(linked, tuple(events)), tuple(marked)


def link_late_original(new: Outcome[IncomingDocument], replacement: IncomingDocument, *,
                       at: datetime) -> tuple[Outcome[IncomingDocument], Outcome[IncomingDocument]]:
    """The document a replacement named arrives after it (out of order): it is "Đã bị thay thế" from
    the start, and the replacement now points to it too."""
    if replacement.state is IncomingState.RECALLED:
        raise IllegalTransition("Văn bản thay thế đã bị thu hồi.", code="document_recalled")
    marked = mark_replaced(new.doc, replacement, at=at)
    linked = replace(replacement, replaces=(*replacement.replaces, marked.doc.ref))
    return (Outcome(marked.doc, (*new.events, *marked.events)),
            Outcome(linked, (_audit(linked, "replaces", "system", replaced=[marked.doc.ref],
                                    note="Văn bản bị thay thế đến sau văn bản thay thế."),)))


# -- updates from the sender (BussinessDocType 2) ------------------------------------------------

_IDENTITY = ("document_id", "code_number", "code_notation", "issuer")


def apply_update(doc: IncomingDocument, meta: DocumentMetadata, *, at: datetime, note: str = "",
                 blobs: tuple[str, ...] | None = None) -> Outcome[IncomingDocument]:
    """The sender updated the document (e.g. a meeting postponed): new metadata, report 15."""
    _require(doc, "cập nhật", *(s for s in IncomingState
                                if s not in (IncomingState.RECALLED, IncomingState.REPLACED)))
    if any(getattr(meta, f) != getattr(doc.meta, f) for f in _IDENTITY):
        raise InvalidInput("Gói cập nhật không cùng số, ký hiệu, cơ quan ban hành với văn bản đã nhận.",
                           code="update_identity_mismatch")
    new = replace(doc, meta=meta, blobs=blobs if blobs is not None else doc.blobs)
    notes: list[Event] = []
    if doc.assignment is not None:
        notes += [Notify(f"{a.kind}:{a.ref}", f"Văn bản được cập nhật: {note or meta.subject}", doc.ref)
                  for a in (doc.assignment.lead, *doc.assignment.cooperating)]
    return Outcome(new, (_audit(new, "update", "system", note=" ".join(note.split())),
                         *_status(new, StatusCode.CHANGE_ACCEPTED, "Đã cập nhật văn bản"),
                         Notify("role:clerk", f"Văn bản được cập nhật: {note or meta.subject}", doc.ref),
                         *notes))


def refuse_update(doc: IncomingDocument, reason: str, *, actor: str = "system",
                  at: datetime) -> Outcome[IncomingDocument]:
    """Answer 16 to an update that cannot be applied (unknown document, mismatch, recalled)."""
    why = require_reason(reason, "từ chối cập nhật")
    return Outcome(doc, (_audit(doc, "update_refuse", actor, reason=why),
                         *_status(doc, StatusCode.CHANGE_REFUSED, why)))


# -- deadlines (R11; seed 000 §2b) ----------------------------------------------------------------


def deadline(doc: IncomingDocument, cal: WorkingCalendar, *, now: datetime,
             policy: DeadlinePolicy | None = None) -> DeadlineStatus:
    """The flag of the document as a whole (the lead's deadline); none once rejected, recalled or
    replaced."""
    if doc.state in (IncomingState.REJECTED, IncomingState.RECALLED, IncomingState.REPLACED):
        return DeadlineStatus(DeadlineFlag.NONE, None, False)
    start = vn_date(doc.assignment.assigned_at if doc.assignment else doc.received_at)
    return deadline_status(cal, due=doc.due_date, now=now, priority=int(doc.meta.priority), start=start,
                           done_at=doc.done_at, policy=policy)


def assignee_deadlines(doc: IncomingDocument, cal: WorkingCalendar, *, now: datetime,
                       policy: DeadlinePolicy | None = None) -> list[tuple[Assignee, DeadlineStatus]]:
    """One flag per lead / cooperating unit ("việc của tôi" shows the caller's own)."""
    if doc.assignment is None or doc.state in (IncomingState.REJECTED, IncomingState.RECALLED,
                                               IncomingState.REPLACED):
        return []
    start = vn_date(doc.assignment.assigned_at)
    return [(a, deadline_status(cal, due=a.due_date, now=now, priority=int(doc.meta.priority), start=start,
                                done_at=doc.done_at, policy=policy))
            for a in (doc.assignment.lead, *doc.assignment.cooperating)]
