"""From stored packages to the office's records: the step after the inbox poller.

The poller stores each package raw (``axis_inbox``, intake ``pending``) and acknowledges it;
this worker then reads it and changes the records:

- an edoc (BussinessDocType 0 / 3) becomes a văn bản đến: its files go to the blob store, every
  PDF's signatures are checked against the trust anchors (report kept per file), the document
  is created in the same transaction that marks the package ``done``; a replacement (3) also marks
  the văn bản đến its ReplacementInfo names "đã bị thay thế" in that transaction (one not received
  yet is only noted in the new one's history);
- a revocation edoc (1) or a status 13 puts a recall request on the document it names;
- an update edoc (2) changes the document's metadata (a postponed meeting …);
- a status 01…06 / 15 / 16 moves the delivery table of our outgoing document.

A package that cannot be used (unknown document, unreadable) is marked ``failed`` with the
reason (listed by ``vanthu sync status``); it never stops the others. The worker also moves deliveries
from "chờ gửi" to "đã gửi" once the relay has handed their package to the axis.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from node.domain import incoming, meetings
from node.domain.clock import Clock
from node.domain.documents import BusinessDocType, InvalidInput, Organ, StatusCode
from node.domain.health import Heartbeat, NoHeartbeat
from node.domain.incoming import IncomingDocument
from node.domain.office import Office
from node.domain.outgoing import record_sent
from node.domain.signing import VerificationReport
from node.edxml import BusinessDocType as EdxmlBusinessType
from node.edxml import EdocHeader, EdocPackage, Limits, StatusPackage, parse_package
from node.errors import HANDLED
from node.office.wiring import pdf_text
from node.store.blobs import BlobStore
from node.store.db import Database
from node.store.documents import SqliteDocuments
from node.sync.packages import incoming_metadata

log = logging.getLogger(__name__)
BATCH = 50
INTAKE_WORKER = "office-intake"  # its heartbeat file: `vanthu doctor` tells whether intake runs


def intake_stale_after(every: float) -> timedelta:
    """How long the intake worker may go without a heartbeat before it counts as dead: three of its
    pauses plus five minutes for one package (files stored, every PDF's signatures checked). It
    beats between packages, so a backlog of any size is not a hang."""
    return timedelta(seconds=3 * every + 300)


@dataclass
class IntakeResult:
    documents: int = 0
    statuses: int = 0
    recalls: int = 0
    updates: int = 0
    failed: int = 0
    sent: int = 0


class Intake:
    def __init__(self, db: Database, blobs: BlobStore, docs: SqliteDocuments, office: Office, clock: Clock, *,
                 verify: Callable[[bytes], VerificationReport], limits: Limits | None = None,
                 heartbeat: Heartbeat | None = None) -> None:
        self.heartbeat: Heartbeat = heartbeat or NoHeartbeat()
        self.db = db
        self.blobs = blobs
        self.docs = docs
        self.office = office
        self.clock = clock
        self.verify = verify
        self.limits = limits or Limits()

    def run_once(self, progress: Callable[[], None] | None = None) -> IntakeResult:
        """Take in every pending package; ``progress`` is called after each one (500 packages after
        a weekend are one long pass: the worker beats between them)."""
        result = IntakeResult()
        while True:
            rows = self.db.query("SELECT id, kind, blob_sha256, sender_code FROM axis_inbox"
                                 " WHERE intake_state = 'pending' ORDER BY id LIMIT ?", (BATCH,))
            for row in rows:
                if progress is not None:
                    progress()
                try:
                    self._take(row["id"], row["blob_sha256"], result)
                except HANDLED as e:
                    self._mark(row["id"], "failed", getattr(e, "message", str(e)))
                    log.warning("inbox package %s not taken in: %s", row["id"], e)
                    result.failed += 1
                except Exception as e:  # a bug must not stop every later package: set this one aside
                    log.exception("inbox package %s not taken in", row["id"])
                    self._mark(row["id"], "failed", f"Lỗi hệ thống khi xử lý gói tin ({type(e).__name__});"
                               " báo cho bộ phận kỹ thuật.")
                    result.failed += 1
            if len(rows) < BATCH:
                break
        for ref, organ_id, _ in self.docs.queued_deliveries():
            self._record_sent(ref, organ_id)
            result.sent += 1
        return result

    def _record_sent(self, ref: str, organ_id: str) -> None:
        now = self.clock.now()
        self.docs.outgoing.apply(ref, lambda d: record_sent(d, organ_id, at=now), actor="sync", at=now)

    def loop(self, stop: threading.Event, *, every: float = 2.0) -> None:
        def beat() -> None:
            self.heartbeat.beat(INTAKE_WORKER)

        while not stop.is_set():
            beat()
            try:
                self.run_once(beat)
            except Exception as e:  # a bug in one pass must not stop the office taking documents in
                log.exception("intake pass failed")
                self.heartbeat.crashed(INTAKE_WORKER, f"{type(e).__name__}: {e}")
            stop.wait(every)

    def start(self, *, every: float = 2.0) -> Callable[[], None]:
        """Run :meth:`loop` in a thread; returns the function that stops it."""
        stop = threading.Event()
        thread = threading.Thread(target=self.loop, args=(stop,), kwargs={"every": every},
                                  name="office-intake", daemon=True)
        thread.start()

        def halt() -> None:
            stop.set()
            thread.join(10)

        return halt

    def _mark(self, inbox_id: int, state: str, error: str | None = None, ref: str | None = None) -> None:
        self.db.write(lambda d: d.execute(
            "UPDATE axis_inbox SET intake_state = ?, intake_error = ?, doc_ref = coalesce(?, doc_ref)"
            " WHERE id = ?", (state, error, ref, inbox_id)))

    def _take(self, inbox_id: int, sha: str, result: IntakeResult) -> None:
        with parse_package(self.blobs.read_bytes(sha), limits=self.limits) as package:
            if isinstance(package, StatusPackage):
                self._status(inbox_id, package, result)
            else:
                self._edoc(inbox_id, package, result)

    def _target(self, document_id: str, sender: str) -> IncomingDocument | None:
        return self.docs.incoming_by_document_id(document_id, (sender,))

    # -- edoc ---------------------------------------------------------------------------------------
    def _edoc(self, inbox_id: int, package: EdocPackage, result: IntakeResult) -> None:
        h = package.header
        sender = Organ(h.from_.organ_id, h.from_.organ_name)
        if h.business_doc_type is EdxmlBusinessType.REVOCATION:
            target = self._target(h.business_document_id or h.document_id, sender.organ_id)
            if target is None:
                raise InvalidInput("Gói thu hồi cho văn bản chưa nhận.", code="recall_unknown_document")
            now = self.clock.now()
            self.docs.incoming.apply(target.ref, lambda d: incoming.request_recall(
                d, via=BusinessDocType.REVOCATION, reason=h.business_doc_reason or h.subject, at=now),
                actor="sync", at=now)
            self._mark(inbox_id, "done", ref=target.ref)
            result.recalls += 1
            return
        meta = incoming_metadata(h)
        if h.business_doc_type is EdxmlBusinessType.UPDATE:
            target = self._target(h.business_document_id or h.document_id, sender.organ_id)
            if target is None:
                raise InvalidInput("Gói cập nhật cho văn bản chưa nhận.",
                                   code="update_unknown_document")
            blobs = self._store_files(package)[0] or None
            now = self.clock.now()
            self.docs.incoming.apply(target.ref, lambda d: incoming.apply_update(
                d, replace(meta, document_id=d.meta.document_id), at=now, note=h.business_doc_reason,
                blobs=blobs), actor="sync", at=now)
            self._mark(inbox_id, "done", ref=target.ref)
            self._note_meeting(target.ref, meta.description)
            result.updates += 1
            return
        blobs, reports, text = self._store_files(package)
        ok = bool(reports) and all(r.all_ok for r in reports)
        replaces = self._replaced_ids(h) if h.business_doc_type is EdxmlBusinessType.REPLACEMENT else ()
        doc = self.office.receive_electronic(meta, sender, blobs, inbox_id=inbox_id, text=text,
                                             integrity_ok=ok, replaces=replaces)
        self._note_meeting(doc.ref, meta.description)
        result.documents += 1

    def _replaced_ids(self, h: EdocHeader) -> tuple[str, ...]:
        """The DocumentIds a replacement replaces here: its ReplacementInfo entries for our agency (an
        entry naming no agency counts for every recipient); if none names us, every entry; without a
        ReplacementInfoList, Bussiness/DocumentId when it is another document."""
        me = self.office.agency.organ_id.upper()
        infos = [r for r in h.replacements if r.document_id]
        ours = [r.document_id for r in infos if not r.organ_ids or me in (o.upper() for o in r.organ_ids)]
        ids = ours or [r.document_id for r in infos]
        if not ids and h.business_document_id and h.business_document_id != h.document_id:
            ids = [h.business_document_id]
        return tuple(dict.fromkeys(ids))

    def _note_meeting(self, ref: str, description: str) -> None:
        """A giấy mời's time and place travel in its description: the invited office's calendar entry."""
        meeting = meetings.from_summary(ref, description)
        if meeting is not None:
            self.docs.save_meeting(meeting)

    def _store_files(self, package: EdocPackage) -> tuple[tuple[str, ...], list[VerificationReport], str]:
        """Every attachment into the blob store, PDFs first; the check of each PDF's signatures."""
        shas: list[str] = []
        reports: list[VerificationReport] = []
        text = ""
        pdfs = [a for a in package.attachments if a.content_type == "application/pdf"
                or a.name.lower().endswith(".pdf")]
        others = [a for a in package.attachments if a not in pdfs]
        for a in (*pdfs, *others):
            data = a.read_bytes()
            sha = self.blobs.put_bytes(data).sha256
            shas.append(sha)
            if a in pdfs:
                try:
                    report = self.verify(data)
                except HANDLED as e:  # an unreadable PDF: kept, and it fails the check
                    report = VerificationReport()
                    log.warning("PDF %s of a package unreadable: %s", a.name, e)
                reports.append(report)
                self.docs.save_signature_report(sha, report.as_dict(), ok=report.all_ok)
                if not text:
                    text = pdf_text(data)
        return tuple(shas), reports, text

    # -- status -------------------------------------------------------------------------------------
    def _status(self, inbox_id: int, package: StatusPackage, result: IntakeResult) -> None:
        sender = package.from_.organ_id
        document_id = package.response_for.document_id
        code = StatusCode(str(package.status_code))
        if code is StatusCode.RECALL_REQUESTED:
            target = self.docs.incoming_by_document_id(document_id, (sender,))
            if target is None:
                raise InvalidInput("Yêu cầu thu hồi cho văn bản chưa nhận.",
                                            code="recall_unknown_document")
            now = self.clock.now()
            self.docs.incoming.apply(target.ref, lambda d: incoming.request_recall(
                d, via=StatusCode.RECALL_REQUESTED, reason=package.description, at=now), actor="sync", at=now)
            self._mark(inbox_id, "done", ref=target.ref)
            result.recalls += 1
            return
        doc = self.office.status_arrived(document_id, sender, code, package.description,
                                         self.docs.outgoing_by_document_id)
        self._mark(inbox_id, "done" if doc else "ignored",
                   None if doc else "Trạng thái cho văn bản không có trong sổ văn bản đi.",
                   ref=doc.ref if doc else None)
        result.statuses += 1
