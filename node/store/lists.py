"""The list queries of the web pages: văn bản đến / đi, "việc của tôi", the dashboard counts.

Everything here reads the list columns of ``doc_in`` / ``doc_out`` / ``doc_assignee`` (schema:
``documents_0001_tables``, indexes: ``lists_0001_indexes``) and never decodes ``data``; a page of
20 rows from a million stays an index walk (``received_at DESC`` or ``(state, received_at DESC)``)
that stops after the page. Totals for pagination are counted up to a cap, so a huge unfiltered
list costs the same as a small one. With a text query the folded full-text index drives instead
(newest indexed first, "da nang" finds "Đà Nẵng"), joined to the table.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import fields, replace
from datetime import date, timedelta
from typing import Any

from node.domain.accounts import Role
from node.domain.documents import Actor
from node.domain.listing import (
    OPEN_INCOMING,
    WORKING_INCOMING,
    DashboardCounts,
    IncomingRow,
    ListFilters,
    OutgoingRow,
    WorkItem,
    dashboard_filters,
)
from node.domain.reports import NO_UNIT
from node.store.attribution import VN_DAY, author_unit, lead_unit
from node.store.db import Database
from node.store.issuers import issuer_names
from node.store.search import SqliteSearchIndex, visible_sql

__all__ = [
    "DashboardCounts", "IncomingRow", "ListFilters", "OutgoingRow", "SqliteLists", "WorkItem",
    "count_deliveries", "count_incoming", "count_outgoing", "dashboard_counts", "deliveries_of",
    "issuer_names", "list_incoming", "list_outgoing", "my_work",
]

# The row dataclasses name their columns.
_IN_NAMES = tuple(f.name for f in fields(IncomingRow))
_OUT_NAMES = tuple(f.name for f in fields(OutgoingRow))
_IN_COLUMNS = ", ".join(f"x.{n}" for n in _IN_NAMES)
_OUT_COLUMNS = ", ".join(f"x.{n}" for n in _OUT_NAMES)
_WORKING_SQL = "(" + ", ".join(f"'{s}'" for s in WORKING_INCOMING) + ")"
_OPEN_SQL = "(" + ", ".join(f"'{s}'" for s in OPEN_INCOMING) + ")"


def _marks(n: int) -> str:
    return ", ".join("?" * n)


# The day a list is bounded by, per kind and ``ListFilters.day_basis`` (the exchange report counts
# văn bản đi by the day published and "hoàn thành đúng hạn" by the day done).
_DAY_COLUMNS = {("in", ""): "received_at", ("in", "done"): "done_at",
                ("out", ""): "created_at", ("out", "published"): "published_at"}
# Days are Vietnamese calendar days (VN_DAY), as in the reports; a coarse text range one day wider
# on each side keeps the index doing the narrowing.
# The unit the exchange report attributes a document to (node.store.attribution), else NO_UNIT.
_IN_UNIT = (f"coalesce((SELECT {lead_unit('a')} FROM doc_assignee a WHERE a.doc_id = x.id AND a.lead = 1"
            " LIMIT 1), ?) = ?")
_OUT_UNIT = f"coalesce({author_unit('x.author')}, ?) = ?"


def _day_range(f: ListFilters) -> tuple[date | None, date | None]:
    """[from, to) as Vietnamese calendar days."""
    lo = f.date_from
    hi = f.date_to + timedelta(days=1) if f.date_to else None
    if f.year is not None:
        ylo, yhi = date(f.year, 1, 1), date(f.year + 1, 1, 1)
        lo = max(lo, ylo) if lo else ylo
        hi = min(hi, yhi) if hi else yhi
    return lo, hi


def day_column(kind: str, f: ListFilters) -> str:
    """The column a list is ordered and bounded by (received / created unless ``day_basis``)."""
    return _DAY_COLUMNS.get((kind, f.day_basis), _DAY_COLUMNS[(kind, "")])


def _delivery_match(f: ListFilters) -> tuple[str, list[Any]]:
    """The condition on one doc_delivery row ``d`` for ``channel`` / ``delivery_state`` ("" = none)."""
    clauses, params = [], []
    if f.channel:
        clauses.append("d.channel = ?")
        params.append(f.channel)
    if f.delivery_state:
        clauses.append("+d.state = ?")  # by the document (primary key), not the state index
        params.append(f.delivery_state)
    return " AND ".join(clauses), params


def _where(db: Database, f: ListFilters, *, kind: str) -> tuple[str, str, list[Any], str]:
    """(FROM, WHERE, params, ORDER BY) of a list; the document table is ``x``.

    Without a text query the table is walked newest first by its own index. With one, the folded
    full-text index drives newest first (as indexed, which is as received or created) joined to
    the table, so a common word stops after the page instead of collecting every match.
    """
    table = {"in": "doc_in", "out": "doc_out"}[kind]
    col = day_column(kind, f)
    clauses: list[str] = []
    params: list[Any] = []
    expr = SqliteSearchIndex(db).match(f.query) if f.query else None
    if expr is not None:
        source = (f"search_fts CROSS JOIN search_doc d ON d.id = search_fts.rowid"
                  f" CROSS JOIN {table} x ON x.ref = d.ref")
        clauses += ["search_fts MATCH ?", "d.kind = ?"]
        params += [expr, kind]
        order = "search_fts.rowid DESC"
    else:
        # received_at / created_at have DESC indexes, published_at / done_at ascending ones
        source = f"{table} x"
        order = f"x.{col} DESC, x.id" if col in ("received_at", "created_at") else f"x.{col} DESC, x.id DESC"
    if col != _DAY_COLUMNS[(kind, "")]:
        clauses.append(f"x.{col} IS NOT NULL")
    states = f.states or ((f.state,) if f.state else ())
    if kind == "in" and set(states) == set(OPEN_INCOMING):
        # written as the partial index doc_in_open_due is (literal, same order): the overdue figure
        # walks the few open documents, not every deadline of ten years (0.8 s at a million)
        clauses.append(f"x.state IN {_OPEN_SQL}")
    elif states:
        clauses.append(f"x.state IN ({_marks(len(states))})")
        params.extend(states)
    if f.recall_pending and kind == "in":
        clauses.append("x.recall_pending = 1")
    if f.type_name:
        clauses.append("x.type_name = ?")
        params.append(f.type_name)
    if f.issuer and kind == "in":
        names = issuer_names(db, f.issuer)
        clauses.append(f"x.issuer_name IN ({_marks(len(names))})")  # none: "IN ()" is false
        params.extend(names)
    lo, hi = _day_range(f)
    day = VN_DAY.format(col=f"x.{col}")
    if lo:
        clauses += [f"x.{col} >= ?", f"{day} >= ?"]
        params += [(lo - timedelta(days=1)).isoformat(), lo.isoformat()]
    if hi:
        clauses += [f"x.{col} < ?", f"{day} < ?"]
        params += [(hi + timedelta(days=1)).isoformat(), hi.isoformat()]
    if f.register_code:
        clauses.append("x.register_code = ?")
        params.append(f.register_code)
    if f.priority is not None:
        clauses.append("x.priority = ?")
        params.append(f.priority)
    if f.channel and kind == "in":
        clauses.append("x.channel = ?")
        params.append(f.channel)
    if kind == "out" and (f.channel or f.delivery_state):
        match, extra = _delivery_match(f)
        clauses.append(f"EXISTS (SELECT 1 FROM doc_delivery d WHERE d.doc_id = x.id AND {match})")
        params.extend(extra)
    if f.unit:
        clauses.append(_IN_UNIT if kind == "in" else _OUT_UNIT)
        params += [NO_UNIT, f.unit]
    if kind == "in" and f.due_from is not None:
        clauses.append("x.due_date >= ?")
        params.append(f.due_from.isoformat())
    if kind == "in" and f.due_to is not None:
        clauses.append("x.due_date <= ?")
        params.append(f.due_to.isoformat())
    if f.on_time is not None and kind == "in":
        done = VN_DAY.format(col="x.done_at")
        clauses.append(f"x.due_date IS NOT NULL AND x.done_at IS NOT NULL"
                       f" AND {done} {'<=' if f.on_time else '>'} x.due_date")
    if f.reader is not None and not f.reader.has(Role.CLERK, Role.LEADER):
        clause, extra = visible_sql(kind, "x", f.reader)
        clauses.append(clause)
        params.extend(extra)
    return source, (" WHERE " + " AND ".join(clauses)) if clauses else "", params, order


def _query(db: Database, sql: str, params: Sequence[Any]) -> list[sqlite3.Row]:
    try:
        return db.query(sql, tuple(params))
    except sqlite3.OperationalError as e:  # an FTS expression it cannot parse finds nothing
        if "fts5" in str(e).lower() or "match" in str(e).lower():
            return []
        raise


def _count(db: Database, source: str, where: str, params: list[Any], cap: int | None) -> int:
    if cap is None:
        rows = _query(db, f"SELECT count(*) FROM {source}{where}", params)
    else:
        rows = _query(db, f"SELECT count(*) FROM (SELECT 1 FROM {source}{where} LIMIT ?)", [*params, cap])
    return int(rows[0][0]) if rows else 0


def _incoming(r: sqlite3.Row) -> IncomingRow:
    values = dict(zip(_IN_NAMES, r, strict=True))
    values["recall_pending"] = bool(values["recall_pending"])
    return IncomingRow(**values)


def _outgoing(r: sqlite3.Row) -> OutgoingRow:
    return OutgoingRow(**dict(zip(_OUT_NAMES, r, strict=True)))


def incoming_sql(db: Database, filters: ListFilters, *, limit: int, offset: int = 0) -> tuple[str, list[Any]]:
    """The SQL of one page of văn bản đến, newest first (also for EXPLAIN QUERY PLAN in tests)."""
    source, where, params, order = _where(db, filters, kind="in")
    sql = f"SELECT {_IN_COLUMNS} FROM {source}{where} ORDER BY {order} LIMIT ? OFFSET ?"
    return sql, [*params, limit, offset]


def list_incoming(db: Database, filters: ListFilters, *, limit: int = 20,
                  offset: int = 0) -> list[IncomingRow]:
    sql, params = incoming_sql(db, filters, limit=limit, offset=offset)
    return [_incoming(r) for r in _query(db, sql, params)]


def count_incoming(db: Database, filters: ListFilters, *, cap: int | None = None) -> int:
    """How many văn bản đến match (at most ``cap`` when given: "hơn 10.000" needs no exact total)."""
    source, where, params, _ = _where(db, filters, kind="in")
    return _count(db, source, where, params, cap)


def outgoing_sql(db: Database, filters: ListFilters, *, limit: int, offset: int = 0) -> tuple[str, list[Any]]:
    source, where, params, order = _where(db, filters, kind="out")
    sql = f"SELECT {_OUT_COLUMNS} FROM {source}{where} ORDER BY {order} LIMIT ? OFFSET ?"
    return sql, [*params, limit, offset]


def list_outgoing(db: Database, filters: ListFilters, *, limit: int = 20,
                  offset: int = 0) -> list[OutgoingRow]:
    """One page of văn bản đi, newest first (``issuer`` does not apply: we are the issuer)."""
    sql, params = outgoing_sql(db, filters, limit=limit, offset=offset)
    return [_outgoing(r) for r in _query(db, sql, params)]


def count_outgoing(db: Database, filters: ListFilters, *, cap: int | None = None) -> int:
    source, where, params, _ = _where(db, filters, kind="out")
    return _count(db, source, where, params, cap)


def count_deliveries(db: Database, filters: ListFilters) -> int:
    """The recipients (lượt gửi) of the văn bản đi listed with ``filters`` that match its ``channel``
    / ``delivery_state`` — the exchange report counts văn bản đi per recipient, the list per
    document."""
    source, where, params, _ = _where(db, filters, kind="out")
    match, extra = _delivery_match(filters)
    sql = f"SELECT count(*) FROM doc_delivery d WHERE d.doc_id IN (SELECT x.id FROM {source}{where})"
    rows = _query(db, sql + (f" AND {match}" if match else ""), [*params, *extra])
    return int(rows[0][0]) if rows else 0


def deliveries_of(db: Database, doc_ids: Sequence[int], filters: ListFilters) -> dict[int, int]:
    """Per listed văn bản đi (one page): its recipients matching ``channel`` / ``delivery_state``."""
    if not doc_ids:
        return {}
    match, extra = _delivery_match(filters)
    sql = f"SELECT d.doc_id, count(*) FROM doc_delivery d WHERE d.doc_id IN ({_marks(len(doc_ids))})"
    rows = db.query(sql + (f" AND {match}" if match else "") + " GROUP BY d.doc_id", (*doc_ids, *extra))
    counts = {int(r[0]): int(r[1]) for r in rows}
    return {i: counts.get(i, 0) for i in doc_ids}


def my_work(db: Database, username: str, unit_id: int | None, *, limit: int = 50) -> list[WorkItem]:
    """Văn bản đến assigned (chủ trì or phối hợp) to the user or their unit and not done yet,
    nearest deadline first (no deadline last), then the most urgent, then the oldest."""
    who = ["(a.kind = 'user' AND a.ref = ?)"]
    params: list[Any] = [username]
    if unit_id is not None:
        who.append("(a.kind = 'unit' AND a.ref = ?)")
        params.append(str(unit_id))
    rows = db.query(
        "SELECT i.id, i.ref, i.subject, i.code, i.issuer_name, i.state, i.priority,"
        " min(coalesce(a.due_date, i.due_date)) AS due, max(a.lead) AS lead,"
        " max(a.kind = 'user') AS as_user"
        " FROM doc_assignee a JOIN doc_in i ON i.id = a.doc_id"
        f" WHERE ({' OR '.join(who)}) AND i.state IN {_WORKING_SQL}"
        " GROUP BY i.id"
        " ORDER BY due IS NULL, due, i.priority DESC, i.received_at"
        " LIMIT ?", (*params, limit))
    return [WorkItem(id=r["id"], ref=r["ref"], subject=r["subject"], code=r["code"],
                     issuer_name=r["issuer_name"], state=r["state"], priority=r["priority"],
                     due_date=r["due"], lead=bool(r["lead"]),
                     assigned_as="user" if r["as_user"] else "unit") for r in rows]


def dashboard_counts(db: Database, now_date: date, *, soon_until: date | None = None,
                     reader: Actor | None = None) -> DashboardCounts:
    """The figures of the dashboard, each counted with the very filters of the list it opens
    (``dashboard_filters``), so a figure and its list agree: for ``reader``, as the lists show it
    (secret documents only for those who may open them).

    ``due_soon`` counts open văn bản đến whose deadline falls from ``now_date`` to ``soon_until``
    (the caller turns the working-day rule into that date; default two days on), ``overdue`` those
    whose deadline is before ``now_date``. Each count is one index range (open documents are few).
    """
    until = soon_until or now_date + timedelta(days=2)
    counts = {}
    for key, (kind, f) in dashboard_filters(now_date, until).items():
        f = replace(f, reader=reader)
        counts[key] = count_incoming(db, f) if kind == "in" else count_outgoing(db, f)
    return DashboardCounts(**counts)


class SqliteLists:
    """The ``DocumentLists`` port over the node database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def list_incoming(self, filters: ListFilters, *, limit: int = 20, offset: int = 0) -> list[IncomingRow]:
        return list_incoming(self.db, filters, limit=limit, offset=offset)

    def count_incoming(self, filters: ListFilters, *, cap: int | None = None) -> int:
        return count_incoming(self.db, filters, cap=cap)

    def list_outgoing(self, filters: ListFilters, *, limit: int = 20, offset: int = 0) -> list[OutgoingRow]:
        return list_outgoing(self.db, filters, limit=limit, offset=offset)

    def count_outgoing(self, filters: ListFilters, *, cap: int | None = None) -> int:
        return count_outgoing(self.db, filters, cap=cap)

    def count_deliveries(self, filters: ListFilters) -> int:
        return count_deliveries(self.db, filters)

    def deliveries_of(self, doc_ids: Sequence[int], filters: ListFilters) -> dict[int, int]:
        return deliveries_of(self.db, doc_ids, filters)

    def my_work(self, username: str, unit_id: int | None, *, limit: int = 50) -> list[WorkItem]:
        return my_work(self.db, username, unit_id, limit=limit)

    def dashboard_counts(self, now_date: date, *, soon_until: date | None = None,
                         reader: Actor | None = None) -> DashboardCounts:
        return dashboard_counts(self.db, now_date, soon_until=soon_until, reader=reader)
