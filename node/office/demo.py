"""A few documents for the demo office, so that `make run` shows an office at work.

Made through the same use cases the pages call: two paper documents taken in (one waiting for the
clerk, one already assigned to the specialist with a deadline) and a draft submitted to the leader
for signing with the demo token. Run once, when the demo office is created.
"""

from __future__ import annotations

from datetime import timedelta

from node.app import Node
from node.domain.accounts import Role
from node.domain.calendar import vn_date
from node.domain.documents import Actor, DocumentMetadata, Organ, Priority
from node.domain.incoming import Assignee
from node.domain.office import DraftInput
from node.domain.outgoing import Recipient
from node.signing.sample import DraftSpec, make_draft

CLERK = Actor("vanthu", frozenset({Role.CLERK}), "Trần Thị Bình")
LEADER = Actor("lanhdao", frozenset({Role.LEADER}), "Nguyễn Văn An")
SPECIALIST = Actor("chuyenvien", frozenset({Role.SPECIALIST}), "Lê Văn Cường")


def seed_demo(node: Node) -> None:
    office = node.office
    now = node.clock.now()
    supervising = Organ(node.config.node.supervising_agency_code, node.config.node.supervising_agency_name)
    papers = [
        ("Kế hoạch", "Về việc triển khai chuyển đổi số năm 2027 trên địa bàn thành phố", "45", "KH-UBND",
         Priority.NORMAL),
        ("Công văn", "Về việc tăng cường sử dụng văn bản điện tử và chữ ký số", "1768", "UBND-VP",
         Priority.URGENT),
    ]
    refs = []
    for type_name, subject, number, notation, priority in papers:
        pdf = make_draft(DraftSpec(issuer_parent="ỦY BAN NHÂN DÂN", issuer="THÀNH PHỐ HÀ NỘI",
                                   number_suffix=f"/{notation}", kind=type_name.upper(), subject=subject))
        sha = node.blobs.put_bytes(pdf).sha256
        meta = DocumentMetadata(type_name=type_name, subject=subject, issuer=supervising, code_number=number,
                                code_notation=notation, issued_date=vn_date(now) - timedelta(days=2),
                                page_amount=1, priority=priority)
        refs.append(office.register_paper(CLERK, meta, sha, text=subject).ref)
    office.accept(refs[1], CLERK)
    office.present(refs[1], "lanhdao", CLERK)
    office.assign(refs[1], LEADER, lead=Assignee("user", "chuyenvien", "Lê Văn Cường",
                                                 vn_date(now) + timedelta(days=5)),
                  direction="Giao phòng chuyên môn tham mưu, báo cáo trước hạn.")
    draft = make_draft(DraftSpec(issuer="PHƯỜNG THỬ NGHIỆM", kind="CÔNG VĂN", number_suffix="/UBND-VP",
                                 subject="Về việc báo cáo kết quả sử dụng văn bản điện tử"))
    doc = office.draft(SPECIALIST, DraftInput(
        type_name="Công văn", subject="Về việc báo cáo kết quả sử dụng văn bản điện tử", unit_abbr="VP",
        recipients=(Recipient(supervising),), signer_position="Chủ tịch"), draft)
    office.submit(doc.ref, "lanhdao", SPECIALIST)
