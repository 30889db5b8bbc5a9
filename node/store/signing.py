"""The timestamp-upgrade queue: signatures made B-B while the timestamp authority was away.

Implements :class:`node.domain.signing.TimestampQueue`. One row per (blob, signature field);
queueing the same signature twice is a no-op.
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database as SuDatabase

from node.domain.signing import PendingTimestamp
from node.store.audit import append_audit
from node.store.db import Database


class SqliteTimestampQueue:
    def __init__(self, db: Database) -> None:
        self.db = db

    def enqueue(self, *, blob_sha256: str, field_name: str, now: datetime) -> None:
        def fn(db: SuDatabase) -> None:
            cur = db.execute("INSERT OR IGNORE INTO signing_timestamp_queue"
                             " (blob_sha256, field_name, queued_at) VALUES (?, ?, ?)",
                             (blob_sha256, field_name, now.isoformat(timespec="seconds")))
            if cur.rowcount:
                append_audit(db, now=now, actor="signing", action="signing.timestamp_queued",
                             subject=f"blob:{blob_sha256}", detail={"field": field_name})
        self.db.write(fn)

    def pending(self, limit: int = 100) -> list[PendingTimestamp]:
        rows = self.db.query("SELECT id, blob_sha256, field_name, queued_at, attempts"
                             " FROM signing_timestamp_queue WHERE done_at IS NULL ORDER BY id LIMIT ?",
                             (limit,))
        return [PendingTimestamp(int(r["id"]), str(r["blob_sha256"]), str(r["field_name"]),
                                 str(r["queued_at"]), int(r["attempts"])) for r in rows]

    def mark_done(self, item_id: int, *, new_blob_sha256: str, now: datetime) -> None:
        def fn(db: SuDatabase) -> None:
            db.execute("UPDATE signing_timestamp_queue SET done_at = ?, new_blob_sha256 = ?,"
                       " last_error = NULL WHERE id = ?",
                       (now.isoformat(timespec="seconds"), new_blob_sha256, item_id))
            append_audit(db, now=now, actor="signing", action="signing.timestamp_added",
                         subject=f"blob:{new_blob_sha256}", detail={"queue_id": item_id})
        self.db.write(fn)

    def mark_failed(self, item_id: int, *, error: str, now: datetime) -> None:
        self.db.write(lambda db: db.execute(
            "UPDATE signing_timestamp_queue SET attempts = attempts + 1, last_error = ? WHERE id = ?",
            (error[:500], item_id)))
