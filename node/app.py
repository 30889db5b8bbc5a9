"""Composition root: wires adapters to ports. Only this module and ``node.cli`` do that."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from litestar import Litestar

from node import diagnostics
from node.config import Config
from node.domain.accounts import LockoutPolicy
from node.domain.clock import Clock, SystemClock
from node.domain.exchange import ExchangeStatus
from node.domain.health import Check, Heartbeat, NoHeartbeat
from node.domain.office import Office
from node.errors import NodeError
from node.office.dossier_export import bundle_pdf
from node.office.intake import INTAKE_WORKER, Intake, intake_stale_after
from node.office.wiring import build_office, verifier
from node.reports.schedule import run_periodically
from node.reports.wiring import build_reports
from node.scanner.service import build_watcher, watcher_stale_after
from node.scanner.watcher import SCANNER_WORKER, HotFolderWatcher
from node.store.admin import SqliteAccountAdmin
from node.store.backup import pre_upgrade_backup
from node.store.blobs import BlobStore
from node.store.db import Database
from node.store.documents import SqliteDocuments
from node.store.exchange import SqliteExchangeStore
from node.store.heartbeat import FileHeartbeat, heartbeat_dir
from node.store.holidays import SqliteHolidays
from node.store.lists import SqliteLists
from node.store.registers import SqliteRegisters
from node.store.scans import SqliteScanStore
from node.store.search import SqliteSearchIndex
from node.store.users import SqliteUserStore
from node.sync.engine import Supervisor, SyncEngine, read_axis_secret
from node.web.app import WebContext, build_web_app
from node.web.passwords import Argon2Hasher

log = logging.getLogger(__name__)
HEALTH_CACHE_SECONDS = 30.0
LINK_CACHE_SECONDS = 5.0  # the outage banner of every page reads the exchange status this often at most

try:
    VERSION = version("vanthu-node")
except PackageNotFoundError:  # running from a source tree without installing
    VERSION = "0.0.0"


def write_secret_file(path: Path, value: str) -> None:
    """Write a secret readable only by its owner (0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(value)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_or_create_secret(path: Path, nbytes: int = 32) -> str:
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    value = secrets.token_hex(nbytes)
    write_secret_file(path, value)
    return value


@dataclass
class Node:
    """The opened node: configuration plus its live adapters."""

    config: Config
    clock: Clock
    db: Database
    blobs: BlobStore
    users: SqliteUserStore = field(init=False)
    exchange: SqliteExchangeStore = field(init=False)
    scans: SqliteScanStore = field(init=False)
    registers: SqliteRegisters = field(init=False)
    office: Office = field(init=False)
    docs: SqliteDocuments = field(init=False)
    _health_cache: tuple[float, list[Check]] = field(init=False, default=(0.0, []))
    _health_lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _link_cache: tuple[datetime, int, ExchangeStatus] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.users = SqliteUserStore(self.db, self.clock)
        self.exchange = SqliteExchangeStore(self.db, self.blobs, self.clock)
        self.scans = SqliteScanStore(self.db, self.blobs)
        self.registers = SqliteRegisters(self.db)
        self.office, self.docs = build_office(self.config, self.clock, self.db, self.blobs)

    def intake(self, heartbeat: FileHeartbeat | None = None) -> Intake:
        """Turns stored packages into văn bản đến and delivery updates (node/office/intake.py); with
        ``heartbeat``, its loop beats there (``vanthu doctor`` checks it with the sync workers)."""
        if heartbeat is not None:
            every = self.config.axis.relay_idle_seconds
            heartbeat.start(INTAKE_WORKER, stale_after=intake_stale_after(every))
        return Intake(self.db, self.blobs, self.docs, self.office, self.clock,
                      verify=verifier(self.config, self.clock), heartbeat=heartbeat)

    def close(self) -> None:
        self.office.close()
        self.db.close()

    def health(self) -> list[Check]:
        """The cheap checks of ``/healthz``, cached for HEALTH_CACHE_SECONDS (a token probe each call
        would be too much for a monitor polling every few seconds)."""
        with self._health_lock:
            at, checks = self._health_cache
            if checks and time.monotonic() - at < HEALTH_CACHE_SECONDS:
                return checks
            checks = diagnostics.health_checks(self.config, self.db, self.exchange.queue_status(),
                                               self.clock.now())
            self._health_cache = (time.monotonic(), checks)
            return checks

    def link_status(self) -> ExchangeStatus:
        """The axis link and the outbox queue for the outage banner (every page shows it), read again
        after any write of this process and at least every LINK_CACHE_SECONDS of the node's clock — so
        the page after "phát hành" counts the package it just queued."""
        now, commits = self.clock.now(), self.db.commits
        cached = self._link_cache
        if (cached is not None and cached[1] == commits
                and timedelta(0) <= now - cached[0] < timedelta(seconds=LINK_CACHE_SECONDS)):
            return cached[2]
        status = self.exchange.queue_status()  # ~4 ms with a million packages; status() walks them all
        self._link_cache = (now, commits, status)
        return status

    def diagnostics(self) -> dict[str, Any]:
        """The diagnostics bundle of the admin page (no secrets)."""
        return diagnostics.bundle(self.config, self.db, self.blobs, self.exchange, self.clock.now(),
                                  version=VERSION)


def open_node(config: Config, *, clock: Clock | None = None) -> Node:
    if config.signing.softhsm2_conf is not None:
        # The PKCS#11 module reads its configuration from the environment of this process.
        os.environ["SOFTHSM2_CONF"] = str(config.signing.softhsm2_conf)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    clock = clock or SystemClock()
    # Upgrades: pending migrations on an existing database run only after a verified copy of it.
    pre_upgrade_backup(config.db_path, config.data_dir, now=clock.now(),
                       identity={"agency_code": config.node.agency_code, "version": VERSION},
                       busy_timeout_ms=config.store.busy_timeout_ms)
    db = Database(config.db_path, busy_timeout_ms=config.store.busy_timeout_ms).open()
    blobs = BlobStore(config.blob_dir).open()
    return Node(config=config, clock=clock, db=db, blobs=blobs)


def open_sync(node: Node, heartbeat: Heartbeat | None = None) -> SyncEngine:
    """The sync engine over this node's exchange tables (needs axis.url and axis.secret_file)."""
    secret = read_axis_secret(node.config.axis.secret_file)
    return SyncEngine(node.exchange, node.clock, node.config.node, node.config.axis, secret=secret,
                      heartbeat=heartbeat)


def node_heartbeat(node: Node) -> FileHeartbeat:
    """Where this process's workers beat (``<data_dir>/run/``); ``vanthu doctor`` reads it."""
    return FileHeartbeat(heartbeat_dir(node.config.data_dir), node.clock)


def sync_supervisor(node: Node, heartbeat: FileHeartbeat | None = None) -> tuple[SyncEngine, Supervisor]:
    """The sync engine and its supervisor (not started); each worker beats into ``heartbeat``."""
    engine = open_sync(node, heartbeat)
    if heartbeat is not None:
        for name, stale_after in engine.stale_after().items():
            heartbeat.start(name, stale_after=stale_after)
    supervisor = Supervisor(engine.workers(), backoff_cap=node.config.axis.backoff_cap_seconds,
                            heartbeat=heartbeat or NoHeartbeat())
    return engine, supervisor


def start_sync_workers(node: Node, heartbeat: FileHeartbeat | None = None
                       ) -> tuple[SyncEngine, Supervisor] | None:
    """Start the supervised sync workers when an axis is configured."""
    if not node.config.axis.url:
        log.info("axis.url not set: document exchange is off")
        return None
    try:
        engine, supervisor = sync_supervisor(node, heartbeat)
    except NodeError as e:  # the office keeps working without the axis; doctor shows why
        log.error("document exchange not started: %s", e)
        return None
    supervisor.start()
    return engine, supervisor


def scanner_watcher(node: Node, heartbeat: FileHeartbeat | None = None) -> HotFolderWatcher:
    """The hot-folder watcher (not started); it beats into ``heartbeat`` once it runs."""
    return build_watcher(node.config.scanner, store=node.scans, clock=node.clock,
                         work_dir=node.config.data_dir / "scanner-work", heartbeat=heartbeat)


def start_scanner(node: Node, heartbeat: FileHeartbeat | None = None) -> HotFolderWatcher | None:
    """Start the hot-folder watcher (its own threads; OCR in subprocesses) when folders are set."""
    section = node.config.scanner
    if not section.folders:
        log.info("no scanner.folders configured: hot folders are off")
        return None
    watcher = scanner_watcher(node, heartbeat)
    try:
        watcher.start()
    except OSError as e:  # an unreachable folder must not keep the web app from serving
        log.error("scanner not started: %s", e)
        watcher.stop()
        return None
    if heartbeat is not None:
        heartbeat.start(SCANNER_WORKER, stale_after=watcher_stale_after(section))
    return watcher


def create_app(config: Config, *, clock: Clock | None = None, debug: bool = False) -> Litestar:
    node = open_node(config, clock=clock)
    reports, report_scheduler = build_reports(config, node.db, node.blobs, node.clock)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        log.info("node %s serving for %s", VERSION, config.node.agency_code)
        drafting = asyncio.create_task(run_periodically(report_scheduler))  # monthly report drafts
        heartbeat = node_heartbeat(node)
        sync = start_sync_workers(node, heartbeat)
        scanner = await asyncio.to_thread(start_scanner, node, heartbeat)
        stop_intake = node.intake(heartbeat).start(every=config.axis.relay_idle_seconds)
        await asyncio.to_thread(reports.jobs.start)  # register books made in the background
        try:
            yield
        finally:
            drafting.cancel()
            await asyncio.to_thread(reports.jobs.stop)
            await asyncio.to_thread(stop_intake)
            if scanner is not None:
                await asyncio.to_thread(scanner.stop)
            if sync is not None:
                sync[1].stop()
                sync[0].close()
            heartbeat.stop()  # a clean stop: doctor says "not running", not "died"
            node.close()

    ctx = WebContext(
        agency_name=config.node.agency_name,
        version=VERSION,
        clock=node.clock,
        users=node.users,
        directory=node.users,
        hasher=Argon2Hasher(),
        lockout=LockoutPolicy(max_failures=config.web.login_max_failures,
                              lockout=timedelta(minutes=config.web.lockout_minutes)),
        health=node.health,
        diagnostics=node.diagnostics,
        registers=node.registers,
        office=node.office,
        people=node.users,
        scans=node.scans,
        reports=reports,
        lists=SqliteLists(node.db),
        search=SqliteSearchIndex(node.db),
        link_status=node.link_status,
        accounts=SqliteAccountAdmin(node.db, node.clock),
        holidays=SqliteHolidays(node.db),
        dossier_pdf=lambda d, files: bundle_pdf(d, files, agency_name=config.node.agency_name),
        csrf_secret=read_or_create_secret(config.secrets_dir / "web.key"),
        sessions_dir=config.sessions_dir,
        session_max_age=timedelta(hours=config.web.session_hours),
        secure_cookies=config.web.secure_cookies,
        lifespans=[lifespan],
    )
    return build_web_app(ctx, debug=debug)
