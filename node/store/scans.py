"""Scanned files and the documents made from them (implements ``ScanStore``).

Blobs first (the original byte for byte, then each part's searchable PDF), then one write
transaction: file row, part rows, search text, arrival row and audit row. The same bytes
arriving again add only an arrival row marked ``duplicate`` (idempotent by content).

The số hóa queue (``ScanQueue``): a scan leaves it registered (node/store/documents.py marks it
'confirmed' with the văn bản đến) or discarded by the văn thư (``scan_discard`` row, state
'discarded', audit row). Nothing of a discarded scan is deleted; it can be restored.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database as SuDatabase

from node.domain.scanning import (
    QueuedScan,
    SavedScan,
    ScanDiscard,
    ScanNotQueued,
    ScanRestore,
    ScanSubmission,
    TransientScanError,
    WarningCode,
)
from node.store.audit import append_audit
from node.store.blobs import BlobRef, BlobStore, record_blob
from node.store.db import Database
from node.store.search import index_text

ACTOR = "scanner"


def _ts(now: datetime) -> str:
    return now.isoformat(timespec="seconds")


def _busy(e: sqlite3.OperationalError) -> bool:
    text = str(e).lower()
    return "locked" in text or "busy" in text


@dataclass(frozen=True)
class ScanFileRow:
    id: int
    sha256: str
    file_name: str
    folder: str
    purpose: str
    media_type: str
    parts: int
    received_at: str


@dataclass(frozen=True)
class ScanRow:
    id: int
    file_id: int
    part: int
    pdf_sha256: str
    pdf_is_original: bool
    pages: int
    ocr: bool
    signed: bool
    dpi: int | None
    text: str
    fields: dict[str, Any]
    warnings: list[dict[str, str]]
    state: str


class SqliteScanStore:
    def __init__(self, db: Database, blobs: BlobStore) -> None:
        self.db = db
        self.blobs = blobs

    # -- ScanStore port ----------------------------------------------------------------------
    def find_by_sha256(self, sha256: str) -> int | None:
        row = self.db.query_one(
            "SELECT s.id FROM scan_file f JOIN scan s ON s.file_id = f.id WHERE f.sha256 = ?"
            " ORDER BY s.part LIMIT 1", (sha256,))
        return int(row[0]) if row else None

    def save(self, submission: ScanSubmission, *, now: datetime) -> SavedScan:
        original = self.blobs.put_file(submission.original)
        if original.sha256 != submission.original_sha256:
            raise TransientScanError("the file changed while it was being digitized",
                                     code="file_changed")
        part_refs: list[BlobRef] = [
            original if p.pdf_is_original and p.pdf == submission.original else self.blobs.put_file(p.pdf)
            for p in submission.parts
        ]

        def tx(db: SuDatabase) -> SavedScan:
            known = db.execute(
                "SELECT f.id, min(s.id) FROM scan_file f JOIN scan s ON s.file_id = f.id"
                " WHERE f.sha256 = ? GROUP BY f.id", (original.sha256,)).fetchone()
            if known is not None:
                self._arrival(db, known[0], submission.file_name, submission.folder, "duplicate",
                              now, code=WarningCode.DUPLICATE.value, sha256=original.sha256)
                append_audit(db, now=now, actor=ACTOR, action="scan.duplicate", subject=f"scan:{known[1]}",
                             detail={"file": submission.file_name, "folder": submission.folder})
                return SavedScan((), duplicate_of=int(known[1]))
            record_blob(db, original, media_type=submission.media_type, now=now)
            cur = db.execute(
                "INSERT INTO scan_file (sha256, file_name, folder, purpose, media_type, parts, warnings,"
                " received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (original.sha256, submission.file_name, submission.folder, submission.purpose.value,
                 submission.media_type, len(submission.parts),
                 json.dumps([w.as_dict() for w in submission.warnings], ensure_ascii=False), _ts(now)))
            file_id = int(cur.lastrowid or 0)
            ids: list[int] = []
            for part, ref in zip(submission.parts, part_refs, strict=True):
                record_blob(db, ref, media_type="application/pdf", now=now)
                cur = db.execute(
                    "INSERT INTO scan (file_id, part, pdf_sha256, pdf_is_original, pages, ocr, signed, dpi,"
                    " text, fields, warnings, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (file_id, part.index, ref.sha256, int(part.pdf_is_original), part.pages, int(part.ocr),
                     int(part.signed), part.dpi, part.text,
                     json.dumps(part.fields.as_dict(), ensure_ascii=False),
                     json.dumps([w.as_dict() for w in part.warnings], ensure_ascii=False), _ts(now)))
                scan_id = int(cur.lastrowid or 0)
                ids.append(scan_id)
                subject = part.fields.subject.value
                title = str(subject) if subject else submission.file_name
                index_text(db, kind="scan", ref=str(scan_id), title=title, body=part.text, now=now)
            self._arrival(db, file_id, submission.file_name, submission.folder, "stored", now,
                          sha256=original.sha256)
            append_audit(db, now=now, actor=ACTOR, action="scan.stored", subject=f"scan_file:{file_id}",
                         detail={"file": submission.file_name, "folder": submission.folder,
                                 "sha256": original.sha256, "scans": ids})
            return SavedScan(tuple(ids))

        result: SavedScan = self._write(tx)
        return result

    def note_duplicate(self, scan_id: int, *, file_name: str, folder: str, now: datetime) -> None:
        def tx(db: SuDatabase) -> None:
            row = db.execute("SELECT file_id FROM scan WHERE id = ?", (scan_id,)).fetchone()
            self._arrival(db, row[0] if row else None, file_name, folder, "duplicate", now,
                          code=WarningCode.DUPLICATE.value)
            append_audit(db, now=now, actor=ACTOR, action="scan.duplicate", subject=f"scan:{scan_id}",
                         detail={"file": file_name, "folder": folder})

        self._write(tx)

    def note_rejected(self, *, file_name: str, folder: str, code: str, message: str,
                      sha256: str | None, now: datetime) -> None:
        def tx(db: SuDatabase) -> None:
            self._arrival(db, None, file_name, folder, "rejected", now, code=code, message=message,
                          sha256=sha256)
            append_audit(db, now=now, actor=ACTOR, action="scan.rejected", subject=file_name,
                         detail={"folder": folder, "code": code, "sha256": sha256})

        self._write(tx)

    # -- queries -----------------------------------------------------------------------------
    def files(self) -> list[ScanFileRow]:
        rows = self.db.query("SELECT id, sha256, file_name, folder, purpose, media_type, parts, received_at"
                             " FROM scan_file ORDER BY id")
        return [ScanFileRow(*tuple(r)) for r in rows]

    def scans_of(self, file_id: int) -> list[ScanRow]:
        rows = self.db.query("SELECT * FROM scan WHERE file_id = ? ORDER BY part", (file_id,))
        return [self._scan(r) for r in rows]

    def get(self, scan_id: int) -> ScanRow | None:
        row = self.db.query_one("SELECT * FROM scan WHERE id = ?", (scan_id,))
        return self._scan(row) if row else None

    def arrivals(self, outcome: str | None = None) -> list[sqlite3.Row]:
        if outcome is None:
            return self.db.query("SELECT * FROM scan_arrival ORDER BY id")
        return self.db.query("SELECT * FROM scan_arrival WHERE outcome = ? ORDER BY id", (outcome,))

    # -- ScanQueue port (the số hóa page) -------------------------------------------------------
    _QUEUED = ("SELECT s.id, f.file_name, f.received_at, s.pdf_sha256, s.pages, s.part, f.parts, s.ocr,"
               " s.signed, s.text, s.fields, s.warnings, s.state, f.purpose,"
               " (SELECT d.ref FROM doc_in d WHERE d.scan_id = s.id ORDER BY d.id LIMIT 1) AS doc_ref,"
               " x.reason AS discard_reason, x.discarded_by, x.discarded_at"
               " FROM scan s JOIN scan_file f ON f.id = s.file_id"
               " LEFT JOIN scan_discard x ON x.scan_id = s.id AND x.restored_at IS NULL")

    def queue(self, *, limit: int = 20, offset: int = 0) -> list[QueuedScan]:
        """Incoming-paper scans still 'new' (registering one marks it 'confirmed' in the same
        transaction: node/store/documents.py), oldest first."""
        rows = self.db.query(f"{self._QUEUED} WHERE s.state = 'new' AND f.purpose = 'incoming'"
                             " ORDER BY s.id LIMIT ? OFFSET ?", (limit, offset))
        return [self._queued(r) for r in rows]

    def count_queue(self) -> int:
        row = self.db.query_one("SELECT count(*) FROM scan s JOIN scan_file f ON f.id = s.file_id"
                                " WHERE s.state = 'new' AND f.purpose = 'incoming'")
        return int(row[0]) if row else 0

    def queued(self, scan_id: int) -> QueuedScan | None:
        row = self.db.query_one(f"{self._QUEUED} WHERE s.id = ?", (scan_id,))
        return self._queued(row) if row else None

    def discarded(self, *, limit: int = 20, offset: int = 0) -> list[QueuedScan]:
        rows = self.db.query(f"{self._QUEUED} WHERE s.state = 'discarded' ORDER BY x.id DESC"
                             " LIMIT ? OFFSET ?", (limit, offset))
        return [self._queued(r) for r in rows]

    def count_discarded(self) -> int:
        row = self.db.query_one("SELECT count(*) FROM scan WHERE state = 'discarded'")
        return int(row[0]) if row else 0

    def discard(self, step: ScanDiscard) -> None:
        """Only the state changes: the scan row, its blobs (the original byte for byte and the
        searchable PDF), its text and its arrival rows are kept — what arrived on paper is evidence,
        and a discard made by mistake is undone by :meth:`restore`."""
        def tx(db: SuDatabase) -> None:
            moved = db.execute(
                "UPDATE scan SET state = 'discarded' WHERE id = ? AND state = 'new'"
                " AND NOT EXISTS (SELECT 1 FROM doc_in d WHERE d.scan_id = scan.id)", (step.scan_id,))
            if moved.rowcount != 1:
                raise ScanNotQueued(f"Bản quét số {step.scan_id} không còn chờ vào sổ (vừa được vào sổ hoặc"
                                    " loại bỏ).")
            db.execute("INSERT INTO scan_discard (scan_id, reason, discarded_by, discarded_at)"
                       " VALUES (?, ?, ?, ?)", (step.scan_id, step.reason, step.by, _ts(step.at)))
            append_audit(db, now=step.at, actor=step.by, action="scan.discarded",
                         subject=f"scan:{step.scan_id}",
                         detail={"reason": step.reason, **self._file_of(db, step.scan_id)})

        self.db.write(tx)

    def restore(self, step: ScanRestore) -> None:
        def tx(db: SuDatabase) -> None:
            moved = db.execute("UPDATE scan SET state = 'new' WHERE id = ? AND state = 'discarded'",
                               (step.scan_id,))
            if moved.rowcount != 1:
                raise ScanNotQueued(f"Bản quét số {step.scan_id} không còn trong danh sách đã loại bỏ.",
                                    code="scan_not_discarded")
            db.execute("UPDATE scan_discard SET restored_by = ?, restored_at = ?"
                       " WHERE scan_id = ? AND restored_at IS NULL", (step.by, _ts(step.at), step.scan_id))
            append_audit(db, now=step.at, actor=step.by, action="scan.restored",
                         subject=f"scan:{step.scan_id}", detail=self._file_of(db, step.scan_id))

        self.db.write(tx)

    def discards_of(self, scan_id: int) -> list[sqlite3.Row]:
        """Every discard of a scan (and its restore, if any), oldest first."""
        return self.db.query("SELECT * FROM scan_discard WHERE scan_id = ? ORDER BY id", (scan_id,))

    @staticmethod
    def _file_of(db: SuDatabase, scan_id: int) -> dict[str, Any]:
        row = db.execute("SELECT f.file_name, s.pdf_sha256 FROM scan s JOIN scan_file f ON f.id = s.file_id"
                         " WHERE s.id = ?", (scan_id,)).fetchone()
        return {"file": row[0], "sha256": row[1]} if row else {}

    @staticmethod
    def _queued(r: sqlite3.Row) -> QueuedScan:
        return QueuedScan(id=r["id"], file_name=r["file_name"], received_at=r["received_at"],
                          pdf_sha256=r["pdf_sha256"], pages=r["pages"], part=r["part"], parts=r["parts"],
                          ocr=bool(r["ocr"]), signed=bool(r["signed"]), text=r["text"],
                          fields=json.loads(r["fields"]), warnings=tuple(json.loads(r["warnings"])),
                          state=r["state"], doc_ref=r["doc_ref"] or "", purpose=r["purpose"],
                          discard_reason=r["discard_reason"] or "", discarded_by=r["discarded_by"] or "",
                          discarded_at=r["discarded_at"] or "")

    # -- helpers -----------------------------------------------------------------------------
    @staticmethod
    def _scan(r: sqlite3.Row) -> ScanRow:
        return ScanRow(id=r["id"], file_id=r["file_id"], part=r["part"], pdf_sha256=r["pdf_sha256"],
                       pdf_is_original=bool(r["pdf_is_original"]), pages=r["pages"], ocr=bool(r["ocr"]),
                       signed=bool(r["signed"]), dpi=r["dpi"], text=r["text"],
                       fields=json.loads(r["fields"]), warnings=json.loads(r["warnings"]), state=r["state"])

    @staticmethod
    def _arrival(db: SuDatabase, file_id: int | None, file_name: str, folder: str, outcome: str,
                 now: datetime, *, code: str = "", message: str = "", sha256: str | None = None) -> None:
        db.execute("INSERT INTO scan_arrival (file_id, file_name, folder, outcome, code, message, sha256, at)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (file_id, file_name, folder, outcome, code, message, sha256, _ts(now)))

    def _write(self, fn: Any) -> Any:
        try:
            return self.db.write(fn)
        except sqlite3.OperationalError as e:
            if _busy(e):
                raise TransientScanError(f"database busy: {e}", code="database_busy") from e
            raise
