"""Văn bản đến pages over HTTP against the real app and a real SQLite node: the list and its filters
(plain GET and the htmx fragment), the detail page (PDF, signature panel, metadata, history), every
action as a form POST with its CSRF token moving the state, role and CSRF refusals, domain errors
as Vietnamese messages, the recall that destroys the content (/tep then 404), "Việc của tôi", and
the số hóa queue registering a scan in one click."""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pypdfium2
import pytest
from litestar.testing import TestClient

from node.app import create_app, open_node
from node.domain.accounts import Role
from node.domain.calendar import CalendarEntry, DayKind
from node.domain.clock import VN_TZ, FixedClock
from node.domain.documents import Actor, DocumentMetadata, Organ, Priority, Secrecy, StatusCode
from node.domain.dossier import CatalogueEntry
from node.domain.fields import ExtractedFields, Field
from node.domain.incoming import Assignee, IncomingState, request_recall
from node.domain.office import Office
from node.domain.scanning import ScanPart, ScanPurpose, ScanSubmission
from node.domain.signing import CertValidity, Revocation, SignatureCheck, VerificationReport
from node.store.users import create_user
from node.web.passwords import Argon2Hasher
from tests.conftest import NODE_TOML, NodeDir, run_cli

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=VN_TZ)  # a Tuesday
SENDER = Organ("000.00.00.H26", "UBND tỉnh Thử Nghiệm")
CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')
PEOPLE = {  # username → (full name, role, unit)
    "vanthu": ("Trần Thị Văn Thư", Role.CLERK, None),
    "lanhdao": ("Nguyễn Văn An", Role.LEADER, None),
    "chuyenvien": ("Lê Chuyên Viên", Role.SPECIALIST, 1),
    "chuyenvien2": ("Phạm Thị Hai", Role.SPECIALIST, 2),
}


def blank_pdf(text_marker: str = "") -> bytes:
    doc = pypdfium2.PdfDocument.new()
    doc.new_page(595, 842)
    out = io.BytesIO()
    doc.save(out)
    doc.close()
    return out.getvalue() + f"%{text_marker}\n".encode()  # distinct bytes per document


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """One `vanthu init` with two units and four accounts, copied for each test."""
    root = tmp_path_factory.mktemp("office")
    cfg = root / "node.toml"
    cfg.write_text(NODE_TOML.format(code="000.00.01.H26", name="UBND phường Một", port=8080, max_failures=10),
                   encoding="utf-8")
    run_cli("--config", str(cfg), "init", check=True)
    node = open_node(NodeDir(root, cfg).config)
    hasher = Argon2Hasher()
    passwords = {}
    try:
        node.db.write(lambda d: d.conn.executemany("INSERT INTO unit (id, code, name) VALUES (?, ?, ?)",
                                                   [(1, "VP", "Văn phòng"), (2, "TP", "Phòng Tư pháp")]))
        for username, (name, role, unit) in PEOPLE.items():
            password = secrets.token_urlsafe(12)
            digest = hasher.hash(password)
            node.db.write(lambda d, u=username, n=name, r=role, un=unit, h=digest: create_user(
                d, username=u, full_name=n, password_hash=h, roles=[r], now=T0, actor="test", unit_id=un))
            passwords[username] = password
    finally:
        node.close()
    return root, passwords


@dataclass
class Site:
    client: TestClient
    office: Office
    passwords: dict[str, str]
    clock: FixedClock

    def login(self, username: str) -> str:
        self.client.cookies.clear()
        page = self.client.get("/login")
        token = CSRF_RE.search(page.text).group(1)  # type: ignore[union-attr]
        r = self.client.post("/login", data={"username": username, "password": self.passwords[username],
                                             "next": "/", "_csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303, r.text[:300]
        return token

    def post(self, token: str, path: str, **data: object):
        return self.client.post(path, data={**data, "_csrf_token": token}, follow_redirects=False)

    def state(self, doc_id: int) -> str:
        doc = self.office.docs.incoming.get(f"in:{doc_id}")
        assert doc is not None
        return doc.state.value

    def receive(self, subject: str, *, ok: bool = True, priority: Priority = Priority.NORMAL,
                due: date | None = None, number: str = "12") -> int:
        pdf = blank_pdf(subject)
        sha = self.office.blobs.put(pdf)
        check = SignatureCheck(field_name="Signature1", signer="Nguyễn Văn Bình", signer_title="Chủ tịch",
                               issuer="CA Thử Nghiệm", signing_time=T0, intact=ok, valid=ok, trusted=True,
                               revocation=Revocation.GOOD, cert_validity=CertValidity.VALID,
                               modification_level="NONE", coverage="ENTIRE_FILE", timestamped=False)
        report = VerificationReport((check,))
        self.office.docs.save_signature_report(sha, report.as_dict(), ok=report.all_ok)
        meta = DocumentMetadata(type_name="Công văn", subject=subject, issuer=SENDER, code_number=number,
                                code_notation="UBND-VP", issued_date=date(2026, 11, 20),
                                document_id=f"000.00.00.H26,2026/11/20,{secrets.token_hex(4)}", page_amount=1,
                                signer_full_name="Nguyễn Văn Bình", signer_position="Chủ tịch",
                                priority=priority, due_date=due)
        doc = self.office.receive_electronic(meta, SENDER, (sha,), inbox_id=None, text=subject,
                                             integrity_ok=report.all_ok)
        return int(doc.ref.partition(":")[2])


@pytest.fixture
def site(template: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[Site]:
    root = tmp_path / "office"
    shutil.copytree(template[0], root)
    clock = FixedClock(T0)
    app = create_app(NodeDir(root, root / "node.toml").config, clock=clock)
    with TestClient(app=app, base_url="http://127.0.0.1:8080") as client:
        yield Site(client, app.state.ctx.office, template[1], clock)


def sha_of(page: str) -> str:
    m = re.search(r'src="/tep/([0-9a-f]{64})', page)
    assert m, page[:2000]
    return m.group(1)


def test_list_filters_and_fragment(site: Site) -> None:
    a = site.receive("Về việc tổ chức hội nghị Đà Nẵng", priority=Priority.URGENT, due=date(2026, 11, 25))
    b = site.receive("Về việc báo cáo số liệu quý IV", due=date(2026, 11, 20))
    site.login("chuyenvien")
    page = site.client.get("/van-ban-den")
    assert page.status_code == 200
    assert f'data-ref="in:{a}"' in page.text and f'data-ref="in:{b}"' in page.text
    assert 'data-testid="state" data-state="received">Chờ tiếp nhận' in page.text
    assert 'data-flag="overdue"' in page.text  # b: due 20/11, now 24/11
    assert 'data-flag="due_soon"' in page.text and "Khẩn" in page.text
    assert f'href="/van-ban-den/{a}"' in page.text

    found = site.client.get("/van-ban-den", params={"q": "da nang"})
    assert f'data-ref="in:{a}"' in found.text and f'data-ref="in:{b}"' not in found.text
    none = site.client.get("/van-ban-den", params={"trang_thai": "accepted"})
    assert "data-ref=" not in none.text and "Không có văn bản đến nào" in none.text
    urgent = site.client.get("/van-ban-den", params={"do_khan": "1", "tu_ngay": "2026-11-24", "nam": "2026"})
    assert f'data-ref="in:{a}"' in urgent.text and f'data-ref="in:{b}"' not in urgent.text
    bad = site.client.get("/van-ban-den", params={"tu_ngay": "hôm qua", "trang": "x"})
    assert bad.status_code == 200 and f'data-ref="in:{a}"' in bad.text

    fragment = site.client.get("/van-ban-den", params={"q": "bao cao"},
                               headers={"HX-Request": "true", "HX-Target": "ds-van-ban-den"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert f'data-ref="in:{b}"' in fragment.text and f'data-ref="in:{a}"' not in fragment.text


def test_detail_shows_pdf_signatures_metadata_history(site: Site) -> None:
    doc_id = site.receive("Về việc kiểm tra chữ ký số")
    site.login("vanthu")
    page = site.client.get(f"/van-ban-den/{doc_id}")
    assert page.status_code == 200
    text = page.text
    assert '<section class="card" data-testid="signatures" data-ok="true">' in text
    assert "HỢP LỆ: Chữ ký «Signature1» của Nguyễn Văn Bình (Chủ tịch)" in text
    for label in ("Số, ký hiệu", "12/UBND-VP", "20/11/2026", "UBND tỉnh Thử Nghiệm",
                  "Nguyễn Văn Bình — Chủ tịch", "Trục liên thông", "chưa vào sổ"):
        assert label in text, label
    assert "Văn bản đến hệ thống" in text  # history
    assert 'data-action="tiep-nhan"' in text and 'data-action="tu-choi"' in text
    assert 'data-action="phan-cong"' not in text
    sha = sha_of(text)
    pdf = site.client.get(f"/tep/{sha}", params={"ten": "12/UBND-VP.pdf"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    disposition = pdf.headers["content-disposition"]
    assert disposition.startswith("inline;") and "/" not in disposition.split("filename=")[1].split(";")[0]
    assert site.client.get("/tep/" + "0" * 64).status_code == 404
    assert site.client.get("/tep/../../etc/passwd").status_code == 404
    assert site.client.get("/van-ban-den/9999").status_code == 404

    twin = site.receive("Về việc kiểm tra chữ ký số (gửi lại)")  # same số, ký hiệu and issuer: a warning
    warned = site.client.get(f"/van-ban-den/{twin}").text
    assert 'data-testid="duplicate" data-code="duplicate_code"' in warned
    assert f'href="/van-ban-den/{doc_id}">Xem văn bản đã có' in warned

    site.login("lanhdao")  # a leader sees no clerk forms on a received document
    leader_view = site.client.get(f"/van-ban-den/{doc_id}").text
    assert 'data-action="tiep-nhan"' not in leader_view and 'data-testid="actions"' not in leader_view


def test_workflow_through_forms(site: Site) -> None:
    doc_id = site.receive("Về việc triển khai phần mềm văn thư")
    base = f"/van-ban-den/{doc_id}"
    clerk = site.login("vanthu")
    r = site.post(clerk, f"{base}/tiep-nhan", so="den")
    assert r.status_code == 303 and r.headers["location"] == f"{base}?ok=tiep-nhan"
    page = site.client.get(r.headers["location"])
    assert 'data-testid="flash"' in page.text and 'data-state="accepted"' in page.text
    assert "01/2026 — Sổ văn bản đến" in page.text
    r = site.post(clerk, f"{base}/trinh", lanh_dao="lanhdao")
    assert r.status_code == 303 and site.state(doc_id) == "presented"

    leader = site.login("lanhdao")
    page = site.client.get(base).text
    assert 'value="user:chuyenvien"' in page and 'value="unit:2"' in page
    r = site.client.post(f"{base}/phan-cong", follow_redirects=False, data={
        "_csrf_token": leader, "chu_tri": "user:chuyenvien", "han": "2026-11-26",
        "phoi_hop": ["unit:2"], "y_kien": "Đề nghị xử lý gấp"})
    assert r.status_code == 303, r.text[:2000]
    doc = site.office.docs.incoming.get(f"in:{doc_id}")
    assert doc is not None and doc.state is IncomingState.ASSIGNED and doc.assignment is not None
    assert doc.assignment.lead.name == "Lê Chuyên Viên"
    assert doc.assignment.cooperating[0].name == "Phòng Tư pháp"
    assert doc.assignment.cooperating[0].due_date == date(2026, 11, 26)
    page = site.client.get(base).text
    assert 'data-assignee="user:chuyenvien"' in page and 'data-assignee="unit:2"' in page
    assert "Đề nghị xử lý gấp" in page and "Sắp đến hạn" in page

    worker = site.login("chuyenvien")
    mine = site.client.get("/viec-cua-toi")
    assert mine.status_code == 200 and f'data-ref="in:{doc_id}"' in mine.text and "Chủ trì" in mine.text
    assert 'data-flag="due_soon"' in mine.text
    page = site.client.get(base).text
    assert 'data-action="xu-ly"' in page and 'data-action="hoan-thanh"' in page
    assert site.post(worker, f"{base}/xu-ly").status_code == 303 and site.state(doc_id) == "processing"
    r = site.post(worker, f"{base}/hoan-thanh", ket_qua="Đã triển khai")
    assert r.status_code == 303 and site.state(doc_id) == "done"
    assert f'data-ref="in:{doc_id}"' not in site.client.get("/viec-cua-toi").text

    clerk = site.login("vanthu")
    site.office.open_dossier(Actor("vanthu", frozenset({Role.CLERK}), "Trần Thị Văn Thư"),
                             CatalogueEntry(2026, "01TH", "Hồ sơ thử nghiệm", "10 năm"))
    page = site.client.get(base).text
    assert 'data-action="lap-ho-so"' in page and "000.00.01.H26.2026.01TH" in page
    r = site.post(clerk, f"{base}/lap-ho-so", ho_so="000.00.01.H26.2026.01TH")
    assert r.status_code == 303 and site.state(doc_id) == "filed"
    page = site.client.get(base).text
    for step in ("Tiếp nhận, vào sổ văn bản đến", "Trình lãnh đạo", "Phân công xử lý", "Bắt đầu xử lý",
                 "Hoàn thành xử lý", "Lập hồ sơ"):
        assert step in page, step
    assert 'href="/ho-so/000.00.01.H26.2026.01TH"' in page
    # each step queued its status to the sender: 03 accepted, 04 assigned, 05 processing, 06 done
    statuses = site.office.docs.db.query_one(  # type: ignore[attr-defined]
        "SELECT count(*) FROM axis_outbox WHERE kind = 'status' AND recipient_code = ?", (SENDER.organ_id,))
    assert statuses[0] == 4


def test_roles_csrf_and_domain_errors(site: Site) -> None:
    doc_id = site.receive("Về việc kiểm tra quyền")
    bad_sig = site.receive("Về việc chữ ký bị sửa", ok=False, number="13")
    base = f"/van-ban-den/{doc_id}"
    specialist = site.login("chuyenvien")
    assert site.post(specialist, f"{base}/tiep-nhan").status_code == 403
    assert site.post(specialist, f"{base}/phan-cong", chu_tri="user:chuyenvien").status_code == 403
    leader = site.login("lanhdao")
    assert site.post(leader, f"{base}/tu-choi", ly_do="x").status_code == 403
    assert site.state(doc_id) == "received"

    clerk = site.login("vanthu")
    no_token = site.client.post(f"{base}/tiep-nhan", data={"so": "den"}, follow_redirects=False)
    assert no_token.status_code == 403 and "CSRF" in no_token.text
    assert site.state(doc_id) == "received"

    # wrong state: present before accepting → 409 with the Vietnamese message on the page
    r = site.post(clerk, f"{base}/trinh", lanh_dao="lanhdao")
    assert r.status_code == 409 and 'data-testid="error"' in r.text
    assert "Không thể trình văn bản đang ở trạng thái “Chờ tiếp nhận”" in r.text
    # a reason is required to refuse
    r = site.post(clerk, f"{base}/tu-choi", ly_do="   ")
    assert r.status_code == 400 and "Cần nêu lý do từ chối tiếp nhận" in r.text
    # invalid signature: accepting is refused, rejecting with a reason works
    page = site.client.get(f"/van-ban-den/{bad_sig}").text
    assert 'data-testid="signatures" data-ok="false"' in page and "KHÔNG HỢP LỆ" in page
    r = site.post(clerk, f"/van-ban-den/{bad_sig}/tiep-nhan", so="den")
    assert r.status_code == 400 and "chưa qua kiểm tra tính xác thực" in r.text
    assert site.state(bad_sig) == "received"
    r = site.post(clerk, f"/van-ban-den/{bad_sig}/tu-choi", ly_do="Chữ ký số không hợp lệ")
    assert r.status_code == 303 and site.state(bad_sig) == "rejected"
    # htmx gets the page with the message as a 200 (htmx swaps only 2xx)
    r = site.client.post(f"{base}/trinh", data={"lanh_dao": "lanhdao", "_csrf_token": clerk},
                         headers={"HX-Request": "true"}, follow_redirects=False)
    assert r.status_code == 200 and 'data-testid="error"' in r.text
    # the leader cannot assign to a past date
    site.post(clerk, f"{base}/tiep-nhan", so="den")
    site.post(clerk, f"{base}/trinh", lanh_dao="lanhdao")
    leader = site.login("lanhdao")
    r = site.post(leader, f"{base}/phan-cong", chu_tri="user:chuyenvien", han="2026-11-01")
    assert r.status_code == 400 and "đã qua" in r.text and site.state(doc_id) == "presented"
    r = site.post(leader, f"{base}/phan-cong", chu_tri="user:khongco")
    assert r.status_code == 400 and "Không có người dùng “khongco”" in r.text


def test_recall_destroys_content_keeps_metadata(site: Site) -> None:
    keep = site.receive("Về việc sẽ bị từ chối thu hồi", number="20")
    gone = site.receive("Về việc văn bản sẽ bị thu hồi", number="21")
    for doc_id in (keep, gone):
        site.office.docs.incoming.apply(f"in:{doc_id}", lambda d: request_recall(
            d, via=StatusCode.RECALL_REQUESTED, reason="Ban hành nhầm", at=T0), actor="sync", at=T0)
    clerk = site.login("vanthu")
    page = site.client.get(f"/van-ban-den/{gone}").text
    assert 'data-recall="pending"' in page and "Ban hành nhầm" in page
    assert 'data-action="dong-y-thu-hoi"' in page and 'data-action="tu-choi-thu-hoi"' in page
    sha = sha_of(page)
    assert site.client.get(f"/tep/{sha}").status_code == 200

    r = site.post(clerk, f"/van-ban-den/{gone}/dong-y-thu-hoi")
    assert r.status_code == 303 and site.state(gone) == "recalled"
    page = site.client.get(f"/van-ban-den/{gone}").text
    assert ("Văn bản đã bị thu hồi theo yêu cầu của nơi gửi; nội dung đã được hủy, thông tin được giữ lại"
            in page)
    assert "Về việc văn bản sẽ bị thu hồi" in page and "21/UBND-VP" in page  # metadata kept
    assert "/tep/" not in page and 'data-testid="actions"' not in page
    assert "Đồng ý thu hồi, hủy nội dung" in page  # history
    assert site.client.get(f"/tep/{sha}").status_code == 404

    r = site.post(clerk, f"/van-ban-den/{keep}/tu-choi-thu-hoi", ly_do="Đã triển khai")
    assert r.status_code == 303 and site.state(keep) == "received"
    page = site.client.get(f"/van-ban-den/{keep}").text
    assert 'data-recall="refused"' in page and "Đã triển khai" in page
    r = site.post(clerk, f"/van-ban-den/{keep}/dong-y-thu-hoi")
    assert r.status_code == 409 and "Không có yêu cầu thu hồi đang chờ xử lý" in r.text


def _scan(site: Site, tmp_path: Path, subject: str, confidence: float = 0.92,
          purpose: ScanPurpose = ScanPurpose.INCOMING) -> int:
    pdf = blank_pdf(subject)
    path = tmp_path / f"{hashlib.sha256(subject.encode()).hexdigest()[:8]}.pdf"
    path.write_bytes(pdf)
    fields = ExtractedFields(code_number=Field("45", confidence), code_notation=Field("UBND-TP", confidence),
                             issued_date=Field("2026-11-18", 0.8), issuer=Field("UBND quận Hai", 0.4),
                             type_name=Field("Công văn", 0.9), subject=Field(subject, confidence))
    part = ScanPart(index=0, pdf=path, pdf_is_original=True, pages=1, text=f"{subject} nội dung",
                    fields=fields, ocr=True, signed=False, dpi=300)
    sub = ScanSubmission(original=path, original_sha256=hashlib.sha256(pdf).hexdigest(),
                         media_type="application/pdf", file_name=path.name, folder="den",
                         purpose=purpose, parts=(part,))
    saved = site.client.app.state.ctx.scans.save(sub, now=T0)
    return int(saved.scan_ids[0])


def test_scan_queue_registers_a_paper_document(site: Site, tmp_path: Path) -> None:
    one = _scan(site, tmp_path, "Về việc cấp giấy phép xây dựng")
    two = _scan(site, tmp_path, "Về việc tổng kết năm")
    clerk = site.login("vanthu")
    queue = site.client.get("/so-hoa")
    assert queue.status_code == 200
    assert f'data-scan="{one}"' in queue.text and f'data-scan="{two}"' in queue.text
    assert "Về việc cấp giấy phép xây dựng" in queue.text and "(40%)" in queue.text  # low confidence shown
    thumb = site.client.get(f"/so-hoa/{one}/anh.png")
    assert thumb.status_code == 200 and thumb.content.startswith(b"\x89PNG")
    form = site.client.get(f"/so-hoa/{one}/vao-so")
    assert form.status_code == 200 and 'value="UBND quận Hai"' in form.text
    assert 'data-confidence="0.40"' in form.text

    # one click: the queue's own form posts the prefilled fields
    hidden = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">',
                             queue.text.split(f'data-scan="{one}"')[1].split("</form>")[0]))
    r = site.post(clerk, f"/so-hoa/{one}/vao-so", **hidden)
    assert r.status_code == 303 and r.headers["location"].endswith("?ok=vao-so"), r.text[:1500]
    doc_id = int(r.headers["location"].split("/")[-1].split("?")[0])
    doc = site.office.docs.incoming.get(f"in:{doc_id}")
    assert doc is not None and doc.state is IncomingState.ACCEPTED and doc.arrival_number == 1
    assert doc.meta.code == "45/UBND-TP" and doc.meta.issuer.name == "UBND quận Hai"
    assert doc.meta.issued_date == date(2026, 11, 18) and doc.channel.value == "paper"
    page = site.client.get(r.headers["location"]).text
    assert 'data-testid="signatures" data-ok="false"' in page and "Văn bản giấy" in page
    assert site.client.get(f"/tep/{sha_of(page)}").status_code == 200

    queue = site.client.get("/so-hoa").text
    assert f'data-scan="{one}"' not in queue and f'data-scan="{two}"' in queue
    registered = site.client.get(f"/so-hoa/{one}", follow_redirects=False)
    assert registered.headers["location"] == f"/van-ban-den/{doc_id}"
    again = site.post(clerk, f"/so-hoa/{one}/vao-so", **hidden)
    assert again.status_code == 409 and 'data-code="scan_registered"' in again.text  # never a second document
    assert site.office.docs.db.query_one("SELECT count(*) FROM doc_in WHERE scan_id = ?", (one,))[0] == 1  # type: ignore[attr-defined]

    # fixing a field and leaving it unaccepted; a missing subject is refused in Vietnamese
    r = site.post(clerk, f"/so-hoa/{two}/vao-so", trich_yeu=" ", co_quan="UBND quận Hai")
    assert r.status_code == 400 and "Chưa có trích yếu" in r.text
    r = site.post(clerk, f"/so-hoa/{two}/vao-so", trich_yeu="Về việc tổng kết năm 2026", co_quan="Sở Nội vụ",
                  ngay="18/11/2026", do_khan="1")
    assert r.headers["location"].endswith("?ok=vao-so-chua-tiep-nhan")
    doc2 = site.office.docs.incoming.get("in:" + r.headers["location"].split("/")[-1].split("?")[0])
    assert doc2 is not None and doc2.state is IncomingState.RECEIVED and doc2.meta.priority is Priority.URGENT

    copy = _scan(site, tmp_path, "Bản lưu quyết định", purpose=ScanPurpose.COPY)  # not incoming paper
    assert f'data-scan="{copy}"' not in site.client.get("/so-hoa").text
    r = site.post(clerk, f"/so-hoa/{copy}/vao-so", trich_yeu="Bản lưu", co_quan="UBND phường Một")
    assert r.status_code == 400 and "bản lưu của văn bản đi" in r.text

    site.login("chuyenvien")
    assert site.client.get("/so-hoa").status_code == 403
    assert site.post(clerk, f"/so-hoa/{two}/vao-so").status_code == 403


def test_unit_lead_works_and_others_are_refused(site: Site) -> None:
    doc_id = site.receive("Về việc giao cho phòng Tư pháp")
    ref = f"in:{doc_id}"
    clerk_actor = Actor("vanthu", frozenset({Role.CLERK}), "Trần Thị Văn Thư")
    site.office.accept(ref, clerk_actor)
    site.office.present(ref, "lanhdao", clerk_actor)
    leader = site.login("lanhdao")
    r = site.post(leader, f"/van-ban-den/{doc_id}/phan-cong", chu_tri="unit:2", phoi_hop="user:chuyenvien",
                  han="2026-12-04")
    assert r.status_code == 303, r.text[:1500]

    outsider = site.login("chuyenvien")  # phối hợp only: sees it in her work, cannot report progress
    mine = site.client.get("/viec-cua-toi").text
    assert f'data-ref="in:{doc_id}"' in mine and "Phối hợp" in mine
    assert 'data-action="xu-ly"' not in site.client.get(f"/van-ban-den/{doc_id}").text
    r = site.post(outsider, f"/van-ban-den/{doc_id}/xu-ly")
    assert r.status_code == 403 and "Chỉ người/đơn vị chủ trì hoặc lãnh đạo" in r.text
    assert site.state(doc_id) == "assigned"

    member = site.login("chuyenvien2")  # a member of the lead unit
    mine = site.client.get("/viec-cua-toi").text
    assert f'data-ref="in:{doc_id}"' in mine and "Chủ trì" in mine and "(đơn vị)" in mine
    assert site.post(member, f"/van-ban-den/{doc_id}/hoan-thanh", ket_qua="Xong").status_code == 303
    assert site.state(doc_id) == "done"


def test_pagination_and_the_holiday_table(site: Site) -> None:
    first = site.receive("Về việc hạn xử lý qua ngày nghỉ", due=date(2026, 11, 27))  # Friday, 3 working days
    for i in range(21):
        site.clock.advance(timedelta(minutes=1))
        site.receive(f"Về việc văn bản số {i}", number=str(100 + i))
    site.login("vanthu")
    page = site.client.get("/van-ban-den")
    assert page.text.count("<tr data-ref=") == 20 and "Trang 1/2" in page.text and "22 văn bản" in page.text
    assert f'data-ref="in:{first}"' not in page.text  # newest first: the first one is on page 2
    two = site.client.get("/van-ban-den", params={"trang": "2"})
    assert two.text.count("<tr data-ref=") == 2 and f'data-ref="in:{first}"' in two.text
    assert 'data-flag="on_track"' in two.text and 'rel="prev"' in two.text

    # Wednesday and Thursday off in the office's table: one working day left, "sắp đến hạn"
    holidays = site.client.app.state.ctx.holidays
    for day in (date(2026, 11, 25), date(2026, 11, 26)):
        holidays.save_entry(CalendarEntry(day, DayKind.HOLIDAY, "Nghỉ bù"), now=T0, actor="test")
    two = site.client.get("/van-ban-den", params={"trang": "2"})
    assert 'data-flag="due_soon"' in two.text and "còn 1 ngày" in two.text


def test_secret_documents_are_read_only_by_those_given_them(site: Site) -> None:
    sha = site.office.blobs.put(blank_pdf("mật"))
    meta = DocumentMetadata(type_name="Công văn", subject="Về việc bảo vệ bí mật nhà nước", issuer=SENDER,
                            code_number="7", code_notation="UBND-VP", secrecy=Secrecy.SECRET, page_amount=1)
    clerk_actor = Actor("vanthu", frozenset({Role.CLERK}), "Trần Thị Văn Thư")
    ref = site.office.register_paper(clerk_actor, meta, sha).ref
    doc_id = int(ref.partition(":")[2])
    site.login("chuyenvien")
    refused = site.client.get(f"/van-ban-den/{doc_id}")
    assert refused.status_code == 403 and "Văn bản mật" in refused.text
    site.login("vanthu")
    assert site.client.get(f"/van-ban-den/{doc_id}").status_code == 200
    site.office.accept(ref, clerk_actor)
    site.office.present(ref, "lanhdao", clerk_actor)
    site.office.assign(ref, Actor("lanhdao", frozenset({Role.LEADER}), "Lãnh Đạo"),
                       lead=Assignee("user", "chuyenvien", "Chuyên Viên"))
    site.login("chuyenvien")
    assert site.client.get(f"/van-ban-den/{doc_id}").status_code == 200


def test_list_takes_several_states_and_the_recall_filter(site: Site) -> None:
    a, b, c = (site.receive(f"Văn bản lọc {n}") for n in range(3))
    clerk_actor = Actor("vanthu", frozenset({Role.CLERK}), "Trần Thị Văn Thư")
    site.office.accept(f"in:{a}", clerk_actor)
    now = site.clock.now()
    site.office.docs.incoming.apply(f"in:{c}", lambda d: request_recall(
        d, via=StatusCode.RECALL_REQUESTED, reason="Nhầm", at=now), actor="sync", at=now)
    site.login("vanthu")
    both = site.client.get("/van-ban-den?trang_thai=received&trang_thai=accepted").text
    assert all(f'data-ref="in:{x}"' in both for x in (a, b, c))
    accepted = site.client.get("/van-ban-den?trang_thai=accepted").text
    assert f'data-ref="in:{a}"' in accepted and f'data-ref="in:{b}"' not in accepted
    recalls = site.client.get("/van-ban-den?thu_hoi=1").text
    assert f'data-ref="in:{c}"' in recalls and f'data-ref="in:{a}"' not in recalls
