"""Acceptance 2: SIGKILL at random moments, 20 times; every restart finds a consistent store."""

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from node.store.audit import verify_audit
from node.store.blobs import BlobState, BlobStore
from node.store.db import Database

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_sigkill_twenty_times_leaves_a_consistent_store(tmp_path: Path) -> None:
    rng = random.Random(20261124)
    committed_before = 0
    for round_ in range(20):
        child = subprocess.Popen([sys.executable, "-m", "tests.support.crash_writer", str(tmp_path)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        # wait until it is writing, then kill it at a random moment
        first = child.stdout.readline() if child.stdout else ""
        assert first.strip().isdigit(), child.stderr.read() if child.stderr else ""
        time.sleep(rng.uniform(0.0, 0.3))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate()
        printed = [int(x) for x in (first + out).split() if x.isdigit()]
        last_reported = max(printed)

        db = Database(tmp_path / "node.db").open()  # restart: migrations, WAL recovery
        blobs = BlobStore(tmp_path / "blobs").open()  # restart: temp files swept
        try:
            assert [r[0] for r in db.query("PRAGMA integrity_check")] == ["ok"]
            rows = db.query("SELECT sha256, size FROM blob")
            assert len(rows) >= last_reported >= committed_before, f"round {round_}: lost commits"
            for r in rows:
                assert blobs.check(r["sha256"]) is BlobState.OK, f"round {round_}: blob {r['sha256']}"
                assert blobs.path(r["sha256"]).stat().st_size == r["size"]
            with db.read() as conn:
                report = verify_audit(conn)
            assert report.ok, f"round {round_}: {report.problem}"
            assert report.rows == len(rows)
            assert list((tmp_path / "blobs" / "tmp").iterdir()) == []
            committed_before = len(rows)
        finally:
            db.close()
    assert committed_before > 20
    conn = sqlite3.connect(tmp_path / "node.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
