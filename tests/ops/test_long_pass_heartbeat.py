"""A worker busy with one very long pass is not "dead": the sync workers and the intake beat between
the packages of a pass, so `vanthu doctor` (and the diagnostics page) keep calling them alive while
they drain a backlog that takes longer than their staleness limit. The axis is an httpx transport
(the client's port) whose every request advances an injected clock, the intake's signature check
likewise — no sleeps; the heartbeat is the real file one."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from node.app import open_node
from node.cli.core import init_node
from node.config import AxisSection, NodeSection, config_from_dict
from node.domain.clock import FixedClock
from node.domain.exchange import IncomingPackage, OutgoingPackage, PackageKind
from node.domain.signing import VerificationReport
from node.office.intake import INTAKE_WORKER, intake_stale_after
from node.office.wiring import verifier
from node.store.blobs import BlobStore
from node.store.db import Database
from node.store.exchange import SqliteExchangeStore
from node.store.heartbeat import FileHeartbeat, heartbeat_dir, read_heartbeats
from node.sync.engine import SyncEngine
from tests.support.exchange import A, B, edoc, node_config

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
AXIS = AxisSection(url="http://truc.test", poll_seconds=60, request_timeout_seconds=30,
                   backoff_cap_seconds=300, relay_idle_seconds=2, batch_size=32)


class SlowAxis:
    """An axis where each package takes ``step`` of the node's clock to fetch or to send; after each,
    it checks what doctor would read: the worker's last beat is younger than its limit."""

    def __init__(self, clock: FixedClock, run_dir: Path, worker: str, *, waiting: int, step: timedelta,
                 stop: threading.Event, sends: int = 0) -> None:
        self.clock, self.run_dir, self.worker, self.step, self.stop = clock, run_dir, worker, step, stop
        self.sends = sends  # the relay: the backlog's size, after which the loop is stopped
        self.waiting = [f"d{i}" for i in range(waiting)]
        self.taken = 0
        self.worst = timedelta(0)  # the oldest beat doctor could have seen during the pass

    def check(self) -> None:
        beat = read_heartbeats(self.run_dir)[self.worker]
        age = self.clock.now() - beat.beat_at
        self.worst = max(self.worst, age)
        assert age <= beat.stale_after, f"{self.worker}: last beat {age} ago, limit {beat.stale_after}"

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = urlsplit(str(request.url)).path
        query = parse_qs(urlsplit(str(request.url)).query)
        ok: dict[str, object] = {"status": "OK"}
        if path == "/getReceivedEdocList":
            kind = query.get("messagetype", [""])[0]
            limit = int(query.get("limit", ["500"])[0])
            listed = self.waiting[:limit] if kind == "edoc" else []
            if self.worker == "sync-inbox" and kind == "status" and not self.waiting:
                self.stop.set()  # the pass is over: the loop ends instead of waiting for the next
            return httpx.Response(200, json={**ok, "data": [{"docId": d} for d in listed]})
        if path == "/getEdoc":  # a package that takes its time (here: not even a valid one: refused)
            self.clock.advance(self.step)
            self.check()
            return httpx.Response(200, json={**ok, "data": base64.b64encode(b"not edXML").decode()})
        if path == "/updateStatus":
            doc_id = query.get("docId", [""])[0]
            self.waiting = [d for d in self.waiting if d != doc_id]
            self.taken += 1
            return httpx.Response(200, json=ok)
        if path == "/sendEdoc":
            self.clock.advance(self.step)
            self.check()
            self.taken += 1
            if self.taken == self.sends:
                self.stop.set()
            return httpx.Response(200, json={**ok, "DocId": f"axis-{self.taken}"})
        return httpx.Response(200, json={**ok, "data": []})


def _engine(db: Database, blobs: BlobStore, clock: FixedClock, run_dir: Path,
            axis: SlowAxis) -> tuple[SyncEngine, FileHeartbeat]:
    heartbeat = FileHeartbeat(run_dir, clock, min_interval=0)  # every beat written: the clock is not real
    node = NodeSection(agency_code="000.00.01.H26", agency_name="UBND phường Một", data_dir=run_dir.parent)
    engine = SyncEngine(SqliteExchangeStore(db, blobs, clock), clock, node, AXIS, secret="bi-mat",
                        transport=httpx.MockTransport(axis), heartbeat=heartbeat)
    for name, stale_after in engine.stale_after().items():
        heartbeat.start(name, stale_after=stale_after)
    return engine, heartbeat


def test_taking_in_500_packages_keeps_the_inbox_worker_alive(db: Database, blobs: BlobStore,
                                                              tmp_path: Path) -> None:
    clock, stop, run_dir = FixedClock(NOW), threading.Event(), tmp_path / "run"
    axis = SlowAxis(clock, run_dir, "sync-inbox", waiting=500, step=timedelta(seconds=5), stop=stop)
    engine, _ = _engine(db, blobs, clock, run_dir, axis)
    limit = engine.stale_after()["sync-inbox"]
    try:
        engine.poll_loop(stop)  # one pass over the backlog, then the axis says stop
    finally:
        engine.close()
    assert axis.taken == 500 and not axis.waiting
    assert clock.now() - NOW > 5 * limit  # the pass lasted far longer than the limit …
    assert axis.worst <= timedelta(seconds=5)  # … and the beat was never older than one package


def test_draining_a_long_outbox_keeps_the_relay_alive(db: Database, blobs: BlobStore, tmp_path: Path) -> None:
    clock, stop, run_dir = FixedClock(NOW), threading.Event(), tmp_path / "run"
    axis = SlowAxis(clock, run_dir, "sync-relay", waiting=0, step=timedelta(seconds=30), stop=stop, sends=100)
    engine, _ = _engine(db, blobs, clock, run_dir, axis)
    store = engine.store
    for i in range(100):  # a weekend's backlog after the link came back
        data = json.dumps({"package": i}).encode()
        store.enqueue(OutgoingPackage(PackageKind.EDOC, hashlib.sha256(data).hexdigest(), len(data),
                                      f"000.00.01.H26,2026/11/27,{i}/UBND-VP", "000.00.09.H13"), data,
                      actor="test")
    limit = engine.stale_after()["sync-relay"]
    try:
        engine.relay_loop(stop)  # one pass over the backlog, stopped after its last package
    finally:
        engine.close()
    assert axis.taken == 100 and store.queue_status().queued == 0
    assert clock.now() - NOW > 2 * limit
    assert axis.worst <= timedelta(seconds=30)


def test_taking_in_a_backlog_keeps_the_intake_worker_alive(tmp_path: Path) -> None:
    """The intake (stored packages → văn bản đến: files stored, every PDF's signatures checked) beats
    between packages too; its signature check is the port that takes the clock's time here."""
    config = config_from_dict(node_config(tmp_path, *A, "http://truc.test", tmp_path / "s"))
    init_node(config, staff=(), credentials_file=None)
    clock, stop, run_dir = FixedClock(NOW), threading.Event(), heartbeat_dir(config.data_dir)
    node = open_node(config, clock=clock)
    try:
        for n in range(1, 61):  # one morning's backlog from the sender
            package, data = edoc(B, A, n)
            node.exchange.save_incoming(IncomingPackage(
                axis_doc_id=f"d{n}", kind=PackageKind.EDOC, sender_code=B[0], document_id=package.document_id,
                subject=package.subject), data, None)
        heartbeat = FileHeartbeat(run_dir, clock, min_interval=0)
        intake = node.intake(heartbeat)
        limit = intake_stale_after(config.axis.relay_idle_seconds)
        real = verifier(config, clock)
        checked: list[timedelta] = []

        def slow_verify(pdf: bytes) -> VerificationReport:  # a big signed PDF: 30 s of the clock each
            clock.advance(timedelta(seconds=30))
            beat = read_heartbeats(run_dir)[INTAKE_WORKER]
            age = clock.now() - beat.beat_at
            assert beat.stale_after == limit and age <= limit, f"intake: last beat {age} ago, limit {limit}"
            checked.append(age)
            if len(checked) == 60:
                stop.set()  # the last one: the loop ends after this pass
            return real(pdf)

        intake.verify = slow_verify
        intake.loop(stop, every=config.axis.relay_idle_seconds)
        taken = node.db.query_one("SELECT count(*) FROM axis_inbox WHERE intake_state = 'done'")
        assert taken is not None and taken[0] == 60
        assert clock.now() - NOW > 5 * limit and max(checked) <= timedelta(seconds=30)
    finally:
        node.close()
