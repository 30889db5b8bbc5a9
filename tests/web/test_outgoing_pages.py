"""Văn bản đi pages over HTTP, on a real node (SQLite file, SoftHSM2 token): a giấy mời drafted,
sent for comments, submitted, signed with the leader's PIN (a wrong PIN first), numbered, sealed,
published into the outbox, its meeting moved, then recalled and frozen — all through the forms.
Also: a secret document refused for electronic recipients, a Quyết định without legal basis
refused at submission, role guards and the CSRF check."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from node.app import create_app, open_node
from node.config import Config
from node.domain.accounts import Role
from node.domain.documents import StatusCode
from node.domain.exchange import AgencyEntry
from node.signing.sample import DraftSpec, make_draft
from node.signing.softhsm import DemoToken
from node.store.db import Database
from node.store.users import create_user
from node.web.passwords import Argon2Hasher
from tests.conftest import NODE_TOML, NodeDir, run_cli
from tests.registers.web_support import log_in

pytestmark = [pytest.mark.hsm]

LEADER_NAME = "Nguyễn Văn An"
B = ("000.00.02.H26", "UBND phường Hai")
PEOPLE = {"chuyenvien": (Role.SPECIALIST, "Lê Chuyên Viên"), "lanhdao": (Role.LEADER, LEADER_NAME),
          "vanthu": (Role.CLERK, "Trần Thị Văn Thư"),
          "chuyenvien2": (Role.SPECIALIST, "Phạm Chuyên Viên Hai")}
PASSWORD = "mat-khau-thu-nghiem-1"
SIGNING = """
[signing]
token_label = "{label}"
softhsm2_conf = "{conf}"
agency_pin_file = "{pin_file}"
trust_anchors = ["{ca}"]
"""
ACTION_RE = re.compile(r'data-action="([a-z-]+)"')


@dataclass
class Site:
    client: TestClient[Any]
    config: Config
    token: DemoToken
    csrf: str = ""

    def login(self, username: str) -> None:
        self.client.cookies.clear()
        self.csrf = log_in(self.client, username, PASSWORD)

    def post(self, path: str, data: dict[str, object] | None = None, **kw: object) -> httpx.Response:
        body = {"_csrf_token": self.csrf, **(data or {})}
        return self.client.post(path, data=body, follow_redirects=False, **kw)  # type: ignore[arg-type]

    def db(self) -> Database:
        return Database(self.config.db_path).open()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, softhsm_token: DemoToken) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("outgoing-pages")
    cfg = root / "node.toml"
    t = softhsm_token
    cfg.write_text(NODE_TOML.format(code="000.00.01.H26", name="UBND phường Một", port=8080, max_failures=10)
                   + SIGNING.format(label=t.label, conf=t.conf, pin_file=t.pin_file, ca=t.ca_cert),
                   encoding="utf-8")
    run_cli("--config", str(cfg), "init", check=True)
    node = NodeDir(root, cfg)
    opened = open_node(node.config)
    try:
        digest = Argon2Hasher().hash(PASSWORD)
        def add(d: Any) -> None:
            for username, (role, name) in PEOPLE.items():
                create_user(d, username=username, full_name=name, password_hash=digest, roles=[role],
                            now=opened.clock.now(), actor="test")

        opened.db.write(add)
        opened.exchange.replace_agencies([AgencyEntry(code=B[0], name=B[1])])
    finally:
        opened.close()
    app = create_app(node.config)
    with TestClient(app=app, base_url="http://127.0.0.1:8080") as client:
        yield Site(client, node.config, softhsm_token)


def _pdf(kind: str = "GIẤY MỜI", suffix: str = "/GM-UBND") -> tuple[str, bytes, str]:
    return ("du-thao.pdf", make_draft(DraftSpec(kind=kind, number_suffix=suffix, full_name=LEADER_NAME,
                                                subject="Về việc họp giao ban tháng 12")), "application/pdf")


def _create(site: Site, fields: dict[str, object], *, pdf: tuple[str, bytes, str] | None = None,
            attachments: tuple[tuple[str, bytes], ...] = ()) -> httpx.Response:
    files = [("tep", pdf or _pdf())]
    files += [("dinh_kem", (n, d, "application/octet-stream")) for n, d in attachments]
    return site.post("/van-ban-di/moi", fields, files=files)


def _id(r: httpx.Response) -> int:
    assert r.status_code == 303, (r.status_code, r.text[:2000])
    m = re.match(r"/van-ban-di/(\d+)\?ok=", r.headers["location"])
    assert m, r.headers["location"]
    return int(m.group(1))


def _page(site: Site, doc_id: int) -> str:
    r = site.client.get(f"/van-ban-di/{doc_id}")
    assert r.status_code == 200, r.text[:2000]
    return r.text


def _state(html: str) -> str:
    m = re.search(r'data-testid="state" data-state="([a-z_]+)"', html)
    assert m, html[:2000]
    return m.group(1)


def _error(html: str) -> str:
    m = re.search(r'<p class="error" data-testid="error"[^>]*>([^<]*)</p>', html)
    assert m, html[:3000]
    return m.group(1)


def _report(site: Site, document_id: str, code: StatusCode, description: str) -> None:
    """A status package from B arrived (what the intake does with it)."""
    node = open_node(site.config)
    try:
        got = node.office.status_arrived(document_id, B[0], code, description,
                                         find=node.docs.outgoing_by_document_id)
        assert got is not None
    finally:
        node.close()


def _ok(site: Site, doc_id: int, action: str, data: dict[str, object] | None = None) -> str:
    r = site.post(f"/van-ban-di/{doc_id}/{action}", data)
    assert r.status_code == 303, (action, r.status_code, r.text[:3000])
    assert r.headers["location"] == f"/van-ban-di/{doc_id}?ok={action}"
    page = site.client.get(r.headers["location"]).text
    assert 'data-testid="flash"' in page
    return page


def test_giay_moi_from_draft_to_recall_through_the_forms(site: Site) -> None:
    site.login("chuyenvien")
    form = site.client.get("/van-ban-di/moi")
    assert form.status_code == 200 and B[1] in form.text and 'enctype="multipart/form-data"' in form.text
    due = (date.today() + timedelta(days=10)).isoformat()
    start = (date.today() + timedelta(days=7)).isoformat()
    doc_id = _id(_create(site, {
        "loai": "Giấy mời", "trich_yeu": "Về việc họp giao ban tháng 12", "noi_nhan": [B[0]],
        "noi_nhan_giay": "Lưu: VT", "do_khan": "1", "do_mat": "0", "han": due, "chuc_vu": "Chủ tịch",
        "can_cu": "", "hop_tieu_de": "Họp giao ban tháng 12", "hop_bat_dau": f"{start}T14:00",
        "hop_ket_thuc": f"{start}T16:00", "hop_dia_diem": "Phòng họp số 1", "hop_chu_tri": LEADER_NAME,
    }, attachments=(("chuong-trinh.pdf", b"%PDF-1.4 chuong trinh"),)))
    page = _page(site, doc_id)
    assert _state(page) == "draft" and 'data-category="electronic"' in page
    assert "Dự thảo đủ điều kiện trình ký" in page and 'src="/tep/' in page
    assert 'data-testid="meeting"' in page and "Phòng họp số 1" in page and "14 giờ 00" in page
    assert set(ACTION_RE.findall(page)) == {"gop-y", "y-kien", "trinh-ky", "thay-tep", "sua-du-thao"}
    assert 'data-ok="false"' in page and "chưa có chữ ký số" in page

    _ok(site, doc_id, "gop-y", {"nguoi_gop_y": "lanhdao"})
    site.login("lanhdao")
    page = _ok(site, doc_id, "y-kien", {"noi_dung": "Đề nghị bổ sung thành phần dự họp."})
    assert _state(page) == "in_review" and "Đề nghị bổ sung thành phần dự họp." in page
    site.login("chuyenvien")
    page = _ok(site, doc_id, "trinh-ky", {"lanh_dao": "lanhdao"})
    assert _state(page) == "submitted" and "data-action" in page
    assert site.post(f"/van-ban-di/{doc_id}/ky", {"pin": site.token.user_pin}).status_code == 403

    site.login("lanhdao")
    page = _page(site, doc_id)
    assert 'type="password" name="pin"' in page and {"ky", "tra-lai"} <= set(ACTION_RE.findall(page))
    wrong = site.post(f"/van-ban-di/{doc_id}/ky", {"pin": "000000-sai"})
    assert wrong.status_code == 400 and "PIN không đúng" in _error(wrong.text)
    assert "000000-sai" not in wrong.text and _state(wrong.text) == "submitted"
    page = _ok(site, doc_id, "ky", {"pin": site.token.user_pin})
    assert _state(page) == "signed" and 'data-testid="signatures" data-ok="true"' in page
    assert page.count("HỢP LỆ:") == 1 and LEADER_NAME in page
    assert site.post(f"/van-ban-di/{doc_id}/cap-so", {}).status_code == 403  # leaders do not number

    site.login("vanthu")
    page = _page(site, doc_id)
    assert set(ACTION_RE.findall(page)) == {"cap-so"} and 'name="so"' in page
    page = _ok(site, doc_id, "cap-so", {"so": ""})  # the register chosen by type
    assert _state(page) == "numbered"
    code = re.search(r'data-testid="code">([^<]+)<', page).group(1)  # type: ignore[union-attr]
    assert re.fullmatch(r"\d+/GM-UBND", code), code
    assert 'name="pin"' not in page  # the agency PIN is in the server's pin file
    office = site.client.app.state.ctx.office
    office.agency_pin_stored = False  # a node without signing.agency_pin_file asks the clerk
    try:
        assert 'type="password" name="pin"' in _page(site, doc_id)
        agency_pin = site.token.pin_file.read_text(encoding="utf-8").strip()
        page = _ok(site, doc_id, "ky-so-co-quan", {"pin": agency_pin})
    finally:
        office.agency_pin_stored = True
    assert _state(page) == "sealed" and page.count("HỢP LỆ:") == 2
    page = _ok(site, doc_id, "phat-hanh")
    assert _state(page) == "published"
    assert f'data-recipient="{B[0]}" data-delivery="queued"' in page and "Chờ gửi" in page
    assert 'data-recipient="Lưu: VT" data-delivery="paper"' in page
    db = site.db()
    try:
        doc_row = db.query_one("SELECT document_id FROM doc_out WHERE id = ?", (doc_id,))
        assert doc_row is not None and doc_row["document_id"].endswith(code)
        queued = db.query("SELECT recipient_code, state FROM axis_outbox WHERE document_id = ?",
                          (doc_row["document_id"],))
        assert [(r["recipient_code"], r["state"]) for r in queued] == [(B[0], "queued")]
    finally:
        db.close()

    # the meeting moves: an update (BussinessDocType 2) goes out and the entry changes
    later = (date.today() + timedelta(days=8)).isoformat()
    page = _ok(site, doc_id, "doi-lich-hop", {"kieu": "doi", "ly_do": "Trùng lịch tiếp dân",
                                              "bat_dau_moi": f"{later}T08:00", "dia_diem_moi": "Hội trường"})
    assert "Hội trường" in page and "08 giờ 00" in page and "Trùng lịch tiếp dân" in page

    # the list shows it with its state
    listing = site.client.get("/van-ban-di?trang_thai=published")
    assert listing.status_code == 200 and f'data-ref="out:{doc_id}"' in listing.text

    _report(site, doc_row["document_id"], StatusCode.ACCEPTED, "")  # B's clerk accepted it
    page = _page(site, doc_id)
    assert f'data-recipient="{B[0]}" data-delivery="03"' in page and "Đã tiếp nhận" in page

    page = _ok(site, doc_id, "thu-hoi", {"ly_do": "Ban hành nhầm nơi nhận"})
    assert _state(page) == "recalled" and "Ban hành nhầm nơi nhận" in page
    assert ACTION_RE.findall(page) == []  # frozen: no more actions
    events = re.findall(r'data-event="([a-z_.]+)"', page)
    steps = ("draft", "review", "comment", "submit", "sign", "number", "seal", "publish", "update", "status",
             "recall")
    assert events == [f"outgoing.{e}" for e in steps], events
    _report(site, doc_row["document_id"], StatusCode.CHANGE_REFUSED, "Văn bản đã được thực hiện")
    page = _page(site, doc_id)
    assert 'data-recall-reply="16">Từ chối thu hồi: Văn bản đã được thực hiện<' in page
    assert "<strong>Nơi nhận báo trạng thái</strong>" in page and "Từ chối thu hồi; Từ: " in page
    again = site.post(f"/van-ban-di/{doc_id}/phat-hanh")
    assert again.status_code == 409 and "khóa" in _error(again.text)
    db = site.db()
    try:
        recalls = db.query("SELECT recipient_code FROM axis_outbox WHERE document_id = ? AND subject LIKE"
                           " '[Thu hồi]%'", (doc_row["document_id"],))
        assert [r["recipient_code"] for r in recalls] == [B[0]]  # the recall (13) to the office that has it
    finally:
        db.close()


def test_secret_document_only_on_paper(site: Site) -> None:
    site.login("chuyenvien")
    fields: dict[str, object] = {"loai": "Công văn", "trich_yeu": "Về việc bảo vệ bí mật nhà nước",
                                 "don_vi": "VP", "do_mat": "1", "noi_nhan": [B[0]]}
    db = site.db()
    try:
        before = db.query_one("SELECT count(*) AS n FROM doc_out")["n"]  # type: ignore[index]
        refused = _create(site, fields, pdf=_pdf("CÔNG VĂN", "/UBND-VP"))
        assert refused.status_code == 400
        assert "Văn bản mật không được gửi qua trục liên thông" in _error(refused.text)
        assert "Về việc bảo vệ bí mật nhà nước" in refused.text  # the form keeps what was typed
        assert db.query_one("SELECT count(*) AS n FROM doc_out")["n"] == before  # type: ignore[index]
    finally:
        db.close()
    fields.pop("noi_nhan")
    paper = {**fields, "noi_nhan_giay": f"{B[0]}|{B[1]}"}
    doc_id = _id(_create(site, paper, pdf=_pdf("CÔNG VĂN", "/UBND-VP")))
    page = _page(site, doc_id)
    assert 'data-category="secret"' in page and ">Mật<" in page
    # signed and numbered: each step made a new PDF; none of them opens for a colleague not given it
    def current_pdf() -> str:
        db = site.db()
        try:
            row = db.query_one("SELECT json_extract(data, '$.pdf_blob') FROM doc_out WHERE id = ?", (doc_id,))
            assert row is not None
            return str(row[0])
        finally:
            db.close()

    files = [current_pdf()]
    _ok(site, doc_id, "trinh-ky", {"lanh_dao": "lanhdao"})
    site.login("lanhdao")
    _ok(site, doc_id, "ky", {"pin": site.token.user_pin})
    files.append(current_pdf())
    site.login("vanthu")
    _ok(site, doc_id, "cap-so", {"so": ""})
    files.append(current_pdf())
    assert len(set(files)) == 3, files  # the draft, the signed one, the one with số / ngày filled in
    assert all(site.client.get(f"/tep/{sha}").status_code == 200 for sha in files)  # văn thư reads them
    site.login("chuyenvien2")
    assert [site.client.get(f"/tep/{sha}").status_code for sha in files] == [403] * 3


def test_decision_needs_a_legal_basis_before_submission(site: Site) -> None:
    site.login("chuyenvien")
    doc_id = _id(_create(site, {"loai": "Quyết định", "trich_yeu": "Về việc thành lập tổ công tác",
                                "noi_nhan": f"{B[0]}|{B[1]}"}, pdf=_pdf("QUYẾT ĐỊNH", "/QĐ-UBND")))
    page = _page(site, doc_id)
    assert "Chưa thể trình ký" in page and "phải nêu cơ sở pháp lý" in page
    refused = site.post(f"/van-ban-di/{doc_id}/trinh-ky", {"lanh_dao": "lanhdao"})
    assert refused.status_code == 400 and "phải nêu cơ sở pháp lý" in _error(refused.text)
    assert _state(_page(site, doc_id)) == "draft"


def test_guards_and_csrf(site: Site) -> None:
    site.login("chuyenvien")
    doc_id = _id(_create(site, {"loai": "Công văn", "trich_yeu": "Về việc kiểm tra quyền", "don_vi": "VP",
                                "noi_nhan": [B[0]]}, pdf=_pdf("CÔNG VĂN", "/UBND-VP")))
    for action in ("ky", "tra-lai", "cap-so", "ky-so-co-quan", "phat-hanh", "thu-hoi", "doi-lich-hop"):
        assert site.post(f"/van-ban-di/{doc_id}/{action}", {"ly_do": "x"}).status_code == 403, action
    no_token = site.client.post(f"/van-ban-di/{doc_id}/y-kien", data={"noi_dung": "không có mã"},
                                follow_redirects=False)
    assert no_token.status_code == 403 and "CSRF" in no_token.text
    assert site.client.get("/van-ban-di/999999").status_code == 404
    unknown = _create(site, {"loai": "Công văn", "trich_yeu": "Nơi nhận lạ", "don_vi": "VP",
                             "noi_nhan": ["000.99.99.H99"]}, pdf=_pdf("CÔNG VĂN", "/UBND-VP"))
    assert unknown.status_code == 400 and "000.99.99.H99" in _error(unknown.text)
    site.client.cookies.clear()
    anonymous = site.client.get(f"/van-ban-di/{doc_id}", follow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["location"]


def _submit_to_publish(site: Site, doc_id: int) -> str:
    """A draft of chuyenvien through trình ký, ký, cấp số, ký số cơ quan and phát hành; the last page."""
    _ok(site, doc_id, "trinh-ky", {"lanh_dao": "lanhdao"})
    site.login("lanhdao")
    _ok(site, doc_id, "ky", {"pin": site.token.user_pin})
    site.login("vanthu")
    _ok(site, doc_id, "cap-so", {"so": ""})
    _ok(site, doc_id, "ky-so-co-quan")
    return _ok(site, doc_id, "phat-hanh")


def _publish_through_forms(site: Site, fields: dict[str, object]) -> int:
    site.login("chuyenvien")
    doc_id = _id(_create(site, fields, pdf=_pdf("CÔNG VĂN", "/UBND-VP")))
    assert _state(_submit_to_publish(site, doc_id)) == "published"
    return doc_id


def test_update_and_replacement_through_the_forms(site: Site) -> None:
    fields: dict[str, object] = {"loai": "Công văn", "trich_yeu": "Về việc lịch tiếp công dân",
                                 "noi_nhan": [B[0]], "don_vi": "VP", "chuc_vu": "Chủ tịch"}
    old = _publish_through_forms(site, fields)
    page = _page(site, old)
    assert {"thu-hoi", "cap-nhat", "thay-the"} <= set(ACTION_RE.findall(page))
    page = _ok(site, old, "cap-nhat", {"trich_yeu": "Về việc lịch tiếp công dân tháng 12",
                                       "ly_do": "Điều chỉnh trích yếu"})
    assert "Về việc lịch tiếp công dân tháng 12" in page and _state(page) == "published"
    db = site.db()
    try:
        doc = db.query_one("SELECT document_id FROM doc_out WHERE id = ?", (old,))
        assert doc is not None
        subjects = [r[0] for r in db.query("SELECT subject FROM axis_outbox WHERE document_id = ?"
                                           " AND kind = 'edoc' ORDER BY id", (doc["document_id"],))]
    finally:
        db.close()
    assert subjects[-1].startswith("[Cập nhật]"), subjects

    form = site.client.get(f"/van-ban-di/moi?thay_the={old}")
    assert form.status_code == 200 and f'name="thay_the" value="{old}"' in form.text and B[0] in form.text
    site.login("chuyenvien")
    new = _id(_create(site, {**fields, "trich_yeu": "Về việc lịch tiếp công dân (thay thế)",
                             "thay_the": str(old)}, pdf=_pdf("CÔNG VĂN", "/UBND-VP")))
    _submit_to_publish(site, new)
    page = _page(site, old)
    assert _state(page) == "replaced" and "data-action" not in page
