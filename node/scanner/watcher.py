"""Hot folders: watch, wait until a file is complete, claim it, digitize it, file it away.

Each folder has ``processing/``, ``done/`` and ``rejected/`` beside the files the scanner drops.
A stable file is *claimed* by renaming it into ``processing/`` (atomic on one file system), so
it is never picked twice; it leaves ``processing/`` only for ``done/`` (stored, or a duplicate of
stored bytes) or ``rejected/`` (with ``<name>.reason.json``: code, Vietnamese message, time).
Transient failures (disk full, OCR timeout, database busy) leave it in ``processing/`` and retry
with exponential backoff, without limit. At start, files left in ``processing/`` by a crash
are resumed, the folder is scanned, and it is rescanned every ``rescan_seconds``.

Threads: the watchdog observer only queues events; one worker thread does everything else
(tracker, claims, digitizing through subprocesses, store writes), so the web app's event loop
never waits for it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import queue
import shutil
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from watchdog.events import (
    FileClosedEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from node.domain.clock import Clock
from node.domain.health import Heartbeat, NoHeartbeat
from node.domain.scanning import ScanPurpose, ScanStore, ScanSubmission, TransientScanError
from node.errors import ScanRejectedError
from node.scanner import ocr
from node.scanner.digitize import Digitizer
from node.scanner.tracker import DEFAULT_IGNORE, StabilityTracker, is_ignored

log = logging.getLogger(__name__)

PROCESSING, DONE, REJECTED = "processing", "done", "rejected"
SCANNER_WORKER = "scanner"  # its name in the heartbeat files


@dataclass(frozen=True)
class HotFolder:
    path: Path
    purpose: ScanPurpose = ScanPurpose.INCOMING

    def sub(self, name: str) -> Path:
        return self.path / name


@dataclass(frozen=True)
class WatcherSettings:
    stable_seconds: float = 2.0
    rescan_seconds: float = 60.0
    poll_seconds: float = 0.1
    retry_base_seconds: float = 5.0
    retry_cap_seconds: float = 300.0
    internal_error_attempts: int = 3
    ignore: tuple[str, ...] = DEFAULT_IGNORE


@dataclass
class _Job:
    folder: HotFolder
    path: Path  # in processing/
    name: str
    due_at: datetime
    resumed: bool = False
    attempts: int = 0
    last_error: str = ""


@dataclass
class WatcherStats:
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    retries: int = 0
    last_error: str = ""
    by_code: dict[str, int] = field(default_factory=dict)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def unique_target(directory: Path, name: str) -> Path:
    target = directory / name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 2
    while target.exists() or target.with_name(target.name + ".reason.json").exists():
        target = directory / f"{stem} ({n}){suffix}"
        n += 1
    return target


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with tmp.open("w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class _Handler(FileSystemEventHandler):
    def __init__(self, events: queue.Queue[tuple[str, Path, HotFolder]], folder: HotFolder,
                 wake: threading.Event) -> None:
        self.events, self.folder, self.wake = events, folder, wake

    def _put(self, kind: str, raw: str | bytes) -> None:
        path = Path(os.fsdecode(raw))
        if path.parent == self.folder.path:
            self.events.put((kind, path, self.folder))
            self.wake.set()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            return
        if isinstance(event, FileClosedNoWriteEvent):
            self._put("closed_nowrite", event.src_path)
        elif isinstance(event, FileClosedEvent):
            self._put("closed", event.src_path)
        elif isinstance(event, FileOpenedEvent):
            self._put("opened", event.src_path)
        elif isinstance(event, FileMovedEvent):
            self._put("deleted", event.src_path)
            self._put("seen", event.dest_path)
        elif isinstance(event, FileDeletedEvent):
            self._put("deleted", event.src_path)
        elif isinstance(event, FileCreatedEvent | FileModifiedEvent):
            self._put("seen", event.src_path)


class HotFolderWatcher:
    def __init__(self, folders: list[HotFolder], *, digitizer: Digitizer, store: ScanStore, clock: Clock,
                 work_dir: Path, settings: WatcherSettings | None = None,
                 heartbeat: Heartbeat | None = None) -> None:
        self.folders = folders
        self.heartbeat: Heartbeat = heartbeat or NoHeartbeat()
        self.digitizer = digitizer
        self.store = store
        self.clock = clock
        self.work_dir = work_dir
        self.settings = settings or WatcherSettings()
        self.tracker = StabilityTracker(clock, stable_seconds=self.settings.stable_seconds)
        self.stats = WatcherStats()
        self._folder_of: dict[Path, HotFolder] = {}
        self._jobs: list[_Job] = []
        self._events: queue.Queue[tuple[str, Path, HotFolder]] = queue.Queue()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._observer: BaseObserver | None = None
        self._thread: threading.Thread | None = None
        self._next_rescan: datetime | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def prepare(self) -> None:
        """Create the subfolders, resume claimed files, start watching and scan once."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        now = self.clock.now()
        for folder in self.folders:
            for name in (PROCESSING, DONE, REJECTED):
                folder.sub(name).mkdir(parents=True, exist_ok=True)
            for path in sorted(folder.sub(PROCESSING).iterdir()):
                if path.is_file() and not is_ignored(path.name, self.settings.ignore):
                    log.info("resuming %s left in processing/", path)
                    self._jobs.append(_Job(folder, path, path.name, now, resumed=True))
        observer = Observer()
        for folder in self.folders:
            observer.schedule(_Handler(self._events, folder, self._wake), str(folder.path), recursive=False)
        observer.start()
        self._observer = observer
        self.rescan()

    def start(self) -> HotFolderWatcher:
        self.prepare()
        self._thread = threading.Thread(target=self._run, name="scanner-worker", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout)
        if self._thread is not None:
            self._thread.join(0.5)
            if self._thread.is_alive():
                ocr.kill_running()  # the file stays in processing/ and is resumed at next start
                self._thread.join(timeout)

    def __enter__(self) -> HotFolderWatcher:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.heartbeat.beat(SCANNER_WORKER)
            try:
                self.tick()
            except Exception as e:  # a bug must not kill the watcher: log it and go on
                log.exception("scanner worker error")
                self.heartbeat.crashed(SCANNER_WORKER, f"{type(e).__name__}: {e}")
                self._stop.wait(1.0)
            self._wake.wait(self.settings.poll_seconds)
            self._wake.clear()

    # -- one round ---------------------------------------------------------------------------
    def rescan(self) -> None:
        for folder in self.folders:
            try:
                entries = list(os.scandir(folder.path))
            except OSError as e:
                log.warning("cannot list hot folder %s: %s", folder.path, e)
                continue
            for entry in entries:
                if entry.is_file(follow_symlinks=False) and not is_ignored(entry.name, self.settings.ignore):
                    path = Path(entry.path)
                    self._folder_of[path] = folder
                    self.tracker.discover(path)
        self._next_rescan = self.clock.now() + timedelta(seconds=self.settings.rescan_seconds)

    def tick(self) -> None:
        self._drain_events()
        if self._next_rescan is None or self.clock.now() >= self._next_rescan:
            self.rescan()
        for path in self.tracker.due():
            folder = self._folder_of.pop(path, None)
            if folder is not None:
                self._claim(path, folder)
        now = self.clock.now()
        for job in sorted((j for j in self._jobs if j.due_at <= now), key=lambda j: j.due_at):
            if self._stop.is_set():
                return
            self._drain_events()
            self._process(job)
            self.heartbeat.beat(SCANNER_WORKER)  # a batch of long OCR jobs is not a hang

    def pending(self) -> dict[str, int]:
        return {"waiting": len(self.tracker), "processing": len(self._jobs),
                "retrying": sum(1 for j in self._jobs if j.attempts > 0)}

    def _drain_events(self) -> None:
        while True:
            try:
                kind, path, folder = self._events.get_nowait()
            except queue.Empty:
                return
            if kind == "deleted":
                self.tracker.forget(path)
                self._folder_of.pop(path, None)
                continue
            if is_ignored(path.name, self.settings.ignore):
                continue
            self._folder_of[path] = folder
            if kind == "opened":
                self.tracker.opened(path)
            elif kind in ("closed", "closed_nowrite"):
                self.tracker.closed(path, wrote=kind == "closed")
            else:
                self.tracker.seen(path)

    def _claim(self, path: Path, folder: HotFolder) -> None:
        target = unique_target(folder.sub(PROCESSING), path.name)
        try:
            os.rename(path, target)
        except FileNotFoundError:
            return  # deleted or moved away before it was claimed: nothing to do
        except OSError as e:
            log.warning("cannot claim %s: %s", path, e)
            return
        self._jobs.append(_Job(folder, target, path.name, self.clock.now()))

    # -- processing ----------------------------------------------------------------------------
    def _process(self, job: _Job) -> None:
        job.attempts += 1
        sha: str | None = None
        try:
            sha = sha256_file(job.path)
            known = self.store.find_by_sha256(sha)
            if known is not None:
                if not job.resumed:
                    self.store.note_duplicate(known, file_name=job.name, folder=str(job.folder.path),
                                              now=self.clock.now())
                    self.stats.duplicates += 1
                self._finish(job, {"duplicate_of": known, "sha256": sha})
                return
            work = self.work_dir / f"job-{uuid.uuid4().hex[:12]}"
            try:
                # a long file (200 pages, several documents to OCR) beats between its pages and parts
                result = self.digitizer.digitize(job.path, work,
                                                 progress=lambda: self.heartbeat.beat(SCANNER_WORKER))
                submission = ScanSubmission(
                    original=job.path, original_sha256=sha, media_type=result.media_type,
                    file_name=job.name, folder=str(job.folder.path), purpose=job.folder.purpose,
                    parts=result.parts, warnings=result.warnings)
                saved = self.store.save(submission, now=self.clock.now())
            finally:
                shutil.rmtree(work, ignore_errors=True)
            if saved.duplicate_of is not None:
                self.stats.duplicates += 1
            else:
                self.stats.stored += 1
            self._finish(job, {"scan_ids": list(saved.scan_ids), "duplicate_of": saved.duplicate_of,
                               "sha256": sha, "warnings": [w.as_dict() for p in result.parts
                                                           for w in p.warnings]})
        except ScanRejectedError as e:
            self._reject(job, e.code, e.message, sha)
        except TransientScanError as e:
            self._retry(job, e.code, e.message)
        except FileNotFoundError as e:
            if not job.path.exists():
                log.warning("%s disappeared from processing/ (removed by hand?)", job.path)
                self._jobs.remove(job)
            else:
                self._retry(job, "file_error", str(e))
        except OSError as e:  # disk full, I/O error, permissions: the environment, not the file
            self._retry(job, "os_error", f"{type(e).__name__}: {e}")
        except Exception as e:
            log.exception("unexpected error digitizing %s", job.path)
            if job.attempts >= self.settings.internal_error_attempts:
                self._reject(job, "internal_error", "Lỗi nội bộ khi số hóa tệp; đã thử"
                             f" {job.attempts} lần ({type(e).__name__}: {e}).", sha)
            else:
                self._retry(job, "internal_error", f"{type(e).__name__}: {e}")

    def _finish(self, job: _Job, result: dict[str, Any]) -> None:
        target = unique_target(job.folder.sub(DONE), job.name)
        _write_json(target.with_name(target.name + ".result.json"),
                    {"file": job.name, "at": self.clock.now().isoformat(timespec="seconds"), **result})
        os.replace(job.path, target)
        self._jobs.remove(job)

    def _reject(self, job: _Job, code: str, message: str, sha: str | None) -> None:
        now = self.clock.now()
        try:
            self.store.note_rejected(file_name=job.name, folder=str(job.folder.path), code=code,
                                     message=message, sha256=sha, now=now)
        except TransientScanError as e:
            self._retry(job, e.code, e.message)
            return
        target = unique_target(job.folder.sub(REJECTED), job.name)
        _write_json(target.with_name(target.name + ".reason.json"),
                    {"file": job.name, "code": code, "message": message,
                     "at": now.isoformat(timespec="seconds"), "sha256": sha})
        os.replace(job.path, target)
        self._jobs.remove(job)
        self.stats.rejected += 1
        self.stats.by_code[code] = self.stats.by_code.get(code, 0) + 1
        log.info("rejected %s: %s (%s)", job.name, code, message)

    def _retry(self, job: _Job, code: str, message: str) -> None:
        delay = min(self.settings.retry_cap_seconds,
                    self.settings.retry_base_seconds * 2 ** max(0, job.attempts - 1))
        job.due_at = self.clock.now() + timedelta(seconds=delay)
        job.last_error = f"{code}: {message}"
        self.stats.retries += 1
        self.stats.last_error = job.last_error
        log.warning("will retry %s in %.0f s (%s)", job.name, delay, job.last_error)


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
