"""Acceptance 3 (store side): 8 concurrent clerks take 1,000 numbers while being SIGKILLed at
random moments and restarted; the register ends up holding exactly 1..N, no gap, no repeat."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from node.store.audit import verify_audit
from node.store.db import Database

ROOT = Path(__file__).resolve().parents[2]
TARGET = 1000
CLERKS = 8


def _start(path: Path, clerk: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.registers.alloc_worker", str(path), clerk, "di", str(TARGET)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def _numbers(out: str) -> list[int]:
    return [int(x) for x in out.split() if x.isdigit()]


@pytest.mark.slow
def test_eight_clerks_sigkilled_take_1000_numbers_without_gap_or_repeat(tmp_path: Path) -> None:
    path = tmp_path / "node.db"
    Database(path).open().close()  # migrate once, like the server does at start
    rng = random.Random(6_2026)
    printed: list[int] = []
    kills = 0
    deadline = time.monotonic() + 50
    procs = {f"clerk{i}": _start(path, f"clerk{i}") for i in range(CLERKS)}
    try:
        while True:
            assert time.monotonic() < deadline, "the clerks did not finish in time"
            time.sleep(rng.uniform(0.0, 0.08))
            running = [c for c, p in procs.items() if p.poll() is None]
            if not running:
                break
            if kills < 60:
                clerk = rng.choice(running)
                p = procs[clerk]
                p.send_signal(signal.SIGKILL)
                out, _ = p.communicate()
                printed += _numbers(out)
                kills += 1
                procs[clerk] = _start(path, clerk)  # restart the killed clerk
        for p in procs.values():
            out, err = p.communicate()
            assert p.returncode == 0, err
            printed += _numbers(out)
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
                p.communicate()

    db = Database(path).open()
    try:
        assert [r[0] for r in db.query("PRAGMA integrity_check")] == ["ok"]
        numbers = [r["number"] for r in db.query(
            "SELECT number FROM register_entry WHERE register_code = 'di' AND year = 2026 ORDER BY number")]
        assert numbers == list(range(1, TARGET + 1)), "gap or repeat in the register"
        # no number was handed to two clerks, and every number a clerk saw committed is there
        repeats = [n for n, c in Counter(printed).items() if c > 1]
        assert repeats == []
        assert set(printed) <= set(numbers)
        # every entry has its audit row, written in the same transaction
        with db.read() as conn:
            report = verify_audit(conn)
            assert report.ok, report.problem
            rows = conn.execute(
                "SELECT e.number, a.subject, a.detail FROM register_entry e"
                " JOIN audit a ON a.id = e.audit_id WHERE e.register_code = 'di'").fetchall()
            assert len(rows) == TARGET
            for number, subject, detail in rows:
                assert subject == f"register:di/2026/{number}"
                assert json.loads(detail)["number"] == number
            n_audit = conn.execute(
                "SELECT count(*) FROM audit WHERE action = 'register.allocate'").fetchone()[0]
            assert n_audit == TARGET
        clerks = {r["actor"] for r in db.query("SELECT DISTINCT actor FROM register_entry")}
        assert len(clerks) >= 3, "the clerks did not run concurrently"
    finally:
        db.close()
    print(f"{kills} kills, {len(set(printed))} numbers seen committed by {len(clerks)} clerks")
    assert kills >= 20, f"only {kills} kills happened"
