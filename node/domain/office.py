"""The office's use cases: what a clerk, a leader or a specialist does, over ports.

Each method is one step a person takes in the web UI. It gathers what the pure transition of
:mod:`node.domain.incoming` / :mod:`node.domain.outgoing` needs (files into the blob store, a
signature from the token, the register of the document), then runs the transition through the
:class:`~node.domain.documents.WorkflowStore`, which saves the record and every event in one
transaction. Files are written before the transaction that refers to them; a refused step leaves
at most an unreferenced blob. The signing adapter runs off the event loop (the web layer calls
these methods in a worker thread).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Protocol

from node.domain import dossier as dossiers
from node.domain import incoming, meetings, outgoing
from node.domain.accounts import Role
from node.domain.categories import CategoryTable, TypeRule
from node.domain.clock import Clock
from node.domain.documents import (
    Actor,
    AuditEvent,
    Channel,
    DocumentMetadata,
    Event,
    IllegalTransition,
    InvalidInput,
    NotPermitted,
    Organ,
    Outcome,
    Priority,
    Secrecy,
    SendStatus,
    StatusCode,
    WorkflowStore,
    require_role,
)
from node.domain.dossier import CatalogueEntry, Dossier, DossierItem, FileCode
from node.domain.incoming import Assignee, IncomingDocument
from node.domain.meetings import Meeting
from node.domain.numbering import (
    AllocatedNumber,
    DocumentKey,
    DocumentKeyIndex,
    DuplicateWarning,
    Register,
    RegisterKind,
    choose_register,
    duplicate_warnings,
    register_kind_for,
)
from node.domain.outgoing import Attachment, LegalBasis, OutgoingDocument, Recipient, SignatureRecord
from node.domain.signing import (
    DocumentSigner,
    PersonalSigner,
    Recheck,
    RecheckSummary,
    VerificationReport,
    recheck,
    recheck_events,
)


class BlobPort(Protocol):
    def put(self, data: bytes) -> str: ...

    def read(self, sha256: str) -> bytes: ...


class DocumentRepository(DocumentKeyIndex, Protocol):
    """What the use cases need of the store (``node.store.documents.SqliteDocuments``)."""

    @property
    def incoming(self) -> WorkflowStore[IncomingDocument]: ...

    @property
    def outgoing(self) -> WorkflowStore[OutgoingDocument]: ...

    def create_incoming(self, make: Callable[[str], Outcome[IncomingDocument]], *,
                        inbox_id: int | None = None, scan_id: int | None = None, text: str = "",
                        integrity_ok: bool | None = None) -> IncomingDocument: ...

    def create_outgoing(self, make: Callable[[str], Outcome[OutgoingDocument]], *,
                        text: str = "") -> OutgoingDocument: ...

    def outgoing_by_document_id(self, document_id: str) -> OutgoingDocument | None: ...

    def categories(self) -> CategoryTable: ...

    def secret_holders(self, sha256: str) -> list[IncomingDocument | OutgoingDocument]: ...

    def incoming_of_scan(self, scan_id: int) -> IncomingDocument | None: ...

    def integrity_ok(self, ref: str) -> bool | None:
        """What intake found of a văn bản đến's signatures (None: not checked, e.g. older rows)."""
        ...

    def get_dossier(self, file_code: FileCode) -> Dossier | None: ...

    def save_dossier(self, dossier: Dossier, events: tuple[AuditEvent, ...]) -> None: ...

    def save_meeting(self, meeting: Meeting) -> None: ...

    def meeting(self, document_ref: str) -> Meeting | None: ...

    def save_signature_report(self, sha256: str, report: dict[str, Any], *, ok: bool) -> None: ...

    def agencies(self) -> list[Organ]: ...

    # reading, for the pages
    def signature_report(self, sha256: str) -> dict[str, Any] | None: ...

    # re-checking signatures when revocation data (CRL files) arrives
    def signature_recheck_candidates(self, *, everything: bool = False) -> list[str]: ...

    def signature_holders(self, shas: Sequence[str]) -> dict[str, list[str]]: ...

    def save_signature_rechecks(self, items: Sequence[tuple[Recheck, tuple[Event, ...], Sequence[str]]], *,
                                at: datetime) -> None: ...

    def history(self, ref: str) -> Sequence[Any]:
        """The document's audit rows (``ts``, ``actor``, ``action``, ``detail`` JSON), oldest first."""
        ...

    def dossiers_of(self, doc_ref: str) -> list[FileCode]: ...

    def list_dossiers(self, year: int | None = None) -> list[Dossier]: ...

    # the dashboard and the admin pages
    def notifications_for(self, targets: Sequence[str], *, reader: str, limit: int = 20,
                          unread_only: bool = False) -> Sequence[Any]:
        """Rows (``id``, ``target``, ``message``, ``document_ref``, ``created_at``, ``read_at``),
        newest first; read or not is per person (``reader``): a role notification one clerk read
        is still unread for the others."""
        ...

    def mark_read(self, ids: Sequence[int], *, username: str, at: datetime) -> None: ...

    def meetings(self, *, since: datetime) -> list[Meeting]: ...

    def save_type_rule(self, type_name: str, rule: TypeRule, *, actor: str, at: datetime) -> None: ...


class RegisterList(Protocol):
    def list_registers(self) -> list[Register]: ...


@dataclass(frozen=True)
class MeetingInput:
    """The giấy mời fields: the meeting's time and place travel with the invitation."""

    title: str
    start: datetime
    place: str
    end: datetime | None = None
    chair: str = ""


@dataclass(frozen=True)
class DraftInput:
    type_name: str
    subject: str
    recipients: tuple[Recipient, ...] = ()
    priority: Priority = Priority.NORMAL
    secrecy: Secrecy = Secrecy.NONE
    due_date: date | None = None
    unit_abbr: str = ""
    signer_position: str = ""
    description: str = ""
    legal_bases: tuple[str, ...] = ()
    attachments: tuple[tuple[str, bytes], ...] = ()
    meeting: MeetingInput | None = None
    replaces: str = ""  # ref of our published document this one replaces (BussinessDocType 3)


def may_read(doc: IncomingDocument | OutgoingDocument, actor: Actor) -> bool:
    """Who may open a document. A secret one (mật and above, Luật Bảo vệ bí mật nhà nước) is read
    only by văn thư and lãnh đạo and by the people it is given to: the drafter and reviewers of a
    văn bản đi, the lead and cooperating assignees of a văn bản đến. IT administrators are not
    among them."""
    if not doc.meta.secret or actor.has(Role.CLERK, Role.LEADER):
        return True
    if isinstance(doc, OutgoingDocument):
        return actor.username == doc.author or actor.username in doc.reviewers
    if doc.assignment is None:
        return False
    return any((a.kind == "user" and a.ref == actor.username)
               or (a.kind == "unit" and actor.unit_id is not None and a.ref == str(actor.unit_id))
               for a in (doc.assignment.lead, *doc.assignment.cooperating))


def may_read_file(holders: Sequence[IncomingDocument | OutgoingDocument], actor: Actor) -> bool:
    """A file of secret documents is for those who may open one of them (files of no secret
    document are for every member of staff)."""
    return not holders or any(may_read(d, actor) for d in holders)


def check_may_read(doc: IncomingDocument | OutgoingDocument, actor: Actor) -> None:
    if not may_read(doc, actor):
        raise NotPermitted("Văn bản mật: chỉ văn thư, lãnh đạo và người được giao mới được xem.",
                           code="secret_not_permitted")


def _clean(text: str) -> str:
    return " ".join(text.split())


class Office:
    # The agency key's PIN is in a file on the server (signing.agency_pin_file): sealing asks for none.
    agency_pin_stored: bool = False

    def __init__(self, *, clock: Clock, docs: DocumentRepository, blobs: BlobPort, registers: RegisterList,
                 agency: Organ, agency_abbr: str, signer: Callable[[], DocumentSigner] | None = None,
                 personal_signer: Callable[[Actor], PersonalSigner] | None = None,
                 pdf_text: Callable[[bytes], str] = lambda _: "",
                 page_count: Callable[[bytes], int] = lambda _: 0,
                 on_close: Callable[[], None] = lambda: None,
                 verify: Callable[[bytes], VerificationReport | None] | None = None) -> None:
        self.clock = clock
        self.docs = docs
        self.blobs = blobs
        self.registers = registers
        self.agency = agency
        self.agency_abbr = agency_abbr
        self._signer = signer
        self._personal_signer = personal_signer
        self.pdf_text = pdf_text
        self.page_count = page_count
        self._on_close = on_close
        # checks a PDF's signatures against the trust anchors and the CRL files configured now (None:
        # the PDF cannot be read; a configuration error, e.g. an unreadable trust anchor, raises)
        self._verify = verify

    def close(self) -> None:
        """Release what the use cases hold (the signer's token session)."""
        self._on_close()

    # -- helpers -------------------------------------------------------------------------------
    def signer(self) -> DocumentSigner:
        if self._signer is None:
            raise InvalidInput("Máy chủ chưa được cấu hình token ký số.", code="signing_not_configured")
        return self._signer()

    def _now(self) -> datetime:
        return self.clock.now()

    def _register(self, kind: RegisterKind, doc_meta: DocumentMetadata, code: str | None) -> Register:
        registers = self.registers.list_registers()
        if code:
            found = next((r for r in registers if r.code == code), None)
            if found is None:
                raise InvalidInput(f"Không có sổ “{code}”.", code="register_not_found")
            return found
        return choose_register(registers, kind, secret=doc_meta.secret, type_name=doc_meta.type_name)

    def _check_pdf(self, data: bytes, what: str) -> None:
        if not data.startswith(b"%PDF-"):
            raise InvalidInput(f"{what} phải là tệp PDF.", code="not_a_pdf")

    # -- văn bản đi ----------------------------------------------------------------------------
    def draft(self, actor: Actor, form: DraftInput, pdf: bytes) -> OutgoingDocument:
        self._check_pdf(pdf, "Dự thảo")
        if form.meeting is not None:  # refuse a bad giấy mời before anything is stored
            meetings.schedule("", form.meeting.title, start=form.meeting.start, place=form.meeting.place,
                              end=form.meeting.end, chair=form.meeting.chair)
        sha = self.blobs.put(pdf)
        attachments = tuple(Attachment(_clean(name) or "tep-dinh-kem", self.blobs.put(data))
                            for name, data in form.attachments)
        description = form.description
        if form.meeting is not None:
            m = form.meeting
            description = meetings.summary(meetings.schedule("", m.title, start=m.start, place=m.place,
                                                             end=m.end, chair=m.chair))
        meta = DocumentMetadata(type_name=_clean(form.type_name), subject=_clean(form.subject),
                                issuer=self.agency, priority=form.priority, secrecy=form.secrecy,
                                due_date=form.due_date, signer_position=_clean(form.signer_position),
                                description=description, page_amount=self.page_count(pdf))
        now = self._now()
        categories = self.docs.categories()
        replaced = ""
        if form.replaces:
            old = self._outgoing(form.replaces)
            if old.state is not outgoing.OutgoingState.PUBLISHED:
                raise InvalidInput("Chỉ thay thế được văn bản đã phát hành.", code="replace_not_published")
            replaced = old.meta.document_id
        doc = self.docs.create_outgoing(
            lambda ref: outgoing.create_draft(
                ref, meta, author=actor, at=now, pdf_blob=sha, issuer_abbr=self.agency_abbr,
                unit_abbr=form.unit_abbr, categories=categories, recipients=form.recipients,
                attachments=attachments,
                legal_bases=tuple(LegalBasis(_clean(b)) for b in form.legal_bases if b.strip()),
                replaces=replaced),
            text=self.pdf_text(pdf))
        if form.meeting is not None:
            m = form.meeting
            self.docs.save_meeting(meetings.schedule(doc.ref, m.title, start=m.start, place=m.place,
                                                     end=m.end, chair=m.chair))
        return doc

    def edit_draft(self, ref: str, actor: Actor, *, pdf: bytes | None = None,
                   recipients: tuple[Recipient, ...] | None = None,
                   legal_bases: Sequence[str] | None = None,
                   attachments: Sequence[tuple[str, bytes]] = ()) -> OutgoingDocument:
        """Sửa dự thảo before it is submitted: a new PDF (the one it replaces stays in the blob store
        and is named in the history), more attachments, other recipients or legal bases. Whoever
        ``outgoing.edit_draft`` allows (the drafter or a leader, while dự thảo / đang góp ý — a
        returned draft is a dự thảo again); a wrong person, a wrong state or a file that is not a PDF
        is refused before any file is stored. The page count and the search text follow the PDF."""
        if pdf is not None:
            self._check_pdf(pdf, "Dự thảo")
        categories = self.docs.categories()
        now = self._now()
        bases = (tuple(LegalBasis(_clean(b)) for b in legal_bases if b.strip())
                 if legal_bases is not None else None)
        outgoing.edit_draft(self._outgoing(ref), actor=actor, at=now, categories=categories,
                            recipients=recipients, legal_bases=bases)  # refuses before any write
        sha = self.blobs.put(pdf) if pdf else None
        pages = self.page_count(pdf) if pdf else None
        added = tuple(Attachment(_clean(n) or "tep-dinh-kem", self.blobs.put(d)) for n, d in attachments)

        def step(doc: OutgoingDocument) -> Outcome[OutgoingDocument]:
            return outgoing.edit_draft(
                doc, actor=actor, at=now, categories=categories, pdf_blob=sha, recipients=recipients,
                meta=replace(doc.meta, page_amount=pages) if pages is not None else None,
                attachments=(*doc.attachments, *added) if added else None, legal_bases=bases)

        return self.docs.outgoing.apply(ref, step, actor=actor.username, at=now,
                                        text=self.pdf_text(pdf) if pdf else None).doc

    def send_for_review(self, ref: str, reviewers: Sequence[str], actor: Actor) -> OutgoingDocument:
        now = self._now()
        return self.docs.outgoing.apply(
            ref, lambda d: outgoing.send_for_review(d, tuple(reviewers), actor=actor, at=now),
            actor=actor.username, at=now).doc

    def comment(self, ref: str, text: str, actor: Actor) -> OutgoingDocument:
        now = self._now()
        return self.docs.outgoing.apply(ref, lambda d: outgoing.add_comment(d, text, actor=actor, at=now),
                                        actor=actor.username, at=now).doc

    def submission_problems(self, ref: str) -> list[str]:
        doc = self._outgoing(ref)
        return [p.message for p in outgoing.submission_problems(doc, self.docs.categories())]

    def submit(self, ref: str, leader: str, actor: Actor) -> OutgoingDocument:
        now = self._now()
        categories = self.docs.categories()
        return self.docs.outgoing.apply(
            ref, lambda d: outgoing.submit(d, leader, actor=actor, at=now, categories=categories),
            actor=actor.username, at=now).doc

    def return_for_revision(self, ref: str, reason: str, actor: Actor) -> OutgoingDocument:
        now = self._now()
        return self.docs.outgoing.apply(
            ref, lambda d: outgoing.return_for_revision(d, reason, actor=actor, at=now),
            actor=actor.username, at=now).doc

    def sign(self, ref: str, actor: Actor, pin: str | None) -> OutgoingDocument:
        """The leader's personal signature with the PIN typed in (the token signs, then we save)."""
        doc = self._outgoing(ref)
        require_role(actor, Role.LEADER, doing="ký duyệt")
        if doc.state is not outgoing.OutgoingState.SUBMITTED:
            raise IllegalTransition(f"Không thể ký văn bản đang ở trạng thái “{doc.state_label}”.")
        if self._personal_signer is None:
            raise InvalidInput("Chưa cấu hình khóa ký cá nhân cho lãnh đạo.", code="signing_not_configured")
        who = self._personal_signer(actor)
        signed = self.signer().sign_personal(self.blobs.read(doc.pdf_blob), who, pin=pin)
        sha = self.blobs.put(signed)
        now = self._now()
        record = SignatureRecord(actor.username, now, sha)
        return self.docs.outgoing.apply(ref, lambda d: outgoing.sign_personal(d, record, actor=actor, at=now),
                                        actor=actor.username, at=now).doc

    def number(self, ref: str, actor: Actor, register_code: str | None = None) -> OutgoingDocument:
        """Cấp số: the next số đi of the register, written into the PDF's fields, in one transaction."""
        doc = self._outgoing(ref)
        register = self._register(register_kind_for(doc.meta.type_name), doc.meta, register_code)
        now = self._now()

        def step(d: OutgoingDocument, number: AllocatedNumber) -> Outcome[OutgoingDocument]:
            out = outgoing.assign_number(d, number, register, actor=actor, at=now)
            filled = self.signer().fill_number_date(self.blobs.read(d.pdf_blob), number=number.text,
                                                    issued=number.issued_date) if self._signer else None
            if filled is None:
                return out
            return outgoing.with_filled_pdf(out, previous=d.pdf_blob, filled=self.blobs.put(filled))

        return self.docs.outgoing.apply_numbered(ref, register.code, step, actor=actor.username, at=now).doc

    def seal(self, ref: str, actor: Actor, pin: str | None = None) -> OutgoingDocument:
        doc = self._outgoing(ref)
        require_role(actor, Role.CLERK, doing="ký số cơ quan")
        if doc.state is not outgoing.OutgoingState.NUMBERED:
            raise IllegalTransition(f"Không thể ký số cơ quan văn bản đang ở trạng thái"
                                             f" “{doc.state_label}”.")
        sealed = self.signer().seal(self.blobs.read(doc.pdf_blob), pin=pin, user=actor.username)
        sha = self.blobs.put(sealed)
        now = self._now()
        record = SignatureRecord(actor.username, now, sha)
        return self.docs.outgoing.apply(ref, lambda d: outgoing.seal(d, record, actor=actor, at=now),
                                        actor=actor.username, at=now).doc

    def publish(self, ref: str, actor: Actor) -> OutgoingDocument:
        """Phát hành. A replacement goes out as BussinessDocType 3 and freezes the document it replaces."""
        now = self._now()
        doc = self.docs.outgoing.apply(ref, lambda d: outgoing.publish(d, actor=actor, at=now),
                                       actor=actor.username, at=now).doc
        if doc.replaces:
            old = self.docs.outgoing_by_document_id(doc.replaces)
            if old is not None and old.state is outgoing.OutgoingState.PUBLISHED:
                self.docs.outgoing.apply(
                    old.ref, lambda d: outgoing.mark_replaced(d, doc.meta.document_id, actor=actor, at=now),
                    actor=actor.username, at=now)
        return doc

    def update_outgoing(self, ref: str, actor: Actor, note: str, *, subject: str | None = None,
                        description: str | None = None, due_date: date | None = None) -> OutgoingDocument:
        """Cập nhật (BussinessDocType 2): new subject, description or deadline to every recipient."""
        now = self._now()

        def step(d: OutgoingDocument) -> Outcome[OutgoingDocument]:
            meta = replace(d.meta, subject=_clean(subject) if subject else d.meta.subject,
                           description=description if description is not None else d.meta.description,
                           due_date=due_date if due_date is not None else d.meta.due_date)
            return outgoing.issue_update(d, meta, note, actor=actor, at=now)

        return self.docs.outgoing.apply(ref, step, actor=actor.username, at=now).doc

    def recall_outgoing(self, ref: str, reason: str, actor: Actor) -> OutgoingDocument:
        now = self._now()
        return self.docs.outgoing.apply(ref, lambda d: outgoing.recall(d, reason, actor=actor, at=now),
                                        actor=actor.username, at=now).doc

    def change_meeting(self, ref: str, actor: Actor, *, kind: meetings.ChangeKind, reason: str,
                       new_start: datetime | None = None, new_place: str | None = None) -> OutgoingDocument:
        """Hoãn / dời / hủy họp: the entry changes and an update (BussinessDocType 2) goes out."""
        m = self.docs.meeting(ref)
        if m is None:
            raise InvalidInput("Văn bản này không phải giấy mời họp.", code="not_a_meeting")
        now = self._now()
        if kind is meetings.ChangeKind.POSTPONE:
            change = meetings.postpone(m, reason, at=now, new_start=new_start)
        elif kind is meetings.ChangeKind.MOVE:
            change = meetings.move(m, reason, at=now, new_start=new_start, new_place=new_place)
        else:
            change = meetings.cancel(m, reason, at=now)
        changed = meetings.apply_change(m, change)

        def step(d: OutgoingDocument) -> Outcome[OutgoingDocument]:
            return meetings.change_outcome(d, m, change, actor=actor, at=now)[1]

        out = self.docs.outgoing.apply(ref, step, actor=actor.username, at=now).doc
        self.docs.save_meeting(changed)
        return out

    def signature_report_of_outgoing(self, ref: str) -> dict[str, Any] | None:
        """The verification of the document's current PDF (``VerificationReport.as_dict``); None while
        it carries no signature. Kept by blob: each signed version is verified once."""
        doc = self._outgoing(ref)
        if doc.personal_signature is None and doc.agency_signature is None:
            return None
        sha = doc.pdf_blob
        cached = self.docs.signature_report(sha)
        if cached is not None:
            return cached
        report = self.signer().verify(self.blobs.read(sha))
        self.docs.save_signature_report(sha, report.as_dict(), ok=report.all_ok)
        return report.as_dict()

    # -- signatures checked again (revocation data that came later) ------------------------------------
    def recheck_signatures(self, *, everything: bool = False, actor: str = "system",
                           batch: int = 100) -> RecheckSummary:
        """Check again every stored report "chờ dữ liệu thu hồi" (every report with ``everything``)
        against the trust anchors and CRL files configured now; store those that changed, each with its
        audit row (and văn thư told of a revoked certificate), a batch per transaction."""
        shas = self.docs.signature_recheck_candidates(everything=everything)
        holders = self.docs.signature_holders(shas)
        summary = RecheckSummary()
        for start in range(0, len(shas), batch):
            items = []
            for sha in shas[start:start + batch]:
                found = self._recheck(sha, holders.get(sha, []), actor=actor, always=False)
                if found is None:
                    continue
                summary.add(found[0], found[2])
                if found[0].changed:
                    items.append(found)
            if items:
                self.docs.save_signature_rechecks(items, at=self._now())
        return summary

    def recheck_document_signatures(self, ref: str, actor: Actor) -> RecheckSummary:
        """"Kiểm tra lại chữ ký" on a văn bản đến: its files' signatures checked again now, each report
        stored with an audit row (also when nothing changed: who checked, when, what it said)."""
        require_role(actor, Role.CLERK, Role.LEADER, doing="kiểm tra lại chữ ký số")
        doc = self._incoming(ref)
        check_may_read(doc, actor)
        if doc.content_destroyed:
            raise InvalidInput("Nội dung văn bản đã bị hủy theo yêu cầu thu hồi: không còn tệp để kiểm tra.",
                               code="content_destroyed")
        if doc.channel is not Channel.AXIS:
            raise InvalidInput("Văn bản giấy được số hóa: không có chữ ký số để kiểm tra lại.",
                               code="no_signatures")
        summary = RecheckSummary()
        items = []
        for sha in dict.fromkeys(doc.blobs):
            found = self._recheck(sha, [ref], actor=actor.username, always=True)
            if found is not None:
                summary.add(found[0], found[2])
                items.append(found)
        if not items:
            raise InvalidInput("Văn bản chưa có kết quả kiểm tra chữ ký số để kiểm tra lại.",
                               code="no_signature_report")
        self.docs.save_signature_rechecks(items, at=self._now())
        return summary

    def _recheck(self, sha: str, holders: Sequence[str], *, actor: str,
                 always: bool) -> tuple[Recheck, tuple[Any, ...], Sequence[str]] | None:
        old = self.docs.signature_report(sha)
        if old is None:
            return None
        if self._verify is None:
            raise InvalidInput("Chưa cấu hình kiểm tra chữ ký số (signing.trust_anchors).",
                               code="signing_not_configured")
        try:
            data = self.blobs.read(sha)
        except OSError:  # a file gone must not stop the others: its old report stays
            new = None
        else:
            new = self._verify(data)
        r = recheck(sha, old, new)
        titles = {}
        if r.changed:
            for h in holders:
                d = self.docs.incoming.get(h) if h.startswith("in:") else self.docs.outgoing.get(h)
                if d is not None:
                    titles[h] = " ".join(p for p in (d.meta.code, d.meta.subject) if p)
        return r, recheck_events(r, holders, actor=actor, titles=titles, always=always), holders

    def _outgoing(self, ref: str) -> OutgoingDocument:
        doc = self.docs.outgoing.get(ref)
        if doc is None:
            raise InvalidInput(f"Không tìm thấy văn bản {ref}.", code="document_not_found")
        return doc

    # -- văn bản đến ---------------------------------------------------------------------------
    def duplicates_of(self, ref: str) -> list[DuplicateWarning]:
        """Warnings (not errors) when the same số, ký hiệu, cơ quan or DocumentId is already here."""
        doc = self._incoming(ref)
        m = doc.meta
        if not m.code_number:
            return []
        key = DocumentKey.of(m.code_number, m.code_notation, m.issuer.organ_id)
        year = m.issued_date.year if m.issued_date else None
        return duplicate_warnings(self.docs, key=key, document_id=m.document_id, year=year, exclude_ref=ref)

    def _incoming(self, ref: str) -> IncomingDocument:
        doc = self.docs.incoming.get(ref)
        if doc is None:
            raise InvalidInput(f"Không tìm thấy văn bản {ref}.", code="document_not_found")
        return doc

    def accept(self, ref: str, actor: Actor, register_code: str | None = None) -> IncomingDocument:
        """Tiếp nhận with the next số đến; refused when intake found the signatures not valid (R2)."""
        doc = self._incoming(ref)
        integrity_ok = self.docs.integrity_ok(ref) is not False
        register = self._register(RegisterKind.INCOMING, doc.meta, register_code)
        now = self._now()

        def step(d: IncomingDocument, number: AllocatedNumber) -> Outcome[IncomingDocument]:
            return incoming.accept(d, number, register, actor=actor, at=now, integrity_ok=integrity_ok)

        return self.docs.incoming.apply_numbered(ref, register.code, step, actor=actor.username, at=now).doc

    def reject(self, ref: str, reason: str, actor: Actor) -> IncomingDocument:
        now = self._now()
        return self.docs.incoming.apply(ref, lambda d: incoming.reject(d, reason, actor=actor, at=now),
                                        actor=actor.username, at=now).doc

    def present(self, ref: str, leader: str, actor: Actor) -> IncomingDocument:
        now = self._now()
        return self.docs.incoming.apply(ref, lambda d: incoming.present(d, leader, actor=actor, at=now),
                                        actor=actor.username, at=now).doc

    def assign(self, ref: str, actor: Actor, *, lead: Assignee, cooperating: Sequence[Assignee] = (),
               direction: str = "") -> IncomingDocument:
        now = self._now()
        return self.docs.incoming.apply(
            ref, lambda d: incoming.assign(d, lead=lead, cooperating=tuple(cooperating), direction=direction,
                                           actor=actor, at=now),
            actor=actor.username, at=now).doc

    def start(self, ref: str, actor: Actor) -> IncomingDocument:
        now = self._now()
        return self.docs.incoming.apply(ref, lambda d: incoming.start_processing(d, actor=actor, at=now),
                                        actor=actor.username, at=now).doc

    def complete(self, ref: str, actor: Actor, result: str = "") -> IncomingDocument:
        now = self._now()
        return self.docs.incoming.apply(
            ref, lambda d: incoming.complete(d, actor=actor, at=now, result=result),
            actor=actor.username, at=now).doc

    def accept_recall(self, ref: str, actor: Actor) -> IncomingDocument:
        now = self._now()
        return self.docs.incoming.apply(ref, lambda d: incoming.accept_recall(d, actor=actor, at=now),
                                        actor=actor.username, at=now).doc

    def refuse_recall(self, ref: str, reason: str, actor: Actor) -> IncomingDocument:
        now = self._now()
        return self.docs.incoming.apply(ref, lambda d: incoming.refuse_recall(d, reason, actor=actor, at=now),
                                        actor=actor.username, at=now).doc

    def register_paper(self, actor: Actor, meta: DocumentMetadata, pdf_sha: str, *,
                       scan_id: int | None = None, text: str = "") -> IncomingDocument:
        """A paper document (digitized by the scanner, or uploaded) becomes a văn bản đến."""
        require_role(actor, Role.CLERK, doing="vào sổ văn bản giấy")
        if not meta.subject.strip():
            raise InvalidInput("Chưa có trích yếu.", code="subject_missing")
        now = self._now()
        return self.docs.create_incoming(
            lambda ref: incoming.receive(ref, meta, channel=Channel.PAPER, sender=meta.issuer, at=now,
                                         blobs=(pdf_sha,), actor=actor.username),
            scan_id=scan_id, text=text, integrity_ok=True)

    # -- hồ sơ ------------------------------------------------------------------------------------
    def open_dossier(self, actor: Actor, entry: CatalogueEntry) -> Dossier:
        out = dossiers.open_from_catalogue(entry, self.agency.organ_id, actor=actor, at=self._now())
        if self.docs.get_dossier(out.doc.file_code) is not None:
            raise dossiers.DossierError(f"Hồ sơ {out.doc.file_code} đã có.", code="dossier_exists")
        self.docs.save_dossier(out.doc, tuple(e for e in out.events if isinstance(e, AuditEvent)))
        return out.doc

    def _dossier(self, file_code: str) -> Dossier:
        found = self.docs.get_dossier(FileCode.parse(file_code))
        if found is None:
            raise dossiers.DossierError(f"Không có hồ sơ {file_code}.", code="dossier_not_found")
        return found

    def file_document(self, file_code: str, doc_ref: str, actor: Actor) -> Dossier:
        d = self._dossier(file_code)
        check_may_read(self._incoming(doc_ref) if doc_ref.startswith("in:") else self._outgoing(doc_ref),
                       actor)  # no secret document in the hồ sơ of someone who may not open it
        meta, when = self._filed_meta(doc_ref)
        item = DossierItem(doc_ref, meta.issued_date or when, meta.page_amount, meta.code, meta.subject)
        out = dossiers.add_document(d, item, actor=actor, at=self._now())
        self.docs.save_dossier(out.doc, tuple(e for e in out.events if isinstance(e, AuditEvent)))
        return out.doc

    def file_incoming(self, ref: str, file_code: str, actor: Actor) -> IncomingDocument:
        """Lập hồ sơ for a văn bản đến: into the hồ sơ, and the document becomes "Đã lập hồ sơ".

        Both steps are checked before either is written (a wrong state, a closed hồ sơ, a document
        already in it are refused with nothing changed)."""
        doc = self._incoming(ref)
        now = self._now()
        code = str(FileCode.parse(file_code))
        incoming.file_into(doc, code, actor=actor, at=now)  # refuses a wrong state before any write
        self.file_document(code, ref, actor)
        return self.docs.incoming.apply(ref, lambda d: incoming.file_into(d, code, actor=actor, at=now),
                                        actor=actor.username, at=now).doc

    def close_dossier(self, file_code: str, actor: Actor, description: str = "") -> Dossier:
        out = dossiers.close(self._dossier(file_code), actor=actor, at=self._now(), description=description)
        self.docs.save_dossier(out.doc, tuple(e for e in out.events if isinstance(e, AuditEvent)))
        return out.doc

    def dossier_files(self, file_code: str,
                      reader: Actor | None = None) -> tuple[Dossier, list[tuple[DossierItem, bytes | None]]]:
        """The hồ sơ and each member's current PDF in time order (None when destroyed by a recall,
        or secret and ``reader`` may not open it)."""
        d = self._dossier(file_code)
        files: list[tuple[DossierItem, bytes | None]] = []
        for item in d.items:
            ref = item.doc_ref
            doc: IncomingDocument | OutgoingDocument = (
                self._incoming(ref) if ref.startswith("in:") else self._outgoing(ref))
            sha = self._pdf_of(item.doc_ref)
            readable = reader is None or may_read(doc, reader)
            files.append((item, self.blobs.read(sha) if sha and readable else None))
        return d, files

    def may_read_file(self, sha256: str, actor: Actor) -> bool:
        return may_read_file(self.docs.secret_holders(sha256), actor)

    def _filed_meta(self, doc_ref: str) -> tuple[DocumentMetadata, date]:
        if doc_ref.startswith("in:"):
            i = self._incoming(doc_ref)
            return i.meta, i.received_at.date()
        o = self._outgoing(doc_ref)
        return o.meta, o.created_at.date()

    def _pdf_of(self, doc_ref: str) -> str | None:
        if doc_ref.startswith("in:"):
            i = self._incoming(doc_ref)
            return i.blobs[0] if i.blobs else None
        return self._outgoing(doc_ref).pdf_blob

    # -- arrivals from the axis ----------------------------------------------------------------------
    def receive_electronic(self, meta: DocumentMetadata, sender: Organ, blobs: tuple[str, ...], *,
                           inbox_id: int | None, text: str, integrity_ok: bool,
                           replaces: tuple[str, ...] = ()) -> IncomingDocument:
        """A stored edoc becomes a văn bản đến (status 01 was queued when the package was stored).
        A replacement names the DocumentIds it ``replaces``: the store marks those received here as
        replaced in the same transaction (``incoming.link_replacement``)."""
        now = self._now()

        def make(ref: str) -> Outcome[IncomingDocument]:
            out = incoming.receive(ref, meta, channel=Channel.AXIS, sender=sender, at=now, blobs=blobs,
                                   replaces=replaces)
            arrived = [e for e in out.events if isinstance(e, SendStatus) and e.code is StatusCode.ARRIVED]
            return Outcome(out.doc, tuple(e for e in out.events if e not in arrived))

        return self.docs.create_incoming(make, inbox_id=inbox_id, text=text, integrity_ok=integrity_ok)

    def status_arrived(self, document_id: str, sender: str, code: StatusCode, description: str,
                       find: Callable[[str], OutgoingDocument | None]) -> OutgoingDocument | None:
        """A recipient reported on one of our documents: the delivery table moves."""
        doc = find(document_id)
        if doc is None or doc.delivery(sender) is None:
            return None
        now = self._now()
        return self.docs.outgoing.apply(
            doc.ref, lambda d: outgoing.record_status(d, sender, code, description, at=now),
            actor="sync", at=now).doc
