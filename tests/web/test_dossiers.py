"""Hồ sơ pages: create from a catalogue row (code OrganId.Year.Notation), add two documents (time order,
totals filled by the system), close, export one PDF bundle (cover + members in time order; a recalled
member's destroyed content becomes a placeholder page) and the Phụ lục VI XML; roles and CSRF."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime

import pikepdf
import pypdfium2
import pytest
from litestar.testing import TestClient

from node.domain.clock import VN_TZ
from node.domain.dossier import Dossier, DossierItem, FileCode
from node.domain.errors import DomainError
from node.domain.office import DraftInput
from node.office.dossier_export import bundle_pdf
from tests.web import office_support as support
from tests.web.office_support import ACTORS, AGENCY, Office_, login_as, office_of, paper_incoming, pdf_bytes

office_template, office_dir = support.office_template, support.office_dir
clock, client = support.clock, support.client

CODE = f"{AGENCY}.2026.01TH"
FORM = {"nam": "2026", "ky_hieu": "01TH", "tieu_de": "Hồ sơ chuyển đổi số   năm 2026", "thoi_han": "10 năm",
        "don_vi": "Văn phòng", "che_do": "Hạn chế"}


def page_text(pdf: bytes, index: int) -> str:
    doc = pypdfium2.PdfDocument(io.BytesIO(pdf))
    try:
        return " ".join(doc[index].get_textpage().get_text_range().split())
    finally:
        doc.close()


def test_create_fill_close_and_export(client: TestClient, office_dir: Office_) -> None:
    office = office_of(client)
    incoming = paper_incoming(office, "Hướng dẫn chuyển đổi số", pages=2, issued=date(2026, 11, 10))
    form = DraftInput("Công văn", "Báo cáo chuyển đổi số", unit_abbr="VP")
    draft = office.draft(ACTORS["chuyenvien"], form, pdf_bytes(3))  # created 23/11: after the incoming
    token = login_as(client, office_dir, "chuyenvien")

    created = client.post("/ho-so/moi", data={**FORM, "_csrf_token": token}, follow_redirects=False)
    assert created.status_code == 303 and created.headers["location"] == f"/ho-so/{CODE}?ok=tao"
    again = client.post("/ho-so/moi", data={**FORM, "_csrf_token": token})
    assert again.status_code == 409 and f"Hồ sơ {CODE} đã có." in again.text
    bad = client.post("/ho-so/moi", data={**FORM, "ky_hieu": "01 TH/x", "_csrf_token": token})
    assert bad.status_code == 400 and 'data-testid="error"' in bad.text and "01 TH/x" in bad.text
    listing = client.get("/ho-so?nam=2026")
    assert f'data-dossier="{CODE}" data-state="open"' in listing.text
    assert "Hồ sơ chuyển đổi số năm 2026" in listing.text

    # the later document first: the hồ sơ orders by date and numbers them
    for ref in (draft.ref, f"/van-ban-den/{incoming.ref.split(':')[1]}"):
        r = client.post(f"/ho-so/{CODE}/them", data={"van_ban": ref, "_csrf_token": token},
                        follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/ho-so/{CODE}?ok=them"
    page = client.get(f"/ho-so/{CODE}?ok=them").text
    assert 'data-testid="flash"' in page
    rows = re.findall(r'<tr data-ref="([^"]+)" data-ordinal="(\d)"', page)
    assert rows == [(incoming.ref, "1"), (draft.ref, "2")]
    fields = dict(re.findall(r'<td data-field="(\w+)">([^<]+)</td>', page))
    assert fields == {"StartDate": "10/11/2026", "EndDate": "23/11/2026", "DocTotal": "2", "PageTotal": "5"}
    dup = client.post(f"/ho-so/{CODE}/them", data={"van_ban": incoming.ref, "_csrf_token": token})
    assert dup.status_code == 409 and "Văn bản đã có trong hồ sơ này." in dup.text
    nothing = client.post(f"/ho-so/{CODE}/them", data={"van_ban": "in:999", "_csrf_token": token})
    assert nothing.status_code == 400 and "in:999" in nothing.text

    closed = client.post(f"/ho-so/{CODE}/dong", data={"ghi_chu": "Đủ hồ sơ", "_csrf_token": token},
                         follow_redirects=False)
    assert closed.status_code == 303
    page = client.get(f"/ho-so/{CODE}").text
    assert 'data-testid="state" data-state="closed"' in page and "Đủ hồ sơ" in page
    assert 'data-action="them"' not in page
    late = client.post(f"/ho-so/{CODE}/them", data={"van_ban": "out:1", "_csrf_token": token})
    assert late.status_code == 409 and "đã đóng" in late.text

    pdf = client.get(f"/ho-so/{CODE}/xuat.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert f'filename="ho-so-{CODE}.pdf"' in pdf.headers["content-disposition"]
    with pikepdf.open(io.BytesIO(pdf.content)) as bundle:
        assert len(bundle.pages) == 1 + 2 + 3  # cover, the 2-page incoming, the 3-page draft
    cover = page_text(pdf.content, 0)
    for text in (f"HỒ SƠ {CODE}", "Hồ sơ chuyển đổi số năm 2026", "Tổng số trang", "Thời hạn bảo quản",
                 "10 năm", "Hướng dẫn chuyển đổi số", "12/SNV-VP", "10/11/2026"):
        assert text in cover, text

    xml = client.get(f"/ho-so/{CODE}/xuat.xml")
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(xml.content)
    assert [root.findtext(f"FileCode/{k}") for k in ("OrganId", "FileCatalog", "FileNotation")] == [
        AGENCY, "2026", "01TH"]
    assert {k: root.findtext(k) for k in ("Title", "Maintenance", "Rights", "Creator", "StartDate", "EndDate",
                                          "DocTotal", "PageTotal", "Description")} == {
        "Title": "Hồ sơ chuyển đổi số năm 2026", "Maintenance": "10 năm", "Rights": "Hạn chế",
        "Creator": "Văn phòng", "StartDate": "2026/11/10", "EndDate": "2026/11/23", "DocTotal": "2",
        "PageTotal": "5", "Description": "Đủ hồ sơ"}
    assert [(d.get("DocOrdinal"), d.findtext("Ref")) for d in root.iter("Document")] == [
        ("1", incoming.ref), ("2", draft.ref)]


def test_destroyed_content_becomes_a_placeholder_page() -> None:
    d = Dossier(FileCode(AGENCY, 2026, "02TH"), "Hồ sơ có văn bản bị thu hồi", "5 năm", "Hạn chế", "vanthu",
                datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ),
                items=(DossierItem("in:1", date(2026, 11, 1), 2, "1/A", "Văn bản còn", 1),
                       DossierItem("in:2", date(2026, 11, 2), 4, "2/B", "Văn bản bị thu hồi", 2),
                       DossierItem("out:3", date(2026, 11, 3), 1, "3/C", "Văn bản đi", 3)))
    out = bundle_pdf(d, [(d.items[0], pdf_bytes(2)), (d.items[1], None), (d.items[2], b"not a pdf")],
                     agency_name="UBND phường Một")
    with pikepdf.open(io.BytesIO(out)) as bundle:
        assert len(bundle.pages) == 1 + 2 + 1 + 1  # cover, the member, two placeholders
    cover = page_text(out, 0)
    assert "2/B 02/11/2026 Văn bản bị thu hồi 4 Nội dung đã hủy (thu hồi)" in cover
    assert "3/C 03/11/2026 Văn bản đi 1 Không đọc được tệp PDF" in cover
    assert "2/B" in page_text(out, 3) and "đã bị hủy do cơ quan ban hành thu hồi" in page_text(out, 3)
    assert "3/C" in page_text(out, 4) and "không đọc được" in page_text(out, 4)


def test_roles_and_csrf(client: TestClient, office_dir: Office_) -> None:
    assert client.get("/ho-so", follow_redirects=False).headers["location"] == "/login?next=/ho-so"
    token = login_as(client, office_dir, "vanthu")
    assert client.post("/ho-so/moi", data=FORM).status_code == 403  # no token
    assert client.post("/ho-so/moi", data={**FORM, "_csrf_token": "x" + token[1:]}).status_code == 403
    ok = client.post("/ho-so/moi", data={**FORM, "_csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303
    for path in (f"/ho-so/{CODE}/them", f"/ho-so/{CODE}/dong"):
        assert client.post(path, data={"van_ban": "in:1"}).status_code == 403
    assert client.get("/ho-so/000.00.01.H26.2026.99XX").status_code == 404
    assert client.get("/ho-so/khong-phai-ma").status_code == 404
    empty = client.get(f"/ho-so/{CODE}/xuat.pdf")
    assert empty.status_code == 400 and "chưa có văn bản" in empty.text
    # the admin passes every guard; every page of the hồ sơ carries the CSRF input in its forms
    login_as(client, office_dir, "quantri")
    page = client.get(f"/ho-so/{CODE}").text
    assert page.count('name="_csrf_token"') >= page.count('<form method="post"') >= 1
    assert 'data-action="dong"' not in page  # opened by the văn thư: not the admin's to close


def test_only_the_opener_a_clerk_or_a_leader_may_close(client: TestClient, office_dir: Office_) -> None:
    """NĐ 30: the person handling the matter opens and closes the hồ sơ; văn thư and lãnh đạo
    supervise. Another member of staff sees no close button and is refused (403, dossier_not_yours)."""
    office = office_of(client)
    incoming = paper_incoming(office, "Hướng dẫn lập hồ sơ")
    token = login_as(client, office_dir, "chuyenvien")
    assert client.post("/ho-so/moi", data={**FORM, "_csrf_token": token}).status_code == 200
    assert client.post(f"/ho-so/{CODE}/them", data={"van_ban": incoming.ref, "_csrf_token": token}
                       ).status_code == 200
    assert 'data-action="dong"' in client.get(f"/ho-so/{CODE}").text  # the opener sees it
    token = login_as(client, office_dir, "vanthu")
    other = f"{AGENCY}.2026.02TH"
    second = {**FORM, "ky_hieu": "02TH", "_csrf_token": token}
    assert client.post("/ho-so/moi", data=second).status_code == 200
    assert client.post(f"/ho-so/{other}/them", data={"van_ban": incoming.ref, "_csrf_token": token}
                       ).status_code == 200

    # the chuyên viên did not open 02TH: no button, and the POST is refused, nothing changes
    token = login_as(client, office_dir, "chuyenvien")
    page = client.get(f"/ho-so/{other}").text
    assert 'data-action="dong"' not in page and 'data-action="them"' in page
    refused = client.post(f"/ho-so/{other}/dong", data={"ghi_chu": "x", "_csrf_token": token})
    assert refused.status_code == 403 and 'data-code="dossier_not_yours"' in refused.text
    assert "Chỉ người lập hồ sơ" in refused.text and 'data-state="open"' in refused.text
    # the admin (quản trị) neither
    token = login_as(client, office_dir, "quantri")
    assert client.post(f"/ho-so/{CODE}/dong", data={"_csrf_token": token}).status_code == 403
    # the lãnh đạo closes the văn thư's; the chuyên viên closes their own
    token = login_as(client, office_dir, "lanhdao")
    assert 'data-action="dong"' in client.get(f"/ho-so/{other}").text
    done = client.post(f"/ho-so/{other}/dong", data={"_csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/ho-so/{other}?ok=dong"
    token = login_as(client, office_dir, "chuyenvien")
    assert client.post(f"/ho-so/{CODE}/dong", data={"_csrf_token": token}, follow_redirects=False
                       ).status_code == 303
    # closed: no more documents, through the hồ sơ page or the văn bản đến page
    late = client.post(f"/ho-so/{CODE}/them", data={"van_ban": "in:1", "_csrf_token": token})
    assert late.status_code == 409 and "đã đóng" in late.text
    unfiled = paper_incoming(office, "Văn bản đến sau khi đóng", number="13")
    with pytest.raises(DomainError) as e:
        office.file_document(CODE, unfiled.ref, ACTORS["vanthu"])
    assert e.value.code == "dossier_closed"
