"""Full-text search over everything the node holds (scans now; documents, dossiers later).

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
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database as SuDatabase

from node.domain.text import fold, squash
from node.store.db import Database

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


@dataclass(frozen=True)
class SearchHit:
    kind: str
    ref: str
    title: str
    snippet: str
    rank: float


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


class SqliteSearchIndex:
    """Queries over ``search_doc``; best match first (title words count five times)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def search(self, query: str, *, kinds: tuple[str, ...] = (), limit: int = 20,
               offset: int = 0) -> list[SearchHit]:
        expr = match_expression(query)
        if expr is None:
            return []
        where, params = "search_fts MATCH ?", [expr]
        if kinds:
            where += f" AND d.kind IN ({', '.join('?' * len(kinds))})"
            params.extend(kinds)
        sql = ("SELECT d.kind, d.ref, d.title, d.body, bm25(search_fts, 5.0, 1.0) AS rank"
               " FROM search_fts JOIN search_doc d ON d.id = search_fts.rowid"
               f" WHERE {where} ORDER BY rank LIMIT ? OFFSET ?")
        try:
            rows = self.db.query(sql, (*params, limit, offset))
        except sqlite3.OperationalError:  # a query FTS5 cannot parse finds nothing
            return []
        return [SearchHit(r["kind"], r["ref"], r["title"], snippet(r["body"], query), float(r["rank"]))
                for r in rows]

    def count(self, query: str, *, kinds: tuple[str, ...] = ()) -> int:
        expr = match_expression(query)
        if expr is None:
            return 0
        where, params = "search_fts MATCH ?", [expr]
        if kinds:
            where += f" AND d.kind IN ({', '.join('?' * len(kinds))})"
            params.extend(kinds)
        row = self.db.query_one("SELECT count(*) FROM search_fts JOIN search_doc d"
                                f" ON d.id = search_fts.rowid WHERE {where}", tuple(params))
        return int(row[0]) if row else 0
