"""SIGKILL in the middle of document workflows, many times: every restart finds each document with
exactly the rows its state implies — its số đến in the register (no gap, no number without its
document), its status packages in the outbox, its audit rows — and the chain intact."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from node.store.audit import verify_audit
from node.store.db import Database
from tests.conftest import NodeDir

ROOT = Path(__file__).resolve().parents[2]
# status packages each state has sent to the sender (03 accept, 04 assign, 05 start, 06 complete)
STATUSES = {"received": [], "accepted": ["03"], "presented": ["03"], "assigned": ["03", "04"],
            "processing": ["03", "04", "05"], "done": ["03", "04", "05", "06"]}


@pytest.mark.slow
def test_sigkill_during_workflows_leaves_every_document_whole(make_node, tmp_path: Path) -> None:
    node: NodeDir = make_node()
    rng = random.Random(20261130)
    for round_ in range(6):
        child = subprocess.Popen([sys.executable, "-m", "tests.support.office_crash_writer",
                                  str(node.config_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, cwd=ROOT)
        assert child.stdout is not None
        for _ in range(rng.randint(3, 60)):  # kill it after a random number of committed steps
            if not child.stdout.readline():
                raise AssertionError(child.stderr.read() if child.stderr else "writer died")
        child.send_signal(signal.SIGKILL)
        child.communicate()

        db = Database(node.root / "data" / "node.db").open()
        try:
            _check(db, round_)
        finally:
            db.close()
    db = Database(node.root / "data" / "node.db").open()
    try:
        assert int(db.query_one("SELECT count(*) FROM doc_in WHERE state = 'done'")[0]) > 3
    finally:
        db.close()


def _check(db: Database, round_: int) -> None:
    assert [r[0] for r in db.query("PRAGMA integrity_check")] == ["ok"]
    with db.read() as conn:
        report = verify_audit(conn)
    assert report.ok, f"round {round_}: {report.problem}"
    numbers = sorted(int(r[0]) for r in db.query("SELECT number FROM register_entry"
                                                 " WHERE register_code = 'den'"))
    assert numbers == list(range(1, len(numbers) + 1)), f"round {round_}: gap or repeat {numbers}"
    docs = db.query("SELECT ref, state, arrival_number, document_id FROM doc_in ORDER BY id")
    numbered = sorted(r["arrival_number"] for r in docs if r["arrival_number"] is not None)
    assert numbered == numbers, f"round {round_}: register and documents disagree"
    for r in docs:
        assert (r["arrival_number"] is None) == (r["state"] == "received"), r["ref"]
        sent = [x[0] for x in db.query(
            "SELECT s.status FROM (SELECT substr(subject, 12, 2) AS status, id FROM axis_outbox"
            " WHERE kind = 'status' AND document_id = ?) s ORDER BY s.id", (r["document_id"],))]
        assert sent == STATUSES[r["state"]], f"round {round_}: {r['ref']} {r['state']} sent {sent}"
        actions = [x[0] for x in db.query("SELECT action FROM audit WHERE subject = ? ORDER BY id",
                                          (r["ref"],))]
        assert actions[0] == "incoming.receive" and len(actions) == 1 + len(STATUSES[r["state"]]) + \
            (1 if r["state"] not in ("received", "accepted") else 0), f"{r['ref']}: {actions}"
