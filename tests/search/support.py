"""Rows for the read-side tests, written through SQL that matches ``documents_0001_tables`` (the
columns the document store fills) and indexed the way it indexes (kind "in"/"out", ref "in:N")."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database as SuDatabase

from node.domain.clock import VN_TZ
from node.store.db import Database
from node.store.search import index_text

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=VN_TZ)


def add_in(db: Database, subject: str, *, issuer: str = "Sở Tài chính", issuer_code: str = "000.00.12.H26",
           state: str = "received", received: str = "2026-03-02T09:00:00+07:00", type_name: str = "Công văn",
           code: str = "", due: str | None = None, priority: int = 0, register: str = "",
           arrival_year: int | None = None, text: str = "", recall_pending: bool = False,
           secrecy: int = 0, assignees: tuple[tuple[str, str, bool, str | None], ...] = ()) -> int:
    """One văn bản đến; ``assignees`` are (kind, ref, lead, due_date)."""

    def tx(d: SuDatabase) -> int:
        cur = d.execute(
            "INSERT INTO doc_in (ref, state, subject, type_name, code, issuer_code, issuer_name, channel,"
            " priority, secrecy, received_at, register_code, arrival_year, due_date, recall_pending, data,"
            " updated_at) VALUES ('', ?, ?, ?, ?, ?, ?, 'axis', ?, ?, ?, ?, ?, ?, ?, '{}', ?)",
            (state, subject, type_name, code, issuer_code, issuer, priority, secrecy, received, register,
             arrival_year, due, int(recall_pending), received))
        doc_id = int(cur.lastrowid or 0)
        ref = f"in:{doc_id}"
        d.execute("UPDATE doc_in SET ref = ? WHERE id = ?", (ref, doc_id))
        for kind, who, lead, when in assignees:
            d.execute("INSERT INTO doc_assignee (doc_id, kind, ref, name, lead, due_date)"
                      " VALUES (?, ?, ?, ?, ?, ?)", (doc_id, kind, who, who, int(lead), when))
        index_text(d, kind="in", ref=ref, title=" ".join(p for p in (code, subject) if p),
                   body=f"{type_name} · {issuer}\n{text}", now=NOW)
        return doc_id

    return db.write(tx)


def add_out(db: Database, subject: str, *, state: str = "draft", created: str = "2026-03-02T09:00:00+07:00",
            type_name: str = "Công văn", register: str = "", text: str = "", author: str = "chuyenvien",
            secrecy: int = 0, reviewers: tuple[str, ...] = (), **extra: Any) -> int:
    def tx(d: SuDatabase) -> int:
        cur = d.execute(
            "INSERT INTO doc_out (ref, state, subject, type_name, author, category, created_at,"
            " register_code, secrecy, data, updated_at)"
            " VALUES ('', ?, ?, ?, ?, 'electronic', ?, ?, ?, ?, ?)",
            (state, subject, type_name, author, created, register, secrecy,
             json.dumps({"reviewers": list(reviewers)}), created))
        doc_id = int(cur.lastrowid or 0)
        ref = f"out:{doc_id}"
        d.execute("UPDATE doc_out SET ref = ? WHERE id = ?", (ref, doc_id))
        index_text(d, kind="out", ref=ref, title=subject, body=f"{type_name}\n{text}", now=NOW)
        return doc_id

    return db.write(tx)
