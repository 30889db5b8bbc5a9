"""Acceptance 3: an outage. A queues 50 packages for B while the hub is down; the hub starts; all
50 reach B once and in order, B's automatic status 01 for each reaches A, A's ledger holds one
outage with the right figures, and the outage report reaches the supervising agency first."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from node.domain.clock import VN_TZ, FixedClock
from node.edxml import EdocPackage, parse_package
from tests.support.exchange import A, B, HubHandle, LiveNode, S, edoc, node_config, open_live
from tests.support.tools import require_tool

pytestmark = pytest.mark.hub

START = datetime(2026, 3, 5, 8, 0, tzinfo=VN_TZ)


@pytest.fixture
def nodes(tmp_path: Path, fresh_hub: HubHandle) -> Iterator[tuple[LiveNode, LiveNode, LiveNode, FixedClock]]:
    clock = FixedClock(START)
    a = open_live(node_config(tmp_path / "a", *A, fresh_hub.url, fresh_hub.secrets[A[0]], supervising=S,
                              outage_report_after_seconds=600.0), clock)
    b = open_live(node_config(tmp_path / "b", *B, fresh_hub.url, fresh_hub.secrets[B[0]]), clock)
    s = open_live(node_config(tmp_path / "s", *S, fresh_hub.url, fresh_hub.secrets[S[0]]), clock)
    yield a, b, s, clock
    for n in (a, b, s):
        n.close()


Nodes = tuple[LiveNode, LiveNode, LiveNode, FixedClock]


def test_outage_backlog_drains_in_order_with_statuses_and_report(
        nodes: Nodes, fresh_hub: HubHandle, artifacts: Path) -> None:
    a, b, s, clock = nodes
    for n in range(1, 21):
        a.node.exchange.enqueue(*edoc(A, B, n), actor="test")
    first = a.engine.once()  # the hub is down: the link goes offline, the outage opens
    assert first.error and "unreachable" in first.error
    clock.advance(timedelta(minutes=30))
    for n in range(21, 51):
        a.node.exchange.enqueue(*edoc(A, B, n), actor="test")
    assert a.engine.once().error  # still down: the same outage continues
    st = a.node.exchange.status()
    assert st.link.online is False and st.link.since == START and st.queued == 50

    clock.advance(timedelta(minutes=90))
    fresh_hub.start()
    clock.advance(timedelta(minutes=1))
    drained = a.engine.once()
    assert drained.error is None and drained.relay.sent == 51  # the report and the backlog

    # B gets all 50 exactly once, in order, and answers each with status 01.
    got = b.engine.once()
    assert got.poll is not None and got.poll.new == 50 and got.relay.sent == 50
    rows = b.node.db.query("SELECT document_id, sender_code FROM axis_inbox WHERE kind = 'edoc' ORDER BY id")
    assert [r["document_id"] for r in rows] == [f"{A[0]},2026/03/05,{n}/UBND-VP" for n in range(1, 51)]
    assert b.engine.once().poll.new == 0  # nothing twice

    # A records every status 01 against its delivery.
    back = a.engine.once()
    assert back.poll is not None and back.poll.new == 50
    statuses = a.node.db.query("SELECT delivery_status, count(*) AS n FROM axis_outbox WHERE kind = 'edoc'"
                               " AND recipient_code = ? GROUP BY delivery_status", (B[0],))
    assert [(r["delivery_status"], r["n"]) for r in statuses] == [("01", 50)]

    # The agency directory is mirrored for offline addressing.
    mirrored = a.node.exchange.agency(S[0])
    assert mirrored is not None and mirrored.name == S[1] and mirrored.code102 == S[0]

    # One outage, with the right figures.
    outages = a.node.exchange.outages()
    assert len(outages) == 1
    o = outages[0]
    assert o.started_at == START and o.ended_at == START + timedelta(minutes=121)
    assert (o.queued_at_start, o.max_queued) == (20, 50)
    assert o.drained_at is not None and o.time_to_drain == timedelta(0)
    assert o.report_state == "queued"

    # The report went out ahead of the backlog …
    sent = a.node.db.query("SELECT o.subject FROM audit a JOIN axis_outbox o ON a.subject = 'outbox:' || o.id"
                           " WHERE a.action = 'axis.sent' ORDER BY a.id")
    assert sent[0]["subject"].startswith("Thông báo sự cố mất kết nối")
    # … and reached the supervising agency, with a PDF giving the times and counts.
    s.engine.once()
    report = s.node.db.query("SELECT blob_sha256, subject FROM axis_inbox WHERE sender_code = ?", (A[0],))
    assert len(report) == 1 and "08 giờ 00 ngày 05/03/2026" in report[0]["subject"]
    package = parse_package(s.node.blobs.read_bytes(report[0]["blob_sha256"]))
    assert isinstance(package, EdocPackage) and package.header.type_name == "Thông báo"
    pdf = package.attachments[0].read_bytes()
    out = artifacts / "outage-report.pdf"
    out.write_bytes(pdf)
    pdftotext = require_tool("pdftotext")
    text = subprocess.run([pdftotext, str(out), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("THÔNG BÁO", "08 giờ 00 ngày 05/03/2026", "10 giờ 01 ngày 05/03/2026", "2 giờ 1 phút",
                     "khi bắt đầu sự cố: 20", "nhiều nhất trong thời gian sự cố: 50"):
        assert expected in text, expected
    assert shutil.which("pdffonts") is None or "NotoSans" in subprocess.run(
        ["pdffonts", str(out)], capture_output=True, text=True).stdout
