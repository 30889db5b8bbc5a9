"""The read side of the reports: register books, deadlines, and the exchange figures of a period.

The exchange report is counted by SQL over the list columns of ``doc_in`` / ``doc_out`` /
``doc_delivery`` / ``doc_assignee`` and the outage ledger ``axis_outage`` — never by decoding
``data`` — so a month of a 120,000-documents-a-year office is a few index range scans. Times in
the document columns are ISO text with an offset; a Vietnamese calendar day is
``date(t, '+7 hours')`` (SQLite turns the offset into UTC first; Vietnam has no summer time), and a
coarse text range one day wider on each side lets the indexes do the narrowing first.

The register books need what only the record holds (who the document was handed to and when),
so they decode the records of their date range with :mod:`node.store.codec`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from node.domain.calendar import vn_date
from node.domain.documents import Channel
from node.domain.exchange import Outage
from node.domain.incoming import IncomingDocument
from node.domain.outgoing import OutgoingDocument
from node.domain.reports import (
    NO_UNIT,
    DeadlineItem,
    PeriodReport,
    ReportPeriod,
    Span,
    Tally,
    period_report,
    summarize_outages,
)
from node.store.attribution import VN_DAY, author_unit, lead_unit
from node.store.codec import decode
from node.store.db import Database

OPEN_INCOMING = ("received", "accepted", "presented", "assigned", "processing")

# The unit of the lead assignee ``a`` / of the drafter of ``o`` (node.store.attribution), else NO_UNIT.
_LEAD_UNIT = f"coalesce({lead_unit('a')}, ?)"
_AUTHOR_UNIT = f"coalesce({author_unit('o.author')}, ?)"


def _coarse(start: date, end: date) -> tuple[str, str]:
    """Text bounds that hold every ISO time (any offset) of the VN days ``start``…``end``."""
    return (start - timedelta(days=1)).isoformat(), (end + timedelta(days=2)).isoformat()


class SqliteReports:
    """Queries behind the register books, the overdue list and the exchange report."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- register books ---------------------------------------------------------------------
    def incoming(self, *, start: date, end: date, register_code: str | None = None) -> list[IncomingDocument]:
        """Registered văn bản đến whose arrival (registration) day may fall in ``start``…``end``
        (the domain rows keep the exact days)."""
        lo, hi = _coarse(start, end)
        sql = ("SELECT data FROM doc_in WHERE arrival_number IS NOT NULL AND arrival_date >= ?"
               " AND arrival_date < ?")
        params: list[object] = [lo, hi]
        if register_code:
            sql += " AND register_code = ?"
            params.append(register_code)
        rows = self.db.query(sql + " ORDER BY arrival_year, arrival_number", tuple(params))
        return [decode(IncomingDocument, r[0]) for r in rows]

    def outgoing(self, *, start: date, end: date, register_code: str | None = None) -> list[OutgoingDocument]:
        """Numbered văn bản đi dated ``start``…``end``."""
        sql = ("SELECT data FROM doc_out WHERE number_year IS NOT NULL AND issued_date >= ?"
               " AND issued_date <= ?")
        params: list[object] = [start.isoformat(), end.isoformat()]
        if register_code:
            sql += " AND register_code = ?"
            params.append(register_code)
        rows = self.db.query(sql + " ORDER BY number_year, id", tuple(params))
        return [decode(OutgoingDocument, r[0]) for r in rows]

    def book_size(self, book: str, *, start: date, end: date, register_code: str | None = None) -> int:
        """At least the rows of a register book (``incoming`` / ``outgoing`` counted, not decoded;
        the văn bản đến range one day wider on each side): enough to choose how to print it."""
        if book == "di":
            sql = ("SELECT count(*) FROM doc_out WHERE number_year IS NOT NULL AND issued_date >= ?"
                   " AND issued_date <= ?")
            params: list[object] = [start.isoformat(), end.isoformat()]
        else:
            sql = ("SELECT count(*) FROM doc_in WHERE arrival_number IS NOT NULL AND arrival_date >= ?"
                   " AND arrival_date < ?")
            params = list(_coarse(start, end))
        if register_code:
            sql += " AND register_code = ?"
            params.append(register_code)
        row = self.db.query_one(sql, tuple(params))
        return int(row[0]) if row is not None else 0

    def registers(self, kind: str) -> list[tuple[str, str]]:
        """(code, name) of the registers of a kind ('den' / 'di')."""
        return [(r[0], r[1]) for r in self.db.query(
            "SELECT code, name FROM register WHERE kind = ? AND active = 1 ORDER BY secret, code", (kind,))]

    # -- deadlines ------------------------------------------------------------------------------
    def deadline_items(self) -> list[DeadlineItem]:
        """Every open deadline: incoming documents per assignee (lead falls back to the document's
        due date), and published outgoing documents whose requested answers are not all in."""
        marks = ", ".join("?" * len(OPEN_INCOMING))
        rows = self.db.query(
            "SELECT i.ref, i.arrival_number, i.code, i.subject, i.priority, i.received_at, i.due_date,"
            " a.kind, a.ref AS aref, a.name, a.lead, a.due_date AS adue,"
            " json_extract(i.data, '$.assignment.assigned_at') AS assigned_at,"
            " json_extract(i.data, '$.presented_to') AS presented_to,"
            " (SELECT un.name FROM user us JOIN unit un ON un.id = us.unit_id"
            "  WHERE a.kind = 'user' AND us.username = a.ref) AS user_unit"
            " FROM doc_in i LEFT JOIN doc_assignee a ON a.doc_id = i.id"
            f" WHERE i.state IN ({marks}) AND (i.due_date IS NOT NULL OR a.due_date IS NOT NULL)",
            OPEN_INCOMING)
        items: list[DeadlineItem] = []
        for r in rows:
            code = str(r["arrival_number"]) if r["arrival_number"] is not None else r["code"]
            prio = int(r["priority"])
            if r["kind"] is None:  # not assigned yet: the sender's deadline
                items.append(DeadlineItem(r["ref"], "in", code, r["subject"], NO_UNIT,
                                          r["presented_to"] or "", date.fromisoformat(r["due_date"]),
                                          _vn_day(r["received_at"]), prio))
                continue
            due = r["adue"] or (r["due_date"] if r["lead"] else None)
            if due is None:
                continue
            unit, person = (r["name"], "") if r["kind"] == "unit" else (r["user_unit"] or "", r["name"])
            start = _vn_day(r["assigned_at"]) if r["assigned_at"] else None
            items.append(DeadlineItem(r["ref"], "in", code, r["subject"], unit, person,
                                      date.fromisoformat(due), start, prio, bool(r["lead"])))
        tracked = "d.doc_id = o.id AND d.channel = 'axis' AND d.state <> '02'"
        out = self.db.query(
            "SELECT o.ref, o.code, o.subject, o.priority, o.published_at, o.due_date,"
            " coalesce(us.full_name, o.author) AS person, un.name AS unit"
            " FROM doc_out o LEFT JOIN user us ON us.username = o.author"
            " LEFT JOIN unit un ON un.id = us.unit_id"
            " WHERE o.state = 'published' AND o.due_date IS NOT NULL"
            f" AND NOT (EXISTS (SELECT 1 FROM doc_delivery d WHERE {tracked})"
            f"          AND NOT EXISTS (SELECT 1 FROM doc_delivery d WHERE {tracked} AND d.state <> '06'))")
        for r in out:
            items.append(DeadlineItem(r["ref"], "out", r["code"], r["subject"], r["unit"] or NO_UNIT,
                                      r["person"], date.fromisoformat(r["due_date"]),
                                      _vn_day(r["published_at"]), int(r["priority"])))
        return items

    # -- the exchange report -------------------------------------------------------------------
    def tallies(self, period: ReportPeriod) -> list[Tally]:
        lo, hi = _coarse(period.start, period.end)
        s, e = period.start.isoformat(), period.end.isoformat()
        day_in, day_out = VN_DAY.format(col="i.received_at"), VN_DAY.format(col="o.published_at")
        rows = self.db.query(
            f"SELECT 'in', i.channel, i.type_name, {_LEAD_UNIT}, count(*)"
            " FROM doc_in i LEFT JOIN doc_assignee a ON a.doc_id = i.id AND a.lead = 1"
            f" WHERE i.received_at >= ? AND i.received_at < ? AND {day_in} BETWEEN ? AND ?"
            " GROUP BY 2, 3, 4", (NO_UNIT, lo, hi, s, e))
        rows += self.db.query(
            f"SELECT 'out', d.channel, o.type_name, {_AUTHOR_UNIT}, count(*)"
            " FROM doc_out o JOIN doc_delivery d ON d.doc_id = o.id"
            f" WHERE o.published_at >= ? AND o.published_at < ? AND {day_out} BETWEEN ? AND ?"
            " GROUP BY 2, 3, 4", (NO_UNIT, lo, hi, s, e))
        tallies = [Tally(r[0], Channel(r[1]), r[2], r[3], int(r[4])) for r in rows]
        return sorted(tallies, key=lambda t: (t.direction, t.channel.value, t.type_name, t.unit))

    def completion(self, period: ReportPeriod) -> tuple[int, int]:
        """(on time, late) among incoming documents completed in the period that had a deadline."""
        lo, hi = _coarse(period.start, period.end)
        day = VN_DAY.format(col="done_at")
        row = self.db.query_one(
            f"SELECT coalesce(sum({day} <= due_date), 0), coalesce(sum({day} > due_date), 0) FROM doc_in"
            f" WHERE done_at >= ? AND done_at < ? AND due_date IS NOT NULL AND {day} BETWEEN ? AND ?",
            (lo, hi, period.start.isoformat(), period.end.isoformat()))
        assert row is not None
        return int(row[0]), int(row[1])

    def rejected(self, period: ReportPeriod) -> int:
        """Deliveries of the period's published documents that the recipient refused (02)."""
        lo, hi = _coarse(period.start, period.end)
        row = self.db.query_one(
            "SELECT count(*) FROM doc_out o JOIN doc_delivery d ON d.doc_id = o.id"
            f" WHERE o.published_at >= ? AND o.published_at < ? AND {VN_DAY.format(col='o.published_at')}"
            " BETWEEN ? AND ? AND d.state = '02'", (lo, hi, period.start.isoformat(), period.end.isoformat()))
        return int(row[0]) if row else 0

    # -- whether a period concerns this node (the report scheduler) ------------------------------
    def in_service_since(self) -> datetime | None:
        """When the node was first in service: the time of its first audit row (``vanthu init``
        creating the first account), None on a node with no audit row yet."""
        row = self.db.query_one("SELECT ts FROM audit ORDER BY id LIMIT 1")
        return datetime.fromisoformat(row[0]) if row else None

    def holds_documents(self, period: ReportPeriod) -> bool:
        """Any văn bản đến received, or văn bản đi drafted or published, on a day of the period (VN
        days), however they came in — axis, paper registered, imported history."""
        lo, hi = _coarse(period.start, period.end)
        s, e = period.start.isoformat(), period.end.isoformat()
        probes = (("doc_in", "received_at"), ("doc_out", "created_at"), ("doc_out", "published_at"))
        for table, col in probes:
            day = VN_DAY.format(col=col)
            row = self.db.query_one(f"SELECT 1 FROM {table} WHERE {col} >= ? AND {col} < ?"
                                    f" AND {day} BETWEEN ? AND ? LIMIT 1", (lo, hi, s, e))
            if row is not None:
                return True
        return False

    def outage_spans(self, period: ReportPeriod) -> list[Span]:
        lo, hi = _coarse(period.start, period.end)
        rows = self.db.query("SELECT started_at, ended_at FROM axis_outage WHERE started_at < ?"
                             " AND (ended_at IS NULL OR ended_at >= ?) ORDER BY id", (hi, lo))
        return [Span(datetime.fromisoformat(r[0]), datetime.fromisoformat(r[1]) if r[1] else None)
                for r in rows]

    def exchange(self, period: ReportPeriod, *, now: datetime) -> PeriodReport:
        with self.db.read():  # one snapshot for every figure
            tallies = self.tallies(period)
            on_time, late = self.completion(period)
            rejected = self.rejected(period)
            spans = self.outage_spans(period)
        return period_report(period, tallies, done_on_time=on_time, done_late=late,
                             rejected_by_recipients=rejected,
                             outages=summarize_outages(spans, period, now=now))

    def outages(self, period: ReportPeriod) -> list[Outage]:
        """The ledger rows of the period, for the report's outage table."""
        lo, hi = _coarse(period.start, period.end)
        rows = self.db.query("SELECT * FROM axis_outage WHERE started_at < ?"
                             " AND (ended_at IS NULL OR ended_at >= ?) ORDER BY id", (hi, lo))
        return [Outage(r["id"], datetime.fromisoformat(r["started_at"]),
                       datetime.fromisoformat(r["ended_at"]) if r["ended_at"] else None,
                       r["queued_at_start"], r["max_queued"],
                       datetime.fromisoformat(r["drained_at"]) if r["drained_at"] else None,
                       r["report_state"], r["last_error"]) for r in rows]

    def unit_of_user(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self.db.query(
            "SELECT us.username, un.name FROM user us JOIN unit un ON un.id = us.unit_id")}


def _vn_day(text: str) -> date:
    return vn_date(datetime.fromisoformat(text))
