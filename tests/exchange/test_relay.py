"""The outbox relay against a real hub: ordering, leases after a crash, reconciliation, backoff."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from node.domain.clock import VN_TZ, FixedClock
from node.domain.exchange import OutboxState
from node.sync.relay import OutboxRelay
from tests.support.exchange import A, B, HubHandle, LiveNode, edoc, node_config, open_live

pytestmark = pytest.mark.hub


@pytest.fixture
def a(tmp_path: Path, hub: HubHandle) -> Iterator[tuple[LiveNode, FixedClock]]:
    clock = FixedClock(datetime(2026, 3, 5, 9, 0, tzinfo=VN_TZ))
    node = open_live(node_config(tmp_path / "a", *A, hub.url, hub.secrets[A[0]], lease_seconds=60.0,
                                 backoff_base_seconds=1.0, backoff_cap_seconds=300.0), clock)
    yield node, clock
    node.close()


def stored(hub: HubHandle, document_id: str) -> int:
    with sqlite3.connect(f"file:{hub.db}?mode=ro", uri=True) as c:
        row = c.execute("SELECT count(*) FROM message WHERE document_id = ?", (document_id,)).fetchone()
    return int(row[0])


def test_a_crash_after_sending_is_reconciled_not_resent(a: tuple[LiveNode, FixedClock],
                                                        hub: HubHandle) -> None:
    node, clock = a
    store = node.node.exchange
    sent_pkg, sent_data = edoc(A, B, 201)
    lost_pkg, lost_data = edoc(A, B, 202)
    first = store.enqueue(sent_pkg, sent_data, actor="test")
    second = store.enqueue(lost_pkg, lost_data, actor="test")
    # A relay that dies: it claimed both, the first reached the hub, nothing was recorded.
    dead = OutboxRelay(store, node.engine.client, sender_code=A[0], lease=timedelta(seconds=60))
    claimed = store.claim(dead.owner, limit=10, lease=timedelta(seconds=60))
    assert [i.id for i in claimed] == [first, second]
    doc_id = node.engine.client.send("edoc", sent_data, sender=A[0])

    fresh = OutboxRelay(store, node.engine.client, sender_code=A[0], lease=timedelta(seconds=60))
    assert fresh.run_once().sent == 0  # the dead relay's lease still holds
    clock.advance(timedelta(seconds=61))
    result = fresh.run_once()
    assert (result.sent, result.reconciled) == (2, 1)
    one, two = store.item(first), store.item(second)
    assert one is not None and one.state is OutboxState.SENT and one.axis_doc_id == doc_id
    assert two is not None and two.state is OutboxState.SENT and two.axis_doc_id != doc_id
    assert stored(hub, sent_pkg.document_id) == 1 and stored(hub, lost_pkg.document_id) == 1


def test_transient_failure_backs_off_and_keeps_order(a: tuple[LiveNode, FixedClock], hub: HubHandle) -> None:
    node, clock = a
    store = node.node.exchange
    ids = [store.enqueue(*edoc(A, B, n), actor="test") for n in (211, 212, 213)]
    broken = OutboxRelay(store, node.engine.client, sender_code=A[0], backoff_base=1.0, backoff_cap=300.0)
    real_url = node.engine.client.url
    node.engine.client.url = "http://127.0.0.1:9"  # nothing listens there
    try:
        failed = broken.run_once()
    finally:
        node.engine.client.url = real_url
    assert failed.sent == 0 and failed.retry_after is not None and failed.retry_after <= timedelta(seconds=1)
    head = store.item(ids[0])
    assert head is not None and head.state is OutboxState.QUEUED and "unreachable" in (head.last_error or "")
    assert head.next_attempt_at is not None
    st = store.status()
    assert st.queued == 3 and st.stuck[0].id == ids[0] and st.stuck[0].attempts == 1
    if failed.retry_after > timedelta(0):
        assert broken.run_once().sent == 0  # not due yet: nothing overtakes the head either
    clock.advance(timedelta(seconds=2))
    done = broken.run_once()
    assert done.sent == 3
    rows = node.node.db.query("SELECT id FROM axis_outbox ORDER BY sent_at, id")
    assert [r["id"] for r in rows][-3:] == ids
