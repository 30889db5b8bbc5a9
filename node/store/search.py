"""Full-text search over everything the node holds: văn bản đến / đi, scans, hồ sơ.

One row per indexed thing in ``search_doc`` (``kind`` + ``ref`` name it, e.g. ``scan``/``42``),
and an external-content FTS5 table over the *folded* title and body (``node.domain.text.fold``:
no marks, đ → d), so "van ban dien tu" finds "văn bản điện tử" and "da nang" finds "Đà Nẵng".
The tokenizer is ``unicode61 remove_diacritics 2`` as a second line of defence for text folded
by an older rule (schema: migration ``search_0001_index``). Any store module indexes inside its
own write transaction with
:func:`index_text` and removes with :func:`unindex`; queries go through :class:`SqliteSearchIndex`.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database as SuDatabase

from node.domain.listing import SearchFilters, SearchHit
from node.domain.text import fold, nfc, squash
from node.store.db import Database
from node.store.issuers import issuer_names

__all__ = ["SearchFilters", "SearchHit", "SqliteSearchIndex", "index_text", "match_expression", "unindex"]

_TOKEN = re.compile(r"\w+", re.UNICODE)


def index_text(db: SuDatabase, *, kind: str, ref: str, title: str, body: str, now: datetime) -> None:
    """Add or replace the searchable text of one thing (inside the caller's write transaction)."""
    db.execute(
        "INSERT INTO search_doc (kind, ref, title, body, title_fold, body_fold, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (kind, ref) DO UPDATE SET title = excluded.title, body = excluded.body,"
        " title_fold = excluded.title_fold, body_fold = excluded.body_fold,"
        " updated_at = excluded.updated_at",
        (kind, ref, title, body, fold(title), fold(body), now.isoformat(timespec="seconds")),
    )


def unindex(db: SuDatabase, *, kind: str, ref: str) -> None:
    db.execute("DELETE FROM search_doc WHERE kind = ? AND ref = ?", (kind, ref))


def match_expression(query: str) -> str | None:
    """The FTS5 MATCH text for what a person typed: every word must occur (folded, any column).

    Words are quoted, so FTS5 operators and punctuation typed by the user are plain text.
    The last word also matches as a prefix ("dien t" finds "điện tử").
    """
    tokens = _TOKEN.findall(fold(query))
    if not tokens:
        return None
    quoted = [f'"{t}"' for t in tokens]
    quoted[-1] += "*"
    return " ".join(quoted)


def snippet(body: str, query: str, width: int = 160) -> str:
    """A piece of the original text around the first matching word (folding keeps positions)."""
    text = squash(body)
    folded = fold(text)
    tokens = _TOKEN.findall(fold(query))
    pos = -1
    if len(folded) == len(text):
        for t in tokens:
            m = re.search(r"\b" + re.escape(t), folded)
            if m:
                pos = m.start()
                break
    start = max(0, pos - width // 3) if pos >= 0 else 0
    piece = text[start:start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")


_DOC_JOINS = (" LEFT JOIN doc_in i ON d.kind = 'in' AND i.ref = d.ref"
              " LEFT JOIN doc_out o ON d.kind = 'out' AND o.ref = d.ref")
_HIT_COLUMNS = ("d.kind, d.ref, d.title, d.body, d.updated_at,"
                " coalesce(i.type_name, o.type_name, '') AS type_name, coalesce(i.code, o.code, '') AS code,"
                " coalesce(i.issuer_name, '') AS issuer_name, coalesce(i.state, o.state, '') AS state,"
                " coalesce(i.received_at, o.created_at, d.updated_at) AS at")
_RANK = "bm25(search_fts, 5.0, 1.0)"  # title words count five times


def exact_words(query: str) -> list[str]:
    """The typed words as they must appear with ``exact``: NFC, case-folded, marks kept."""
    return _TOKEN.findall(nfc(query).casefold())


def contains_words(text: str, words: list[str]) -> bool:
    """Every word occurs in ``text`` as a word with the same marks (case-insensitive); the last
    one may be the start of a word, as in the folded search ("Đà Nẵ" finds "Đà Nẵng")."""
    hay = nfc(text).casefold()
    for n, w in enumerate(words):
        tail = "" if n == len(words) - 1 else r"(?!\w)"
        if re.search(r"(?<!\w)" + re.escape(w) + tail, hay) is None:
            return False
    return True


class SqliteSearchIndex:
    """Queries over ``search_doc``: the ``DocumentSearch`` port. Best match first.

    Candidates always come from the folded FTS5 index; filters on văn bản đến / đi join
    ``doc_in`` / ``doc_out`` by ref (``in:42``), which drops scans and dossiers from filtered
    searches. ``exact`` then keeps the candidates whose original title or text contains every typed
    word with its marks (a SQL function over the candidates, so paging and counts stay right).
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    def _where(self, expr: str, kinds: tuple[str, ...], f: SearchFilters,
               words: list[str]) -> tuple[str, list[Any]]:
        clauses, params = ["search_fts MATCH ?"], [expr]
        if kinds:
            clauses.append(f"d.kind IN ({', '.join('?' * len(kinds))})")
            params.extend(kinds)
        if f.type_name:
            clauses.append("coalesce(i.type_name, o.type_name) = ?")
            params.append(f.type_name)
        if f.state:
            clauses.append("coalesce(i.state, o.state) = ?")
            params.append(f.state)
        if f.register_code:
            clauses.append("coalesce(i.register_code, o.register_code) = ?")
            params.append(f.register_code)
        if f.issuer:
            names = issuer_names(self.db, f.issuer)
            clauses.append(f"(i.issuer_name IN ({', '.join('?' * len(names))}) OR i.issuer_code = ?)"
                           if names else "i.issuer_code = ?")
            params.extend((*names, squash(f.issuer)))
        if f.date_from:
            clauses.append("coalesce(i.received_at, o.created_at) >= ?")
            params.append(f.date_from.isoformat())
        if f.date_to:
            clauses.append("coalesce(i.received_at, o.created_at) < ?")
            params.append((f.date_to + timedelta(days=1)).isoformat())
        if words:
            clauses.append("vt_has_words(d.title || ' ' || d.body)")
        return " AND ".join(clauses), params

    def _run(self, sql: str, params: list[Any], words: list[str]) -> list[sqlite3.Row]:
        conn = self.db.reader()
        if words:
            conn.create_function("vt_has_words", 1, lambda text: contains_words(text or "", words),
                                 deterministic=True)
        try:
            return list(conn.execute(sql, tuple(params)).fetchall())
        except sqlite3.OperationalError:  # a query FTS5 cannot parse finds nothing
            return []

    def search(self, query: str, *, kinds: tuple[str, ...] = (), limit: int = 20, offset: int = 0,
               filters: SearchFilters | None = None) -> list[SearchHit]:
        expr = match_expression(query)
        if expr is None:
            return []
        f = filters or SearchFilters()
        kinds = kinds or f.kinds
        words = exact_words(query) if f.exact else []
        if not f.on_documents and not words:
            # Rank in the FTS index alone (with the kind when asked), then fetch the page's rows.
            inner = ("SELECT search_fts.rowid AS id, " + _RANK + " AS rank FROM search_fts"
                     + (" JOIN search_doc d ON d.id = search_fts.rowid" if kinds else "")
                     + " WHERE search_fts MATCH ?"
                     + (f" AND d.kind IN ({', '.join('?' * len(kinds))})" if kinds else "")
                     + " ORDER BY rank LIMIT ? OFFSET ?")
            sql = (f"SELECT {_HIT_COLUMNS}, h.rank FROM ({inner}) h JOIN search_doc d ON d.id = h.id"
                   f"{_DOC_JOINS} ORDER BY h.rank")
            rows = self._run(sql, [expr, *kinds, limit, offset], [])
        else:
            where, params = self._where(expr, kinds, f, words)
            sql = (f"SELECT {_HIT_COLUMNS}, {_RANK} AS rank FROM search_fts"
                   f" JOIN search_doc d ON d.id = search_fts.rowid{_DOC_JOINS}"
                   f" WHERE {where} ORDER BY rank LIMIT ? OFFSET ?")
            rows = self._run(sql, [*params, limit, offset], words)
        return [SearchHit(r["kind"], r["ref"], r["title"], snippet(r["body"], query), float(r["rank"]),
                          type_name=r["type_name"], code=r["code"], issuer_name=r["issuer_name"],
                          state=r["state"], day=(r["at"] or "")[:10]) for r in rows]

    def count(self, query: str, *, kinds: tuple[str, ...] = (), filters: SearchFilters | None = None,
              cap: int | None = None) -> int:
        """How many hits (at most ``cap`` when given)."""
        expr = match_expression(query)
        if expr is None:
            return 0
        f = filters or SearchFilters()
        words = exact_words(query) if f.exact else []
        where, params = self._where(expr, kinds or f.kinds, f, words)
        inner = (f"SELECT 1 FROM search_fts JOIN search_doc d ON d.id = search_fts.rowid{_DOC_JOINS}"
                 f" WHERE {where}")
        if cap is not None:
            inner += " LIMIT ?"
            params.append(cap)
        rows = self._run(f"SELECT count(*) FROM ({inner})", params, words)
        return int(rows[0][0]) if rows else 0
