"""Text folding for Vietnamese search: the same rule for what is indexed and what is asked.

SQLite's ``unicode61 remove_diacritics 2`` strips tone and vowel marks but keeps ``đ`` as its own
letter (U+0111 is not ``d`` plus a mark), so "dien tu" never finds "điện tử". The app writes a
folded shadow copy of every indexed text and folds queries the same way.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower case, ``đ`` → ``d``, every combining mark removed: "Đà Nẵng" → "da nang"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", stripped).lower()


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def squash(text: str) -> str:
    """Collapse runs of white space into one space and trim."""
    return _SPACES.sub(" ", text).strip()
