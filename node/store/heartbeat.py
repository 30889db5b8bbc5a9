"""Worker heartbeats: one small JSON file per background worker in ``<data_dir>/run/``.

``vanthu doctor`` and the diagnostics page run in other processes than the workers of ``vanthu
serve`` (or ``vanthu sync run`` / ``vanthu scanner run``); each worker beats once a pass and the
checks read the files. Files rather than rows: a beat every few seconds would otherwise be a write
transaction (an fsync) each time and would travel into backups and restores, where it would say a
dead node is alive. A beat is written to a temporary file and renamed (never a torn file) but not
fsynced: a beat lost in a power cut only makes the next ``vanthu doctor`` see an older one.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from node.domain.clock import Clock

log = logging.getLogger(__name__)

RUN_DIR = "run"
SUFFIX = ".heartbeat.json"


def heartbeat_dir(data_dir: Path) -> Path:
    return data_dir / RUN_DIR


@dataclass(frozen=True)
class WorkerBeat:
    """The last word of one worker. ``stale_after``: how long without a beat before it counts as dead
    (the writer knows its own longest pause); ``stopped_at`` is set by a clean stop."""

    worker: str
    pid: int
    started_at: datetime
    beat_at: datetime
    stale_after: timedelta
    restarts: int = 0
    last_error: str | None = None
    stopped_at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        return {"worker": self.worker, "pid": self.pid, "started_at": self.started_at.isoformat(),
                "beat_at": self.beat_at.isoformat(), "stale_after_seconds": self.stale_after.total_seconds(),
                "restarts": self.restarts, "last_error": self.last_error,
                "stopped_at": self.stopped_at.isoformat() if self.stopped_at else None}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> WorkerBeat:
        return cls(worker=str(raw["worker"]), pid=int(raw["pid"]),
                   started_at=datetime.fromisoformat(raw["started_at"]),
                   beat_at=datetime.fromisoformat(raw["beat_at"]),
                   stale_after=timedelta(seconds=float(raw["stale_after_seconds"])),
                   restarts=int(raw.get("restarts") or 0), last_error=raw.get("last_error"),
                   stopped_at=datetime.fromisoformat(raw["stopped_at"]) if raw.get("stopped_at") else None)


class FileHeartbeat:
    """The :class:`node.domain.health.Heartbeat` of one process. ``start`` each worker (its file then
    says it runs), ``beat`` every pass (written at most every ``min_interval`` seconds), ``stop`` at a
    clean shutdown (later beats of a straggling thread are ignored). Never raises: a full or read-only
    disk must not stop the workers (doctor's disk check says why)."""

    def __init__(self, directory: Path, clock: Clock, *, min_interval: float = 1.0) -> None:
        self.directory = directory
        self.clock = clock
        self.min_interval = min_interval
        self._beats: dict[str, WorkerBeat] = {}
        self._written: dict[str, float] = {}
        self._lock = threading.Lock()
        self._stopped = False
        self._warned = False

    def start(self, worker: str, *, stale_after: timedelta) -> None:
        now = self.clock.now()
        with self._lock:
            self._stopped = False
            self._save(WorkerBeat(worker, os.getpid(), now, now, stale_after))

    def beat(self, worker: str) -> None:
        with self._lock:
            last = self._beats.get(worker)
            if self._stopped or last is None or time.monotonic() - self._written[worker] < self.min_interval:
                return
            self._save(replace(last, beat_at=self.clock.now()))

    def crashed(self, worker: str, error: str) -> None:
        with self._lock:
            last = self._beats.get(worker)
            if self._stopped or last is None:
                return
            self._save(replace(last, beat_at=self.clock.now(), restarts=last.restarts + 1,
                               last_error=error[:300]))

    def stop(self) -> None:
        now = self.clock.now()
        with self._lock:
            self._stopped = True
            for last in list(self._beats.values()):
                self._save(replace(last, stopped_at=now))

    def _save(self, beat: WorkerBeat) -> None:
        self._beats[beat.worker] = beat
        self._written[beat.worker] = time.monotonic()
        path = self.directory / (beat.worker + SUFFIX)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(beat.as_json()), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as e:
            if not self._warned:
                log.warning("cannot write the heartbeat of %s in %s: %s", beat.worker, self.directory, e)
                self._warned = True


def read_heartbeats(directory: Path) -> dict[str, WorkerBeat]:
    """Every worker's last beat (unreadable or foreign files are skipped)."""
    beats: dict[str, WorkerBeat] = {}
    try:
        paths = sorted(directory.glob("*" + SUFFIX))
    except OSError:
        return beats
    for path in paths:
        try:
            beat = WorkerBeat.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            continue
        beats[beat.worker] = beat
    return beats
