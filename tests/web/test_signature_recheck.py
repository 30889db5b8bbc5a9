"""Signatures checked again when revocation data arrives, with the real SoftHSM2 token and the demo PKI:
a received PDF signed by the leader's key is "chờ dữ liệu thu hồi" while no CRL is configured; once
district IT drops a CRL file in, ``vanthu signatures recheck`` (and the văn bản đến page's "Kiểm tra
lại chữ ký") turn it "chưa bị thu hồi" — or "ĐÃ BỊ THU HỒI" when the CRL lists the leader's
certificate: văn thư is told, the page shows it red and tiếp nhận is refused."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from litestar.testing import TestClient

from node.app import create_app
from node.domain.clock import VN_TZ, FixedClock
from node.domain.documents import DocumentMetadata
from node.domain.office import Office
from node.domain.signing import PersonalSigner
from node.signing import appearance
from node.signing.sample import DraftSpec, make_draft
from node.signing.softhsm import DemoToken
from node.signing.verify import verify_pdf
from tests.conftest import NodeDir, run_cli
from tests.signing.conftest import make_signer, write_crl
from tests.support.tools import require_tool
from tests.web import office_support as support
from tests.web.office_support import SENDER, T0, Office_, login_as, office_of, paper_incoming

pytestmark = pytest.mark.hsm

office_template, office_dir = support.office_template, support.office_dir


@dataclass
class Site:
    node: NodeDir
    client: TestClient
    office: Office
    crl: Path
    token: DemoToken

    def receive_signed(self, pdf: bytes, number: str) -> str:
        """A signed PDF taken in as intake does: its report made without any CRL, then the document."""
        sha = self.office.blobs.put(pdf)
        report = verify_pdf(pdf, [self.token.ca_cert])
        self.office.docs.save_signature_report(sha, report.as_dict(), ok=report.all_ok)
        meta = DocumentMetadata(type_name="Công văn", subject=f"Về việc kiểm tra chữ ký {number}",
                                issuer=SENDER, code_number=number, code_notation="SNV-VP",
                                document_id=f"000.00.09.H13,2026/11/20,{number}/SNV-VP")
        return self.office.receive_electronic(meta, SENDER, (sha,), inbox_id=None, text="",
                                              integrity_ok=report.all_ok).ref

    def revocation(self, ref: str) -> list[str]:
        doc = self.office.docs.incoming.require(ref)
        report = self.office.docs.signature_report(doc.blobs[0])
        assert report is not None
        return [s["revocation"] for s in report["signatures"]]

    def recheck_cli(self, *args: str) -> dict[str, object]:
        proc = run_cli("--config", str(self.node.config_path), "signatures", "recheck", "--json", *args)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        out: dict[str, object] = json.loads(proc.stdout)
        return out


@pytest.fixture
def signed_pdfs(softhsm_token: DemoToken) -> list[bytes]:
    require_tool("pdftotext")
    signer = make_signer(softhsm_token, FixedClock(dt.datetime.now(VN_TZ).replace(microsecond=0)))
    leader = PersonalSigner(user="lanhdao", full_name="Nguyễn Văn An", key_label="leader",
                            signature_png=str(appearance.DEMO_SIGNATURE), title="Chủ tịch")
    try:
        return [signer.sign_personal(signer.prepare_number_fields(make_draft(DraftSpec(subject=s))), leader,
                                     pin=softhsm_token.user_pin).pdf for s in ("Thứ nhất", "Thứ hai")]
    finally:
        signer.token.close()


@pytest.fixture
def site(office_dir: Office_, softhsm_token: DemoToken) -> Iterator[Site]:
    node, _ = office_dir
    crl = node.root / "crl" / "ca-thu-nghiem.crl"  # configured, but district IT has not dropped it in yet
    crl.parent.mkdir()
    with node.config_path.open("a", encoding="utf-8") as f:
        f.write(f'\n[signing]\ntrust_anchors = ["{softhsm_token.ca_cert}"]\ncrl_files = ["{crl}"]\n')
    with TestClient(app=create_app(node.config, clock=FixedClock(T0)), base_url="http://127.0.0.1:8080") as c:
        yield Site(node, c, office_of(c), crl, softhsm_token)


def test_recheck_after_a_crl_arrives(site: Site, office_dir: Office_, signed_pdfs: list[bytes]) -> None:
    first, second = (site.receive_signed(pdf, n) for pdf, n in zip(signed_pdfs, ("21", "22"), strict=True))
    first_id = first.partition(":")[2]
    assert site.revocation(first) == ["unknown"]
    token = login_as(site.client, office_dir, "vanthu")
    page = site.client.get(f"/van-ban-den/{first_id}").text
    assert 'data-ok="true">' in page and 'data-revocation="unknown"' in page
    assert "chờ dữ liệu thu hồi" in page and 'data-action="kiem-tra-chu-ky"' in page

    # nothing new yet: the CRL file is not there; the recheck changes nothing
    assert site.recheck_cli() == {"checked": 2, "changed": 0, "revoked_documents": [], "outcomes": {
        "good": 0, "pending": 2, "revoked": 0, "invalid": 0, "unreadable": 0}}

    # district IT drops in a CRL that lists nobody: both turn "chưa bị thu hồi", an audit row each
    write_crl(site.token, site.crl, [])
    done = site.recheck_cli()
    assert done["checked"] == 2 and done["changed"] == 2 and done["outcomes"] == {
        "good": 2, "pending": 0, "revoked": 0, "invalid": 0, "unreadable": 0}
    assert site.revocation(first) == ["good"] and site.revocation(second) == ["good"]
    rows = [r for r in site.office.docs.history(first) if r["action"] == "signature.recheck"]
    assert len(rows) == 1 and json.loads(rows[0]["detail"])["result"] == "Chờ dữ liệu thu hồi → hợp lệ."
    assert site.recheck_cli()["checked"] == 0  # nothing waits for revocation data any more
    assert site.recheck_cli("--all") == {"checked": 2, "changed": 0, "revoked_documents": [], "outcomes": {
        "good": 2, "pending": 0, "revoked": 0, "invalid": 0, "unreadable": 0}}

    # the leader's certificate is revoked: --all finds it on both; văn thư is told of each document
    leader = x509.load_pem_x509_certificate(site.token.leader_cert.read_bytes())
    write_crl(site.token, site.crl, [leader.serial_number])
    revoked = site.recheck_cli("--all")
    assert revoked["outcomes"] == {"good": 0, "pending": 0, "revoked": 2, "invalid": 0, "unreadable": 0}
    assert revoked["revoked_documents"] == [first, second] or revoked["revoked_documents"] == [second, first]
    told = site.office.docs.notifications_for(["role:clerk"], reader="vanthu", limit=50)
    assert {r["document_ref"] for r in told if "ĐÃ BỊ THU HỒI" in r["message"]} == {first, second}
    page = site.client.get(f"/van-ban-den/{first_id}").text
    assert 'data-ok="false" data-revoked="true"' in page and "CHỨNG THƯ SỐ CỦA NGƯỜI KÝ ĐÃ BỊ THU HỒI" in page
    r = site.client.post(f"/van-ban-den/{first_id}/tiep-nhan", data={"_csrf_token": token},
                         follow_redirects=False)
    assert r.status_code == 400 and 'data-code="integrity_not_verified"' in r.text


def test_the_button_checks_one_document_again(site: Site, office_dir: Office_,
                                              signed_pdfs: list[bytes]) -> None:
    ref = site.receive_signed(signed_pdfs[0], "31")
    doc_id = ref.partition(":")[2]
    leader = x509.load_pem_x509_certificate(site.token.leader_cert.read_bytes())
    write_crl(site.token, site.crl, [leader.serial_number])

    login_as(site.client, office_dir, "chuyenvien")
    page = site.client.get(f"/van-ban-den/{doc_id}").text
    assert 'data-action="kiem-tra-chu-ky"' not in page
    token = login_as(site.client, office_dir, "chuyenvien")
    r = site.client.post(f"/van-ban-den/{doc_id}/kiem-tra-chu-ky", data={"_csrf_token": token},
                         follow_redirects=False)
    assert r.status_code == 403 and site.revocation(ref) == ["unknown"]

    token = login_as(site.client, office_dir, "lanhdao")
    r = site.client.post(f"/van-ban-den/{doc_id}/kiem-tra-chu-ky", data={}, follow_redirects=False)
    assert r.status_code == 403 and site.revocation(ref) == ["unknown"]  # no CSRF token
    r = site.client.post(f"/van-ban-den/{doc_id}/kiem-tra-chu-ky", data={"_csrf_token": token},
                         follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/van-ban-den/{doc_id}?ok=kiem-tra-chu-ky"
    assert site.revocation(ref) == ["revoked"]
    page = site.client.get(r.headers["location"]).text
    assert 'data-testid="flash"' in page and "Đã kiểm tra lại chữ ký số" in page
    assert 'data-revoked="true"' in page and "Kiểm tra lại chữ ký số" in page  # the history line
    assert "Chờ dữ liệu thu hồi → chứng thư đã bị thu hồi." in page
    told = site.office.docs.notifications_for(["role:clerk"], reader="vanthu", limit=10)
    assert [r["document_ref"] for r in told if "ĐÃ BỊ THU HỒI" in r["message"]] == [ref]
    # pressed again: nothing changed, still one audit row for who checked, no second notification
    r = site.client.post(f"/van-ban-den/{doc_id}/kiem-tra-chu-ky", data={"_csrf_token": token},
                         follow_redirects=False)
    assert r.status_code == 303
    checks = [r for r in site.office.docs.history(ref) if r["action"] == "signature.recheck"]
    assert [json.loads(c["detail"])["changed"] for c in checks] == [True, False]
    assert [c["actor"] for c in checks] == ["lanhdao", "lanhdao"]
    assert len([n for n in site.office.docs.notifications_for(["role:clerk"], reader="vanthu", limit=10)
                if "ĐÃ BỊ THU HỒI" in n["message"]]) == 1

    # a digitized paper document has no signature to check: a Vietnamese refusal, nothing written
    paper = paper_incoming(site.office, "Văn bản giấy").ref.partition(":")[2]
    r = site.client.post(f"/van-ban-den/{paper}/kiem-tra-chu-ky", data={"_csrf_token": token},
                         follow_redirects=False)
    assert r.status_code == 400 and 'data-code="no_signatures"' in r.text


def test_a_file_that_cannot_be_read_again_keeps_its_report(site: Site) -> None:
    """A stored report whose PDF no longer parses is counted "không đọc được tệp" and left as it was;
    the run goes on with the others."""
    sha = site.office.blobs.put(b"%PDF-1.7 not really a PDF")
    check = {"field": "Signature1", "ok": True, "revocation": "unknown", "summary": "HỢP LỆ: …"}
    site.office.docs.save_signature_report(sha, {"signed": True, "ok": True, "signatures": [check]}, ok=True)
    meta = DocumentMetadata(type_name="Công văn", subject="Tệp hỏng", issuer=SENDER, code_number="41",
                            code_notation="SNV-VP", document_id="000.00.09.H13,2026/11/20,41/SNV-VP")
    ref = site.office.receive_electronic(meta, SENDER, (sha,), inbox_id=None, text="", integrity_ok=True).ref
    out = site.recheck_cli()
    assert out["checked"] == 1 and out["changed"] == 0 and out["outcomes"]["unreadable"] == 1  # type: ignore[index]
    assert site.revocation(ref) == ["unknown"]
    assert not [r for r in site.office.docs.history(ref) if r["action"] == "signature.recheck"]
    proc = run_cli("--config", str(site.node.config_path), "signatures", "recheck")
    assert proc.returncode == 0, proc.stderr
    assert "không đọc được tệp: 1" in proc.stdout and "Đã kiểm tra lại 1 báo cáo" in proc.stdout
