"""Text folding for Vietnamese search: the same rule for what is indexed and what is asked.

SQLite's ``unicode61 remove_diacritics 2`` strips tone and vowel marks but keeps ``đ`` as its own
letter (U+0111 is not ``d`` plus a mark), so "dien tu" never finds "điện tử". The app writes a
folded shadow copy of every indexed text and folds queries the same way.
"""

from __future__ import annotations

import itertools
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


_SYLLABLE = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?"
                       r"[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?")


def split_glued(token: str) -> str:
    """Put back the spaces OCR drops between syllables in bold capitals: "THỊXÃ" → "THỊ XÃ".

    A Vietnamese word is written one syllable at a time, so a long token that parses as several
    syllables (each but the first opening with a consonant) and not as one is several words.
    Abbreviations without vowels ("UBND", "STTTT") do not parse and are left alone.
    """
    folded = fold(token)
    n = len(folded)
    if n < 4 or n != len(token) or not folded.isalpha():
        return token
    best: list[tuple[int, int, tuple[int, ...]] | None] = [None] * (n + 1)
    best[0] = (0, 0, ())
    for i in range(n):
        here = best[i]
        if here is None:
            continue
        for j in range(i + 1, min(n, i + 8) + 1):
            if not _SYLLABLE.fullmatch(folded, i, j):
                continue
            penalty = here[0] + (1 if i > 0 and folded[i] in "aeiouy" else 0)
            cand = (penalty, here[1] + 1, (*here[2], j))
            if best[j] is None or cand[:2] < best[j][:2]:  # type: ignore[index]
                best[j] = cand
    end = best[n]
    if end is None or end[1] < 2 or end[0] > 0:
        return token
    cuts = (0, *end[2])
    return " ".join(token[a:b] for a, b in itertools.pairwise(cuts))
