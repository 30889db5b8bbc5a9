"""`vanthu sync status|once` and the workers started by the node's lifespan."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from node.app import open_node, start_sync_workers
from node.config import load_config
from node.sync.engine import Supervisor
from tests.conftest import run_cli
from tests.support.exchange import A, B, HubHandle, edoc, node_config, open_live, write_toml

pytestmark = pytest.mark.hub


def test_sync_once_and_status_cli(tmp_path: Path, fresh_hub: HubHandle) -> None:
    cfg = write_toml(tmp_path / "a" / "node.toml",
                     node_config(tmp_path / "a", *A, fresh_hub.url, fresh_hub.secrets[A[0]]))
    node = open_node(load_config(cfg))
    try:
        for n in (1, 2, 3):
            node.exchange.enqueue(*edoc(A, B, n), actor="test")
    finally:
        node.close()

    down = run_cli("--config", str(cfg), "sync", "once", "--json")
    assert down.returncode == 1 and json.loads(down.stdout)["error"]
    status = json.loads(run_cli("--config", str(cfg), "sync", "status", "--json", check=True).stdout)
    assert status["link"] == "offline" and status["queued"] == 3 and status["since"]
    assert status["last_outage"]["ended_at"] is None and status["last_outage"]["queued_at_start"] == 3
    assert status["oldest_age_seconds"] is not None
    text = run_cli("--config", str(cfg), "sync", "status", check=True).stdout
    assert "MẤT KẾT NỐI" in text and "Chờ gửi: 3" in text
    doctor = run_cli("--config", str(cfg), "doctor", "--json")
    axis = next(c for c in json.loads(doctor.stdout)["checks"] if c["name"] == "axis")
    assert axis["level"] == "red" and "Mất kết nối" in axis["message"]  # 3 packages held up
    assert "ngoại tuyến" in axis["message"]

    fresh_hub.start()
    up = run_cli("--config", str(cfg), "sync", "once", "--json", check=True)
    assert json.loads(up.stdout)["sent"] == 3
    status = json.loads(run_cli("--config", str(cfg), "sync", "status", "--json", check=True).stdout)
    assert status["link"] == "online" and status["queued"] == 0 and status["sent"] == 3
    assert status["last_outage"]["ended_at"] and status["last_outage"]["report"] == "none"
    secret_text = fresh_hub.secrets[A[0]].read_text().strip()
    assert secret_text not in up.stdout + up.stderr + text


def test_secret_file_must_be_private(tmp_path: Path, fresh_hub: HubHandle) -> None:
    fresh_hub.secrets[A[0]].chmod(0o644)
    cfg = write_toml(tmp_path / "a" / "node.toml",
                     node_config(tmp_path / "a", *A, fresh_hub.url, fresh_hub.secrets[A[0]]))
    r = run_cli("--config", str(cfg), "sync", "once")
    assert r.returncode == 2 and "chmod 600" in r.stderr and "Traceback" not in r.stderr


def test_rejected_item_keeps_the_hub_text(tmp_path: Path, fresh_hub: HubHandle) -> None:
    fresh_hub.start()
    a = open_live(node_config(tmp_path / "a", *A, fresh_hub.url, fresh_hub.secrets[A[0]]))
    try:
        bad = a.node.exchange.enqueue(*edoc(A, ("000.00.77.H26", "Không có"), 1), actor="test")
        good = a.node.exchange.enqueue(*edoc(A, B, 2), actor="test")
        result = a.engine.once()
        assert result.relay.rejected == 1 and result.relay.sent == 1
        item = a.node.exchange.item(bad)
        assert item is not None and item.state == "rejected"
        assert "unknown_recipient" in (item.last_error or "")
        assert a.node.exchange.item(good).state == "sent"  # type: ignore[union-attr]
    finally:
        a.close()


def test_workers_run_supervised(tmp_path: Path, fresh_hub: HubHandle) -> None:
    fresh_hub.start()
    fast = {"poll_seconds": 0.2, "relay_idle_seconds": 0.05, "probe_seconds": 0.2}
    a = open_node(load_config(write_toml(tmp_path / "a" / "node.toml", node_config(
        tmp_path / "a", *A, fresh_hub.url, fresh_hub.secrets[A[0]], **fast))))
    b = open_live(node_config(tmp_path / "b", *B, fresh_hub.url, fresh_hub.secrets[B[0]], **fast))
    running = start_sync_workers(a)
    assert running is not None
    engine, supervisor = running
    try:
        for n in range(1, 6):
            a.exchange.enqueue(*edoc(A, B, n), actor="test")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            b.engine.once()
            done = a.db.query("SELECT count(*) AS n FROM axis_outbox WHERE kind = 'edoc'"
                              " AND delivery_status = '01'")[0]["n"]
            if done == 5:
                break
            time.sleep(0.1)
        assert done == 5
        assert all(s.running and s.restarts == 0 for s in supervisor.states.values())
    finally:
        supervisor.stop()
        engine.close()
        a.close()
        b.close()


def test_a_crashed_worker_is_restarted() -> None:
    calls: list[int] = []

    def flaky(stop: threading.Event) -> None:
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("boom")
        stop.wait()

    supervisor = Supervisor({"flaky": flaky}, backoff_cap=0.05)
    supervisor.start()
    try:
        deadline = time.monotonic() + 10
        while len(calls) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        state = supervisor.states["flaky"]
        assert len(calls) == 3 and state.restarts == 2 and state.last_error == "RuntimeError: boom"
    finally:
        supervisor.stop()
