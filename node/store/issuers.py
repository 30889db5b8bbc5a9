"""The issuing agencies the office has received from, matched by what a person types."""

from __future__ import annotations

from functools import lru_cache

from node.domain.text import fold, squash
from node.store.db import Database

MAX_ISSUER_NAMES = 200  # a typed issuer matching more names than this is too vague to narrow by name


def issuer_names(db: Database, text: str) -> list[str]:
    """The distinct ``doc_in.issuer_name`` values containing ``text`` (any case, any marks, đ = d).

    Walks the distinct names with one seek each in ``doc_in_issuer``: an office has a few hundred
    correspondents, not a million, so this stays cheap at any table size.
    """
    needle = fold(squash(text))
    if not needle:
        return []
    rows = db.query(
        "WITH RECURSIVE n(name) AS ("
        " SELECT (SELECT min(issuer_name) FROM doc_in)"
        " UNION ALL"
        " SELECT (SELECT min(issuer_name) FROM doc_in WHERE issuer_name > n.name) FROM n"
        " WHERE n.name IS NOT NULL)"
        " SELECT name FROM n WHERE name IS NOT NULL")
    return [r[0] for r in rows if needle in _folded(r[0])][:MAX_ISSUER_NAMES]


@lru_cache(maxsize=8192)
def _folded(name: str) -> str:
    return fold(name)
