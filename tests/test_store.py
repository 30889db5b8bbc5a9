import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlite_utils

from node.store.db import Database


def test_pragmas(db: Database) -> None:
    def pragmas(d: sqlite_utils.Database) -> tuple[str, int, int]:
        return (d.execute("PRAGMA journal_mode").fetchone()[0],
                d.execute("PRAGMA synchronous").fetchone()[0],
                d.execute("PRAGMA foreign_keys").fetchone()[0])

    assert db.write(pragmas) == ("wal", 2, 1)  # synchronous=FULL is 2
    assert db.query_one("PRAGMA query_only")[0] == 1  # readers cannot write


def test_failed_closure_rolls_back_everything(db: Database) -> None:
    def half(d: sqlite_utils.Database) -> None:
        d.execute("INSERT INTO meta (key, value) VALUES ('a', '1')")
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        db.write(half)
    assert db.query("SELECT * FROM meta") == []


def test_foreign_keys_enforced(db: Database) -> None:
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError):
        db.write(lambda d: d.execute("INSERT INTO user_role (user_id, role) VALUES (999, 'admin')"))


def test_concurrent_writers_are_serialised(db: Database) -> None:
    db.write(lambda d: d.execute("INSERT INTO meta (key, value) VALUES ('n', '0')"))

    def bump(d: sqlite_utils.Database) -> int:
        n = int(d.execute("SELECT value FROM meta WHERE key = 'n'").fetchone()[0]) + 1
        d.execute("UPDATE meta SET value = ? WHERE key = 'n'", (str(n),))
        return n

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: db.write(bump), range(200)))
    assert sorted(results) == list(range(1, 201))
    assert db.query_one("SELECT value FROM meta WHERE key = 'n'")[0] == "200"


def test_readers_see_committed_state_from_other_threads(db: Database) -> None:
    db.write(lambda d: d.execute("INSERT INTO meta (key, value) VALUES ('x', 'y')"))
    seen: list[str] = []
    t = threading.Thread(target=lambda: seen.append(db.query_one("SELECT value FROM meta")[0]))
    t.start()
    t.join()
    assert seen == ["y"]


async def _awrite(db: Database) -> int:
    return await db.awrite(lambda d: d.execute("SELECT 41 + 1").fetchone()[0])


def test_async_write(db: Database) -> None:
    import asyncio

    assert asyncio.run(_awrite(db)) == 42


def test_migrations_are_idempotent(tmp_path) -> None:
    seen = []
    for _ in range(2):
        d = Database(tmp_path / "m.db").open()
        seen.append([r[0] for r in d.query("SELECT name FROM _sqlite_migrations ORDER BY id")])
        d.close()
    first, second = seen
    assert first == second  # the second open applied nothing again
    assert first[0] == "0001_core" and len(set(first)) == len(first)
