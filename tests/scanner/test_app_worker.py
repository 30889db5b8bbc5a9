"""The watcher runs as a worker of the web app: started and stopped by its lifespan."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from litestar.testing import TestClient

from node.app import create_app
from node.diagnostics import scanner_check
from node.domain.clock import VN_TZ, FixedClock
from node.domain.health import Level
from node.store.db import Database
from node.store.search import SqliteSearchIndex
from tests.conftest import NodeDir, run_cli
from tests.scanner.conftest import text_pdf_bytes, wait_until


def test_app_lifespan_runs_the_hot_folder(make_node: Callable[..., NodeDir]) -> None:
    node_dir = make_node(extra='\n[scanner]\nstable_seconds = 1.0\n\n[[scanner.folders]]\npath = "scan/den"\n'
                               'purpose = "incoming"\n')
    hot = node_dir.root / "scan" / "den"
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ))
    app = create_app(node_dir.config, clock=clock)
    with TestClient(app=app, base_url="http://127.0.0.1:8080") as client:
        assert (hot / "processing").is_dir() and (hot / "done").is_dir()
        (hot / "cong-van.pdf").write_bytes(text_pdf_bytes("Công văn về văn bản điện tử ở Đà Nẵng. " * 5))
        started = time.monotonic()
        # The web app answers while the scanner works beside it.
        assert client.get("/healthz").status_code in (200, 503)
        assert wait_until(lambda: (hot / "done" / "cong-van.pdf").exists(), clock=clock, advance=0.5)
        assert time.monotonic() - started < 20
    assert not (hot / "cong-van.pdf").exists()
    db = Database(node_dir.config.db_path).open()
    try:
        hits = SqliteSearchIndex(db).search("van ban dien tu da nang")
        assert len(hits) == 1 and hits[0].kind == "scan"
    finally:
        db.close()
    clock.advance(timedelta(seconds=1))


def test_doctor_reports_stuck_scans(make_node: Callable[..., NodeDir]) -> None:
    node_dir = make_node(extra='\n[[scanner.folders]]\npath = "scan/den"\n')
    processing = node_dir.root / "scan" / "den" / "processing"
    processing.mkdir(parents=True)
    config = node_dir.config
    assert scanner_check(config).level is Level.GREEN
    stuck = processing / "ket.pdf"
    stuck.write_bytes(b"%PDF-1.4")
    old = time.time() - 3600
    os.utime(stuck, (old, old))
    check = scanner_check(config)
    assert check.level is Level.YELLOW and check.data["stuck"] == 1
    doctor = run_cli("--config", str(node_dir.config_path), "doctor")
    assert "scanner" in doctor.stdout and doctor.returncode == 1
