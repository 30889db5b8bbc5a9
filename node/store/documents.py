"""Văn bản đến / đi in SQLite: the records, their list columns, and the events of each transition.

Implements :class:`node.domain.documents.WorkflowStore` for both kinds. One transition is one
write transaction: load the record, run the pure step, save the record and its derived rows
(list columns, deliveries, assignees, search text) and turn every event into rows — audit chain,
outbox packages (built by the :class:`~node.domain.packages.PackageFactory` port, their bytes in
the blob store before the rows commit), notifications. A refused step raises before anything is
written, and the whole transaction rolls back. Content destroyed by a recall is marked in the
same transaction and its files deleted right after the commit (and again at start-up, should the
process die in between).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlite_utils import Database as SuDatabase

from node.domain.categories import CategoryTable, TypeRule
from node.domain.clock import Clock
from node.domain.documents import (
    AuditEvent,
    CancelPackage,
    Channel,
    DestroyContent,
    DocumentMetadata,
    Event,
    InvalidInput,
    Notify,
    NumberedStep,
    Organ,
    OutboxPackage,
    Outcome,
    PrintPaperCopies,
    SendStatus,
    Step,
)
from node.domain.dossier import Dossier, FileCode
from node.domain.errors import DomainError
from node.domain.incoming import IncomingDocument, IncomingState, link_late_original, link_replacement
from node.domain.meetings import Meeting
from node.domain.numbering import DocumentKey, parse_code
from node.domain.outgoing import OutgoingDocument
from node.domain.packages import PackageFactory
from node.domain.scanning import ScanNotQueued
from node.domain.signing import Recheck, RecheckOutcome
from node.errors import StoreError
from node.store.audit import append_audit
from node.store.blobs import BlobStore
from node.store.codec import decode, encode
from node.store.db import Database
from node.store.exchange import enqueue_outgoing
from node.store.registers import allocate_number
from node.store.search import index_text

D = TypeVar("D", IncomingDocument, OutgoingDocument)


# how far back a document arriving late looks for the replacement that named it (out-of-order delivery)
LATE_REPLACEMENT_DAYS = 90


class DocumentNotFound(DomainError):
    code = "document_not_found"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _incoming_columns(doc: IncomingDocument) -> dict[str, Any]:
    m = doc.meta
    return {
        "state": doc.state.value, "subject": m.subject, "type_name": m.type_name, "code": m.code,
        "issuer_code": m.issuer.organ_id, "issuer_name": m.issuer.name, "issued_date": _iso(m.issued_date),
        "document_id": m.document_id, "sender_code": doc.sender.organ_id, "channel": doc.channel.value,
        "priority": int(m.priority), "secrecy": int(m.secrecy), "received_at": _iso(doc.received_at),
        "register_code": doc.register_code, "arrival_year": doc.arrival_year,
        "arrival_number": doc.arrival_number, "arrival_date": _iso(doc.arrival_date),
        "due_date": _iso(doc.due_date), "done_at": _iso(doc.done_at),
        "recall_pending": int(doc.recall_pending),
    }


def _outgoing_columns(doc: OutgoingDocument) -> dict[str, Any]:
    m = doc.meta
    return {
        "state": doc.state.value, "subject": m.subject, "type_name": m.type_name, "code": m.code,
        "issued_date": _iso(m.issued_date), "document_id": m.document_id, "author": doc.author,
        "category": doc.category.value, "priority": int(m.priority), "secrecy": int(m.secrecy),
        "created_at": _iso(doc.created_at), "register_code": doc.register_code,
        "number_year": doc.number_year, "code_number": m.code_number, "published_at": _iso(doc.published_at),
        "due_date": _iso(m.due_date),
    }


def _search_title(meta: DocumentMetadata) -> str:
    return " ".join(p for p in (meta.code, meta.subject) if p)


def _search_meta(meta: DocumentMetadata) -> str:
    return " · ".join(p for p in (meta.type_name, meta.issuer.name, meta.signer_full_name, meta.description)
                      if p)


@dataclass(frozen=True)
class _Kind(Generic[D]):
    table: str
    prefix: str
    cls: type[D]
    columns: Callable[[D], dict[str, Any]]


INCOMING: _Kind[IncomingDocument] = _Kind("doc_in", "in", IncomingDocument, _incoming_columns)
OUTGOING: _Kind[OutgoingDocument] = _Kind("doc_out", "out", OutgoingDocument, _outgoing_columns)


def ref_id(ref: str, prefix: str) -> int:
    head, _, tail = ref.partition(":")
    if head != prefix or not tail.isdigit():
        raise DocumentNotFound(f"Mã văn bản “{ref}” không hợp lệ.", code="document_ref_invalid")
    return int(tail)


class SqliteWorkflow(Generic[D]):
    """The WorkflowStore of one kind of document (``docs.incoming`` / ``docs.outgoing``)."""

    def __init__(self, docs: SqliteDocuments, kind: _Kind[D]) -> None:
        self.docs = docs
        self.kind: _Kind[D] = kind

    def get(self, ref: str) -> D | None:
        row = self.docs.db.query_one(f"SELECT data FROM {self.kind.table} WHERE ref = ?", (ref,))
        if row is None:
            return None
        doc: D = decode(self.kind.cls, row["data"])
        return doc

    def require(self, ref: str) -> D:
        doc = self.get(ref)
        if doc is None:
            raise DocumentNotFound(f"Không tìm thấy văn bản {ref}.")
        return doc

    def many(self, refs: Iterable[str]) -> list[D]:
        refs = list(refs)
        if not refs:
            return []
        marks = ",".join("?" * len(refs))
        rows = self.docs.db.query(f"SELECT data FROM {self.kind.table} WHERE ref IN ({marks})", tuple(refs))
        return [decode(self.kind.cls, r["data"]) for r in rows]

    def _load(self, d: SuDatabase, ref: str) -> D:
        row = d.execute(f"SELECT data FROM {self.kind.table} WHERE ref = ?", (ref,)).fetchone()
        if row is None:
            raise DocumentNotFound(f"Không tìm thấy văn bản {ref}.")
        doc: D = decode(self.kind.cls, row[0])
        return doc

    def apply(self, ref: str, step: Step[D], *, actor: str, at: datetime,
              text: str | None = None) -> Outcome[D]:
        def tx(d: SuDatabase) -> Outcome[D]:
            out = step(self._load(d, ref))
            self.docs._save(d, self.kind, out, actor=actor, at=at, text=text)
            return out

        return self.docs._commit(tx)

    def apply_numbered(self, ref: str, register_code: str, step: NumberedStep[D], *, actor: str,
                       at: datetime) -> Outcome[D]:
        def tx(d: SuDatabase) -> Outcome[D]:
            doc = self._load(d, ref)
            number = allocate_number(d, register_code, at=at, actor=actor,
                                     subject=f"{ref}: {doc.meta.subject}"[:300])
            out: Outcome[D] = step(doc, number)
            self.docs._save(d, self.kind, out, actor=actor, at=at)
            return out

        return self.docs._commit(tx)


class SqliteDocuments:
    def __init__(self, db: Database, blobs: BlobStore, clock: Clock,
                 packages: PackageFactory | None = None) -> None:
        self.db = db
        self.blobs = blobs
        self.clock = clock
        self.packages = packages
        self.incoming: SqliteWorkflow[IncomingDocument] = SqliteWorkflow(self, INCOMING)
        self.outgoing: SqliteWorkflow[OutgoingDocument] = SqliteWorkflow(self, OUTGOING)
        self.sweep_destroyed()

    # -- creating ------------------------------------------------------------------------------
    def create_incoming(self, make: Callable[[str], Outcome[IncomingDocument]], *,
                        inbox_id: int | None = None, scan_id: int | None = None, text: str = "",
                        integrity_ok: bool | None = None) -> IncomingDocument:
        now = self.clock.now()

        def tx(d: SuDatabase) -> Outcome[IncomingDocument]:
            cur = d.execute("INSERT INTO doc_in (ref, state, channel, received_at, data, updated_at,"
                            " inbox_id, scan_id, integrity_ok)"
                            " VALUES ('', '', 'paper', '', '{}', ?, ?, ?, ?)",
                            (now.isoformat(), inbox_id, scan_id,
                             None if integrity_ok is None else int(integrity_ok)))
            ref = f"in:{cur.lastrowid}"
            d.execute("UPDATE doc_in SET ref = ? WHERE id = ?", (ref, cur.lastrowid))
            if scan_id is not None:  # the scan leaves the số hóa queue with the document it became
                marked = d.execute("UPDATE scan SET state = 'confirmed' WHERE id = ? AND state = 'new'",
                                   (scan_id,))
                if marked.rowcount != 1:
                    raise ScanNotQueued(f"Bản quét số {scan_id} không còn chờ vào sổ (đã vào sổ hoặc đã bị"
                                        " loại bỏ).")
            out = make(ref)
            replaced: tuple[Outcome[IncomingDocument], ...] = ()
            if out.doc.replaces_document_ids:  # a replacement: the văn bản đến it names, in this transaction
                out, replaced = link_replacement(out, self._named_by(d, out.doc), at=out.doc.received_at)
            elif out.doc.channel is Channel.AXIS and out.doc.meta.document_id:
                later = self._replacement_of(d, out.doc)  # its replacement came first (out of order)
                if later is not None:
                    out, linked = link_late_original(out, later, at=out.doc.received_at)
                    replaced = (linked,)
            self._save(d, INCOMING, out, actor="system", at=out.doc.received_at, text=text, created=True)
            for old in replaced:
                self._save(d, INCOMING, old, actor="sync", at=out.doc.received_at)
            if inbox_id is not None:
                d.execute("UPDATE axis_inbox SET intake_state = 'done', doc_ref = ?, intake_error = NULL"
                          " WHERE id = ?", (ref, inbox_id))
            return out

        created: IncomingDocument = self._commit(tx).doc
        return created

    @staticmethod
    def _named_by(d: SuDatabase, doc: IncomingDocument) -> list[IncomingDocument]:
        """The văn bản đến a replacement names: by DocumentId, from the same sender, newest first."""
        found: list[IncomingDocument] = []
        for document_id in doc.replaces_document_ids:
            row = d.execute("SELECT data FROM doc_in WHERE document_id = ? AND sender_code = ? AND ref <> ?"
                            " ORDER BY id DESC LIMIT 1",
                            (document_id, doc.sender.organ_id, doc.ref)).fetchone()
            if row is not None:
                found.append(decode(IncomingDocument, row[0]))
        return found

    @staticmethod
    def _replacement_of(d: SuDatabase, doc: IncomingDocument) -> IncomingDocument | None:
        """A replacement received earlier (within ``LATE_REPLACEMENT_DAYS``) from the same sender that
        names this document, not recalled: the newest."""
        since = (doc.received_at - timedelta(days=LATE_REPLACEMENT_DAYS)).isoformat()
        # the window's rows by the received_at index (some ms for a quarter's mail), not the whole table
        rows = d.execute("SELECT data FROM doc_in INDEXED BY doc_in_received WHERE received_at >= ?"
                         " AND sender_code = ? AND ref <> ? AND document_id <> ? AND instr(data, ?) > 0"
                         " ORDER BY received_at DESC LIMIT 20",
                         (since, doc.sender.organ_id, doc.ref, doc.meta.document_id,
                          json.dumps(doc.meta.document_id, ensure_ascii=False))).fetchall()
        for row in rows:
            found = decode(IncomingDocument, row[0])
            if doc.meta.document_id in found.replaces_document_ids \
                    and found.state is not IncomingState.RECALLED:
                return found
        return None

    def create_outgoing(self, make: Callable[[str], Outcome[OutgoingDocument]], *,
                        text: str = "") -> OutgoingDocument:
        def tx(d: SuDatabase) -> Outcome[OutgoingDocument]:
            cur = d.execute("INSERT INTO doc_out (ref, state, author, category, created_at, data, updated_at)"
                            " VALUES ('', '', '', '', '', '{}', '')")
            ref = f"out:{cur.lastrowid}"
            d.execute("UPDATE doc_out SET ref = ? WHERE id = ?", (ref, cur.lastrowid))
            out = make(ref)
            self._save(d, OUTGOING, out, actor=out.doc.author, at=out.doc.created_at, text=text, created=True)
            return out

        created: OutgoingDocument = self._commit(tx).doc
        return created

    # -- finding -------------------------------------------------------------------------------
    def incoming_by_document_id(self, document_id: str,
                                sender_codes: Sequence[str] = ()) -> IncomingDocument | None:
        sql, params = "SELECT data FROM doc_in WHERE document_id = ?", [document_id]
        if sender_codes:
            sql += f" AND sender_code IN ({','.join('?' * len(sender_codes))})"
            params.extend(sender_codes)
        row = self.db.query_one(sql + " ORDER BY id DESC LIMIT 1", tuple(params))
        return decode(IncomingDocument, row["data"]) if row else None

    def outgoing_by_document_id(self, document_id: str) -> OutgoingDocument | None:
        row = self.db.query_one("SELECT data FROM doc_out WHERE document_id = ? ORDER BY id DESC LIMIT 1",
                                (document_id,))
        return decode(OutgoingDocument, row["data"]) if row else None

    # -- duplicates (DocumentKeyIndex of node/domain/numbering.py) ------------------------------------
    def refs_with_key(self, key: DocumentKey, *, year: int | None) -> list[str]:
        rows = self.db.query("SELECT ref, code, issued_date FROM doc_in WHERE issuer_code IN (?, ?)"
                             " AND code <> ''", (key.organ_id, key.organ_id.lower()))
        out = []
        for r in rows:
            try:
                number, notation = parse_code(r["code"])
            except DomainError:
                continue
            if DocumentKey.of(number, notation, key.organ_id) != key:
                continue
            if year is not None and r["issued_date"] and not r["issued_date"].startswith(str(year)):
                continue
            out.append(str(r["ref"]))
        return out

    def refs_with_document_id(self, document_id: str) -> list[str]:
        return [str(r[0]) for r in self.db.query("SELECT ref FROM doc_in WHERE document_id = ?"
                                                 " AND document_id <> ''", (document_id,))]

    def history(self, ref: str) -> list[sqlite3.Row]:
        """The audit rows of a document, oldest first (its timeline)."""
        return self.db.query("SELECT id, ts, actor, action, detail FROM audit WHERE subject = ? ORDER BY id",
                             (ref,))

    def secret_holders(self, sha256: str) -> list[IncomingDocument | OutgoingDocument]:
        """The secret documents whose record names this file (their PDF, an attachment) — or, for a
        văn bản đi, whose history does: a draft PDF an edit replaced ("bản trước", kept), a PDF before
        a signature (audit rows of the document, by the ``audit_subject`` index)."""
        sql = "SELECT data FROM {0} INDEXED BY {0}_secret WHERE secrecy > 0 AND (instr(data, ?) > 0{1})"
        earlier = (" OR EXISTS (SELECT 1 FROM audit a WHERE a.subject = doc_out.ref"
                   " AND instr(a.detail, ?) > 0)")
        out: list[IncomingDocument | OutgoingDocument] = [
            decode(IncomingDocument, r["data"]) for r in self.db.query(sql.format("doc_in", ""), (sha256,))]
        out += [decode(OutgoingDocument, r["data"])
                for r in self.db.query(sql.format("doc_out", earlier), (sha256, sha256))]
        return out

    def incoming_of_scan(self, scan_id: int) -> IncomingDocument | None:
        row = self.db.query_one("SELECT data FROM doc_in WHERE scan_id = ?", (scan_id,))
        return decode(IncomingDocument, row["data"]) if row else None

    def integrity_ok(self, ref: str) -> bool | None:
        row = self.db.query_one("SELECT integrity_ok FROM doc_in WHERE ref = ?", (ref,))
        return None if row is None or row[0] is None else bool(row[0])

    def queued_deliveries(self) -> list[tuple[str, str, str]]:
        """(ref, recipient, DocumentId) of deliveries still 'queued' whose package the axis took."""
        rows = self.db.query(
            "SELECT o.ref, dd.organ_id, o.document_id FROM doc_delivery dd JOIN doc_out o ON o.id = dd.doc_id"
            " WHERE dd.state = 'queued' AND EXISTS (SELECT 1 FROM axis_outbox a WHERE a.kind = 'edoc'"
            " AND a.document_id = o.document_id AND a.recipient_code = dd.organ_id AND a.state = 'sent')")
        return [(r[0], r[1], r[2]) for r in rows]

    # -- saving ----------------------------------------------------------------------------------
    def _commit(self, tx: Callable[[SuDatabase], Outcome[Any]]) -> Outcome[Any]:
        out = self.db.write(tx)
        for e in out.events:
            if isinstance(e, DestroyContent):
                for sha in e.blobs:
                    self.blobs.destroy(sha)
        if any(isinstance(e, DestroyContent) for e in out.events):
            self.sweep_destroyed()
        return out

    def _save(self, d: SuDatabase, kind: _Kind[Any], out: Outcome[Any], *, actor: str, at: datetime,
              text: str | None = None, created: bool = False) -> None:
        doc = out.doc
        cols = kind.columns(doc)
        sets = ", ".join(f"{k} = ?" for k in cols)
        row = d.execute(f"UPDATE {kind.table} SET {sets}, data = ?, updated_at = ?,"
                        f" version = version + {0 if created else 1} WHERE ref = ? RETURNING id",
                        (*cols.values(), encode(doc), at.isoformat(), doc.ref)).fetchone()
        if row is None:
            raise DocumentNotFound(f"Không tìm thấy văn bản {doc.ref}.")
        doc_id = int(row[0])
        if kind is OUTGOING:
            self._save_deliveries(d, doc_id, doc)
        else:
            self._save_assignees(d, doc_id, doc)
        self._index(d, kind, doc, at=at, text=text)
        for e in out.events:
            self._event(d, doc, e, actor=actor, at=at)

    @staticmethod
    def _save_deliveries(d: SuDatabase, doc_id: int, doc: OutgoingDocument) -> None:
        d.execute("DELETE FROM doc_delivery WHERE doc_id = ?", (doc_id,))
        d.conn.executemany(
            "INSERT INTO doc_delivery (doc_id, organ_id, organ_name, channel, state, description,"
            " recall_reply, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(doc_id, x.recipient.organ.organ_id, x.recipient.organ.name, x.recipient.channel.value,
              x.state.value, x.description, x.recall_reply.value if x.recall_reply else None,
              x.updated_at.isoformat()) for x in doc.deliveries])

    @staticmethod
    def _save_assignees(d: SuDatabase, doc_id: int, doc: IncomingDocument) -> None:
        d.execute("DELETE FROM doc_assignee WHERE doc_id = ?", (doc_id,))
        if doc.assignment is None:
            return
        a = doc.assignment
        d.conn.executemany(
            "INSERT INTO doc_assignee (doc_id, kind, ref, name, lead, due_date) VALUES (?, ?, ?, ?, ?, ?)",
            [(doc_id, x.kind, x.ref, x.name, int(x is a.lead), _iso(x.due_date))
             for x in (a.lead, *a.cooperating)])

    @staticmethod
    def _index(d: SuDatabase, kind: _Kind[Any], doc: Any, *, at: datetime, text: str | None) -> None:
        if text is None:
            old = d.execute("SELECT body FROM search_doc WHERE kind = ? AND ref = ?",
                            (kind.prefix, doc.ref)).fetchone()
            text = old[0].partition("\n")[2] if old else ""
        if getattr(doc, "content_destroyed", False):
            text = ""
        index_text(d, kind=kind.prefix, ref=doc.ref, title=_search_title(doc.meta),
                   body=_search_meta(doc.meta) + "\n" + text, now=at)

    def _event(self, d: SuDatabase, doc: Any, e: Event, *, actor: str, at: datetime) -> None:
        if isinstance(e, AuditEvent):
            append_audit(d, now=at, actor=str(e.detail.get("actor", actor)), action=e.action,
                         subject=e.subject, detail=dict(e.detail))
        elif isinstance(e, SendStatus):
            pkg, data = self._factory().status(e, about=doc.meta, at=at)
            self.blobs.put_bytes(data)
            enqueue_outgoing(d, pkg, now=at, actor=actor)
        elif isinstance(e, OutboxPackage):
            files = [(main_file_name(doc.meta), self.blobs.read_bytes(doc.pdf_blob))]
            files += [(a.name, self.blobs.read_bytes(a.blob)) for a in doc.attachments if a.blob]
            pkg, data = self._factory().edoc(doc, e, files=files, at=at)
            self.blobs.put_bytes(data)
            enqueue_outgoing(d, pkg, now=at, actor=actor)
        elif isinstance(e, CancelPackage):
            d.execute("UPDATE axis_outbox SET state = 'rejected', last_error = ? WHERE kind = 'edoc'"
                      " AND document_id = ? AND recipient_code = ? AND state = 'queued'",
                      ("Đã hủy: văn bản bị thu hồi trước khi gửi đi.", doc.meta.document_id,
                       e.recipient.organ_id))
        elif isinstance(e, DestroyContent):
            raw = [r[0] for r in d.execute("SELECT blob_sha256 FROM axis_inbox WHERE doc_ref = ?",
                                           (e.document_ref,))]
            shas = sorted({*e.blobs, *raw})
            if shas:
                marks = ",".join("?" * len(shas))
                d.execute(f"UPDATE blob SET destroyed_at = ? WHERE sha256 IN ({marks})"
                          " AND destroyed_at IS NULL",
                          (at.isoformat(), *shas))
        elif isinstance(e, PrintPaperCopies):
            names = ", ".join(o.name or o.organ_id for o in e.recipients)
            self._notify(d, "role:clerk", f"In, đóng dấu và gửi bản giấy “{doc.meta.subject}” đến: {names}",
                         e.document_ref, at)
        elif isinstance(e, Notify):
            self._notify(d, e.to, e.message, e.document_ref, at)

    @staticmethod
    def _notify(d: SuDatabase, target: str, message: str, ref: str, at: datetime) -> None:
        d.execute("INSERT INTO notification (target, message, document_ref, created_at) VALUES (?, ?, ?, ?)",
                  (target, message, ref, at.isoformat()))

    def _factory(self) -> PackageFactory:
        if self.packages is None:
            raise StoreError("document exchange is not set up on this node (no package factory)",
                             code="exchange_not_configured")
        return self.packages

    def sweep_destroyed(self) -> int:
        """Delete the files of destroyed content still on disk (after a crash); returns how many."""
        rows = self.db.query("SELECT sha256 FROM blob WHERE destroyed_at IS NOT NULL")
        return sum(self.blobs.destroy(r[0]) for r in rows)

    # -- notifications ---------------------------------------------------------------------------
    def notifications_for(self, targets: Sequence[str], *, reader: str, limit: int = 20,
                          unread_only: bool = False) -> list[sqlite3.Row]:
        """The notifications to ``targets`` (``user:…``, ``role:…``, ``unit:…``), newest first, as
        ``reader`` sees them: ``read_at`` is when *they* read it (or when it was cleared for everyone
        before reading was kept per person — notifications_0001_read_by_user)."""
        if not targets:
            return []
        marks = ",".join("?" * len(targets))
        unread = " AND n.read_at IS NULL AND r.notification_id IS NULL" if unread_only else ""
        return self.db.query(
            "SELECT n.id, n.target, n.message, n.document_ref, n.created_at,"
            " coalesce(r.read_at, n.read_at) AS read_at FROM notification n"
            " LEFT JOIN notification_read r ON r.notification_id = n.id AND r.username = ?"
            f" WHERE n.target IN ({marks}){unread} ORDER BY n.id DESC LIMIT ?", (reader, *targets, limit))

    def mark_read(self, ids: Sequence[int], *, username: str, at: datetime) -> None:
        """``username`` has read these: for them only (the others a role notification reaches still
        see it)."""
        if ids and username:
            rows = [(int(i), username, at.isoformat()) for i in ids]
            self.db.write(lambda d: d.conn.executemany(
                "INSERT OR IGNORE INTO notification_read (notification_id, username, read_at)"
                " SELECT id, ?2, ?3 FROM notification WHERE id = ?1", rows))

    # -- hồ sơ ------------------------------------------------------------------------------------
    def get_dossier(self, file_code: FileCode) -> Dossier | None:
        row = self.db.query_one("SELECT data FROM dossier WHERE file_code = ?", (str(file_code),))
        return decode(Dossier, row["data"]) if row else None

    def dossiers_of(self, doc_ref: str) -> list[FileCode]:
        return [FileCode.parse(r[0]) for r in self.db.query(
            "SELECT file_code FROM dossier_member WHERE doc_ref = ? ORDER BY file_code", (doc_ref,))]

    def list_dossiers(self, year: int | None = None) -> list[Dossier]:
        sql, params = "SELECT data FROM dossier", []
        if year is not None:
            sql, params = sql + " WHERE year = ?", [year]
        rows = self.db.query(sql + " ORDER BY year DESC, file_code", tuple(params))
        return [decode(Dossier, r["data"]) for r in rows]

    def save_dossier(self, dossier: Dossier, events: tuple[AuditEvent, ...]) -> None:
        now = self.clock.now()

        def tx(d: SuDatabase) -> None:
            code = str(dossier.file_code)
            d.execute("INSERT INTO dossier (file_code, title, year, state, data, updated_at)"
                      " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (file_code) DO UPDATE SET"
                      " title = excluded.title, state = excluded.state,"
                      " data = excluded.data, updated_at = excluded.updated_at",
                      (code, dossier.title, dossier.file_code.year, dossier.state.value, encode(dossier),
                       now.isoformat()))
            d.execute("DELETE FROM dossier_member WHERE file_code = ?", (code,))
            d.conn.executemany("INSERT INTO dossier_member (file_code, doc_ref) VALUES (?, ?)",
                               [(code, i.doc_ref) for i in dossier.items])
            index_text(d, kind="dossier", ref=code, title=f"{code} {dossier.title}",
                       body="\n".join(f"{i.code} {i.subject}" for i in dossier.items), now=now)
            for e in events:
                append_audit(d, now=now, actor=str(e.detail.get("actor", "system")), action=e.action,
                             subject=e.subject, detail=dict(e.detail))

        self.db.write(tx)

    # -- meetings ----------------------------------------------------------------------------------
    def save_meeting(self, meeting: Meeting) -> None:
        start = meeting.start.isoformat() if meeting.start else "9999-12-31"
        self.db.write(lambda d: d.execute(
            "INSERT INTO meeting (document_ref, start_at, status, data) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (document_ref) DO UPDATE SET start_at = excluded.start_at,"
            " status = excluded.status, data = excluded.data",
            (meeting.document_ref, start, meeting.status.value, encode(meeting))))

    def meeting(self, document_ref: str) -> Meeting | None:
        row = self.db.query_one("SELECT data FROM meeting WHERE document_ref = ?", (document_ref,))
        return decode(Meeting, row["data"]) if row else None

    def meetings(self, *, since: datetime) -> list[Meeting]:
        rows = self.db.query("SELECT data FROM meeting WHERE status <> 'cancelled' AND start_at >= ?"
                             " ORDER BY start_at", (since.date().isoformat(),))
        return [decode(Meeting, r["data"]) for r in rows]

    # -- signature reports -------------------------------------------------------------------------
    def save_signature_report(self, sha256: str, report: dict[str, Any], *, ok: bool) -> None:
        now = self.clock.now().isoformat()
        self.db.write(lambda d: d.execute(
            "INSERT INTO signature_report (blob_sha256, ok, report, checked_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (blob_sha256) DO UPDATE SET ok = excluded.ok, report = excluded.report,"
            " checked_at = excluded.checked_at", (sha256, int(ok), encode(report), now)))

    def signature_report(self, sha256: str) -> dict[str, Any] | None:
        row = self.db.query_one("SELECT report FROM signature_report WHERE blob_sha256 = ?", (sha256,))
        if row is None:
            return None
        report: dict[str, Any] = json.loads(row["report"])
        return report

    def signature_recheck_candidates(self, *, everything: bool = False) -> list[str]:
        """The files whose stored report has a signature "chờ dữ liệu thu hồi" (every stored report
        with ``everything``), but content destroyed by a recall."""
        sql = ("SELECT r.blob_sha256 FROM signature_report r WHERE NOT EXISTS (SELECT 1 FROM blob b"
               " WHERE b.sha256 = r.blob_sha256 AND b.destroyed_at IS NOT NULL)")
        if not everything:
            sql += (" AND EXISTS (SELECT 1 FROM json_each(r.report, '$.signatures') s"
                    " WHERE json_extract(s.value, '$.revocation') = 'unknown')")
        return [str(r[0]) for r in self.db.query(sql + " ORDER BY r.blob_sha256")]

    def signature_holders(self, shas: Sequence[str]) -> dict[str, list[str]]:
        """sha256 → the documents whose record names the file (văn bản đến: its files; văn bản đi: its
        current PDF and its signed versions), văn bản đến first. One pass over the records."""
        if not shas:
            return {}
        wanted = json.dumps(sorted(set(shas)))
        rows = self.db.query(
            "SELECT j.value, d.ref FROM doc_in d, json_each(d.data, '$.blobs') j"
            " WHERE j.value IN (SELECT value FROM json_each(?)) ORDER BY d.id", (wanted,))
        rows += self.db.query(
            "SELECT v.sha, v.ref FROM (SELECT id, ref, json_extract(data, '$.pdf_blob') AS sha FROM doc_out"
            " UNION ALL SELECT id, ref, json_extract(data, '$.personal_signature.pdf_blob') FROM doc_out"
            " UNION ALL SELECT id, ref, json_extract(data, '$.agency_signature.pdf_blob') FROM doc_out) v"
            " WHERE v.sha IN (SELECT value FROM json_each(?)) ORDER BY v.id", (wanted,))
        out: dict[str, list[str]] = {}
        for sha, ref in rows:
            refs = out.setdefault(str(sha), [])
            if ref not in refs:
                refs.append(str(ref))
        return out

    def save_signature_rechecks(self, items: Sequence[tuple[Recheck, tuple[Event, ...], Sequence[str]]], *,
                                at: datetime) -> None:
        """Reports checked again, in one transaction: each new report (not when its file was unreadable),
        its audit row and notifications, and the signature verdict (``integrity_ok``) of the văn bản
        đến holding the files, which văn thư's tiếp nhận reads."""
        def tx(d: SuDatabase) -> None:
            refs: list[str] = []
            for r, events, holders in items:
                if r.after is not RecheckOutcome.UNREADABLE:
                    d.execute("INSERT INTO signature_report (blob_sha256, ok, report, checked_at)"
                              " VALUES (?, ?, ?, ?) ON CONFLICT (blob_sha256) DO UPDATE SET ok = excluded.ok,"
                              " report = excluded.report, checked_at = excluded.checked_at",
                              (r.sha256, int(r.ok), encode(r.report), at.isoformat()))
                for e in events:
                    self._event(d, None, e, actor="system", at=at)
                refs += [h for h in holders if h.startswith("in:") and h not in refs]
            for ref in refs:
                d.execute("UPDATE doc_in SET integrity_ok = (SELECT count(*) > 0 AND min(r.ok)"
                          " FROM json_each(doc_in.data, '$.blobs') j"
                          " JOIN signature_report r ON r.blob_sha256 = j.value)"
                          " WHERE ref = ? AND channel = 'axis'", (ref,))

        self.db.write(tx)

    # -- the agency directory (mirrored from the axis) ---------------------------------------------
    def agencies(self) -> list[Organ]:
        """The agencies of the axis directory, by name (the recipients offered for văn bản đi)."""
        rows = self.db.query("SELECT code, name FROM axis_agency WHERE deleted = 0 ORDER BY name, code")
        return [Organ(r["code"], r["name"]) for r in rows]

    # -- document types -----------------------------------------------------------------------------
    def categories(self) -> CategoryTable:
        rows = self.db.query("SELECT type_name, category, needs_legal_basis, needs_attachment"
                             " FROM doc_type_rule")
        return CategoryTable.from_rows([(r[0], r[1], bool(r[2]), bool(r[3])) for r in rows])

    def save_type_rule(self, type_name: str, rule: TypeRule, *, actor: str, at: datetime) -> None:
        name = " ".join(type_name.split())
        if not name:
            raise InvalidInput("Tên loại văn bản trống.", code="type_name_missing")

        def tx(d: SuDatabase) -> None:
            d.execute("INSERT INTO doc_type_rule (type_name, category, needs_legal_basis, needs_attachment)"
                      " VALUES (?, ?, ?, ?) ON CONFLICT (type_name) DO UPDATE SET"
                      " category = excluded.category,"
                      " needs_legal_basis = excluded.needs_legal_basis,"
                      " needs_attachment = excluded.needs_attachment",
                      (name, rule.category.value, int(rule.needs_legal_basis), int(rule.needs_attachment)))
            append_audit(d, now=at, actor=actor, action="doctype.save", subject=f"doctype:{name}",
                         detail={"category": rule.category.value, "legal_basis": rule.needs_legal_basis,
                                 "attachment": rule.needs_attachment})

        self.db.write(tx)


def main_file_name(meta: DocumentMetadata) -> str:
    """The PDF's name in a package: ``<số>-<ký hiệu>.pdf`` with path characters made safe."""
    base = meta.code or meta.subject[:40] or "van-ban"
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in base.replace("/", "-"))
    return f"{safe.strip('-') or 'van-ban'}.pdf"
