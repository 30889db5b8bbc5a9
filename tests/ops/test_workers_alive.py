"""`vanthu doctor` "workers": the heartbeats the sync workers and the scanner watcher of a running
`vanthu serve` write to <data>/run/ every pass (real hub and serve processes)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from node import diagnostics
from node.config import config_from_dict, load_config
from node.domain.clock import FixedClock
from node.domain.health import Level
from node.store.heartbeat import FileHeartbeat, WorkerBeat, heartbeat_dir, read_heartbeats
from node.sync.engine import Supervisor
from tests.conftest import run_cli
from tests.support.exchange import ROOT, VANTHU, A, HubHandle, make_hub, node_config, write_toml
from tests.support.servers import ServerProcess, free_port

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
FAST = {"poll_seconds": 0.5, "relay_idle_seconds": 0.2, "probe_seconds": 0.5, "backoff_cap_seconds": 0.5,
        "request_timeout_seconds": 1.0}


def wait_for_beats(directory: Path, names: set[str], after: datetime, timeout: float = 30) -> None:
    """Until each named worker has beaten after ``after`` (a pass, not just its start record)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        beats = read_heartbeats(directory)
        if all(n in beats and beats[n].beat_at > max(after, beats[n].started_at) for n in names):
            return
        time.sleep(0.1)
    raise AssertionError(f"no beats of {names} in {directory}: {read_heartbeats(directory)}")


@pytest.fixture
def running_hub(tmp_path: Path) -> Iterator[HubHandle]:
    hub = make_hub(tmp_path / "hub", [A])
    hub.start()
    yield hub
    hub.stop()


@pytest.mark.hub
def test_serve_workers_beat_green_then_stale_red_and_stopped_yellow(tmp_path: Path,
                                                                    running_hub: HubHandle) -> None:
    cfg = node_config(tmp_path / "a", *A, running_hub.url, running_hub.secrets[A[0]], **FAST)
    config_path = write_toml(tmp_path / "a" / "node.toml", cfg)
    with config_path.open("a", encoding="utf-8") as f:
        f.write(f'\n[[scanner.folders]]\npath = "{tmp_path / "a" / "scan"}"\n')
    config = load_config(config_path)
    config.scanner.folders[0].path.mkdir(parents=True)
    run_dir = heartbeat_dir(config.data_dir)

    # Not serving yet: no heartbeat at all is yellow "không chạy", not red.
    never = diagnostics.workers_check(config, read_heartbeats(run_dir), datetime.now(UTC))
    assert never.level is Level.YELLOW and "không chạy" in never.message

    port = free_port()
    started = datetime.now(UTC)
    with ServerProcess([*VANTHU, "--config", str(config_path), "serve", "--port", str(port)], port=port,
                       log_path=tmp_path / "serve.log", cwd=ROOT):
        workers_of_serve = {"sync-relay", "sync-inbox", "sync-monitor", "office-intake", "scanner"}
        wait_for_beats(run_dir, workers_of_serve, started)
        doctor = run_cli("--config", str(config_path), "doctor", "--json")
        workers = next(c for c in json.loads(doctor.stdout)["checks"] if c["name"] == "workers")
        assert workers["level"] == "green", workers
        assert "đang chạy" in workers["message"] and "gửi gói tin" in workers["message"]
        assert set(workers["data"]["alive"]) == workers_of_serve

        # The same heartbeats seen a while later (the process hung or died): red, naming the worker.
        beats = read_heartbeats(run_dir)
        later = max(b.beat_at + b.stale_after for b in beats.values()) + timedelta(seconds=1)
        stale = diagnostics.workers_check(config, beats, later)
        assert stale.level is Level.RED and "không hoạt động" in stale.message
        assert "gửi gói tin" in stale.message and "systemctl restart vanthu-node" in stale.action
    # A clean stop (SIGTERM, as systemctl stop): yellow "không chạy" with the time it stopped.
    later = datetime.now(UTC) + timedelta(hours=1)
    stopped = diagnostics.workers_check(config, read_heartbeats(run_dir), later)
    assert stopped.level is Level.YELLOW and "dừng lúc" in stopped.message
    assert "systemctl start vanthu-node" in stopped.action


def beat(name: str, at: datetime, **kw: object) -> WorkerBeat:
    return WorkerBeat(name, 1, at - timedelta(hours=1), at, timedelta(minutes=5), **kw)  # type: ignore[arg-type]


def test_workers_check_rules(tmp_path: Path) -> None:
    cfg = node_config(tmp_path, *A, "http://127.0.0.1:9", tmp_path / "s", **FAST)
    config = config_from_dict(cfg)
    sync = {n: beat(n, NOW) for n in ("sync-relay", "sync-inbox", "sync-monitor", "office-intake")}
    assert diagnostics.workers_check(config, sync, NOW + timedelta(minutes=1)).level is Level.GREEN
    # One worker missing while the others run (it failed to start): red.
    partial = {k: v for k, v in sync.items() if k != "sync-inbox"}
    check = diagnostics.workers_check(config, partial, NOW)
    assert check.level is Level.RED and "nhận gói tin" in check.message
    # A worker that crashed and was restarted: yellow with its last error.
    crashed = {**sync, "sync-relay": beat("sync-relay", NOW, restarts=2, last_error="RuntimeError: boom")}
    check = diagnostics.workers_check(config, crashed, NOW)
    assert check.level is Level.YELLOW and "2 lần" in check.message and "boom" in check.message
    # No axis and no scanner folders: nothing to run, green.
    bare = config_from_dict({"node": cfg["node"]})
    assert diagnostics.workers_check(bare, {}, NOW).level is Level.GREEN


def test_file_heartbeat_throttles_and_ignores_beats_after_stop(tmp_path: Path) -> None:
    clock = FixedClock(NOW)
    hb = FileHeartbeat(tmp_path / "run", clock, min_interval=3600)
    hb.beat("sync-relay")  # not started: ignored
    assert read_heartbeats(tmp_path / "run") == {}
    hb.start("sync-relay", stale_after=timedelta(seconds=30))
    clock.advance(timedelta(seconds=10))
    hb.beat("sync-relay")  # within min_interval: not written
    assert read_heartbeats(tmp_path / "run")["sync-relay"].beat_at == NOW
    hb.crashed("sync-relay", "OSError: x")  # a crash is always written
    (got,) = read_heartbeats(tmp_path / "run").values()
    assert got.restarts == 1 and got.beat_at == NOW + timedelta(seconds=10) and got.pid > 0
    hb.stop()
    hb.min_interval = 0
    clock.advance(timedelta(seconds=10))
    hb.beat("sync-relay")  # a straggler after the stop
    (got,) = read_heartbeats(tmp_path / "run").values()
    assert got.stopped_at == NOW + timedelta(seconds=10) and got.beat_at == NOW + timedelta(seconds=10)
    (tmp_path / "run" / "junk.heartbeat.json").write_text("{not json")
    assert set(read_heartbeats(tmp_path / "run")) == {"sync-relay"}


def test_a_crashed_sync_worker_shows_yellow_with_its_error(tmp_path: Path) -> None:
    """The supervisor records each crash in the heartbeat file; the restarted worker beats again."""
    config = config_from_dict(node_config(tmp_path, *A, "http://127.0.0.1:9", tmp_path / "s", **FAST))
    hb = FileHeartbeat(heartbeat_dir(config.data_dir), FixedClock(NOW), min_interval=0)
    calls: list[int] = []

    def flaky(stop: threading.Event) -> None:
        calls.append(1)
        hb.beat("sync-relay")
        if len(calls) < 3:
            raise RuntimeError("hỏng")
        stop.wait()

    for name in ("sync-relay", "sync-inbox", "sync-monitor", "office-intake"):
        hb.start(name, stale_after=timedelta(minutes=5))
    supervisor = Supervisor({"sync-relay": flaky}, backoff_cap=0.05, heartbeat=hb)
    supervisor.start()
    try:
        deadline = time.monotonic() + 10
        while len(calls) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        supervisor.stop()
    beats = read_heartbeats(heartbeat_dir(config.data_dir))
    assert beats["sync-relay"].restarts == 2 and beats["sync-relay"].last_error == "RuntimeError: hỏng"
    check = diagnostics.workers_check(config, beats, NOW + timedelta(minutes=1))
    assert check.level is Level.YELLOW and "gửi gói tin đã tự khởi động lại 2 lần" in check.message
