"""The generic full-text index: folded Vietnamese (đ too), any kind of record, through the store."""

from __future__ import annotations

from datetime import datetime

from node.domain.clock import VN_TZ
from node.store.db import Database
from node.store.search import SqliteSearchIndex, index_text, unindex

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ)


def test_folded_queries_find_vietnamese_text(db: Database) -> None:
    db.write(lambda d: index_text(d, kind="scan", ref="1", title="Công văn về văn bản điện tử",
                                  body="Ủy ban nhân dân thành phố Đà Nẵng đề nghị các sở.", now=NOW))
    db.write(lambda d: index_text(d, kind="document", ref="7", title="Quyết định Đống Đa",
                                  body="Nội dung khác hẳn.", now=NOW))
    idx = SqliteSearchIndex(db)
    assert [h.ref for h in idx.search("van ban dien tu")] == ["1"]
    assert [h.ref for h in idx.search("da nang")] == ["1"]
    assert [h.ref for h in idx.search("Đà Nẵng")] == ["1"]
    assert [h.ref for h in idx.search("dong da")] == ["7"]
    assert [h.ref for h in idx.search("điện t")] == ["1"]  # the last word is a prefix
    assert [h.kind for h in idx.search("quyet dinh", kinds=("document",))] == ["document"]
    assert idx.search('"; DROP TABLE x --') == [] and idx.search("") == []
    assert "Đà Nẵng" in idx.search("da nang")[0].snippet
    assert idx.count("van ban") == 1


def test_reindex_replaces_and_unindex_removes(db: Database) -> None:
    db.write(lambda d: index_text(d, kind="scan", ref="1", title="cũ", body="nội dung cũ", now=NOW))
    db.write(lambda d: index_text(d, kind="scan", ref="1", title="mới", body="nội dung mới", now=NOW))
    idx = SqliteSearchIndex(db)
    assert idx.search("cu") == [] and [h.title for h in idx.search("moi")] == ["mới"]
    db.write(lambda d: unindex(d, kind="scan", ref="1"))
    assert idx.search("moi") == []
