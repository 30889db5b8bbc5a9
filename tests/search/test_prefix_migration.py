"""search_0002_prefix rebuilds the index of an existing node: text indexed before the upgrade is
still found, by prefixes too, and the triggers keep feeding the new index."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from node.store.db import Database, connect
from node.store.migrations import migrations
from node.store.search import SqliteSearchIndex, index_text
from tests.search.support import NOW


def test_text_indexed_before_the_upgrade_is_found_after(tmp_path: Path) -> None:
    path = tmp_path / "node.db"
    conn = connect(path, busy_timeout_ms=5000)
    old = sqlite_utils.Database(conn)
    migrations.apply(old, stop_before="search_0002_prefix")
    conn.execute("BEGIN")
    index_text(old, kind="scan", ref="1", title="Công văn cũ", body="Đề án chuyển đổi số Đà Nẵng", now=NOW)
    conn.execute("COMMIT")
    conn.close()
    db = Database(path).open()  # applies search_0002_prefix and the rest
    try:
        idx = SqliteSearchIndex(db)
        assert [h.ref for h in idx.search("chuyen doi so da nang")] == ["1"]
        assert [h.ref for h in idx.search("cong van c")] == ["1"]
        db.write(lambda d: index_text(d, kind="scan", ref="2", title="Mới", body="chuyển đổi số", now=NOW))
        assert [h.ref for h in idx.search("chuyen doi s")] == ["2", "1"]
        options = db.query_one("SELECT sql FROM sqlite_master WHERE name = 'search_fts'")
        assert options is not None and "prefix" in options[0]
    finally:
        db.close()
