"""Acceptance 4: faults. A sends 500 packages to B through a proxy that delays, drops, answers 502
and cuts connections after the hub processed the request, while A's sync process is SIGKILLed and
restarted 5 times. B holds each package exactly once; every one of A's items ends delivered
(accepted by the axis, and B's status 01 recorded against it)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from node.app import open_node
from node.config import config_from_dict
from tests.support.exchange import VANTHU, A, B, HubHandle, edoc, node_config, open_live, write_toml
from tests.support.faultproxy import FaultPlan, FaultProxy

pytestmark = [pytest.mark.hub, pytest.mark.slow]

TOTAL = 500
KILLS = 5
FAST = {"lease_seconds": 2.0, "request_timeout_seconds": 2.0, "poll_seconds": 0.3, "relay_idle_seconds": 0.1,
        "probe_seconds": 1.0, "batch_size": 16, "backoff_base_seconds": 0.02, "backoff_cap_seconds": 0.3}


def ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)


def a_progress(db: Path) -> tuple[int, int]:
    with ro(db) as c:
        sent, delivered = c.execute(
            "SELECT count(*) FILTER (WHERE state = 'sent'),"
            " count(*) FILTER (WHERE state = 'sent' AND delivery_status = '01')"
            " FROM axis_outbox WHERE kind = 'edoc'").fetchone()
    return int(sent), int(delivered)


def test_exactly_once_through_faults_and_kills(tmp_path: Path, fresh_hub: HubHandle) -> None:
    fresh_hub.start()
    proxy = FaultProxy(fresh_hub.port, FaultPlan(delay=0.1, bad_gateway=0.05, drop=0.05, cut=0.05,
                                                 max_delay_seconds=0.2, seed=7)).start()
    a_cfg = node_config(tmp_path / "a", *A, proxy.url, fresh_hub.secrets[A[0]], **FAST)
    a_toml = write_toml(tmp_path / "a" / "node.toml", a_cfg)
    a_db = tmp_path / "a" / "data" / "node.db"
    node = open_node(config_from_dict(a_cfg))
    try:
        for n in range(1, TOTAL + 1):
            node.exchange.enqueue(*edoc(A, B, n), actor="test")
    finally:
        node.close()

    b = open_live(node_config(tmp_path / "b", *B, proxy.url, fresh_hub.secrets[B[0]], **FAST))
    stop = threading.Event()

    def b_loop() -> None:
        while not stop.is_set():
            b.engine.once()
            stop.wait(0.1)

    b_thread = threading.Thread(target=b_loop, daemon=True)
    b_thread.start()
    log_path = tmp_path / "a-sync.log"

    def start_a() -> subprocess.Popen[bytes]:
        with log_path.open("ab") as log:
            return subprocess.Popen([*VANTHU, "--config", str(a_toml), "sync", "run"], stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)

    proc = start_a()
    kills = 0
    deadline = time.monotonic() + 150
    try:
        while kills < KILLS and time.monotonic() < deadline:
            target = (kills + 1) * TOTAL // (KILLS + 2)
            restarted = time.monotonic()
            while a_progress(a_db)[0] < target and time.monotonic() - restarted < 4:
                assert proc.poll() is None, log_path.read_text()
                time.sleep(0.05)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            kills += 1
            proc = start_a()
        while a_progress(a_db)[1] < TOTAL and time.monotonic() < deadline:
            assert proc.poll() is None, log_path.read_text()[-3000:]
            time.sleep(0.1)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        stop.set()
        b_thread.join(15)
        proxy.stop()

    try:
        assert kills == KILLS
        sent, delivered = a_progress(a_db)
        assert (sent, delivered) == (TOTAL, TOTAL), f"{sent} sent, {delivered} with status 01"
        expected = {f"{A[0]},2026/03/05,{n}/UBND-VP" for n in range(1, TOTAL + 1)}
        rows = b.node.db.query("SELECT document_id FROM axis_inbox WHERE kind = 'edoc' AND sender_code = ?",
                               (A[0],))
        assert len(rows) == TOTAL and {r["document_id"] for r in rows} == expected
        with ro(fresh_hub.db) as hub:
            stored = hub.execute("SELECT count(*), count(DISTINCT document_id) FROM message"
                                 " WHERE sender = ? AND messagetype = 'edoc'", (A[0],)).fetchone()
            assert tuple(stored) == (TOTAL, TOTAL)  # re-sends were recognised, never stored twice
        assert all(proxy.counts[f] > 0 for f in ("ok", "delay", "502", "drop", "cut")), proxy.counts
        log = log_path.read_text()
        assert "was already on the axis" in log, "an unknown outcome was reconciled, not re-sent"
    finally:
        b.close()
