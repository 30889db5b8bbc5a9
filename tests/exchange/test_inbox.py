"""The inbox poller on the node side: hostile packages from an axis are refused (acknowledged
``fail``, nothing stored) and the poller keeps going; re-deliveries are acknowledged without a
second import; each new edoc queues status 01 in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from node.domain.clock import VN_TZ, FixedClock
from node.edxml import Organization, StatusCode, StatusPackage, parse_package
from node.store.blobs import BlobStore
from node.store.db import Database
from node.store.exchange import SqliteExchangeStore
from node.sync.inbox import InboxPoller
from tests.support.edxml_hostile import hostile_packages
from tests.support.exchange import A, B, edoc


class FakeAxis:
    """An axis that lists whatever it was given (a real one might not validate packages)."""

    def __init__(self, packages: dict[str, bytes]) -> None:
        self.packages = dict(packages)
        self.acks: list[tuple[str, str]] = []

    def received(self, messagetype: str, *, limit: int = 500) -> list[dict[str, Any]]:
        done = {d for d, s in self.acks if s == "done"}
        return [{"docId": d} for d in self.packages if d not in done and messagetype == "edoc"][:limit]

    def fetch(self, doc_id: str) -> bytes:
        return self.packages[doc_id]

    def ack(self, doc_id: str, status: str = "done") -> None:
        self.acks.append((doc_id, status))


def test_hostile_packages_are_refused_and_nothing_is_stored(db: Database, blobs: BlobStore) -> None:
    store = SqliteExchangeStore(db, blobs, FixedClock(datetime(2026, 3, 5, 9, 0, tzinfo=VN_TZ)))
    hostile = {f"bad-{name}": data for name, (data, _) in hostile_packages().items()}
    _, good = edoc(A, B, 7)
    axis = FakeAxis({**hostile, "good-1": good})
    poller = InboxPoller(store, axis, store.clock, agency=Organization(*B))  # type: ignore[arg-type]
    blobs_before = db.query("SELECT count(*) AS n FROM blob")[0]["n"]

    result = poller.run_once()
    assert (result.new, result.refused, result.duplicates) == (1, len(hostile), 0)
    assert sorted(d for d, s in axis.acks if s == "fail") == sorted(hostile)
    assert [d for d, s in axis.acks if s == "done"] == ["good-1"]
    rows = db.query("SELECT axis_doc_id, document_id FROM axis_inbox")
    assert [r["axis_doc_id"] for r in rows] == ["good-1"]
    assert db.query("SELECT count(*) AS n FROM blob")[0]["n"] == blobs_before + 2  # package + status 01

    # Status 01 to the sender, queued with the package.
    out = db.query("SELECT kind, recipient_code, document_id, blob_sha256 FROM axis_outbox")
    assert [(r["kind"], r["recipient_code"]) for r in out] == [("status", A[0])]
    status = parse_package(blobs.read_bytes(out[0]["blob_sha256"]))
    assert isinstance(status, StatusPackage) and status.status_code is StatusCode.RECEIVED
    assert status.from_.organ_id == B[0] and status.response_for.document_id == out[0]["document_id"]

    # The same package delivered again under another axis id: acknowledged, not imported twice.
    axis.packages = {"good-2": good}
    again = poller.run_once()
    assert (again.new, again.duplicates) == (0, 1) and ("good-2", "done") in axis.acks
    assert len(db.query("SELECT id FROM axis_inbox")) == 1
    assert len(db.query("SELECT id FROM axis_outbox")) == 1
