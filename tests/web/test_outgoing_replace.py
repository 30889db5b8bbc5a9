"""Văn bản đi: "Thay tệp dự thảo" on the detail page — a new PDF (and extra attachments) while the draft
may still be edited, by its drafter or a leader (Office.edit_draft); a file that is not a PDF is refused
in Vietnamese with nothing stored; the history names the change; a submitted draft is refused (409)
until it is returned. A real node directory (``vanthu init``), real logins, no token needed."""

from __future__ import annotations

import re

from litestar.testing import TestClient

from node.domain.office import DraftInput
from node.domain.outgoing import Recipient
from node.signing.sample import DraftSpec, make_draft
from tests.web import office_support as support
from tests.web.office_support import ACTORS, SENDER, Office_, login_as, office_of, pdf_bytes

office_template, office_dir = support.office_template, support.office_dir
clock, client = support.clock, support.client


Files = list[tuple[str, tuple[str, bytes, str]]]


def _post(client: TestClient, token: str | None, path: str, *, files: Files, **data: str):
    form = {**data, **({"_csrf_token": token} if token else {})}
    return client.post(path, data=form, files=files, follow_redirects=False)


def _pdf(name: str, data: bytes) -> tuple[str, tuple[str, bytes, str]]:
    return ("tep", (name, data, "application/pdf"))


def _error_code(html: str) -> str:
    m = re.search(r'data-testid="error" data-code="([^"]+)"', html)
    return m.group(1) if m else ""


def _counts(client: TestClient) -> tuple[int, int]:
    """(files in the blob store, audit rows): what a refused step must leave unchanged."""
    files = sum(1 for _ in office_of(client).blobs.blobs.iter_digests())  # type: ignore[attr-defined]
    audit = office_of(client).docs.db.query_one("SELECT count(*) FROM audit")[0]  # type: ignore[attr-defined]
    return files, int(audit)


def test_the_drafter_replaces_the_pdf_and_adds_attachments(client: TestClient, office_dir: Office_) -> None:
    office = office_of(client)
    draft = office.draft(ACTORS["chuyenvien"], DraftInput(
        type_name="Công văn", subject="Về việc kiểm tra công vụ", recipients=(Recipient(SENDER),),
        unit_abbr="VP", attachments=(("phu-luc.pdf", pdf_bytes(1)),)), pdf_bytes(1))
    doc_id = draft.ref.partition(":")[2]
    old_pdf = draft.pdf_blob
    token = login_as(client, office_dir, "chuyenvien")
    page = client.get(f"/van-ban-di/{doc_id}").text
    form = page.split('data-testid="thay-tep"')[1].split("</form>")[0]
    assert f'action="/van-ban-di/{doc_id}/thay-tep"' in page and 'enctype="multipart/form-data"' in page
    assert 'name="tep" accept="application/pdf,.pdf" required' in form and 'name="dinh_kem" multiple' in form
    assert 'data-action="thay-tep"' in form and 'name="_csrf_token"' in form

    # not a PDF: the existing Vietnamese error, nothing stored (no blob, no audit row)
    before = _counts(client)
    r = _post(client, token, f"/van-ban-di/{doc_id}/thay-tep",
              files=[_pdf("du-thao.pdf", b"PK\x03\x04 a .docx renamed"),
                     ("dinh_kem", ("bang-tinh.xlsx", b"PK\x03\x04 xlsx", "application/octet-stream"))])
    assert r.status_code == 400 and _error_code(r.text) == "not_a_pdf" and "Dự thảo phải là tệp PDF" in r.text
    assert _counts(client) == before and office.docs.outgoing.get(draft.ref).pdf_blob == old_pdf  # type: ignore[union-attr]
    r = _post(client, token, f"/van-ban-di/{doc_id}/thay-tep", files=[("dinh_kem", ("a.pdf", pdf_bytes(1),
                                                                                      "application/pdf"))])
    assert r.status_code == 400 and _error_code(r.text) == "pdf_missing" and _counts(client) == before
    r = _post(client, None, f"/van-ban-di/{doc_id}/thay-tep", files=[_pdf("moi.pdf", pdf_bytes(2))])
    assert r.status_code == 403 and _counts(client) == before  # no CSRF token

    new_pdf = make_draft(DraftSpec(subject="Về việc kiểm tra công vụ năm hai nghìn hai mươi bảy"))
    r = _post(client, token, f"/van-ban-di/{doc_id}/thay-tep",
              files=[_pdf("du-thao-lan-2.pdf", new_pdf),
                     ("dinh_kem", ("danh-sach.xlsx", b"PK\x03\x04 xlsx", "application/octet-stream")),
                     ("dinh_kem", ("ke-hoach.pdf", pdf_bytes(3), "application/pdf"))])
    assert r.status_code == 303 and r.headers["location"] == f"/van-ban-di/{doc_id}?ok=thay-tep"
    doc = office.docs.outgoing.get(draft.ref)
    assert doc is not None and doc.pdf_blob != old_pdf and office.blobs.read(doc.pdf_blob) == new_pdf
    assert [a.name for a in doc.attachments] == ["phu-luc.pdf", "danh-sach.xlsx", "ke-hoach.pdf"]
    assert office.blobs.read(old_pdf)  # the replaced draft is kept
    page = client.get(r.headers["location"]).text
    assert 'data-testid="flash"' in page and "Đã thay tệp dự thảo" in page
    assert f'src="/tep/{doc.pdf_blob}"' in page and client.get(f"/tep/{doc.pdf_blob}").status_code == 200
    history = page.split('data-testid="history"')[1]
    assert 'data-event="outgoing.edit"' in history and "Sửa dự thảo" in history
    assert "Đã thay đổi: tệp dự thảo (PDF), tệp đính kèm" in history
    assert "Thêm tệp đính kèm: danh-sach.xlsx, ke-hoach.pdf" in history
    # the search finds the new text (the index follows the PDF)
    body = office.docs.db.query_one(  # type: ignore[attr-defined]
        "SELECT body FROM search_doc WHERE kind = 'out' AND ref = ?", (draft.ref,))[0]
    assert "năm hai nghìn hai mươi bảy" in body


def test_who_and_when_the_draft_may_be_replaced(client: TestClient, office_dir: Office_) -> None:
    office = office_of(client)
    draft = office.draft(ACTORS["chuyenvien"], DraftInput(
        type_name="Công văn", subject="Về việc tổng kết năm", recipients=(Recipient(SENDER),),
        unit_abbr="VP"), pdf_bytes(1))
    doc_id = draft.ref.partition(":")[2]
    path = f"/van-ban-di/{doc_id}/thay-tep"

    # the văn thư (not its drafter) sees no form and is refused by the rule; so is the admin
    for username in ("vanthu", "quantri"):
        token = login_as(client, office_dir, username)
        assert 'data-action="thay-tep"' not in client.get(f"/van-ban-di/{doc_id}").text
        before = _counts(client)
        r = _post(client, token, path, files=[_pdf("moi.pdf", pdf_bytes(2))])
        assert r.status_code == 403 and _error_code(r.text) == "not_permitted", (username, r.status_code)
        assert "Chỉ người soạn hoặc lãnh đạo được sửa dự thảo" in r.text
        assert _counts(client) == before  # refused before any file is stored

    # a leader may (outgoing.edit_draft)
    token = login_as(client, office_dir, "lanhdao")
    assert 'data-action="thay-tep"' in client.get(f"/van-ban-di/{doc_id}").text
    assert _post(client, token, path, files=[_pdf("lanh-dao-sua.pdf", pdf_bytes(2))]).status_code == 303

    # submitted for signature: no more replacing (409) …
    office.submit(draft.ref, "lanhdao", ACTORS["chuyenvien"])
    token = login_as(client, office_dir, "chuyenvien")
    assert 'data-action="thay-tep"' not in client.get(f"/van-ban-di/{doc_id}").text
    r = _post(client, token, path, files=[_pdf("muon.pdf", pdf_bytes(1))])
    assert r.status_code == 409 and _error_code(r.text) == "transition_illegal"
    # … until the leader returns it: a dự thảo again
    office.return_for_revision(draft.ref, "Sửa lại trích yếu", ACTORS["lanhdao"])
    assert 'data-action="thay-tep"' in client.get(f"/van-ban-di/{doc_id}").text
    r = _post(client, token, path, files=[_pdf("sau-tra-lai.pdf", pdf_bytes(3))])
    assert r.status_code == 303
    doc = office.docs.outgoing.get(draft.ref)
    assert doc is not None and doc.state.value == "draft" and office.blobs.read(doc.pdf_blob) == pdf_bytes(3)
    assert doc.meta.page_amount == 3  # the page count follows the PDF


def test_recipients_and_legal_bases_edited_on_the_same_page(client: TestClient, office_dir: Office_) -> None:
    office = office_of(client)
    draft = office.draft(ACTORS["chuyenvien"], DraftInput(
        type_name="Công văn", subject="Về việc sửa nơi nhận", recipients=(Recipient(SENDER),), unit_abbr="VP",
        legal_bases=("Luật Tổ chức chính quyền địa phương",)), pdf_bytes(1))
    doc_id = draft.ref.partition(":")[2]
    token = login_as(client, office_dir, "chuyenvien")
    page = client.get(f"/van-ban-di/{doc_id}").text
    form = page.split('data-testid="sua-du-thao"')[1].split("</form>")[0]
    assert f"{SENDER.organ_id}|{SENDER.name}</textarea>" in form  # prefilled with what the draft has
    assert "Luật Tổ chức chính quyền địa phương" in form and 'data-action="sua-du-thao"' in form

    data = {"noi_nhan": f"{SENDER.organ_id}|{SENDER.name}\n000.00.02.H26|UBND phường Hai",
            "noi_nhan_giay": "Lưu: VT", "can_cu": "Nghị định số 30/2020/NĐ-CP\nLuật Ban hành văn bản",
            "_csrf_token": token}
    r = client.post(f"/van-ban-di/{doc_id}/sua-du-thao", data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/van-ban-di/{doc_id}?ok=sua-du-thao"
    doc = office.docs.outgoing.get(draft.ref)
    assert doc is not None and doc.pdf_blob == draft.pdf_blob
    assert [(x.organ.organ_id, x.channel.value) for x in doc.recipients] == [
        (SENDER.organ_id, "axis"), ("000.00.02.H26", "axis"), ("Lưu: VT", "paper")]
    assert [b.citation for b in doc.legal_bases] == ["Nghị định số 30/2020/NĐ-CP", "Luật Ban hành văn bản"]
    history = client.get(r.headers["location"]).text.split('data-testid="history"')[1]
    assert "Đã thay đổi: nơi nhận, căn cứ pháp lý" in history and "UBND phường Hai" in history

    # a duplicate recipient is refused in Vietnamese, nothing changed
    data["noi_nhan"] = f"{SENDER.organ_id}|{SENDER.name}\n{SENDER.organ_id}|{SENDER.name}"
    r = client.post(f"/van-ban-di/{doc_id}/sua-du-thao", data=data, follow_redirects=False)
    assert r.status_code == 400 and _error_code(r.text) == "recipient_duplicate"
    assert "Nơi nhận bị trùng" in r.text
    assert len(office.docs.outgoing.get(draft.ref).recipients) == 3  # type: ignore[union-attr]
