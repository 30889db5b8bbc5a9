"""Full-text search over everything the node holds: văn bản đến / đi, scans, hồ sơ.

One row per indexed thing in ``search_doc`` (``kind`` + ``ref`` name it, e.g. ``scan``/``42``),
and an external-content FTS5 table over the *folded* title and body (``node.domain.text.fold``:
no marks, đ → d), so "van ban dien tu" finds "văn bản điện tử" and "da nang" finds "Đà Nẵng".
The tokenizer is ``unicode61 remove_diacritics 2`` as a second line of defence for text folded
by an older rule; prefix indexes of 1–3 letters serve the word being typed, and the vocabulary
(fts5vocab, in each reader's temp schema) names the longer words a longer typed word starts
(schema: migrations ``search_0001_index``, ``search_0002_prefix``). Document rows are kind
``in`` / ``out`` with the document ref (``in:42``), scans ``scan`` with the scan id, hồ sơ
``dossier`` with the file code.
Any store module indexes inside its own write transaction with :func:`index_text` and removes
with :func:`unindex`; queries go through :class:`SqliteSearchIndex`.
"""

from __future__ import annotations

import math
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
# bm25 as FTS5's bm25(search_fts, 5.0, 1.0) computes it (k1 1.2, b 0.75, a title word counts 5),
# but each word's document frequency is counted in the newest IDF_SAMPLE documents (the whole
# store when smaller) instead of over every match: SQLite's bm25() walks the complete list of
# every query word before scoring the first row (~100 ms for "van ban dien tu" at 1,000,000).
IDF_SAMPLE = 20_000
PREFIX_WORDS = 8  # a typed word that starts at most this many longer words matches them by name
K1, B = 1.2, 0.75
WEIGHTS = (5.0, 1.0)  # title_fold, body_fold
# Discarded scans (scan.state 'discarded', "Đã loại bỏ") stay out of the results: a văn thư who
# searches wants documents and scans still to register, and a discarded scan found here would be
# registered or acted on by mistake. Their rows stay indexed (a restored scan is found again at
# once) and they are listed at /so-hoa/da-loai-bo. A small set, read once per query.
_DISCARDED_SCANS = ("SELECT sd.id FROM scan s CROSS JOIN search_doc sd ON sd.kind = 'scan'"
                    " AND sd.ref = CAST(s.id AS TEXT) WHERE s.state = 'discarded'")


def _varints(blob: bytes) -> list[int]:
    """SQLite varints one after another (FTS5's averages record and docsize rows)."""
    out, i = [], 0
    while i < len(blob):
        value = 0
        for n in range(9):
            byte = blob[i]
            i += 1
            if n == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        out.append(value)
    return out


def term_frequency(text: str, token: str, prefix: bool = False) -> int:
    """How often ``token`` occurs in folded ``text`` as a word (the start of one with ``prefix``),
    words being runs of letters and digits as for FTS5's unicode61 tokenizer."""
    n, size, at = 0, len(token), text.find(token)
    while at >= 0:
        end = at + size
        if (at == 0 or not text[at - 1].isalnum()) and (prefix or end == len(text)
                                                         or not text[end].isalnum()):
            n += 1
        at = text.find(token, end)
    return n


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


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


_VOCAB_SQL = "SELECT term FROM temp.vt_search_vocab WHERE term >= ? AND term < ? LIMIT 1"


def _next_word(conn: sqlite3.Connection, low: str, high: str) -> sqlite3.Row | None:
    """The first word of the index in [low, high): a seek in the fts5vocab 'instance' table over
    search_fts (it counts nothing), kept in the connection's temp schema. Not a table of the
    database: the backups count the rows of every table, and counting this one reads every word
    of every document (91,630,212 rows, 29 s at 1,000,000 documents)."""
    try:
        row: sqlite3.Row | None = conn.execute(_VOCAB_SQL, (low, high)).fetchone()
        return row
    except sqlite3.OperationalError:  # first use on this connection
        pass
    was = conn.execute("PRAGMA query_only").fetchone()[0]
    conn.execute("PRAGMA query_only = OFF")  # readers are query_only; this writes the temp schema only
    try:
        conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.vt_search_vocab"
                     " USING fts5vocab(main, 'search_fts', 'instance')")
    finally:
        conn.execute(f"PRAGMA query_only = {int(was)}")
    row = conn.execute(_VOCAB_SQL, (low, high)).fetchone()
    return row


class SqliteSearchIndex:
    """Queries over ``search_doc``: the ``DocumentSearch`` port.

    Candidates come from the folded FTS5 index (prefix indexes of 1–3 letters make the word being
    typed cheap). ``order="newest"`` (the default) walks the index newest first and stops after
    the page, so a word found in half a million documents costs what a rare one does;
    ``order="rank"`` sorts the newest ``rank_window`` matches by bm25 (title words × 5), which is
    exact for any query with fewer matches: the walk collects their ids only, and the score is
    computed here from their folded text (:meth:`_bm25`), because SQLite's bm25() first counts
    every match of every word (300 ms for "ngan sach" at 1,000,000 documents). The last word's
    prefix is named word by word when few words start it (:meth:`_last_phrase`). Discarded scans
    are never found (``_DISCARDED_SCANS``).

    Filters on văn bản đến / đi join ``doc_in`` / ``doc_out`` by ref (``in:42``), which drops scans
    and hồ sơ from filtered searches. When the filters alone leave at most ``SMALL_SET`` documents
    (an issuer over a few months), those are read through their indexes and their folded words
    checked here, instead of walking every FTS match of a common word to find the few that pass.
    ``exact`` keeps the candidates whose original title or text has every typed word with its marks.
    """

    SMALL_SET = 2000
    rank_window = RANK_WINDOW  # read by the search page to say how many matches were ranked

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

    def _checked(self, rows: list[sqlite3.Row], tokens: list[str], words: list[str]
                 ) -> list[tuple[int, float]]:
        """(id, 0.0) of the rows holding every folded token (the last as a prefix), newest first."""
        *whole, last = tokens
        patterns = [re.compile(r"(?<!\w)" + re.escape(t) + r"(?!\w)") for t in whole]
        patterns.append(re.compile(r"(?<!\w)" + re.escape(last)))
        needles = [*whole, last]
        hits = []
        for r in rows:
            text = f"{r['title_fold']}\n{r['body_fold']}"
            if all(n in text and p.search(text) for n, p in zip(needles, patterns, strict=True)):
                hits.append((int(r["id"]), 0.0))
        if words and hits:
            exact = {int(r["id"]) for r in self.db.query(
                "SELECT id, title, body FROM search_doc WHERE id IN"
                f" ({', '.join('?' * len(hits))})", tuple(i for i, _ in hits))
                if contains_words(f"{r['title']} {r['body']}", words)}
            hits = [h for h in hits if h[0] in exact]
        hits.sort(key=lambda h: (h[1], -h[0]))
        return hits

    def _fts_selects(self, expr: str, kinds: tuple[str, ...], f: SearchFilters, words: list[str],
                     branches: list[tuple[str, str, str, list[Any]]] | None) -> tuple[list[str], list[Any]]:
        """One SELECT (id, rank) per FTS branch: the whole index (no document filter), or per table.
        Each walks its matches newest first (``ORDER BY id DESC`` is the index order)."""
        exact = " AND vt_has_words(d.title || ' ' || d.body)" if words else ""
        head = "SELECT search_fts.rowid AS id, 0.0 AS rank FROM search_fts"
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
            sql += f" WHERE search_fts MATCH ? AND search_fts.rowid NOT IN ({_DISCARDED_SCANS})"
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

    def _last_phrase(self, token: str) -> tuple[str, str]:
        """(the MATCH phrase of the last typed word, the phrase its document frequency is counted
        with). The last word is a prefix ("dien t" finds "điện tử"). Up to 3 letters the prefix
        indexes hold it; a longer one costs FTS5 a merge of the list of every word it starts before
        the first row ("sach*": ~35 ms at 1,000,000 documents), so the vocabulary (:func:`_next_word`,
        one seek per word) tells which longer words it starts: none → the word itself, a few →
        those words OR-ed; the same documents either way. More than PREFIX_WORDS: the prefix."""
        star = _quoted(token) + "*"
        if len(token) <= 3 or not token.isalnum():
            return star, star
        conn = self.db.reader()
        longer: list[str] = []
        low, high = token + "0", token + "\U0010ffff"  # words are letters and digits: "0" is the least
        try:
            while len(longer) <= PREFIX_WORDS:
                row = _next_word(conn, low, high)
                if row is None:
                    break
                longer.append(str(row[0]))
                low = str(row[0]) + "0"
        except sqlite3.OperationalError:  # an index without the vocabulary table: the prefix
            return star, _quoted(token)
        if len(longer) > PREFIX_WORDS:
            return star, _quoted(token)
        if not longer:
            return _quoted(token), _quoted(token)
        group = "(" + " OR ".join(_quoted(w) for w in (token, *longer)) + ")"
        return group, group

    # -- ranking ---------------------------------------------------------------------------------
    def _bm25(self, ids: list[int], tokens: list[str]) -> dict[int, float]:
        """FTS5's bm25 (negative: lower is better) of the rows ``ids`` for the query ``tokens``
        (the last a prefix), from their folded text and FTS5's own sizes (the averages record,
        ``search_fts_docsize``); document frequencies sampled as IDF_SAMPLE says."""
        if not ids or not tokens:
            return {}
        conn = self.db.reader()
        head = conn.execute("SELECT block FROM search_fts_data WHERE id = 1").fetchone()
        n_rows, *totals = _varints(head[0]) if head else [0]
        avgdl = (sum(totals) / n_rows) if n_rows and totals else 1.0
        idf = self._idf(conn, tokens, n_rows)
        last = len(tokens) - 1
        out: dict[int, float] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for rid, title, body, size in conn.execute(
                    "SELECT d.id, d.title_fold, d.body_fold, z.sz FROM search_doc d"
                    " LEFT JOIN search_fts_docsize z ON z.id = d.id"
                    f" WHERE d.id IN ({', '.join('?' * len(chunk))})", chunk):
                if not size:
                    length = len(title.split()) + len(body.split())
                else:  # a column under 128 words is one byte
                    length = sum(size) if max(size) < 0x80 else sum(_varints(size))
                norm = K1 * (1 - B + B * length / avgdl)
                score = 0.0
                for n, token in enumerate(tokens):
                    w = (WEIGHTS[0] * term_frequency(title, token, n == last)
                         + WEIGHTS[1] * term_frequency(body, token, n == last))
                    score += idf[n] * w * (K1 + 1) / (w + norm)
                out[int(rid)] = -score
        return out

    def _idf(self, conn: sqlite3.Connection, tokens: list[str], n_rows: int) -> list[float]:
        """FTS5's idf of each token, its document frequency counted in the newest IDF_SAMPLE rows
        (a rowid range: FTS5 seeks into each word's list); the last word as :meth:`_last_phrase`
        matches it (by the whole word when it starts too many others to name)."""
        top_row = conn.execute("SELECT max(id) FROM search_doc").fetchone()
        top = int(top_row[0] or 0) if top_row else 0
        bound = top - IDF_SAMPLE
        sample = n_rows if bound <= 0 else int(conn.execute(  # docsize rows are a few bytes, search_doc's kB
            "SELECT count(*) FROM search_fts_docsize WHERE id > ?", (bound,)).fetchone()[0])
        out = []
        *whole, last = tokens
        for phrase in [*(_quoted(t) for t in whole), self._last_phrase(last)[1]]:
            hits = int(conn.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH ? AND rowid > ?",
                                    (phrase, bound)).fetchone()[0])
            value = math.log((sample - hits + 0.5) / (hits + 0.5)) if sample else 0.0
            out.append(value if value > 0 else 1e-6)
        return out

    # -- the port --------------------------------------------------------------------------------
    def match(self, query: str) -> str | None:
        """The FTS5 MATCH text of what a person typed (every word, folded; the last one as a prefix,
        named word by word when few words start it — :meth:`_last_phrase`); None for no word.
        The lists of văn bản đến / đi use it too (node.store.lists)."""
        tokens = query_tokens(query)
        if not tokens:
            return None
        *whole, last = tokens
        return " ".join([*(_quoted(t) for t in whole), self._last_phrase(last)[0]])

    def _plan(self, query: str, kinds: tuple[str, ...], f: SearchFilters
              ) -> tuple[list[tuple[int, float]], list[str], list[Any], list[str]] | None:
        """Hits found word by word (small filtered sets) + the FTS selects still to run."""
        expr = self.match(query)
        if expr is None:
            return None
        tokens = query_tokens(query)
        words = exact_words(query) if f.exact else []
        kinds = kinds or f.kinds
        if not f.on_documents:
            selects, params = self._fts_selects(expr, kinds, f, words, None)
            return [], selects, params, words
        rows, big = self._split(self._branches(kinds, f))
        checked = self._checked(rows, tokens, words) if rows else []
        selects, params = self._fts_selects(expr, kinds, f, words, big) if big else ([], [])
        return checked, selects, params, words

    def search(self, query: str, *, kinds: tuple[str, ...] = (), limit: int = 20, offset: int = 0,
               filters: SearchFilters | None = None, order: str = "newest") -> list[SearchHit]:
        rank = order == "rank"
        plan = self._plan(query, kinds, filters or SearchFilters())
        if plan is None:
            return []
        page, selects, params, words = plan
        if selects:
            # Each branch walks its matches newest first and stops at what the page can need.
            need = self.rank_window if rank else offset + limit
            union = " UNION ALL ".join(f"SELECT * FROM ({s} ORDER BY id DESC LIMIT {int(need)})"
                                       for s in selects)
            rows = self._run(f"SELECT id, rank FROM ({union}) ORDER BY id DESC LIMIT ?", [*params, need],
                             words)
            page = [*page, *((int(r[0]), float(r[1])) for r in rows)]
        page.sort(key=lambda h: -h[0])
        if rank:  # the newest rank_window candidates (filtered or FTS), best bm25 first
            page = page[:self.rank_window]
            scores = self._bm25([i for i, _ in page], query_tokens(query))
            page = sorted(((i, scores.get(i, 0.0)) for i, _ in page), key=lambda h: (h[1], -h[0]))
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
        plan = self._plan(query, kinds, filters or SearchFilters())
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
