"""The văn bản đến pages of a replacement: the old one says "Đã bị thay thế" and links to the new one,
the new one says what it replaces, and a step on the old one is refused in Vietnamese (409)."""

from __future__ import annotations

from litestar.testing import TestClient

from node.domain.documents import DocumentMetadata
from node.domain.office import Office
from tests.web import office_support as support
from tests.web.office_support import SENDER, Office_, login_as, office_of, pdf_bytes

office_template, office_dir = support.office_template, support.office_dir
clock, client = support.clock, support.client

OLD_ID, NEW_ID = "000.00.09.H13,2026/11/20,15/SNV-VP", "000.00.09.H13,2026/11/23,17/SNV-VP"


def _arrive(office: Office, document_id: str, number: str, subject: str,
            replaces: tuple[str, ...] = ()) -> int:
    sha = office.blobs.put(pdf_bytes(1) + subject.encode())
    meta = DocumentMetadata(type_name="Công văn", subject=subject, issuer=SENDER, code_number=number,
                            code_notation="SNV-VP", document_id=document_id)
    doc = office.receive_electronic(meta, SENDER, (sha,), inbox_id=None, text="", integrity_ok=True,
                                    replaces=replaces)
    return int(doc.ref.partition(":")[2])


def test_the_old_and_the_new_pages(client: TestClient, office_dir: Office_) -> None:
    office = office_of(client)
    old = _arrive(office, OLD_ID, "15", "Về việc lịch trực Tết")
    new = _arrive(office, NEW_ID, "17", "Về việc lịch trực Tết (thay thế)", (OLD_ID,))
    lost = _arrive(office, "000.00.09.H13,2026/11/23,18/SNV-VP", "18", "Thay thế văn bản chưa nhận",
                   ("000.00.09.H13,2026/01/02,1/SNV-VP",))
    token = login_as(client, office_dir, "vanthu")

    page = client.get(f"/van-ban-den/{old}").text
    assert 'data-testid="state" data-state="replaced">Đã bị thay thế<' in page
    assert 'data-testid="replaced"' in page and f'href="/van-ban-den/{new}" data-testid="replaced-by"' in page
    assert "17/SNV-VP — Về việc lịch trực Tết (thay thế)" in page
    assert 'data-action="tiep-nhan"' not in page  # no workflow form on a frozen document
    assert "Nơi gửi thay thế bằng văn bản mới" in page  # the history line
    assert f"/tep/{office.docs.incoming.require(f'in:{old}').blobs[0]}" in page  # the file is still there

    page = client.get(f"/van-ban-den/{new}").text
    assert f'href="/van-ban-den/{old}" data-testid="replaces-link"' in page
    assert "Thay thế văn bản đã nhận" in page and 'data-action="tiep-nhan"' in page
    page = client.get(f"/van-ban-den/{lost}").text
    assert "000.00.09.H13,2026/01/02,1/SNV-VP" in page and "chưa có trong sổ văn bản đến" in page

    r = client.post(f"/van-ban-den/{old}/tiep-nhan", data={"_csrf_token": token}, follow_redirects=False)
    assert r.status_code == 409 and 'data-code="replaced"' in r.text and "đã bị nơi gửi thay thế" in r.text
    assert office.docs.incoming.require(f"in:{old}").state.value == "replaced"
    # the list offers the state as a filter and finds it
    listed = client.get("/van-ban-den?trang_thai=replaced").text
    assert f'data-ref="in:{old}"' in listed and f'data-ref="in:{new}"' not in listed
