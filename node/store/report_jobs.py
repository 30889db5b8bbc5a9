"""The ``report_job`` table: register books made in the background (node/reports/jobs.py).

A job goes queued → running → ready (its file under the data dir) or failed (a Vietnamese reason);
a ready job's file is removed after a while and the job is then 'expired'. A node stopped while a
job ran leaves it 'running': :meth:`SqliteReportJobs.recover` at the next start puts it back in the
queue (at most ``max_attempts`` starts) or fails it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database as SuDatabase

from node.store.db import Database

OPEN = ("queued", "running")


@dataclass(frozen=True)
class ReportJob:
    id: int
    report: str
    fmt: str
    params: dict[str, str]
    title: str
    filename: str
    rows: int
    rows_done: int
    state: str
    attempts: int
    requested_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    pages: int | None
    size: int | None
    error: str | None

    @property
    def pending(self) -> bool:
        return self.state in OPEN


def _at(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _job(row: Any) -> ReportJob:
    return ReportJob(
        id=row["id"], report=row["report"], fmt=row["fmt"], params=json.loads(row["params"]),
        title=row["title"], filename=row["filename"], rows=row["rows"], rows_done=row["rows_done"],
        state=row["state"], attempts=row["attempts"], requested_by=row["requested_by"],
        created_at=datetime.fromisoformat(row["created_at"]), started_at=_at(row["started_at"]),
        finished_at=_at(row["finished_at"]), pages=row["pages"], size=row["size"], error=row["error"])


class SqliteReportJobs:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, job_id: int) -> ReportJob | None:
        row = self.db.query_one("SELECT * FROM report_job WHERE id = ?", (job_id,))
        return _job(row) if row is not None else None

    def create(self, *, report: str, fmt: str, params: dict[str, str], title: str, filename: str,
               rows: int, requested_by: str, now: datetime) -> tuple[ReportJob, bool]:
        """A new queued job, or the one still queued / running for the same book (second is False)."""
        key = json.dumps(params, sort_keys=True, ensure_ascii=False)

        def tx(db: SuDatabase) -> tuple[int, bool]:
            same = db.execute(
                "SELECT id FROM report_job WHERE state IN ('queued', 'running') AND report = ? AND fmt = ?"
                " AND params = ? ORDER BY id LIMIT 1", (report, fmt, key)).fetchone()
            if same is not None:
                return int(same[0]), False
            cur = db.execute(
                "INSERT INTO report_job (report, fmt, params, title, filename, rows, state, requested_by,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?)",
                (report, fmt, key, title, filename, rows, requested_by, now.isoformat()))
            return int(cur.lastrowid or 0), True

        job_id, made = self.db.write(tx)
        job = self.get(job_id)
        assert job is not None
        return job, made

    def next_queued(self) -> ReportJob | None:
        row = self.db.query_one("SELECT * FROM report_job WHERE state = 'queued' ORDER BY id LIMIT 1")
        return _job(row) if row is not None else None

    def start(self, job_id: int, now: datetime) -> bool:
        """Mark a queued job running (one more attempt); False if it is no longer queued."""
        def tx(db: SuDatabase) -> bool:
            cur = db.execute(
                "UPDATE report_job SET state = 'running', attempts = attempts + 1, started_at = ?,"
                " rows_done = 0 WHERE id = ? AND state = 'queued'", (now.isoformat(), job_id))
            return cur.rowcount == 1
        return self.db.write(tx)

    def progress(self, job_id: int, rows_done: int, *, rows: int | None = None) -> None:
        """How far a running job got; ``rows``: the book as read when the job started."""
        self.db.write(lambda db: db.execute(
            "UPDATE report_job SET rows_done = ?, rows = coalesce(?, rows)"
            " WHERE id = ? AND state = 'running'",
            (rows_done, rows, job_id)))

    def finish(self, job_id: int, *, now: datetime, pages: int, size: int) -> None:
        self.db.write(lambda db: db.execute(
            "UPDATE report_job SET state = 'ready', finished_at = ?, pages = ?, size = ?, rows_done = rows,"
            " error = NULL WHERE id = ?", (now.isoformat(), pages, size, job_id)))

    def fail(self, job_id: int, *, now: datetime, reason: str) -> None:
        self.db.write(lambda db: db.execute(
            "UPDATE report_job SET state = 'failed', finished_at = ?, error = ? WHERE id = ?",
            (now.isoformat(), reason, job_id)))

    def requeue(self, job_id: int) -> None:
        """A job the node stopped cleanly in the middle of: it starts again at the next start."""
        self.db.write(lambda db: db.execute(
            "UPDATE report_job SET state = 'queued', attempts = max(attempts - 1, 0), rows_done = 0"
            " WHERE id = ? AND state = 'running'", (job_id,)))

    def recover(self, *, now: datetime, max_attempts: int, reason: str) -> tuple[list[int], list[int]]:
        """Jobs left 'running' by a node that stopped: queued again while they have attempts left,
        else failed with ``reason``. Returns (requeued ids, failed ids)."""
        def tx(db: SuDatabase) -> tuple[list[int], list[int]]:
            rows = db.execute("SELECT id, attempts FROM report_job WHERE state = 'running'").fetchall()
            again = [int(r[0]) for r in rows if r[1] < max_attempts]
            failed = [int(r[0]) for r in rows if r[1] >= max_attempts]
            for i in again:
                db.execute("UPDATE report_job SET state = 'queued', rows_done = 0 WHERE id = ?", (i,))
            for i in failed:
                db.execute("UPDATE report_job SET state = 'failed', finished_at = ?, error = ? WHERE id = ?",
                           (now.isoformat(), reason, i))
            return again, failed
        return self.db.write(tx)

    def expire(self, *, before: datetime) -> list[int]:
        """Ready jobs finished before ``before``: 'expired' (the caller removes their files)."""
        rows = self.db.query("SELECT id, finished_at FROM report_job WHERE state = 'ready'")
        ids = [int(r[0]) for r in rows if r[1] and datetime.fromisoformat(r[1]) < before]
        if ids:
            def tx(db: SuDatabase) -> None:
                for i in ids:
                    db.execute("UPDATE report_job SET state = 'expired' WHERE id = ? AND state = 'ready'",
                               (i,))
            self.db.write(tx)
        return ids

    def kept_ids(self) -> set[int]:
        return {int(r[0]) for r in self.db.query("SELECT id FROM report_job WHERE state = 'ready'")}
