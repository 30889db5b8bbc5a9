"""Register books made in the background: the web answers "Đang tạo sổ…" at once instead of holding
a request for the minutes a year's book takes.

``BookJobs`` keeps the queue in the ``report_job`` table (node/store/report_jobs.py) and one worker
thread in the web process. Each job is laid out in a child process (spawned: WeasyPrint holds the
GIL for its whole layout, so in a thread it would slow every page of the node; a crash or the
memory of a long layout stays in the child) by :func:`node.reports.book.write_book_pdf`; the child
reports its progress through a queue and the file lands atomically at ``<dir>/<id>.pdf``.

At start, jobs a stopped node left 'running' are queued again (at most ``MAX_ATTEMPTS`` starts in
all), else failed with a Vietnamese reason, and half-written files are removed; ready files are
kept ``KEEP`` and then removed (the job is then 'expired'). A clean stop puts the running job back
in the queue.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import shutil
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from node.store.report_jobs import ReportJob, SqliteReportJobs

log = logging.getLogger(__name__)

KEEP = timedelta(days=1)  # a finished book stays downloadable this long
MAX_ATTEMPTS = 2  # starts of one job (a node that dies twice in the same book gives up with a reason)
MAX_RUN_S = 3600.0  # a book still not made after this is stopped and failed (a year takes minutes)
IDLE_CHECK_S = 60.0  # the worker looks at the queue and expiry this often even when not woken
INTERRUPTED = ("Máy chủ đã dừng giữa chừng khi đang tạo sổ (đã thử {n} lần). Hãy tạo lại sổ, chọn"
               " khoảng ngày ngắn hơn, hoặc dùng lệnh vanthu report register.")
CRASHED = "Tiến trình tạo sổ dừng bất thường (mã {code}). Hãy thử lại hoặc dùng lệnh vanthu report register."
FAILED = "Không tạo được sổ: {error}"
TOO_LONG = ("Tạo sổ quá {minutes} phút nên đã dừng. Hãy chọn khoảng ngày ngắn hơn hoặc dùng lệnh"
            " vanthu report register.")


def _render_child(source: dict[str, str], report: str, params: dict[str, str], now: str, out: str,
                  progress: Any) -> None:
    """In the child process: read the book from the database (the rows decoded here, not in the web
    process), lay it out and write it; report ("rows", n) / ("progress", done) / ("done", pages,
    size) / ("error", text) on ``progress``."""
    _die_with_parent()
    from node.domain.clock import FixedClock
    from node.reports.book import write_book_pdf
    from node.reports.service import ReportService
    from node.store.db import Database

    try:
        db = Database(Path(source["db_path"])).open(migrate=False)
        try:
            service = ReportService(db, FixedClock(datetime.fromisoformat(now)), source["agency_name"],
                                    source["agency_code"], source["supervising_name"])
            context = service.context(report, params)  # the book as it is now
        finally:
            db.close()
        progress.put(("rows", len(context["table"].rows)))
        path = Path(out)
        pages = write_book_pdf(context, path, progress=lambda done, _rows: progress.put(("progress", done)))
        progress.put(("done", pages, path.stat().st_size))
    except Exception as e:
        progress.put(("error", getattr(e, "message", None) or f"{type(e).__name__}: {e}"))


def _die_with_parent() -> None:
    """Linux: the child is killed when the node dies (a SIGKILLed node must not leave a book being
    written behind the job it restarts)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


@dataclass
class BookJobs:
    """``source``: what the child needs to read the book itself (``db_path``, ``agency_name``,
    ``agency_code``, ``supervising_name`` of the ``ReportService``)."""

    jobs: SqliteReportJobs
    directory: Path
    clock: Any
    source: dict[str, str]
    keep: timedelta = KEEP
    _wake: threading.Event = field(default_factory=threading.Event, init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _idle: threading.Event = field(default_factory=threading.Event, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    def path(self, job_id: int) -> Path:
        return self.directory / f"{job_id}.pdf"

    # -- the web side ---------------------------------------------------------------------------
    def submit(self, *, report: str, fmt: str, params: dict[str, str], title: str, filename: str, rows: int,
               requested_by: str) -> ReportJob:
        job, made = self.jobs.create(report=report, fmt=fmt, params=params, title=title, filename=filename,
                                     rows=rows, requested_by=requested_by, now=self.clock.now())
        if made:
            log.info("register book job %d queued: %s %s (%d rows) by %s", job.id, report, params, rows,
                     requested_by)
            with self._lock:  # after the row: the worker either sees it or clears "idle" after us
                self._idle.clear()
                self._wake.set()
        return job

    def get(self, job_id: int) -> ReportJob | None:
        return self.jobs.get(job_id)

    def file(self, job: ReportJob) -> bytes | None:
        if job.state != "ready":
            return None
        try:
            return self.path(job.id).read_bytes()
        except FileNotFoundError:
            return None

    # -- the worker -----------------------------------------------------------------------------
    def recover(self) -> None:
        """At start: jobs a stopped node left running are queued again or failed; leftovers removed."""
        self.directory.mkdir(parents=True, exist_ok=True)
        now = self.clock.now()
        again, failed = self.jobs.recover(now=now, max_attempts=MAX_ATTEMPTS,
                                          reason=INTERRUPTED.format(n=MAX_ATTEMPTS))
        for job_id in again:
            log.warning("register book job %d was interrupted by a stop: queued again", job_id)
        for job_id in failed:
            log.error("register book job %d was interrupted %d times: failed", job_id, MAX_ATTEMPTS)
        for leftover in self.directory.iterdir():
            if leftover.name.startswith(".book-") and leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            elif leftover.suffix == ".tmp":
                leftover.unlink(missing_ok=True)
        self.expire()

    def expire(self) -> None:
        for job_id in self.jobs.expire(before=self.clock.now() - self.keep):
            self.path(job_id).unlink(missing_ok=True)

    def start(self) -> None:
        self.recover()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="report-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wait_idle(self, timeout: float) -> bool:
        """True once the queue is empty (tests wait for the worker with this, not with sleeps)."""
        return self._idle.wait(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_pending()
            except Exception:
                log.exception("register book worker")
            self._wake.wait(IDLE_CHECK_S)
            self._wake.clear()

    def run_pending(self) -> None:
        """Make every queued book, oldest first, until the queue is empty or the node stops."""
        self.expire()
        while not self._stop.is_set():
            with self._lock:
                job = self.jobs.next_queued()
                if job is None:
                    self._idle.set()
                    return
            self._run(job)

    def _run(self, job: ReportJob) -> None:
        now = self.clock.now()
        if not self.jobs.start(job.id, now):
            return
        mp = multiprocessing.get_context("spawn")
        messages = mp.Queue()
        out = self.path(job.id)
        child = mp.Process(target=_render_child, args=(self.source, job.report, job.params, now.isoformat(),
                                                       str(out), messages),
                           name=f"report-job-{job.id}", daemon=True)
        child.start()
        outcome: tuple[Any, ...] | None = None
        deadline = time.monotonic() + MAX_RUN_S
        try:
            while outcome is None:
                try:
                    msg = messages.get(timeout=0.5)
                except queue.Empty:
                    if self._stop.is_set():
                        child.terminate()
                        child.join(10)
                        self.jobs.requeue(job.id)
                        log.info("register book job %d stopped with the node: queued again", job.id)
                        return
                    if time.monotonic() > deadline:
                        child.terminate()
                        child.join(10)
                        outcome = ("timeout",)
                        break
                    if not child.is_alive():
                        try:  # the last message may have arrived as the child exited
                            msg = messages.get(timeout=1)
                        except queue.Empty:
                            outcome = ("crash", child.exitcode)
                            break
                    else:
                        continue
                if msg[0] == "progress":
                    self.jobs.progress(job.id, int(msg[1]))
                elif msg[0] == "rows":
                    self.jobs.progress(job.id, 0, rows=int(msg[1]))
                else:
                    outcome = msg
            child.join(30)
        finally:
            messages.close()
        now = self.clock.now()
        if outcome[0] == "done":
            self.jobs.finish(job.id, now=now, pages=int(outcome[1]), size=int(outcome[2]))
            log.info("register book job %d ready: %d pages, %d bytes", job.id, outcome[1], outcome[2])
        elif outcome[0] == "error":
            out.unlink(missing_ok=True)
            self.jobs.fail(job.id, now=now, reason=FAILED.format(error=outcome[1]))
            log.error("register book job %d failed: %s", job.id, outcome[1])
        elif outcome[0] == "timeout":
            out.unlink(missing_ok=True)
            self.jobs.fail(job.id, now=now, reason=TOO_LONG.format(minutes=int(MAX_RUN_S // 60)))
            log.error("register book job %d: still running after %d s, stopped", job.id, MAX_RUN_S)
        else:
            out.unlink(missing_ok=True)
            self.jobs.fail(job.id, now=now, reason=CRASHED.format(code=outcome[1]))
            log.error("register book job %d: the child died (exit %s)", job.id, outcome[1])
