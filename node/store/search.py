"""Full-text search over everything the node holds: văn bản đến / đi, scans, hồ sơ.

One row per indexed thing in ``search_doc`` (``kind`` + ``ref`` name it, e.g. ``scan``/``42``),
and an external-content FTS5 table over the *folded* title and body (``node.domain.text.fold``:
no marks, đ → d), so "van ban dien tu" finds "văn bản điện tử" and "da nang" finds "Đà Nẵng".
The tokenizer is ``unicode61 remove_diacritics 2`` as a second line of defence for text folded
by an older rule; prefix indexes of 1–3 letters serve the word being typed (schema: migrations
``search_0001_index``, ``search_0002_prefix``). Document rows are kind ``in`` / ``out`` with the
document ref (``in:42``), scans ``scan`` with the scan id, hồ sơ ``dossier`` with the file code.
Any store module indexes inside its own write transaction with :func:`index_text` and removes
with :func:`unindex`; queries go through :class:`SqliteSearchIndex`.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database as SuDatabase

from node.domain.documents import Actor
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


def query_tokens(query: str) -> list[str]:
    """The folded words of what a person typed (the same rule as the index)."""
    return _TOKEN.findall(fold(query))


def match_expression(query: str) -> str | None:
    """The FTS5 MATCH text for what a person typed: every word must occur (folded, any column).

    Words are quoted, so FTS5 operators and punctuation typed by the user are plain text.
    The last word also matches as a prefix ("dien t" finds "điện tử").
    """
    tokens = query_tokens(query)
    if not tokens:
        return None
    quoted = [f'"{t}"' for t in tokens]
    quoted[-1] += "*"
    return " ".join(quoted)


def snippet(body: str, query: str, width: int = 160, folded: str | None = None) -> str:
    """A piece of the original text around the first matching word (folding keeps positions);
    ``folded`` is ``fold(body)`` when the caller has it (the index keeps it)."""
    folded = fold(body) if folded is None else folded
    pos = -1
    if len(folded) == len(body):
        for t in query_tokens(query):
            m = re.search(r"\b" + re.escape(t), folded)
            if m:
                pos = m.start()
                break
    start = max(0, pos - width // 3) if pos >= 0 else 0
    piece = squash(body[start:start + width])
    return ("…" if start else "") + piece + ("…" if start + width < len(body) else "")


_HIT_SQL = ("SELECT d.id, d.kind, d.ref, d.title, d.body, d.body_fold, d.updated_at,"
            " coalesce(i.type_name, o.type_name, '') AS type_name, coalesce(i.code, o.code, '') AS code,"
            " coalesce(i.issuer_name, '') AS issuer_name, coalesce(i.state, o.state, '') AS state,"
            " coalesce(i.received_at, o.created_at, d.updated_at) AS at"
            " FROM search_doc d"
            " LEFT JOIN doc_in i ON d.kind = 'in' AND i.ref = d.ref"
            " LEFT JOIN doc_out o ON d.kind = 'out' AND o.ref = d.ref"
            " WHERE d.id IN ({ids})")
RANK_WINDOW = 1000  # "most relevant" ranks the newest this many matches (bm25, title words × 5)
ORDERS = ("newest", "rank")


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


_BRANCHES = (("in", "doc_in", "received_at"), ("out", "doc_out", "created_at"))


def visible_sql(kind: str, alias: str, reader: Actor) -> tuple[str, list[Any]]:
    """SQL true when ``reader`` may find the ``doc_in`` / ``doc_out`` row ``alias`` (may_read):
    not secret, or given to them (assignee, unit, drafter, reviewer)."""
    if kind == "in":
        return (f"({alias}.secrecy = 0 OR EXISTS (SELECT 1 FROM doc_assignee a WHERE a.doc_id = {alias}.id"
                " AND ((a.kind = 'user' AND a.ref = ?) OR (a.kind = 'unit' AND a.ref = ?))))",
                [reader.username, "" if reader.unit_id is None else str(reader.unit_id)])
    return (f"({alias}.secrecy = 0 OR {alias}.author = ? OR EXISTS (SELECT 1 FROM"
            f" json_each({alias}.data, '$.reviewers') r WHERE r.value = ?))",
            [reader.username, reader.username])


class SqliteSearchIndex:
    """Queries over ``search_doc``: the ``DocumentSearch`` port.

    Candidates come from the folded FTS5 index (prefix indexes of 1–3 letters make the word being
    typed cheap). ``order="newest"`` (the default) walks the index newest first and stops after
    the page, so a word found in half a million documents costs what a rare one does;
    ``order="rank"`` sorts the newest ``RANK_WINDOW`` matches by bm25 (title words × 5), which is
    exact for any query with fewer matches.

    Filters on văn bản đến / đi join ``doc_in`` / ``doc_out`` by ref (``in:42``), which drops scans
    and hồ sơ from filtered searches. When the filters alone leave at most ``SMALL_SET`` documents
    (an issuer over a few months), those are read through their indexes and their folded words
    checked here, instead of walking every FTS match of a common word to find the few that pass.
    ``exact`` keeps the candidates whose original title or text has every typed word with its marks.
    """

    SMALL_SET = 2000

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- filters ---------------------------------------------------------------------------------
    def _branches(self, kinds: tuple[str, ...], f: SearchFilters) -> list[tuple[str, str, str, list[Any]]]:
        """(kind, table, WHERE over ``x``, params) of each document table the filters apply to."""
        out = []
        for kind, table, day in _BRANCHES:
            if (kinds and kind not in kinds) or (f.issuer and kind != "in"):
                continue
            clauses: list[str] = []
            params: list[Any] = []
            for column, value in (("type_name", f.type_name), ("state", f.state),
                                  ("register_code", f.register_code)):
                if value:
                    clauses.append(f"x.{column} = ?")
                    params.append(value)
            if f.issuer:
                names = issuer_names(self.db, f.issuer)
                clauses.append(f"x.issuer_name IN ({', '.join('?' * len(names))})")  # none: false
                params.extend(names)
            if f.date_from:
                clauses.append(f"x.{day} >= ?")
                params.append(f.date_from.isoformat())
            if f.date_to:
                clauses.append(f"x.{day} < ?")
                params.append((f.date_to + timedelta(days=1)).isoformat())
            if not f.sees_everything and f.reader is not None:
                clause, extra = visible_sql(kind, "x", f.reader)
                clauses.append(clause)
                params.extend(extra)
            out.append((kind, table, " AND ".join(clauses) or "1", params))
        return out

    def _split(self, branches: list[tuple[str, str, str, list[Any]]]
               ) -> tuple[list[sqlite3.Row], list[tuple[str, str, str, list[Any]]]]:
        """Branches whose filters leave at most SMALL_SET documents give their folded text (checked
        word by word here); the others stay FTS branches. Empty ones drop out."""
        rows: list[sqlite3.Row] = []
        big = []
        for kind, table, where, params in branches:
            row = self.db.query_one(f"SELECT count(*) FROM (SELECT 1 FROM {table} x WHERE {where} LIMIT ?)",
                                    (*params, self.SMALL_SET + 1))
            n = int(row[0]) if row else 0
            if n > self.SMALL_SET:
                big.append((kind, table, where, params))
            elif n:  # CROSS JOIN: the filtered table drives, one index seek each into search_doc
                rows += self.db.query(f"SELECT d.id, d.title_fold, d.body_fold FROM {table} x CROSS JOIN"
                                      f" search_doc d ON d.kind = ? AND d.ref = x.ref WHERE {where}",
                                      (kind, *params))
        return rows, big

    def _checked(self, rows: list[sqlite3.Row], tokens: list[str], words: list[str],
                 rank: bool) -> list[tuple[int, float]]:
        """(id, score) of the rows holding every folded token (the last as a prefix), newest first
        (or, ranking, those with more of the words in their title first)."""
        *whole, last = tokens
        patterns = [re.compile(r"(?<!\w)" + re.escape(t) + r"(?!\w)") for t in whole]
        patterns.append(re.compile(r"(?<!\w)" + re.escape(last)))
        needles = [*whole, last]
        hits = []
        for r in rows:
            text = f"{r['title_fold']}\n{r['body_fold']}"
            if all(n in text and p.search(text) for n, p in zip(needles, patterns, strict=True)):
                score = -float(sum(1 for p in patterns if p.search(r["title_fold"]))) if rank else 0.0
                hits.append((int(r["id"]), score))
        if words and hits:
            exact = {int(r["id"]) for r in self.db.query(
                "SELECT id, title, body FROM search_doc WHERE id IN"
                f" ({', '.join('?' * len(hits))})", tuple(i for i, _ in hits))
                if contains_words(f"{r['title']} {r['body']}", words)}
            hits = [h for h in hits if h[0] in exact]
        hits.sort(key=lambda h: (h[1], -h[0]))
        return hits

    def _fts_selects(self, expr: str, kinds: tuple[str, ...], f: SearchFilters, words: list[str],
                     rank: bool, branches: list[tuple[str, str, str, list[Any]]] | None
                     ) -> tuple[list[str], list[Any]]:
        """One SELECT (id, rank) per FTS branch: the whole index (no document filter), or per table."""
        score = "bm25(search_fts, 5.0, 1.0)" if rank else "0.0"
        exact = " AND vt_has_words(d.title || ' ' || d.body)" if words else ""
        head = f"SELECT search_fts.rowid AS id, {score} AS rank FROM search_fts"
        params: list[Any]
        if branches is None and not f.sees_everything and f.reader is not None:
            # Secret documents only for those given them, no scans: each candidate's row checked.
            vis_in, p_in = visible_sql("in", "i", f.reader)
            vis_out, p_out = visible_sql("out", "o", f.reader)
            sql = (head + " CROSS JOIN search_doc d ON d.id = search_fts.rowid"
                   " LEFT JOIN doc_in i ON d.kind = 'in' AND i.ref = d.ref"
                   " LEFT JOIN doc_out o ON d.kind = 'out' AND o.ref = d.ref"
                   f" WHERE search_fts MATCH ? AND d.kind <> 'scan' AND (i.id IS NULL OR {vis_in})"
                   f" AND (o.id IS NULL OR {vis_out})")
            params = [expr, *p_in, *p_out]
            if kinds:
                sql += f" AND d.kind IN ({', '.join('?' * len(kinds))})"
                params.extend(kinds)
            return [sql + exact], params
        if branches is None:
            sql = head + (" JOIN search_doc d ON d.id = search_fts.rowid" if kinds or words else "")
            sql += " WHERE search_fts MATCH ?"
            params = [expr]
            if kinds:
                sql += f" AND d.kind IN ({', '.join('?' * len(kinds))})"
                params.extend(kinds)
            return [sql + exact], params
        selects, params = [], []
        for kind, table, where, extra in branches:  # CROSS JOIN: FTS order drives, stops early
            selects.append(f"{head} CROSS JOIN search_doc d ON d.id = search_fts.rowid"
                           f" CROSS JOIN {table} x ON x.ref = d.ref"
                           f" WHERE search_fts MATCH ? AND d.kind = ? AND {where}{exact}")
            params.extend((expr, kind, *extra))
        return selects, params

    def _run(self, sql: str, params: list[Any], words: list[str]) -> list[sqlite3.Row]:
        conn = self.db.reader()
        if words:
            conn.create_function("vt_has_words", 1, lambda text: contains_words(text or "", words),
                                 deterministic=True)
        try:
            return list(conn.execute(sql, tuple(params)).fetchall())
        except sqlite3.OperationalError:  # a query FTS5 cannot parse finds nothing
            return []

    # -- the port --------------------------------------------------------------------------------
    def _plan(self, query: str, kinds: tuple[str, ...], f: SearchFilters, rank: bool
              ) -> tuple[list[tuple[int, float]], list[str], list[Any], list[str]] | None:
        """Hits found word by word (small filtered sets) + the FTS selects still to run."""
        tokens, expr = query_tokens(query), match_expression(query)
        if not tokens or expr is None:
            return None
        words = exact_words(query) if f.exact else []
        kinds = kinds or f.kinds
        if not f.on_documents:
            selects, params = self._fts_selects(expr, kinds, f, words, rank, None)
            return [], selects, params, words
        rows, big = self._split(self._branches(kinds, f))
        checked = self._checked(rows, tokens, words, rank) if rows else []
        selects, params = self._fts_selects(expr, kinds, f, words, rank, big) if big else ([], [])
        return checked, selects, params, words

    def search(self, query: str, *, kinds: tuple[str, ...] = (), limit: int = 20, offset: int = 0,
               filters: SearchFilters | None = None, order: str = "newest") -> list[SearchHit]:
        rank = order == "rank"
        plan = self._plan(query, kinds, filters or SearchFilters(), rank)
        if plan is None:
            return []
        page, selects, params, words = plan
        if selects:
            # Each branch walks its matches newest first and stops at what the page can need.
            need = RANK_WINDOW if rank else offset + limit
            union = " UNION ALL ".join(f"SELECT * FROM ({s} ORDER BY id DESC LIMIT {int(need)})"
                                       for s in selects)
            if rank:
                union = f"SELECT id, rank FROM ({union}) ORDER BY id DESC LIMIT {RANK_WINDOW}"
            rows = self._run(f"SELECT id, rank FROM ({union}) ORDER BY {'rank, ' if rank else ''}id DESC"
                             " LIMIT ?", [*params, offset + limit], words)
            page = [*page, *((int(r[0]), float(r[1])) for r in rows)]
            page.sort(key=lambda h: (h[1], -h[0]))
        page = page[offset:offset + limit]
        if not page:
            return []
        ids = [i for i, _ in page]
        found = {int(r["id"]): r for r in self.db.query(_HIT_SQL.format(ids=", ".join("?" * len(ids))),
                                                        tuple(ids))}
        return [SearchHit(r["kind"], r["ref"], r["title"], snippet(r["body"], query, folded=r["body_fold"]),
                          score, type_name=r["type_name"], code=r["code"], issuer_name=r["issuer_name"],
                          state=r["state"], day=(r["at"] or "")[:10])
                for i, score in page if (r := found.get(i)) is not None]

    def count(self, query: str, *, kinds: tuple[str, ...] = (), filters: SearchFilters | None = None,
              cap: int | None = None) -> int:
        """How many hits (at most ``cap`` when given: counting stops there)."""
        plan = self._plan(query, kinds, filters or SearchFilters(), False)
        if plan is None:
            return 0
        checked, selects, params, words = plan
        n = len(checked)
        if selects:
            inner = " UNION ALL ".join(selects)
            if cap is not None:
                inner = f"SELECT id FROM ({inner}) LIMIT ?"
                params.append(max(0, cap - n))
            rows = self._run(f"SELECT count(*) FROM ({inner})", params, words)
            n += int(rows[0][0]) if rows else 0
        return n if cap is None else min(n, cap)
