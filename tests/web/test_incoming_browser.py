"""Văn bản đến and số hóa in Debian's Chromium against a real `vanthu serve`: the htmx actions swap the
document in place (tiếp nhận, trình, phân công), the PDF frame and the signature panel show, the scan
queue's thumbnail renders and "Vào sổ ngay" registers the scan. Screenshots go to tests/artifacts."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from node.app import open_node
from node.domain.accounts import Role
from node.domain.documents import DocumentMetadata
from node.domain.fields import ExtractedFields, Field
from node.domain.scanning import ScanPart, ScanPurpose, ScanSubmission
from node.domain.signing import CertValidity, Revocation, SignatureCheck, VerificationReport
from node.store.users import create_user
from node.web.passwords import Argon2Hasher
from tests.conftest import VANTHU, NodeDir
from tests.support.browser import launch_chromium
from tests.support.servers import ServerProcess, free_port
from tests.web.test_incoming_pages import PEOPLE, SENDER, T0, blank_pdf

pytestmark = pytest.mark.browser


def _seed(node: NodeDir, tmp_path: Path) -> dict[str, str]:
    opened = open_node(node.config)
    hasher = Argon2Hasher()
    passwords: dict[str, str] = {}
    try:
        opened.db.write(lambda d: d.conn.executemany("INSERT INTO unit (id, code, name) VALUES (?, ?, ?)",
                                                     [(1, "VP", "Văn phòng"), (2, "TP", "Phòng Tư pháp")]))
        for username, (name, role, unit) in PEOPLE.items():
            if role not in (Role.CLERK, Role.LEADER):
                continue
            passwords[username] = secrets.token_urlsafe(12)
            digest = hasher.hash(passwords[username])
            opened.db.write(lambda d, u=username, n=name, r=role, un=unit, h=digest: create_user(
                d, username=u, full_name=n, password_hash=h, roles=[r], now=T0, actor="test", unit_id=un))
        pdf = blank_pdf("browser")
        sha = opened.office.blobs.put(pdf)
        check = SignatureCheck(field_name="Signature1", signer="Nguyễn Văn Bình", signer_title="Chủ tịch",
                               issuer="CA Thử Nghiệm", signing_time=T0, intact=True, valid=True, trusted=True,
                               revocation=Revocation.GOOD, cert_validity=CertValidity.VALID,
                               modification_level="NONE", coverage="ENTIRE_FILE", timestamped=True)
        report = VerificationReport((check,))
        opened.docs.save_signature_report(sha, report.as_dict(), ok=True)
        meta = DocumentMetadata(type_name="Công văn", subject="Về việc thử nghiệm giao diện văn bản đến",
                                issuer=SENDER, code_number="31", code_notation="UBND-VP",
                                issued_date=date(2026, 11, 20), document_id="000.00.00.H26,2026/11/20,b1",
                                page_amount=1, signer_full_name="Nguyễn Văn Bình", signer_position="Chủ tịch")
        opened.office.receive_electronic(meta, SENDER, (sha,), inbox_id=None, text=meta.subject,
                                         integrity_ok=True)
        scan_pdf = tmp_path / "quet-01.pdf"
        scan_pdf.write_bytes(blank_pdf("scan"))
        fields = ExtractedFields(code_number=Field("7", 0.9), code_notation=Field("SNV-VP", 0.9),
                                 issued_date=Field("2026-11-19", 0.9), issuer=Field("Sở Nội vụ", 0.9),
                                 type_name=Field("Công văn", 0.9),
                                 subject=Field("Về việc tuyển dụng công chức", 0.9))
        part = ScanPart(index=0, pdf=scan_pdf, pdf_is_original=True, pages=1, text="tuyển dụng",
                        fields=fields, ocr=True, signed=False, dpi=300)
        opened.scans.save(ScanSubmission(
            original=scan_pdf, original_sha256=hashlib.sha256(scan_pdf.read_bytes()).hexdigest(),
            media_type="application/pdf", file_name=scan_pdf.name, folder="den", purpose=ScanPurpose.INCOMING,
            parts=(part,)), now=T0)
    finally:
        opened.close()
    return passwords


@pytest.fixture
def served(make_node, tmp_path: Path) -> Iterator[tuple[ServerProcess, dict[str, str]]]:
    port = free_port()
    node: NodeDir = make_node(port=port)
    passwords = _seed(node, tmp_path)
    server = ServerProcess([*VANTHU, "--config", str(node.config_path), "serve"], port=port,
                           log_path=tmp_path / "serve.log")
    with server:
        yield server, passwords


def test_incoming_pages_in_chromium(served, artifacts: Path) -> None:
    server, passwords = served
    with launch_chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")

        def login(username: str) -> None:
            page.goto(server.url + "/login")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", passwords[username])
            page.click("button[type=submit]")
            page.wait_for_url(server.url + "/")

        login("vanthu")
        page.goto(server.url + "/van-ban-den")
        row = page.locator('tr[data-ref="in:1"]')
        assert "Chờ tiếp nhận" in row.inner_text()
        page.screenshot(path=str(artifacts / "incoming-list.png"), full_page=True)
        row.locator("a").click()
        page.wait_for_url(server.url + "/van-ban-den/1")
        assert page.locator('section[data-testid="signatures"]').get_attribute("data-ok") == "true"
        assert "HỢP LỆ" in page.locator('section[data-testid="signatures"]').inner_text()
        assert page.locator('iframe[data-testid="pdf"]').count() == 1
        page.screenshot(path=str(artifacts / "incoming-detail-received.png"), full_page=True)

        page.click('button[data-action="tiep-nhan"]')  # htmx: the document is swapped in place
        page.wait_for_selector('[data-testid="state"][data-state="accepted"]')
        assert page.url == server.url + "/van-ban-den/1"
        page.select_option("select[name=lanh_dao]", "lanhdao")
        page.click('button[data-action="trinh"]')
        page.wait_for_selector('[data-testid="state"][data-state="presented"]')

        page.goto(server.url + "/so-hoa")
        thumb = page.locator("img.thumb")
        thumb.wait_for()
        page.wait_for_function("() => document.querySelector('img.thumb').naturalWidth > 0")
        page.screenshot(path=str(artifacts / "scan-queue.png"), full_page=True)
        page.click('button[data-action="vao-so"]')
        page.wait_for_url("**/van-ban-den/2?ok=vao-so")
        assert page.locator('[data-testid="state"]').get_attribute("data-state") == "accepted"
        assert "Đã vào sổ" in page.locator('[data-testid="flash"]').inner_text()

        page.click("button.link")  # Đăng xuất
        login("lanhdao")
        page.goto(server.url + "/van-ban-den/1")
        page.select_option("select[name=chu_tri]", "unit:2")
        page.fill("input[name=han]", "2026-12-31")
        page.fill("textarea[name=y_kien]", "Giao Phòng Tư pháp chủ trì")
        page.click('button[data-action="phan-cong"]')
        page.wait_for_selector('[data-testid="state"][data-state="assigned"]')
        assert "Phòng Tư pháp" in page.locator('[data-testid="assignment"]').inner_text()
        page.screenshot(path=str(artifacts / "incoming-detail-assigned.png"), full_page=True)
