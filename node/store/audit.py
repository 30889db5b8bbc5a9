"""Append-only audit log; each row carries the hash of the previous one.

``hash = sha256(prev_hash | id | ts | actor | action | subject | detail)`` over the exact stored
text. Changing, deleting or reordering a row breaks the chain at that row; ``audit_head`` keeps
the last id and hash so a truncated tail is noticed too. Rows are appended inside the caller's
write transaction, so an audit row exists exactly when the change it records does.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

GENESIS = "0" * 64


def canonical_json(detail: Mapping[str, Any]) -> str:
    return json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def row_hash(prev_hash: str, id_: int, ts: str, actor: str, action: str, subject: str, detail: str) -> str:
    payload = "\x1f".join([prev_hash, str(id_), ts, actor, action, subject, detail])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append_audit(db: Database, *, now: datetime, actor: str, action: str, subject: str = "",
                 detail: Mapping[str, Any] | None = None) -> int:
    """Append one row to the chain. Call it inside a write transaction."""
    head = db.execute("SELECT last_id, last_hash FROM audit_head WHERE id = 1").fetchone()
    last_id, prev = (head[0], head[1]) if head else (0, GENESIS)
    new_id = last_id + 1
    ts = now.isoformat(timespec="microseconds")
    text = canonical_json(detail or {})
    digest = row_hash(prev, new_id, ts, actor, action, subject, text)
    db.execute(
        "INSERT INTO audit (id, ts, actor, action, subject, detail, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (new_id, ts, actor, action, subject, text, prev, digest),
    )
    db.execute(
        "INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET last_id = excluded.last_id, last_hash = excluded.last_hash",
        (new_id, digest),
    )
    return new_id


@dataclass(frozen=True)
class AuditProblem:
    row_id: int
    reason: str

    def __str__(self) -> str:
        return f"audit row {self.row_id}: {self.reason}"


@dataclass(frozen=True)
class AuditReport:
    rows: int
    problem: AuditProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_chain(rows: Iterable[sqlite3.Row | tuple[Any, ...]],
                 head: tuple[int, str] | None) -> AuditReport:
    """Walk the rows in id order; report the first one that breaks the chain."""
    prev, expected_id, count = GENESIS, 1, 0
    for r in rows:
        id_, ts, actor, action, subject, detail, prev_hash, digest = tuple(r)
        count += 1
        if id_ != expected_id:
            return AuditReport(count, AuditProblem(expected_id, f"missing (next row found is {id_})"))
        if prev_hash != prev:
            return AuditReport(count, AuditProblem(id_, "does not follow the row before it"
                                                          " (deleted, inserted or reordered)"))
        if row_hash(prev_hash, id_, ts, actor, action, subject, detail) != digest:
            return AuditReport(count, AuditProblem(id_, "content changed after it was written"))
        prev, expected_id = digest, expected_id + 1
    last_id = expected_id - 1
    if head is None:
        if count:
            return AuditReport(count, AuditProblem(last_id, "the chain head record is missing"))
        return AuditReport(count, None)
    head_id, head_hash = head
    if head_id > last_id:
        return AuditReport(count, AuditProblem(last_id + 1, f"missing: the chain ends at row {last_id}"
                                                            f" but the head records row {head_id}"))
    if head_id < last_id:
        return AuditReport(count, AuditProblem(head_id + 1, "added outside the application"
                                                            " (not recorded in the chain head)"))
    if head_hash != prev:
        return AuditReport(count, AuditProblem(last_id, "does not match the chain head"))
    return AuditReport(count, None)


def verify_audit(conn: sqlite3.Connection) -> AuditReport:
    rows = conn.execute(
        "SELECT id, ts, actor, action, subject, detail, prev_hash, hash FROM audit ORDER BY id"
    )
    head_row = conn.execute("SELECT last_id, last_hash FROM audit_head WHERE id = 1").fetchone()
    head = (int(head_row[0]), str(head_row[1])) if head_row else None
    return verify_chain(rows, head)
