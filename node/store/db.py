"""SQLite with one writer thread and per-thread readers.

Every write is a closure run by the single writer thread inside ``BEGIN IMMEDIATE`` … ``COMMIT``
(model: datasette ``database.py``, ``execute_write_fn``): an exception rolls the whole closure
back, so a state change, its audit row and its outbox row commit together or not at all.
Readers use their own connections, one per thread, with ``query_only`` set.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from node.store.migrations import migrations

log = logging.getLogger(__name__)

T = TypeVar("T")
WriteFn = Callable[[sqlite_utils.Database], T]

_STOP = object()


class StoreClosedError(RuntimeError):
    pass


def connect(path: Path, *, busy_timeout_ms: int, readonly: bool = False) -> sqlite3.Connection:
    """Open a connection with the node's pragmas (WAL, synchronous=FULL, foreign keys on)."""
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False,
                           timeout=busy_timeout_ms / 1000)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA foreign_keys = ON")
    if readonly:
        conn.execute("PRAGMA query_only = ON")
    else:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
    return conn


class Database:
    """The node database: ``write(fn)`` for changes, ``read()`` for queries."""

    def __init__(self, path: Path, *, busy_timeout_ms: int = 5000) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._queue: queue.Queue[Any] = queue.Queue()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._commits = 0

    # -- lifecycle ---------------------------------------------------------------------------
    def open(self, *, migrate: bool = True) -> Database:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = connect(self.path, busy_timeout_ms=self.busy_timeout_ms)
        if migrate:
            migrations.apply(sqlite_utils.Database(conn))
        ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._run_writer, args=(conn, ready),
                                        name=f"sqlite-writer:{self.path.name}", daemon=True)
        self._thread.start()
        ready.result()
        return self

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes ------------------------------------------------------------------------------
    def submit(self, fn: WriteFn[T]) -> Future[T]:
        if self._closed or self._thread is None:
            raise StoreClosedError("database is not open")
        fut: Future[T] = Future()
        self._queue.put((fn, fut))
        return fut

    def write(self, fn: WriteFn[T]) -> T:
        """Run ``fn`` in one IMMEDIATE transaction on the writer thread and return its result."""
        return self.submit(fn).result()

    async def awrite(self, fn: WriteFn[T]) -> T:
        return await asyncio.wrap_future(self.submit(fn))

    @property
    def commits(self) -> int:
        """How many write transactions this process has committed: a cache of a query result stays
        true while it has not moved (the writer thread is the only one that writes)."""
        return self._commits

    def _run_writer(self, conn: sqlite3.Connection, ready: Future[None]) -> None:
        db = sqlite_utils.Database(conn, execute_plugins=False)
        ready.set_result(None)
        try:
            while True:
                item = self._queue.get()
                if item is _STOP:
                    return
                fn, fut = item
                if not fut.set_running_or_notify_cancel():
                    continue
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        result = fn(db)
                    except BaseException:
                        conn.execute("ROLLBACK")
                        raise
                    conn.execute("COMMIT")
                    self._commits += 1
                except BaseException as e:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    fut.set_exception(e)
                else:
                    fut.set_result(result)
        finally:
            conn.close()

    # -- reads -------------------------------------------------------------------------------
    def reader(self) -> sqlite3.Connection:
        """This thread's read-only connection."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise StoreClosedError("database is closed")
            conn = connect(self.path, busy_timeout_ms=self.busy_timeout_ms, readonly=True)
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot: every query inside sees the same committed state."""
        conn = self.reader()
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("ROLLBACK")

    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        return list(self.reader().execute(sql, params).fetchall())

    def query_one(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.reader().execute(sql, params).fetchone()
        return row
