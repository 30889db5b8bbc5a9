"""The hub's SQLite: agencies, messages and per-recipient mailboxes.

One connection guarded by a lock (the hub is a reference implementation, not a city-scale
service); WAL mode, ``synchronous=FULL``, every change in ``BEGIN IMMEDIATE``. A message and its
mailbox rows commit together: a recipient sees a package only once it is durably stored.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS agency (
    code       TEXT PRIMARY KEY,
    code102    TEXT NOT NULL DEFAULT '',
    old_code   TEXT NOT NULL DEFAULT '',
    name       TEXT NOT NULL,
    mail       TEXT NOT NULL DEFAULT '',
    pid        TEXT NOT NULL DEFAULT '',
    systemid   TEXT NOT NULL UNIQUE,
    secret     TEXT NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS message (
    id          INTEGER PRIMARY KEY,
    doc_id      TEXT NOT NULL UNIQUE,
    sender      TEXT NOT NULL REFERENCES agency(code),
    messagetype TEXT NOT NULL CHECK (messagetype IN ('edoc', 'status')),
    document_id TEXT NOT NULL,
    status_code TEXT,
    title       TEXT NOT NULL DEFAULT '',
    notation    TEXT NOT NULL DEFAULT '',
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    data        BLOB NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mailbox (
    id          INTEGER PRIMARY KEY,
    message_id  INTEGER NOT NULL REFERENCES message(id),
    recipient   TEXT NOT NULL REFERENCES agency(code),
    dedupe_key  TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'processing', 'done', 'fail')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    done_at     TEXT,
    UNIQUE (recipient, dedupe_key)
);
CREATE INDEX IF NOT EXISTS mailbox_open ON mailbox (recipient, status, id);
CREATE INDEX IF NOT EXISTS mailbox_message ON mailbox (message_id);
CREATE INDEX IF NOT EXISTS message_sender ON message (sender, messagetype, document_id);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Agency:
    code: str
    code102: str
    old_code: str
    name: str
    mail: str
    pid: str
    systemid: str
    secret: str
    deleted: bool
    version: int


class HubDB:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False,
                                     timeout=10)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON",
                       "busy_timeout = 10000"):
            self._conn.execute(f"PRAGMA {pragma}")
        with self._lock:
            self._conn.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            return result

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._conn.execute(sql, tuple(params)).fetchall())

    # -- agencies ------------------------------------------------------------------------------
    def add_agency(self, code: str, name: str, *, systemid: str = "", secret: str = "",
                   code102: str = "", old_code: str = "", mail: str = "", pid: str = "") -> Agency:
        """Register an agency (or return the existing one unchanged)."""
        systemid = systemid or code
        secret = secret or secrets.token_hex(32)

        def tx(c: sqlite3.Connection) -> None:
            c.execute(
                "INSERT INTO agency (code, code102, old_code, name, mail, pid, systemid, secret,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING",
                (code, code102 or code, old_code, name, mail, pid, systemid, secret, _now()))

        self.write(tx)
        agency = self.agency_by_code(code)
        assert agency is not None
        return agency

    def _agency(self, where: str, value: str) -> Agency | None:
        rows = self.query(f"SELECT * FROM agency WHERE {where} AND deleted = 0", (value,) * where.count("?"))
        if not rows:
            return None
        r = rows[0]
        return Agency(code=r["code"], code102=r["code102"], old_code=r["old_code"], name=r["name"],
                      mail=r["mail"], pid=r["pid"], systemid=r["systemid"], secret=r["secret"],
                      deleted=bool(r["deleted"]), version=r["version"])

    def agency_by_code(self, code: str) -> Agency | None:
        """Match any of the agency's codes (code, code102, old_code)."""
        if not code:
            return None
        return self._agency("(code = ? OR code102 = ? OR (old_code != '' AND old_code = ?))", code)

    def agency_by_systemid(self, systemid: str) -> Agency | None:
        return self._agency("systemid = ?", systemid)

    def agencies(self) -> list[sqlite3.Row]:
        return self.query("SELECT code, code102, old_code, name, mail, pid, deleted, version"
                          " FROM agency ORDER BY code")

    # -- messages ------------------------------------------------------------------------------
    def store_message(self, *, sender: str, messagetype: str, document_id: str,
                      status_code: str | None, title: str, notation: str, data: bytes, sha256: str,
                      recipients: list[tuple[str, str]]) -> tuple[str, bool]:
        """Store a package for its recipients ``[(code, dedupe_key)]`` in one transaction.

        Returns ``(DocId, created)``. A recipient that already holds a package with the same
        dedupe key from this sender is not given a second copy; when every recipient already
        has it, nothing is stored and the original DocId is returned.
        """

        def tx(c: sqlite3.Connection) -> tuple[str, bool]:
            existing: str | None = None
            fresh: list[tuple[str, str]] = []
            for recipient, key in recipients:
                row = c.execute(
                    "SELECT m.doc_id FROM mailbox b JOIN message m ON m.id = b.message_id"
                    " WHERE b.recipient = ? AND b.dedupe_key = ?", (recipient, key)).fetchone()
                if row is None:
                    fresh.append((recipient, key))
                elif existing is None:
                    existing = str(row[0])
            if not fresh:
                assert existing is not None
                return existing, False
            doc_id = str(uuid.uuid4())
            now = _now()
            cur = c.execute(
                "INSERT INTO message (doc_id, sender, messagetype, document_id, status_code, title,"
                " notation, sha256, size, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (doc_id, sender, messagetype, document_id, status_code, title, notation, sha256,
                 len(data), data, now))
            for recipient, key in fresh:
                c.execute("INSERT INTO mailbox (message_id, recipient, dedupe_key, created_at,"
                          " updated_at) VALUES (?, ?, ?, ?, ?)", (cur.lastrowid, recipient, key, now, now))
            return doc_id, True

        return self.write(tx)

    def mailbox(self, recipient: str, messagetype: str, limit: int) -> list[sqlite3.Row]:
        return self.query(
            "SELECT m.doc_id, m.sender, b.recipient, m.messagetype, b.status, m.created_at,"
            " b.updated_at FROM mailbox b JOIN message m ON m.id = b.message_id"
            " WHERE b.recipient = ? AND b.status != 'done' AND m.messagetype = ?"
            " ORDER BY b.id LIMIT ?", (recipient, messagetype, limit))

    def package_for(self, recipient: str, doc_id: str) -> bytes | None:
        rows = self.query(
            "SELECT m.data FROM mailbox b JOIN message m ON m.id = b.message_id"
            " WHERE b.recipient = ? AND m.doc_id = ?", (recipient, doc_id))
        return bytes(rows[0]["data"]) if rows else None

    def update_status(self, recipient: str, doc_id: str, status: str) -> bool:
        def tx(c: sqlite3.Connection) -> bool:
            now = _now()
            cur = c.execute(
                "UPDATE mailbox SET status = ?, updated_at = ?,"
                " done_at = CASE WHEN ? = 'done' THEN coalesce(done_at, ?) ELSE done_at END"
                " WHERE recipient = ? AND message_id = (SELECT id FROM message WHERE doc_id = ?)",
                (status, now, status, now, recipient, doc_id))
            return cur.rowcount > 0

        return self.write(tx)

    def sent(self, sender: str, *, messagetype: str | None, doc_id: str | None,
             document_id: str | None, to_code: str | None, limit: int) -> list[sqlite3.Row]:
        where = ["m.sender = ?"]
        params: list[Any] = [sender]
        for column, value in (("m.messagetype", messagetype), ("m.doc_id", doc_id),
                              ("m.document_id", document_id), ("b.recipient", to_code)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        params.append(limit)
        return self.query(
            "SELECT m.doc_id, m.sender, b.recipient, m.messagetype, m.document_id, m.title,"
            " m.notation, m.sha256, m.created_at, b.status, b.done_at, b.dedupe_key"
            " FROM mailbox b JOIN message m ON m.id = b.message_id"
            f" WHERE {' AND '.join(where)} ORDER BY b.id DESC LIMIT ?", params)

    def counts(self) -> dict[str, int]:
        rows = self.query("SELECT (SELECT count(*) FROM message) AS messages,"
                          " (SELECT count(*) FROM mailbox WHERE status != 'done') AS pending,"
                          " (SELECT count(*) FROM agency) AS agencies")
        return {k: int(rows[0][k]) for k in ("messages", "pending", "agencies")}
