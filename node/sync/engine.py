"""The sync engine: one pass (``vanthu sync once``) or supervised background workers.

Wires the axis client, link monitor, outbox relay, inbox poller, outage reports and the agency
directory mirror over an :class:`ExchangeStore`. Workers are threads (the store has its own writer
thread; httpx is synchronous here); a crashed worker restarts after a backoff.
"""

from __future__ import annotations

import logging
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from node.config import AxisSection, NodeSection
from node.domain.clock import Clock
from node.domain.exchange import AgencyEntry, ExchangeStore, Outage
from node.domain.health import Heartbeat, NoHeartbeat
from node.edxml import Organization
from node.errors import AxisError, ConfigError
from node.sync.backoff import backoff_delay
from node.sync.client import VxpAxisClient
from node.sync.inbox import InboxPoller, PollResult
from node.sync.monitor import LinkMonitor
from node.sync.relay import OutboxRelay, RelayResult
from node.sync.report import ReportParties, build_outage_report

log = logging.getLogger(__name__)

WORKERS = ("sync-relay", "sync-inbox", "sync-monitor")


def read_axis_secret(path: Path | None) -> str:
    """The shared secret from ``axis.secret_file``; the file must be private (0600)."""
    if path is None:
        raise ConfigError("axis.secret_file is not set")
    try:
        st = path.stat()
        secret = path.read_text(encoding="utf-8").strip()
    except OSError as e:
        raise ConfigError(f"axis.secret_file {path}: cannot read ({e.strerror})") from e
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"axis.secret_file {path}: must be readable by its owner only (chmod 600)")
    if not secret:
        raise ConfigError(f"axis.secret_file {path}: is empty")
    return secret


@dataclass
class PassResult:
    relay: RelayResult
    poll: PollResult | None
    reports: int
    agencies: int | None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"sent": self.relay.sent, "rejected": self.relay.rejected,
                "reconciled": self.relay.reconciled, "received": self.poll.new if self.poll else 0,
                "duplicates": self.poll.duplicates if self.poll else 0,
                "refused": self.poll.refused if self.poll else 0, "reports_queued": self.reports,
                "agencies": self.agencies, "error": self.error or self.relay.error}


class SyncEngine:
    def __init__(self, store: ExchangeStore, clock: Clock, node: NodeSection, axis: AxisSection, *,
                 secret: str, transport: httpx.BaseTransport | None = None,
                 heartbeat: Heartbeat | None = None) -> None:
        self.store = store
        self.heartbeat: Heartbeat = heartbeat or NoHeartbeat()
        self.clock = clock
        self.node = node
        self.axis = axis
        self.monitor = LinkMonitor(store, report_after=timedelta(seconds=axis.outage_report_after_seconds),
                                   on_outage_end=self._outage_ended)
        self.client = VxpAxisClient(axis.url, axis.systemid or node.agency_code, secret,
                                    timeout=axis.request_timeout_seconds, observer=self.monitor.observer(),
                                    transport=transport)
        self.relay = OutboxRelay(store, self.client, sender_code=node.agency_code,
                                 batch_size=axis.batch_size, lease=timedelta(seconds=axis.lease_seconds),
                                 backoff_base=axis.backoff_base_seconds, backoff_cap=axis.backoff_cap_seconds)
        self.poller = InboxPoller(store, self.client, clock,
                                  agency=Organization(node.agency_code, node.agency_name),
                                  backoff_base=axis.backoff_base_seconds,
                                  backoff_cap=axis.backoff_cap_seconds)
        self._report_lock = threading.Lock()

    def close(self) -> None:
        self.client.close()

    # -- pieces --------------------------------------------------------------------------------
    def _outage_ended(self, outage: Outage) -> None:
        self.queue_due_reports()

    def queue_due_reports(self) -> int:
        """Queue the report of every finished outage that needs one (ahead of the backlog)."""
        if not self.node.supervising_agency_code:
            return 0
        parties = ReportParties(self.node.agency_code, self.node.agency_name,
                                self.node.supervising_agency_code, self.node.supervising_agency_name)
        queued = 0
        with self._report_lock:
            for outage in self.store.outages_due_report():
                package, data = build_outage_report(outage, parties, self.clock, font=self.axis.report_font)
                self.store.queue_outage_report(outage.id, package, data)
                log.warning("outage %s reported to %s", outage.id, parties.supervising_code)
                queued += 1
        return queued

    def refresh_directory(self, *, force: bool = False) -> int | None:
        synced = self.store.agencies_synced_at()
        age = timedelta(hours=self.axis.directory_refresh_hours)
        if not force and synced is not None and self.clock.now() - synced < age:
            return None
        rows = self.client.agencies()
        entries = [AgencyEntry(code=str(r.get("code") or ""), name=str(r.get("name") or ""),
                               code102=str(r.get("code102") or ""), old_code=str(r.get("oldCode") or ""),
                               pid=str(r.get("pid") or ""), mail=str(r.get("mail") or ""),
                               deleted=bool(r.get("deleted"))) for r in rows if r.get("code")]
        return self.store.replace_agencies(entries)

    def send_pass(self, stop: threading.Event | None = None,
                  progress: Callable[[], None] | None = None) -> RelayResult:
        if self.monitor.online is not True:
            try:
                self.client.probe()  # a link that comes back queues its outage report first
            except AxisError as e:
                return RelayResult(retry_after=backoff_delay(
                    max(1, self.store.consecutive_failures()), base=self.axis.backoff_base_seconds,
                    cap=self.axis.backoff_cap_seconds), error=str(e))
        self.queue_due_reports()
        return self.relay.run_once(stop, progress)

    # -- one pass ------------------------------------------------------------------------------
    def once(self) -> PassResult:
        """Send what is due, fetch what is waiting, send the automatic statuses; never raises
        for axis trouble (the result carries the error)."""
        agencies = None
        try:
            agencies = self.refresh_directory()
        except AxisError as e:
            log.info("agency directory not refreshed: %s", e)
        relay = self.send_pass()
        error = relay.error
        poll = None
        try:
            poll = self.poller.run_once()
        except AxisError as e:
            error = error or str(e)
        if poll is not None and poll.new:
            second = self.relay.run_once()  # the automatic statuses just queued
            relay.sent += second.sent
            relay.rejected += second.rejected
            relay.reconciled += second.reconciled
            relay.retry_after = second.retry_after
            error = error or second.error
        return PassResult(relay, poll, 0, agencies, error)

    # -- background workers --------------------------------------------------------------------
    # Each loop beats once a pass and between the packages of a pass (``progress``): a backlog is
    # one long pass, and doctor must not call a worker dead while it drains one.
    def _beat(self, worker: str) -> Callable[[], None]:
        return lambda: self.heartbeat.beat(worker)

    def relay_loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.heartbeat.beat("sync-relay")
            result = self.send_pass(stop, self._beat("sync-relay"))
            wait = result.retry_after.total_seconds() if result.retry_after else self.axis.relay_idle_seconds
            stop.wait(wait)

    def poll_loop(self, stop: threading.Event) -> None:
        failures = 0
        while not stop.is_set():
            self.heartbeat.beat("sync-inbox")
            try:
                self.poller.run_once(stop, self._beat("sync-inbox"))
                failures = 0
                wait = self.axis.poll_seconds
            except AxisError as e:
                failures += 1
                wait = backoff_delay(failures, base=self.axis.backoff_base_seconds,
                                     cap=min(self.axis.backoff_cap_seconds, self.axis.poll_seconds)
                                     ).total_seconds()
                log.info("inbox poll failed (%s); next try in %.1fs", e, wait)
            stop.wait(wait)

    def monitor_loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.heartbeat.beat("sync-monitor")
            if time.monotonic() - self.monitor.last_traffic >= self.axis.probe_seconds:
                try:
                    self.client.probe()
                except AxisError as e:
                    log.info("axis probe failed: %s", e)
            try:
                self.refresh_directory()
            except AxisError as e:
                log.info("agency directory not refreshed: %s", e)
            self.queue_due_reports()
            stop.wait(self.axis.probe_seconds)

    def workers(self) -> dict[str, Callable[[threading.Event], None]]:
        return {"sync-relay": self.relay_loop, "sync-inbox": self.poll_loop,
                "sync-monitor": self.monitor_loop}

    def stale_after(self) -> dict[str, timedelta]:
        """How long each worker may go without a heartbeat before it counts as dead: three of its
        longest pauses (the relay backs off up to ``backoff_cap_seconds``) plus five request
        timeouts for the work between two beats (a pass beats between its packages, so a backlog
        of any size is not a hang)."""
        a = self.axis
        pauses = {"sync-relay": max(a.relay_idle_seconds, a.backoff_cap_seconds),
                  "sync-inbox": a.poll_seconds, "sync-monitor": a.probe_seconds}
        return {name: timedelta(seconds=3 * pause + 5 * a.request_timeout_seconds)
                for name, pause in pauses.items()}


@dataclass
class WorkerState:
    name: str
    restarts: int = 0
    last_error: str | None = None
    running: bool = False


@dataclass
class Supervisor:
    """Run worker loops in threads; a worker that crashes is restarted after a backoff."""

    workers: dict[str, Callable[[threading.Event], None]]
    backoff_cap: float = 60.0
    heartbeat: Heartbeat = field(default_factory=NoHeartbeat)
    stop_event: threading.Event = field(default_factory=threading.Event)
    states: dict[str, WorkerState] = field(default_factory=dict)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for name, fn in self.workers.items():
            self.states[name] = WorkerState(name)
            t = threading.Thread(target=self._run, args=(name, fn), name=name, daemon=True)
            t.start()
            self._threads.append(t)

    def _run(self, name: str, fn: Callable[[threading.Event], None]) -> None:
        state = self.states[name]
        while not self.stop_event.is_set():
            state.running = True
            try:
                fn(self.stop_event)
            except Exception as e:
                state.restarts += 1
                state.last_error = f"{type(e).__name__}: {e}"
                self.heartbeat.crashed(name, state.last_error)
                log.exception("worker %s crashed (restart %s)", name, state.restarts)
                self.stop_event.wait(backoff_delay(state.restarts, base=1.0, cap=self.backoff_cap)
                                     .total_seconds())
            finally:
                state.running = False

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        for t in self._threads:
            t.join(timeout)
