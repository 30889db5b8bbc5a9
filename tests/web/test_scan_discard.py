"""Số hóa: "Loại bỏ" a scan from the queue (reason required, Vietnamese messages, 303 + flash without
JS, the card swapped out with htmx), the "Đã loại bỏ" list and "Khôi phục"; a discarded or registered
scan is refused again with 409; who may do it. A real node directory (``vanthu init``), real logins."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from litestar.testing import TestClient

from node.app import open_node
from node.domain.fields import ExtractedFields, Field
from node.domain.scanning import ScanPart, ScanPurpose, ScanSubmission, discard
from tests.conftest import run_cli
from tests.web import office_support as support
from tests.web.office_support import ACTORS, T0, Office_, login_as, office_of, pdf_bytes

office_template, office_dir = support.office_template, support.office_dir
clock, client = support.clock, support.client


def _scan(client: TestClient, tmp_path: Path, subject: str) -> int:
    data = pdf_bytes(1) + f"% {subject}\n".encode()
    path = tmp_path / f"{hashlib.sha256(subject.encode()).hexdigest()[:10]}.pdf"
    path.write_bytes(data)
    fields = ExtractedFields(subject=Field(subject, 0.9), issuer=Field("Sở Nội vụ", 0.9),
                             code_number=Field("15", 0.9), code_notation=Field("SNV-VP", 0.9))
    part = ScanPart(index=0, pdf=path, pdf_is_original=True, pages=1, text=f"{subject} nội dung",
                    fields=fields, ocr=False, signed=False, dpi=300)
    saved = client.app.state.ctx.scans.save(ScanSubmission(
        original=path, original_sha256=hashlib.sha256(data).hexdigest(), media_type="application/pdf",
        file_name=path.name, folder="den", purpose=ScanPurpose.INCOMING, parts=(part,)), now=T0)
    return int(saved.scan_ids[0])


def _post(client: TestClient, token: str | None, path: str, headers: dict[str, str] | None = None,
          **data: str):
    form = {**data, **({"_csrf_token": token} if token else {})}
    return client.post(path, data=form, headers=headers or {}, follow_redirects=False)


def _error_code(html: str) -> str:
    m = re.search(r'data-testid="error" data-code="([^"]+)"', html)
    return m.group(1) if m else ""


def _audit(client: TestClient, scan_id: int) -> list[tuple[str, str, dict[str, str]]]:
    rows = office_of(client).docs.db.query(  # type: ignore[attr-defined]
        "SELECT actor, action, detail FROM audit WHERE subject = ? ORDER BY id", (f"scan:{scan_id}",))
    return [(r["actor"], r["action"], json.loads(r["detail"])) for r in rows]


def test_discard_a_scan_then_restore_it(client: TestClient, office_dir: Office_, tmp_path: Path) -> None:
    wrong = _scan(client, tmp_path, "Trang quét nhầm")
    other = _scan(client, tmp_path, "Về việc kiểm tra công vụ")
    clerk = login_as(client, office_dir, "vanthu")
    queue = client.get("/so-hoa").text
    card = queue.split(f'data-scan="{wrong}"')[1].split("</section>")[0]
    assert f'action="/so-hoa/{wrong}/loai-bo"' in card and 'data-action="loai-bo"' in card
    assert 'name="ly_do" required' in card and f'hx-post="/so-hoa/{wrong}/loai-bo"' in card
    assert "Đã loại bỏ (0)" in queue

    # no reason: refused in Vietnamese on the scan's page, nothing changed
    r = _post(client, clerk, f"/so-hoa/{wrong}/loai-bo", ly_do="   ")
    assert r.status_code == 400 and _error_code(r.text) == "reason_required"
    assert "Cần nêu lý do loại bỏ bản quét" in r.text and _audit(client, wrong) == []
    # without the CSRF token: refused
    assert _post(client, None, f"/so-hoa/{wrong}/loai-bo", ly_do="Quét nhầm").status_code == 403

    r = _post(client, clerk, f"/so-hoa/{wrong}/loai-bo", ly_do="Quét nhầm trang của hồ sơ khác")
    assert r.status_code == 303 and r.headers["location"] == "/so-hoa?ok=loai-bo"
    queue = client.get(r.headers["location"]).text
    assert 'data-testid="flash"' in queue and "Đã loại bỏ bản quét khỏi hàng chờ" in queue
    assert f'data-scan="{wrong}"' not in queue and f'data-scan="{other}"' in queue
    assert "Đã loại bỏ (1)" in queue
    # kept, with who / when / why, on the list and on the scan's own page; its file still opens
    listed = client.get("/so-hoa/da-loai-bo").text
    assert f'data-scan="{wrong}"' in listed and f'data-scan="{other}"' not in listed
    assert "Quét nhầm trang của hồ sơ khác" in listed and "Người dùng vanthu" in listed
    assert 'data-action="khoi-phuc"' in listed
    page = client.get(f"/so-hoa/{wrong}").text
    assert 'data-state="discarded"' in page and "Đã loại bỏ" in page and 'data-action="vao-so"' not in page
    sha = office_of(client).docs.db.query_one(  # type: ignore[attr-defined]
        "SELECT pdf_sha256 FROM scan WHERE id = ?", (wrong,))[0]
    assert client.get(f"/tep/{sha}").status_code == 200
    assert _audit(client, wrong) == [("vanthu", "scan.discarded", {"reason": "Quét nhầm trang của hồ sơ khác",
                                                                   "file": f"{_name(client, wrong)}",
                                                                   "sha256": sha})]

    # a discarded scan: neither discarded again nor registered (409, stable codes)
    r = _post(client, clerk, f"/so-hoa/{wrong}/loai-bo", ly_do="Lần nữa")
    assert r.status_code == 409 and _error_code(r.text) == "scan_discarded" and "đã bị loại bỏ" in r.text
    r = _post(client, clerk, f"/so-hoa/{wrong}/vao-so", trich_yeu="Trang quét nhầm", co_quan="Sở Nội vụ")
    assert r.status_code == 409 and _error_code(r.text) == "scan_discarded"
    assert office_of(client).docs.incoming_of_scan(wrong) is None

    # restored by mistake → back in the queue, and registered as usual
    r = _post(client, clerk, f"/so-hoa/{wrong}/khoi-phuc")
    assert r.status_code == 303 and r.headers["location"] == "/so-hoa/da-loai-bo?ok=khoi-phuc"
    assert "Đã khôi phục bản quét" in client.get(r.headers["location"]).text
    assert f'data-scan="{wrong}"' in client.get("/so-hoa").text
    assert [a for _, a, _ in _audit(client, wrong)] == ["scan.discarded", "scan.restored"]
    r = _post(client, clerk, f"/so-hoa/{wrong}/khoi-phuc")
    assert r.status_code == 409 and _error_code(r.text) == "scan_not_discarded"
    r = _post(client, clerk, f"/so-hoa/{wrong}/vao-so", trich_yeu="Trang quét nhầm", co_quan="Sở Nội vụ")
    assert r.status_code == 303 and "/van-ban-den/" in r.headers["location"]
    # registered: not discarded, not registered twice
    r = _post(client, clerk, f"/so-hoa/{wrong}/loai-bo", ly_do="Quét nhầm")
    assert r.status_code == 409 and _error_code(r.text) == "scan_registered"
    r = _post(client, clerk, f"/so-hoa/{wrong}/vao-so", trich_yeu="Trang quét nhầm", co_quan="Sở Nội vụ")
    assert r.status_code == 409 and _error_code(r.text) == "scan_registered"


def _name(client: TestClient, scan_id: int) -> str:
    scan = client.app.state.ctx.scans.queued(scan_id)
    return str(scan.file_name)


def test_htmx_swaps_the_card_for_the_message(client: TestClient, office_dir: Office_, tmp_path: Path) -> None:
    scan_id = _scan(client, tmp_path, "Trang trắng")
    clerk = login_as(client, office_dir, "vanthu")
    hx = {"HX-Request": "true", "x-csrftoken": clerk}
    r = _post(client, None, f"/so-hoa/{scan_id}/loai-bo", headers=hx, ly_do="Trang trắng")
    assert r.status_code == 200 and "<html" not in r.text and f'data-scan-notice="{scan_id}"' in r.text
    assert 'data-testid="flash"' in r.text and "Đã loại bỏ bản quét" in r.text
    again = _post(client, None, f"/so-hoa/{scan_id}/loai-bo", headers=hx, ly_do="Trang trắng")
    assert again.status_code == 200 and _error_code(again.text) == "scan_discarded"  # htmx swaps 200 only
    r = _post(client, None, f"/so-hoa/{scan_id}/khoi-phuc", headers=hx)
    assert r.status_code == 200 and "Đã khôi phục bản quét" in r.text
    assert client.app.state.ctx.scans.queued(scan_id).state == "new"


def test_only_the_clerk_discards_and_restores(client: TestClient, office_dir: Office_,
                                               tmp_path: Path) -> None:
    scan_id = _scan(client, tmp_path, "Bản trùng")
    leader = login_as(client, office_dir, "lanhdao")
    assert client.get("/so-hoa/da-loai-bo").status_code == 200  # the leader reads the list …
    assert 'data-action="loai-bo"' not in client.get("/so-hoa").text  # … but has no such button
    assert _post(client, leader, f"/so-hoa/{scan_id}/loai-bo", ly_do="Trùng").status_code == 403
    admin = login_as(client, office_dir, "quantri")  # every guard lets the admin through; the rule does not
    r = _post(client, admin, f"/so-hoa/{scan_id}/loai-bo", ly_do="Trùng")
    assert r.status_code == 403 and _error_code(r.text) == "not_permitted"
    specialist = login_as(client, office_dir, "chuyenvien")
    assert client.get("/so-hoa/da-loai-bo").status_code == 403
    assert _post(client, specialist, f"/so-hoa/{scan_id}/loai-bo", ly_do="Trùng").status_code == 403
    assert client.app.state.ctx.scans.queued(scan_id).state == "new" and _audit(client, scan_id) == []


def test_vanthu_scanner_status_shows_discarded_scans(office_dir: Office_, tmp_path: Path) -> None:
    node_dir, _ = office_dir
    node = open_node(node_dir.config)
    try:
        ids = []
        for subject in ("Trang trắng khi quét", "Công văn số 15"):
            data = pdf_bytes(1) + f"% {subject}\n".encode()
            path = tmp_path / f"{hashlib.sha256(subject.encode()).hexdigest()[:10]}.pdf"
            path.write_bytes(data)
            part = ScanPart(index=0, pdf=path, pdf_is_original=True, pages=1, text=subject,
                            fields=ExtractedFields(), ocr=False, signed=False, dpi=300)
            ids.append(node.scans.save(ScanSubmission(
                original=path, original_sha256=hashlib.sha256(data).hexdigest(), media_type="application/pdf",
                file_name=path.name, folder="den", purpose=ScanPurpose.INCOMING, parts=(part,)),
                now=T0).scan_ids[0])
        queued = node.scans.queued(ids[0])
        assert queued is not None
        node.scans.discard(discard(queued, "Trang trắng", actor=ACTORS["vanthu"], at=T0))
    finally:
        node.close()
    out = run_cli("--config", str(node_dir.config_path), "scanner", "status", check=True).stdout
    assert "hàng chờ số hóa: 1 chờ vào sổ, 0 đã vào sổ, 1 đã loại bỏ" in out, out
    assert f"bản quét {ids[0]}: đã loại bỏ bởi vanthu: Trang trắng" in out
    assert f"bản quét {ids[1]}: chờ vào sổ" in out


def test_htmx_answer_updates_the_counts_out_of_band(client: TestClient, office_dir: Office_,
                                                    tmp_path: Path) -> None:
    """After an htmx Loại bỏ the page's "Đã loại bỏ (N)" link and the waiting count change without a
    reload: the answer carries them with hx-swap-oob, by the ids the pages have."""
    first, second = _scan(client, tmp_path, "Trang quét nhầm"), _scan(client, tmp_path, "Bản trùng")
    clerk = login_as(client, office_dir, "vanthu")
    queue = client.get("/so-hoa").text
    link = re.compile(r'<a href="/so-hoa/da-loai-bo" id="scan-discarded-link" data-testid="discarded-link"'
                      r' data-count="(\d+)"( hx-swap-oob="true")?>Đã loại bỏ \((\d+)\)</a>')
    waiting = re.compile(r'<span id="scan-waiting-count" data-testid="waiting-count"( hx-swap-oob="true")?>'
                         r'(\d+)</span>')
    m, w = link.search(queue), waiting.search(queue)
    assert m and m.group(1) == m.group(3) == "0" and not m.group(2)  # in the page, as the target
    assert w and w.group(2) == "2" and not w.group(1)

    hx = {"HX-Request": "true", "x-csrftoken": clerk}
    r = _post(client, None, f"/so-hoa/{first}/loai-bo", headers=hx, ly_do="Quét nhầm")
    assert r.status_code == 200 and f'data-scan-notice="{first}"' in r.text
    m, w = link.search(r.text), waiting.search(r.text)
    assert m and m.group(2) and m.group(3) == "1", r.text
    assert w and w.group(1) and w.group(2) == "1", r.text
    r = _post(client, None, f"/so-hoa/{second}/loai-bo", headers=hx, ly_do="Bản trùng")
    m = link.search(r.text)
    assert m and m.group(3) == "2"
    assert 'Đã loại bỏ (2)' in client.get("/so-hoa").text  # what a reload shows

    # Khôi phục on "Đã loại bỏ": its total goes down the same way
    listed = client.get("/so-hoa/da-loai-bo").text
    assert '<span id="scan-discarded-total" data-testid="discarded-total">2</span>' in listed
    r = _post(client, None, f"/so-hoa/{first}/khoi-phuc", headers=hx)
    total = '<span id="scan-discarded-total" data-testid="discarded-total" hx-swap-oob="true">1</span>'
    assert total in r.text
    # a refusal changes nothing, and says so without counts
    again = _post(client, None, f"/so-hoa/{second}/loai-bo", headers=hx, ly_do="Bản trùng")
    assert _error_code(again.text) == "scan_discarded" and "hx-swap-oob" not in again.text
