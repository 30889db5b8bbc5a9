"""Exchange tables: outbox, inbox, link state, outage ledger, agency mirror.

Implements :class:`node.domain.exchange.ExchangeStore`. Times that SQL compares (leases, retry
times) are stored as UTC ISO strings so that text order is time order.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database as SuDatabase

from node.domain.clock import Clock
from node.domain.exchange import (
    AgencyEntry,
    ExchangeStatus,
    InboxOutcome,
    IncomingPackage,
    LinkState,
    Outage,
    OutboxItem,
    OutboxState,
    OutgoingPackage,
    PackageKind,
    StuckItem,
    report_due,
)
from node.store.audit import append_audit
from node.store.blobs import BlobRef, BlobStore, record_blob
from node.store.db import Database

OPEN_STATES = ("queued", "sending")
PACKAGE_MEDIA_TYPE = "application/xml"


def ts(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def parse_ts(value: str | None, tz: datetime | None = None) -> datetime | None:
    if not value:
        return None
    when = datetime.fromisoformat(value)
    return when.astimezone(tz.tzinfo) if tz is not None and tz.tzinfo is not None else when


def queue_depth(db: SuDatabase) -> int:
    row = db.execute("SELECT count(*) FROM axis_outbox WHERE state IN ('queued', 'sending')").fetchone()
    return int(row[0])


def enqueue_outgoing(db: SuDatabase, package: OutgoingPackage, *, now: datetime, actor: str) -> int:
    """Queue a package for the axis inside the caller's write transaction.

    The package bytes must already be in the blob store (``BlobStore.put_bytes``); this records
    the blob row, the outbox row and the audit row together with whatever change the caller is
    committing, so a change and the package announcing it exist together or not at all.
    """
    record_blob(db, BlobRef(package.blob_sha256, package.size), media_type=PACKAGE_MEDIA_TYPE, now=now)
    cur = db.execute(
        "INSERT INTO axis_outbox (kind, blob_sha256, size, document_id, recipient_code, subject,"
        " priority, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (package.kind.value, package.blob_sha256, package.size, package.document_id,
         package.recipient_code, package.subject, package.priority, ts(now)))
    item_id = int(cur.lastrowid or 0)
    append_audit(db, now=now, actor=actor, action="axis.queue", subject=f"outbox:{item_id}",
                 detail={"kind": package.kind.value, "document_id": package.document_id,
                         "to": package.recipient_code, "sha256": package.blob_sha256})
    if db.execute("SELECT 1 FROM axis_outage WHERE ended_at IS NULL").fetchone():
        db.execute("UPDATE axis_outage SET max_queued = max(max_queued, ?) WHERE ended_at IS NULL",
                   (queue_depth(db),))
    return item_id


def _item(r: sqlite3.Row) -> OutboxItem:
    return OutboxItem(id=r["id"], kind=PackageKind(r["kind"]), blob_sha256=r["blob_sha256"],
                      document_id=r["document_id"], recipient_code=r["recipient_code"],
                      state=OutboxState(r["state"]), attempts=r["attempts"], in_doubt=bool(r["in_doubt"]),
                      axis_doc_id=r["axis_doc_id"], last_error=r["last_error"],
                      next_attempt_at=parse_ts(r["next_attempt_at"]))


def _outage(r: sqlite3.Row) -> Outage:
    started = parse_ts(r["started_at"])
    assert started is not None
    return Outage(id=r["id"], started_at=started, ended_at=parse_ts(r["ended_at"]),
                  queued_at_start=r["queued_at_start"], max_queued=r["max_queued"],
                  drained_at=parse_ts(r["drained_at"]), report_state=r["report_state"],
                  last_error=r["last_error"])


class SqliteExchangeStore:
    """The exchange tables over the node database and blob store."""

    def __init__(self, db: Database, blobs: BlobStore, clock: Clock) -> None:
        self.db = db
        self.blobs = blobs
        self.clock = clock

    # -- outbox --------------------------------------------------------------------------------
    def enqueue(self, package: OutgoingPackage, data: bytes, *, actor: str) -> int:
        ref = self.blobs.put_bytes(data)
        if ref.sha256 != package.blob_sha256:
            raise ValueError("package bytes do not match blob_sha256")
        now = self.clock.now()
        return self.db.write(lambda db: enqueue_outgoing(db, package, now=now, actor=actor))

    def claim(self, owner: str, *, limit: int, lease: timedelta) -> list[OutboxItem]:
        """Lease the next items in queue order (priority, then id).

        Stops at the first item that is not due yet or is leased by someone else, so nothing is
        ever sent ahead of an earlier item. An item whose lease ran out while it was being sent
        has an unknown outcome: it comes back marked ``in_doubt``.
        """
        now = self.clock.now()

        def tx(db: SuDatabase) -> list[OutboxItem]:
            rows = db.execute(
                "SELECT * FROM axis_outbox WHERE state IN ('queued', 'sending')"
                " ORDER BY priority DESC, id LIMIT ?", (limit,)).fetchall()
            claimed: list[int] = []
            for r in rows:
                if r["state"] == "sending" and r["lease_owner"] != owner and r["lease_until"] > ts(now):
                    break
                if r["state"] == "queued" and r["next_attempt_at"] and r["next_attempt_at"] > ts(now):
                    break
                doubt = 1 if r["state"] == "sending" else r["in_doubt"]
                db.execute("UPDATE axis_outbox SET state = 'sending', lease_owner = ?, lease_until = ?,"
                           " attempts = attempts + 1, in_doubt = ? WHERE id = ?",
                           (owner, ts(now + lease), doubt, r["id"]))
                claimed.append(r["id"])
            if not claimed:
                return []
            marks = ",".join("?" * len(claimed))
            got = db.execute(f"SELECT * FROM axis_outbox WHERE id IN ({marks})"
                             " ORDER BY priority DESC, id", claimed).fetchall()
            return [_item(r) for r in got]

        return self.db.write(tx)

    def package_bytes(self, item: OutboxItem) -> bytes:
        return self.blobs.read_bytes(item.blob_sha256)

    def mark_sent(self, sent: Sequence[tuple[int, str]], owner: str) -> None:
        """Record ``(item id, axis DocId)`` pairs in one transaction.

        The relay records a batch at a time: an item sent but not yet recorded when the process
        dies is still ``sending`` under its lease, comes back ``in_doubt`` and is found on the
        axis by reconciliation, so it is never sent twice.
        """
        if not sent:
            return
        now = self.clock.now()

        def tx(db: SuDatabase) -> None:
            for item_id, axis_doc_id in sent:
                db.execute("UPDATE axis_outbox SET state = 'sent', axis_doc_id = ?, sent_at = ?,"
                           " in_doubt = 0, lease_owner = NULL, lease_until = NULL, next_attempt_at = NULL,"
                           " last_error = NULL WHERE id = ? AND state = 'sending'",
                           (axis_doc_id, ts(now), item_id))
                append_audit(db, now=now, actor="sync", action="axis.sent", subject=f"outbox:{item_id}",
                             detail={"doc_id": axis_doc_id})

        self.db.write(tx)

    def mark_rejected(self, item_id: int, owner: str, error: str) -> None:
        now = self.clock.now()

        def tx(db: SuDatabase) -> None:
            db.execute("UPDATE axis_outbox SET state = 'rejected', last_error = ?, lease_owner = NULL,"
                       " lease_until = NULL, in_doubt = 0 WHERE id = ?", (error, item_id))
            append_audit(db, now=now, actor="sync", action="axis.rejected", subject=f"outbox:{item_id}",
                         detail={"error": error})

        self.db.write(tx)

    def mark_retry(self, item_ids: Sequence[int], owner: str, *, error: str, delay: timedelta,
                   in_doubt: bool) -> None:
        """Give items back to the queue after a transient failure (the first one may be in doubt)."""
        if not item_ids:
            return
        when = ts(self.clock.now() + delay)

        def tx(db: SuDatabase) -> None:
            first, rest = item_ids[0], list(item_ids[1:])
            db.execute("UPDATE axis_outbox SET state = 'queued', lease_owner = NULL, lease_until = NULL,"
                       " next_attempt_at = ?, last_error = ?, in_doubt = max(in_doubt, ?)"
                       " WHERE id = ? AND state = 'sending'", (when, error[:500], int(in_doubt), first))
            if rest:
                marks = ",".join("?" * len(rest))
                db.execute(f"UPDATE axis_outbox SET state = 'queued', lease_owner = NULL,"
                           f" lease_until = NULL, attempts = max(0, attempts - 1)"
                           f" WHERE id IN ({marks}) AND state = 'sending'", rest)

        self.db.write(tx)

    def release(self, item_ids: Sequence[int], owner: str) -> None:
        """Give back items claimed but not tried (their attempt is not counted)."""
        if not item_ids:
            return
        marks = ",".join("?" * len(item_ids))
        self.db.write(lambda db: db.execute(
            f"UPDATE axis_outbox SET state = 'queued', lease_owner = NULL, lease_until = NULL,"
            f" attempts = max(0, attempts - 1) WHERE id IN ({marks}) AND state = 'sending'"
            f" AND lease_owner = ?", [*item_ids, owner]))

    def consecutive_failures(self) -> int:
        """Attempts of the head of the queue (drives the backoff)."""
        row = self.db.query_one("SELECT attempts FROM axis_outbox WHERE state IN ('queued', 'sending')"
                                " ORDER BY priority DESC, id LIMIT 1")
        return int(row["attempts"]) if row else 0

    def item(self, item_id: int) -> OutboxItem | None:
        row = self.db.query_one("SELECT * FROM axis_outbox WHERE id = ?", (item_id,))
        return _item(row) if row else None

    # -- inbox ---------------------------------------------------------------------------------
    def has_incoming(self, axis_doc_id: str, sender_code: str, document_id: str,
                     kind: PackageKind, business_key: str = "") -> bool:
        if self.db.query_one("SELECT 1 FROM axis_inbox WHERE axis_doc_id = ?", (axis_doc_id,)):
            return True
        return kind is PackageKind.EDOC and self.db.query_one(
            "SELECT 1 FROM axis_inbox WHERE kind = 'edoc' AND sender_code = ? AND document_id = ?"
            " AND business_key = ?", (sender_code, document_id, business_key)) is not None

    def save_incoming(self, package: IncomingPackage, data: bytes,
                      auto_status: tuple[OutgoingPackage, bytes] | None) -> InboxOutcome:
        """Store the raw package and its row (and the automatic status 01) in one transaction."""
        ref = self.blobs.put_bytes(data)
        if auto_status is not None:
            self.blobs.put_bytes(auto_status[1])
        now = self.clock.now()

        def tx(db: SuDatabase) -> InboxOutcome:
            dup = db.execute("SELECT 1 FROM axis_inbox WHERE axis_doc_id = ? OR (kind = 'edoc' AND ? ="
                             " 'edoc' AND sender_code = ? AND document_id = ? AND business_key = ?)",
                             (package.axis_doc_id, package.kind.value, package.sender_code,
                              package.document_id, package.business_key)).fetchone()
            if dup:
                return InboxOutcome.DUPLICATE
            record_blob(db, ref, media_type=PACKAGE_MEDIA_TYPE, now=now)
            outbox_id = None
            if package.kind is PackageKind.STATUS and package.response_for_document_id:
                outbox_id = self._record_status(db, package, now)
            cur = db.execute(
                "INSERT INTO axis_inbox (axis_doc_id, kind, sender_code, document_id, blob_sha256, size,"
                " subject, code, status_code, response_for_document_id, warnings, outbox_id, received_at,"
                " business_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (package.axis_doc_id, package.kind.value, package.sender_code, package.document_id,
                 ref.sha256, ref.size, package.subject, package.code, package.status_code,
                 package.response_for_document_id, json.dumps(list(package.warnings), ensure_ascii=False),
                 outbox_id, ts(now), package.business_key))
            append_audit(db, now=now, actor="sync", action="axis.received",
                         subject=f"inbox:{cur.lastrowid}",
                         detail={"kind": package.kind.value, "from": package.sender_code,
                                 "document_id": package.document_id, "doc_id": package.axis_doc_id,
                                 "status": package.status_code})
            if auto_status is not None:
                enqueue_outgoing(db, auto_status[0], now=now, actor="sync")
            return InboxOutcome.NEW

        return self.db.write(tx)

    def _record_status(self, db: SuDatabase, package: IncomingPackage, now: datetime) -> int | None:
        codes = [package.sender_code]
        alias = db.execute("SELECT code, code102, old_code FROM axis_agency WHERE ? IN (code, code102,"
                           " old_code)", (package.sender_code,)).fetchone()
        if alias:
            codes.extend(c for c in alias if c)
        marks = ",".join("?" * len(codes))
        row = db.execute(f"SELECT id FROM axis_outbox WHERE kind = 'edoc' AND document_id = ?"
                         f" AND recipient_code IN ({marks}) ORDER BY id DESC LIMIT 1",
                         [package.response_for_document_id, *codes]).fetchone()
        if row is None:
            return None
        db.execute("UPDATE axis_outbox SET delivery_status = ?, delivery_status_at = ?,"
                   " delivery_description = ? WHERE id = ?",
                   (package.status_code, ts(now), package.status_description, row[0]))
        return int(row[0])

    def mark_acked(self, axis_doc_id: str) -> None:
        now = self.clock.now()
        self.db.submit(lambda db: db.execute(
            "UPDATE axis_inbox SET acked_at = coalesce(acked_at, ?) WHERE axis_doc_id = ?",
            (ts(now), axis_doc_id)))

    # -- link and outages ----------------------------------------------------------------------
    def link_state(self) -> LinkState:
        row = self.db.query_one("SELECT * FROM axis_link WHERE id = 1")
        if row is None:
            return LinkState(online=None, since=None)
        return LinkState(online=bool(row["online"]), since=parse_ts(row["since"]),
                         last_ok_at=parse_ts(row["last_ok_at"]), last_error=row["last_error"])

    def link_down(self, error: str) -> Outage | None:
        """Record a failed exchange; opens an outage when the link was up (or never seen)."""
        now = self.clock.now()

        def tx(db: SuDatabase) -> Outage | None:
            row = db.execute("SELECT online FROM axis_link WHERE id = 1").fetchone()
            if row is not None and not row[0]:
                db.execute("UPDATE axis_link SET last_error = ? WHERE id = 1", (error[:500],))
                db.execute("UPDATE axis_outage SET last_error = ? WHERE ended_at IS NULL", (error[:500],))
                return None
            db.execute("INSERT INTO axis_link (id, online, since, last_error) VALUES (1, 0, ?, ?)"
                       " ON CONFLICT (id) DO UPDATE SET online = 0, since = excluded.since,"
                       " last_error = excluded.last_error", (ts(now), error[:500]))
            depth = queue_depth(db)
            cur = db.execute("INSERT INTO axis_outage (started_at, queued_at_start, max_queued, last_error)"
                             " VALUES (?, ?, ?, ?)", (ts(now), depth, depth, error[:500]))
            append_audit(db, now=now, actor="sync", action="axis.link_down",
                         subject=f"outage:{cur.lastrowid}", detail={"queued": depth, "error": error[:200]})
            out = db.execute("SELECT * FROM axis_outage WHERE id = ?", (cur.lastrowid,)).fetchone()
            return _outage(out)

        return self.db.write(tx)

    def link_up(self, *, report_after: timedelta) -> Outage | None:
        """Record a successful exchange; closes the open outage and returns it."""
        now = self.clock.now()

        def tx(db: SuDatabase) -> Outage | None:
            row = db.execute("SELECT online FROM axis_link WHERE id = 1").fetchone()
            if row is not None and row[0]:
                db.execute("UPDATE axis_link SET last_ok_at = ? WHERE id = 1", (ts(now),))
                return None
            db.execute("INSERT INTO axis_link (id, online, since, last_ok_at) VALUES (1, 1, ?, ?)"
                       " ON CONFLICT (id) DO UPDATE SET online = 1, since = excluded.since,"
                       " last_ok_at = excluded.last_ok_at", (ts(now), ts(now)))
            open_ = db.execute("SELECT * FROM axis_outage WHERE ended_at IS NULL").fetchone()
            if open_ is None:
                return None
            depth = queue_depth(db)
            db.execute("UPDATE axis_outage SET ended_at = ?, max_queued = max(max_queued, ?)"
                       " WHERE id = ?", (ts(now), depth, open_["id"]))
            closed = _outage(db.execute("SELECT * FROM axis_outage WHERE id = ?", (open_["id"],)).fetchone())
            if report_due(closed, report_after):
                db.execute("UPDATE axis_outage SET report_state = 'due' WHERE id = ?", (closed.id,))
            append_audit(db, now=now, actor="sync", action="axis.link_up", subject=f"outage:{closed.id}",
                         detail={"queued": depth, "seconds": int((now - closed.started_at).total_seconds())})
            return _outage(db.execute("SELECT * FROM axis_outage WHERE id = ?", (closed.id,)).fetchone())

        return self.db.write(tx)

    def note_progress(self) -> None:
        """After sending: a finished outage whose backlog is gone gets its drain time."""
        now = self.clock.now()

        def tx(db: SuDatabase) -> None:
            if queue_depth(db) == 0:
                db.execute("UPDATE axis_outage SET drained_at = ? WHERE ended_at IS NOT NULL"
                           " AND drained_at IS NULL", (ts(now),))

        if self.db.query_one("SELECT 1 FROM axis_outage WHERE ended_at IS NOT NULL AND drained_at IS NULL"):
            self.db.write(tx)

    def outages_due_report(self) -> list[Outage]:
        return [_outage(r) for r in self.db.query(
            "SELECT * FROM axis_outage WHERE report_state = 'due' ORDER BY id")]

    def queue_outage_report(self, outage_id: int, package: OutgoingPackage, data: bytes) -> int:
        self.blobs.put_bytes(data)
        now = self.clock.now()

        def tx(db: SuDatabase) -> int:
            item_id = enqueue_outgoing(db, package, now=now, actor="sync")
            db.execute("UPDATE axis_outage SET report_state = 'queued', report_outbox_id = ? WHERE id = ?",
                       (item_id, outage_id))
            return item_id

        return self.db.write(tx)

    def outages(self) -> list[Outage]:
        return [_outage(r) for r in self.db.query("SELECT * FROM axis_outage ORDER BY id")]

    # -- directory -----------------------------------------------------------------------------
    def replace_agencies(self, agencies: Sequence[AgencyEntry]) -> int:
        now = ts(self.clock.now())

        def tx(db: SuDatabase) -> int:
            db.execute("DELETE FROM axis_agency")
            db.conn.executemany(
                "INSERT OR REPLACE INTO axis_agency (code, code102, old_code, name, pid, mail, deleted,"
                " synced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(a.code, a.code102, a.old_code, a.name, a.pid, a.mail, int(a.deleted), now)
                 for a in agencies])
            return len(agencies)

        return self.db.write(tx)

    def agencies_synced_at(self) -> datetime | None:
        row = self.db.query_one("SELECT max(synced_at) AS at FROM axis_agency")
        return parse_ts(row["at"]) if row else None

    def agency(self, code: str) -> AgencyEntry | None:
        row = self.db.query_one("SELECT * FROM axis_agency WHERE ? IN (code, code102, old_code)"
                                " AND deleted = 0", (code,))
        if row is None:
            return None
        return AgencyEntry(code=row["code"], name=row["name"], code102=row["code102"],
                           old_code=row["old_code"], pid=row["pid"], mail=row["mail"])

    # -- status --------------------------------------------------------------------------------
    def queue_status(self) -> ExchangeStatus:
        """The link and the waiting queue only — the partial index of open packages, cheap on a store
        of millions (every page's outage banner and the dashboard read it). ``sent``, ``rejected``
        and ``inbox`` are NOT counted here (0): counting them walks whole tables; :meth:`status` does."""
        with self.db.read() as conn:
            waiting = conn.execute("SELECT count(*), min(created_at) FROM axis_outbox"
                                   " WHERE state IN ('queued', 'sending')").fetchone()
            last = conn.execute("SELECT * FROM axis_outage ORDER BY id DESC LIMIT 1").fetchone()
        return ExchangeStatus(link=self.link_state(), queued=int(waiting[0]),
                              oldest_queued_at=parse_ts(waiting[1]), sent=0, rejected=0,
                              last_outage=_outage(last) if last else None)

    def status(self, *, stuck_limit: int = 20) -> ExchangeStatus:
        with self.db.read() as conn:
            counts = {r["state"]: r["n"] for r in conn.execute(
                "SELECT state, count(*) AS n FROM axis_outbox GROUP BY state")}
            oldest = conn.execute("SELECT min(created_at) FROM axis_outbox"
                                  " WHERE state IN ('queued', 'sending')").fetchone()[0]
            stuck = [StuckItem(id=r["id"], document_id=r["document_id"], recipient_code=r["recipient_code"],
                               attempts=r["attempts"], next_attempt_at=parse_ts(r["next_attempt_at"]),
                               last_error=r["last_error"])
                     for r in conn.execute(
                         "SELECT * FROM axis_outbox WHERE state IN ('queued', 'sending')"
                         " AND last_error IS NOT NULL ORDER BY priority DESC, id LIMIT ?", (stuck_limit,))]
            last = conn.execute("SELECT * FROM axis_outage ORDER BY id DESC LIMIT 1").fetchone()
            inbox = conn.execute("SELECT count(*) FROM axis_inbox").fetchone()[0]
        return ExchangeStatus(
            link=self.link_state(), queued=counts.get("queued", 0) + counts.get("sending", 0),
            oldest_queued_at=parse_ts(oldest), sent=counts.get("sent", 0),
            rejected=counts.get("rejected", 0), stuck=stuck,
            last_outage=_outage(last) if last else None, inbox=int(inbox))
