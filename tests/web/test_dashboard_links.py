"""Every dashboard figure opens exactly the documents behind it, for each role: an office made through
the use cases with văn bản đến / đi in every state — secret ones (listed and counted only for those
who may open them), one replaced by the sender, recalled ones, recall requests waiting, deadlines
passed and near by the working-day calendar (looked at on a Friday: a deadline on Tuesday is two
working days away, "sắp đến hạn"; one on Wednesday is not) — and each figure's link followed
through every page of its list."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

from litestar.testing import TestClient

from node.domain import incoming as inc
from node.domain import outgoing as og
from node.domain.clock import FixedClock
from node.domain.documents import BusinessDocType, Channel, DocumentMetadata, Secrecy
from node.domain.incoming import Assignee
from node.domain.numbering import RegisterKind
from node.domain.office import DraftInput, Office
from node.domain.outgoing import Recipient, SignatureRecord
from tests.support.lists import dashboard_figures, follow
from tests.web import office_support as support
from tests.web.office_support import ACTORS, SENDER, T0, Office_, login_as, office_of, pdf_bytes

office_template, office_dir = support.office_template, support.office_dir
clock, client = support.clock, support.client

CLERK, LEADER, CV = ACTORS["vanthu"], ACTORS["lanhdao"], ACTORS["chuyenvien"]
FRIDAY = T0 + timedelta(days=4)  # Friday 27/11/2026: "sắp đến hạn" runs to Tuesday 01/12


def arrive(office: Office, n: int, subject: str, *, secret: bool = False, due: date | None = None,
           electronic: bool = False, replaces: tuple[str, ...] = ()) -> str:
    meta = DocumentMetadata(type_name="Công văn", subject=subject, issuer=SENDER, code_number=str(n),
                            code_notation="SNV-VP", issued_date=date(2026, 11, 20), page_amount=1,
                            secrecy=Secrecy.SECRET if secret else Secrecy.NONE, due_date=due,
                            document_id=f"{SENDER.organ_id},2026/11/20,{n}/SNV-VP")
    sha = office.blobs.put(pdf_bytes(1) + subject.encode())
    if electronic:
        return office.receive_electronic(meta, SENDER, (sha,), inbox_id=None, text="", integrity_ok=True,
                                         replaces=replaces).ref
    return office.register_paper(CLERK, meta, sha).ref


def recall_requested(office: Office, ref: str) -> None:
    now = T0
    office.docs.incoming.apply(ref, lambda d: inc.request_recall(
        d, via=BusinessDocType.REVOCATION, reason="Gửi nhầm", at=now), actor="system", at=now)


def assigned(office: Office, ref: str, lead: Assignee, *, start: bool = False) -> None:
    office.accept(ref, CLERK)
    office.present(ref, "lanhdao", CLERK)
    office.assign(ref, LEADER, lead=lead)
    if start:
        office.start(ref, CV if lead.ref == "chuyenvien" else LEADER)


def make_office(office: Office, clock: FixedClock) -> None:
    # văn bản đến
    arrive(office, 1, "Chờ tiếp nhận")
    arrive(office, 2, "Chờ tiếp nhận, mật, quá hạn của nơi gửi", secret=True, due=date(2026, 11, 19))
    office.accept(arrive(office, 3, "Chờ trình, hạn thứ Ba", due=date(2026, 12, 1)), CLERK)
    office.accept(arrive(office, 4, "Chờ trình, mật", secret=True), CLERK)
    ref = arrive(office, 5, "Đã trình, hạn thứ Tư", due=date(2026, 12, 2))
    office.accept(ref, CLERK)
    office.present(ref, "lanhdao", CLERK)
    assigned(office, arrive(office, 6, "Giao chuyên viên, hạn thứ Hai"),
             Assignee("user", "chuyenvien", "Người dùng chuyenvien", date(2026, 11, 30)))
    assigned(office, arrive(office, 7, "Mật, giao chuyên viên, hạn thứ Năm", secret=True),
             Assignee("user", "chuyenvien", "Người dùng chuyenvien", date(2026, 11, 26)))
    assigned(office, arrive(office, 8, "Mật, lãnh đạo tự xử lý, hạn hôm nay", secret=True),
             Assignee("user", "lanhdao", "Người dùng lanhdao", date(2026, 11, 27)), start=True)
    assigned(office, arrive(office, 9, "Đang xử lý, quá hạn", due=date(2026, 11, 20)),
             Assignee("user", "chuyenvien", "Người dùng chuyenvien", date(2026, 11, 24)), start=True)
    ref = arrive(office, 10, "Đã hoàn thành, hạn đã qua")
    assigned(office, ref, Assignee("user", "chuyenvien", "Người dùng chuyenvien", date(2026, 11, 24)),
             start=True)
    office.complete(ref, CV, "Xong")
    office.reject(arrive(office, 11, "Bị trả lại", due=date(2026, 11, 20)), "Gửi nhầm nơi", CLERK)
    old = arrive(office, 12, "Bị thay thế, hạn đã qua", electronic=True, due=date(2026, 11, 20))
    office.accept(old, CLERK)
    arrive(office, 13, "Văn bản thay thế", electronic=True,
           replaces=(f"{SENDER.organ_id},2026/11/20,12/SNV-VP",))
    assert office.docs.incoming.require(old).state is inc.IncomingState.REPLACED
    gone = arrive(office, 14, "Đã thu hồi, hạn đã qua", electronic=True, due=date(2026, 11, 20))
    recall_requested(office, gone)
    office.accept_recall(gone, CLERK)
    waiting = arrive(office, 15, "Mật, chờ trình, nơi gửi xin thu hồi", electronic=True, secret=True)
    office.accept(waiting, CLERK)
    recall_requested(office, waiting)
    recall_requested(office, arrive(office, 16, "Nơi gửi xin thu hồi", electronic=True))
    refused = arrive(office, 17, "Từ chối thu hồi", electronic=True)
    recall_requested(office, refused)
    office.refuse_recall(refused, "Đã xử lý xong", CLERK)

    # văn bản đi: one in every state, secret ones by the clerk (the specialist may not open them)
    # and by the specialist (their own)
    now = clock.now()

    def draft(subject: str, author: str = "chuyenvien", *, secret: bool = False, upto: str = "draft") -> str:
        actor = ACTORS[author]
        to = Recipient(SENDER, Channel.PAPER) if secret else Recipient(SENDER)  # mật: on paper only
        secrecy = Secrecy.SECRET if secret else Secrecy.NONE
        doc = office.draft(actor, DraftInput("Công văn", subject, unit_abbr="VP", recipients=(to,),
                                             secrecy=secrecy), pdf_bytes(1))
        ref, sha = doc.ref, doc.pdf_blob
        steps = ["submitted", "signed", "numbered", "sealed", "published", "recalled"]
        for step in steps[:steps.index(upto) + 1] if upto != "draft" else ():
            if step == "submitted":
                office.submit(ref, "lanhdao", actor)
            elif step == "signed":
                office.docs.outgoing.apply(ref, lambda d: og.sign_personal(
                    d, SignatureRecord("lanhdao", now, sha), actor=LEADER, at=now), actor="lanhdao", at=now)
            elif step == "numbered":
                reg = next(r for r in office.registers.list_registers()  # mật: the secret register
                           if r.kind is RegisterKind.OUTGOING and r.secret == secret)
                office.docs.outgoing.apply_numbered(ref, reg.code, lambda d, n, reg=reg: og.assign_number(
                    d, n, reg, actor=CLERK, at=now), actor="vanthu", at=now)
            elif step == "sealed":
                office.docs.outgoing.apply(ref, lambda d: og.seal(
                    d, SignatureRecord("vanthu", now, sha), actor=CLERK, at=now), actor="vanthu", at=now)
            elif step == "published":
                office.publish(ref, CLERK)
            else:
                office.recall_outgoing(ref, "Sai số liệu", CLERK)
        return ref

    draft("Dự thảo")
    draft("Dự thảo mật của văn thư", "vanthu", secret=True)
    draft("Trình ký", upto="submitted")
    draft("Trình ký, mật, của văn thư", "vanthu", secret=True, upto="submitted")
    draft("Trình ký, mật, của chuyên viên", secret=True, upto="submitted")
    draft("Đã ký", upto="signed")
    draft("Đã ký, mật, của văn thư", "vanthu", secret=True, upto="signed")
    draft("Đã cấp số", upto="numbered")
    draft("Đã ký số cơ quan, mật, của văn thư", "vanthu", secret=True, upto="sealed")
    draft("Đã ký số cơ quan", upto="sealed")
    draft("Đã phát hành", upto="published")
    draft("Đã thu hồi", upto="recalled")


EXPECTED = {  # per role: what the office above shows on Friday 27/11
    # đến: chờ tiếp nhận 1, 2, 13 (the replacement), 16, 17; chờ trình 3, 4, 15; xử lý 6, 7, 8, 9;
    # sắp đến hạn 3 (Tuesday), 6 (Monday), 8 (today); quá hạn 2 (the sender's), 7, 9 (the lead's);
    # replaced 12, recalled 14, done 10, rejected 11 are past their deadlines and count for none
    "vanthu": {"to_accept": 5, "to_present": 3, "processing": 4, "due_soon": 3, "overdue": 3, "to_sign": 3,
               "to_number": 2, "to_seal": 1, "to_publish": 2, "recall_requests": 2},
    # the specialist: no secret document but those given to them (7) or drafted by them
    "chuyenvien": {"to_accept": 4, "to_present": 1, "processing": 3, "due_soon": 2, "overdue": 2,
                   "to_sign": 2, "to_number": 1, "to_seal": 1, "to_publish": 1, "recall_requests": 1},
}
EXPECTED["lanhdao"] = EXPECTED["vanthu"]


def test_every_dashboard_figure_opens_exactly_its_documents(client: TestClient, office_dir: Office_,
                                                            clock: FixedClock) -> None:
    make_office(office_of(client), clock)
    clock.set(FRIDAY)
    for role, expected in EXPECTED.items():
        login_as(client, office_dir, role)
        got = dashboard_figures(client.get("/").text)
        assert {k: v for k, (v, _) in got.items()} == expected, role
        for key, (value, url) in got.items():
            assert urlsplit(url).path in ("/van-ban-den", "/van-ban-di"), (role, key, url)
            refs, _, pages = follow(client, url)
            assert len(refs) == len(set(refs)) == value, (role, key, url, value, refs)
            if "han=" in url or "thu_hoi=" in url:  # the list says why it is narrowed, and keeps it
                assert "Hạn xử lý: " in pages[0] or "Có yêu cầu thu hồi chờ xử lý" in pages[0], url
                assert 'type="hidden" name="han"' in pages[0] or 'name="thu_hoi" value="1"' in pages[0]
