"""The office use cases across two nodes and a real hub: draft → sign → number → seal → publish at A;
B takes it in with its signatures checked, accepts, assigns, completes; A's delivery table follows.
A recall destroys B's copy and keeps its metadata; a refused step consumes no number."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from node.domain.accounts import Role
from node.domain.clock import VN_TZ, FixedClock
from node.domain.documents import Actor, Organ, WorkflowError
from node.domain.incoming import Assignee, IncomingState
from node.domain.meetings import ChangeKind
from node.domain.office import DraftInput, MeetingInput, Office
from node.domain.outgoing import DeliveryState, OutgoingState, Recipient
from node.office.intake import Intake
from node.office.wiring import build_office, verifier
from node.signing.sample import DraftSpec, make_draft
from node.signing.softhsm import DemoToken
from node.store.documents import SqliteDocuments
from node.store.registers import SqliteRegisters
from tests.support.exchange import A, B, HubHandle, LiveNode, node_config, open_live

pytestmark = [pytest.mark.hub, pytest.mark.hsm]

LEADER_NAME = "Nguyễn Văn An"


class Office_:
    """One live node with its use cases, its intake and its people."""

    def __init__(self, live: LiveNode, token: DemoToken, clock: FixedClock) -> None:
        self.live = live
        cfg = live.node.config
        self.office, self.docs = build_office(cfg, clock, live.node.db, live.node.blobs)
        self.intake = Intake(live.node.db, live.node.blobs, self.docs, self.office, clock,
                             verify=verifier(cfg, clock))
        self.pin = token.user_pin
        self.clerk = Actor("vanthu", frozenset({Role.CLERK}), "Trần Thị Văn Thư", unit_id=1)
        self.leader = Actor("lanhdao", frozenset({Role.LEADER}), LEADER_NAME, unit_id=1)
        self.specialist = Actor("chuyenvien", frozenset({Role.SPECIALIST}), "Lê Chuyên Viên", unit_id=2)

    def sync(self) -> None:
        self.live.engine.once()
        self.intake.run_once()

    def close(self) -> None:
        self.office.close()
        self.live.close()


def _config(root: Path, who: tuple[str, str], hub: HubHandle, token: DemoToken) -> dict[str, Any]:
    cfg = node_config(root, who[0], who[1], hub.url, hub.secrets[who[0]])
    cfg["signing"] = {"token_label": token.label, "softhsm2_conf": str(token.conf),
                      "agency_pin_file": str(token.pin_file), "trust_anchors": [str(token.ca_cert)]}
    return cfg


@pytest.fixture
def offices(fresh_hub: HubHandle, softhsm_token: DemoToken,
            tmp_path: Path) -> Iterator[tuple[Office_, Office_, FixedClock]]:
    # a hub of its own: every test's offices start their numbering at 1, so DocumentIds repeat
    hub = fresh_hub
    hub.start()
    clock = FixedClock(datetime.now(VN_TZ).replace(microsecond=0))
    a = Office_(open_live(_config(tmp_path / "a", A, hub, softhsm_token), clock), softhsm_token, clock)
    b = Office_(open_live(_config(tmp_path / "b", B, hub, softhsm_token), clock), softhsm_token, clock)
    yield a, b, clock
    a.close()
    b.close()


def _publish(a: Office_, subject: str) -> str:
    pdf = make_draft(DraftSpec(subject=subject, full_name=LEADER_NAME, kind="CÔNG VĂN",
                               number_suffix="/UBND-VP"))
    form = DraftInput(type_name="Công văn", subject=subject, unit_abbr="VP",
                      recipients=(Recipient(Organ(*B)),), due_date=date.today() + timedelta(days=20))
    o: Office = a.office
    doc = o.draft(a.specialist, form, pdf)
    o.submit(doc.ref, "lanhdao", a.specialist)
    o.sign(doc.ref, a.leader, a.pin)
    numbered = o.number(doc.ref, a.clerk)
    assert numbered.meta.code.endswith("/UBND-VP") and numbered.state is OutgoingState.NUMBERED
    o.seal(doc.ref, a.clerk)
    published = o.publish(doc.ref, a.clerk)
    assert published.deliveries[0].state is DeliveryState.QUEUED
    return doc.ref


def test_two_offices_full_flow_and_recall(offices: tuple[Office_, Office_, FixedClock]) -> None:
    a, b, _ = offices
    ref = _publish(a, "Về việc thử nghiệm liên thông văn bản điện tử")
    a.sync()
    assert a.docs.outgoing.require(ref).deliveries[0].state is DeliveryState.SENT

    b.sync()
    rows = b.live.node.db.query("SELECT ref, state, integrity_ok FROM doc_in")
    assert [(r["state"], r["integrity_ok"]) for r in rows] == [("received", 1)]
    in_ref = rows[0]["ref"]
    got = b.docs.incoming.require(in_ref)
    report = b.docs.signature_report(got.blobs[0])
    assert report is not None and report["ok"] and len(report["signatures"]) == 2, report
    assert got.meta.issuer.organ_id == A[0] and got.meta.code.endswith("/UBND-VP")

    b.office.accept(in_ref, b.clerk)
    b.office.present(in_ref, "lanhdao", b.clerk)
    b.office.assign(in_ref, b.leader, lead=Assignee("user", "chuyenvien", "Lê Chuyên Viên",
                                                    date.today() + timedelta(days=10)))
    b.office.start(in_ref, b.specialist)
    done = b.office.complete(in_ref, b.specialist, "Đã xử lý xong")
    assert done.state is IncomingState.DONE and done.arrival_number == 1
    b.sync()
    a.sync()
    delivery = a.docs.outgoing.require(ref).deliveries[0]
    assert delivery.state is DeliveryState.DONE, delivery

    # Recall another document: B destroys the content, keeps the metadata, answers 15.
    ref2 = _publish(a, "Về việc văn bản sẽ bị thu hồi")
    a.sync()
    b.sync()
    in2 = b.live.node.db.query_one("SELECT ref FROM doc_in WHERE ref <> ?", (in_ref,))["ref"]
    blobs = b.docs.incoming.require(in2).blobs
    a.office.recall_outgoing(ref2, "Ban hành nhầm", a.clerk)
    a.sync()
    b.sync()
    pending = b.docs.incoming.require(in2)
    assert pending.recall_pending
    recalled = b.office.accept_recall(in2, b.clerk)
    assert recalled.state is IncomingState.RECALLED and recalled.content_destroyed
    assert recalled.meta.subject == "Về việc văn bản sẽ bị thu hồi"
    assert all(not b.live.node.blobs.exists(s) for s in blobs)
    b.sync()
    a.sync()
    answered = a.docs.outgoing.require(ref2)
    assert answered.state is OutgoingState.RECALLED
    reply = answered.deliveries[0].recall_reply
    assert reply is not None and reply.value == "15"
    with pytest.raises(WorkflowError):
        b.office.start(in2, b.leader)


def test_refused_step_consumes_no_number(offices: tuple[Office_, Office_, FixedClock]) -> None:
    a, _, _ = offices
    pdf = make_draft(DraftSpec(full_name=LEADER_NAME))
    doc = a.office.draft(a.specialist, DraftInput(type_name="Quyết định", subject="Quyết định thử",
                                                  recipients=(Recipient(Organ(*B)),),
                                                  legal_bases=("Luật Tổ chức chính quyền địa phương",)), pdf)
    with pytest.raises(WorkflowError):  # not signed yet: cấp số is refused
        a.office.number(doc.ref, a.clerk)
    assert SqliteRegisters(a.live.node.db).last_number("di", clock_year()) == 0
    assert isinstance(a.docs, SqliteDocuments)


def clock_year() -> int:
    return datetime.now(VN_TZ).year


def test_meeting_invitation_and_its_move_reach_the_invited_office(
        offices: tuple[Office_, Office_, FixedClock]) -> None:
    a, b, clock = offices
    start = (clock.now() + timedelta(days=3)).replace(hour=14, minute=0, second=0)
    pdf = make_draft(DraftSpec(subject="Mời họp", full_name=LEADER_NAME, kind="GIẤY MỜI",
                               number_suffix="/GM-UBND"))
    form = DraftInput(type_name="Giấy mời", subject="Mời dự họp giao ban",
                      recipients=(Recipient(Organ(*B)),),
                      meeting=MeetingInput("Họp giao ban chuyển đổi số", start, "Phòng họp số 1"))
    doc = a.office.draft(a.specialist, form, pdf)
    a.office.submit(doc.ref, "lanhdao", a.specialist)
    a.office.sign(doc.ref, a.leader, a.pin)
    a.office.number(doc.ref, a.clerk)
    a.office.seal(doc.ref, a.clerk)
    a.office.publish(doc.ref, a.clerk)
    a.sync()
    b.sync()
    in_ref = b.live.node.db.query_one("SELECT ref FROM doc_in")["ref"]
    seen = b.docs.meeting(in_ref)
    assert seen is not None and seen.start == start and seen.place == "Phòng họp số 1"
    assert [m.document_ref for m in b.docs.meetings(since=clock.now())] == [in_ref]

    a.office.change_meeting(doc.ref, a.clerk, kind=ChangeKind.MOVE, reason="Trùng lịch",
                            new_start=start + timedelta(days=1), new_place="Hội trường tầng 3")
    a.sync()
    b.sync()
    moved = b.docs.meeting(in_ref)
    assert moved is not None and moved.place == "Hội trường tầng 3"
    assert moved.start == start + timedelta(days=1)
    assert "Hội trường tầng 3" in b.docs.incoming.require(in_ref).meta.description
    assert b.office.duplicates_of(in_ref) == []


def test_update_and_replacement(offices: tuple[Office_, Office_, FixedClock]) -> None:
    a, b, _ = offices
    ref = _publish(a, "Về việc lịch tiếp công dân")
    a.sync()
    b.sync()
    in_ref = b.live.node.db.query_one("SELECT ref FROM doc_in")["ref"]
    a.office.update_outgoing(ref, a.clerk, "Điều chỉnh trích yếu",
                             subject="Về việc lịch tiếp công dân tháng 12")
    a.sync()
    b.sync()
    assert b.docs.incoming.require(in_ref).meta.subject == "Về việc lịch tiếp công dân tháng 12"
    b.sync()
    a.sync()
    reply = a.docs.outgoing.require(ref).deliveries[0].recall_reply
    assert reply is not None and reply.value == "15"  # the update was accepted

    pdf = make_draft(DraftSpec(subject="Thay thế", full_name=LEADER_NAME, kind="CÔNG VĂN",
                               number_suffix="/UBND-VP"))
    form = DraftInput(type_name="Công văn", subject="Về việc lịch tiếp công dân (thay thế)", unit_abbr="VP",
                      recipients=(Recipient(Organ(*B)),), replaces=ref)
    new = a.office.draft(a.specialist, form, pdf)
    a.office.submit(new.ref, "lanhdao", a.specialist)
    a.office.sign(new.ref, a.leader, a.pin)
    a.office.number(new.ref, a.clerk)
    a.office.seal(new.ref, a.clerk)
    a.office.publish(new.ref, a.clerk)
    assert a.docs.outgoing.require(ref).state is OutgoingState.REPLACED
    a.sync()
    b.sync()
    subjects = [r[0] for r in b.live.node.db.query("SELECT subject FROM doc_in ORDER BY id")]
    assert subjects[-1] == "Về việc lịch tiếp công dân (thay thế)"

    # At B the old văn bản đến is "Đã bị thay thế", linked both ways, frozen, and nothing destroyed.
    new_in = b.live.node.db.query_one("SELECT ref FROM doc_in ORDER BY id DESC LIMIT 1")["ref"]
    old_in = b.docs.incoming.require(in_ref)
    assert old_in.state is IncomingState.REPLACED and old_in.state_label == "Đã bị thay thế"
    assert old_in.replaced_by == new_in and b.docs.incoming.require(new_in).replaces == (in_ref,)
    assert old_in.meta.subject == "Về việc lịch tiếp công dân tháng 12" and not old_in.content_destroyed
    assert all(b.live.node.blobs.exists(sha) for sha in old_in.blobs)
    with pytest.raises(WorkflowError) as refused:
        b.office.accept(in_ref, b.clerk)
    assert refused.value.code == "replaced" and "thay thế" in refused.value.message
    assert b.docs.incoming.require(in_ref).state is IncomingState.REPLACED  # the refusal wrote nothing
    actions = [r["action"] for r in b.docs.history(in_ref)]
    assert actions.count("incoming.replaced") == 1 and actions[-1] == "incoming.replaced"
    assert [r["action"] for r in b.docs.history(new_in)] == ["incoming.receive", "incoming.replaces"]
    told = b.live.node.db.query("SELECT target, message FROM notification WHERE document_ref = ?"
                                " AND message LIKE '%bị thay thế%'", (in_ref,))
    assert [r["target"] for r in told] == ["role:clerk"]
    # the new one is an ordinary văn bản đến: văn thư takes it in
    assert b.office.accept(new_in, b.clerk).state is IncomingState.ACCEPTED
