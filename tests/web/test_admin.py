"""Quản trị pages: units, a new account with its one-time password who then logs in, roles and unit
changes, disable / enable / reset password, the last administrator kept, the holiday table and the
document types — each change with its audit row (chain verified); non-admins refused, CSRF required."""

from __future__ import annotations

import json
import re

import httpx
from litestar.testing import TestClient

from node.domain.categories import DeliveryCategory
from node.store.audit import verify_audit
from node.store.db import Database
from tests.registers.web_support import csrf_token
from tests.web import office_support as support
from tests.web.office_support import Office_, login_as, office_of

office_template, office_dir = support.office_template, support.office_dir
clock, client = support.clock, support.client

PASSWORD_RE = re.compile(r'data-username="([^"]+)" data-password="([^"]+)"')
ADMIN_GETS = ("/quan-tri/nguoi-dung", "/quan-tri/don-vi", "/quan-tri/ngay-nghi", "/quan-tri/loai-van-ban")
ADMIN_POSTS = ("/quan-tri/nguoi-dung", "/quan-tri/nguoi-dung/1/sua", "/quan-tri/nguoi-dung/1/khoa",
               "/quan-tri/nguoi-dung/1/mo-khoa", "/quan-tri/nguoi-dung/1/dat-lai-mat-khau",
               "/quan-tri/don-vi", "/quan-tri/don-vi/1/doi-ten", "/quan-tri/ngay-nghi",
               "/quan-tri/ngay-nghi/xoa", "/quan-tri/loai-van-ban")


def audit_rows(office_dir: Office_) -> list[tuple[str, str, str, dict[str, object]]]:
    db = Database(office_dir[0].config.db_path).open(migrate=False)
    try:
        with db.read() as conn:
            assert verify_audit(conn).ok
        return [(r["actor"], r["action"], r["subject"], json.loads(r["detail"] or "{}")) for r in db.query(
            "SELECT actor, action, subject, detail FROM audit WHERE action LIKE 'user.%'"
            " OR action LIKE 'unit.%' OR action LIKE 'holiday.%' OR action LIKE 'doctype.%' ORDER BY id")]
    finally:
        db.close()


def try_login(username: str, password: str, client: TestClient) -> httpx.Response:
    client.cookies.clear()
    token = csrf_token(client)
    return client.post("/login", data={"username": username, "password": password, "next": "/",
                                       "_csrf_token": token}, follow_redirects=False)


def user_id(page: str, username: str) -> int:
    m = re.search(rf'<tr data-user="{username}".*?/quan-tri/nguoi-dung/(\d+)/sua', page, re.S)
    assert m, page
    return int(m.group(1))


def test_admin_adds_a_unit_and_a_user_who_then_logs_in(client: TestClient, office_dir: Office_) -> None:
    token = login_as(client, office_dir, "quantri")
    r = client.post("/quan-tri/don-vi", data={"ma": "VP", "ten": "Văn  phòng", "_csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/quan-tri/don-vi?ok=don-vi"
    dup = client.post("/quan-tri/don-vi", data={"ma": "VP", "ten": "Khác", "_csrf_token": token})
    assert dup.status_code == 409 and "Mã đơn vị “VP” đã có." in dup.text
    bad = client.post("/quan-tri/don-vi", data={"ma": "V P", "ten": "X", "_csrf_token": token})
    assert bad.status_code == 400 and "Mã đơn vị" in bad.text
    units = client.get("/quan-tri/don-vi?ok=don-vi").text
    unit_id = int(re.search(r'/quan-tri/don-vi/(\d+)/doi-ten', units).group(1))
    assert 'data-unit="VP"' in units and 'value="Văn phòng"' in units and 'data-testid="flash"' in units
    client.post(f"/quan-tri/don-vi/{unit_id}/doi-ten", data={"ten": "Văn phòng UBND", "_csrf_token": token})
    assert 'value="Văn phòng UBND"' in client.get("/quan-tri/don-vi").text

    form = {"ten_dang_nhap": "NguyenVanA", "ho_ten": "Nguyễn Văn A", "chuc_vu": "Chuyên viên",
            "don_vi": str(unit_id), "vai_tro": ["specialist"], "_csrf_token": token}
    added = client.post("/quan-tri/nguoi-dung", data=form)
    assert added.status_code == 200 and added.headers["cache-control"] == "no-store"
    (username, password), = PASSWORD_RE.findall(added.text)
    assert username == "nguyenvana" and len(password) >= 16
    assert password not in client.get("/quan-tri/nguoi-dung").text  # shown once only
    assert client.post("/quan-tri/nguoi-dung", data=form).status_code == 409
    bad = client.post("/quan-tri/nguoi-dung", data={**form, "ten_dang_nhap": "Nguyễn A"})
    assert bad.status_code == 400 and "Tên đăng nhập" in bad.text and 'value="Nguyễn Văn A"' in bad.text
    no_role = {k: v for k, v in form.items() if k != "vai_tro"}
    assert client.post("/quan-tri/nguoi-dung", data={**no_role, "ten_dang_nhap": "bb"}).status_code == 400

    assert try_login("nguyenvana", password, client).status_code == 303
    home = client.get("/")
    assert "Nguyễn Văn A" in home.text and "Chuyên viên" in home.text
    assert client.get("/quan-tri/nguoi-dung").status_code == 403
    found = [u for u in client.app.state.ctx.accounts.list_users() if u.username == "nguyenvana"]
    user = client.app.state.ctx.directory.get(found[0].id)
    assert user.username == "nguyenvana" and user.unit_id == unit_id and user.title == "Chuyên viên"

    actions = [(actor, action) for actor, action, _, _ in audit_rows(office_dir)]
    assert ("quantri", "unit.create") in actions and ("quantri", "unit.rename") in actions
    assert ("quantri", "user.create") in actions


def test_roles_disable_enable_and_reset_password(client: TestClient, office_dir: Office_) -> None:
    token = login_as(client, office_dir, "quantri")
    page = client.get("/quan-tri/nguoi-dung").text
    cv = user_id(page, "chuyenvien")
    # a clerk now as well: the nav shows the clerk's pages
    edit = {"ho_ten": "Lê Chuyên Viên", "chuc_vu": "Chuyên viên", "vai_tro": ["specialist", "clerk"],
            "_csrf_token": token}
    r = client.post(f"/quan-tri/nguoi-dung/{cv}/sua", data=edit, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/quan-tri/nguoi-dung?ok=sua"
    no_role = client.post(f"/quan-tri/nguoi-dung/{cv}/sua", data={"_csrf_token": token})
    assert no_role.status_code == 400 and "ít nhất một vai trò" in no_role.text

    cv_client = TestClient(app=client.app, base_url="http://127.0.0.1:8080")
    login_as(cv_client, office_dir, "chuyenvien")
    assert ">Số hóa</a>" in cv_client.get("/").text and "Lê Chuyên Viên" in cv_client.get("/").text

    assert client.post(f"/quan-tri/nguoi-dung/{cv}/khoa", data={"_csrf_token": token},
                       follow_redirects=False).status_code == 303
    assert 'data-user="chuyenvien" data-active="false"' in client.get("/quan-tri/nguoi-dung").text
    # the open session ends, and a new login is refused
    assert cv_client.get("/", follow_redirects=False).headers["location"] == "/login"
    refused = try_login("chuyenvien", office_dir[1]["chuyenvien"], cv_client)
    assert refused.status_code == 401 and "vô hiệu hóa" in refused.text
    client.post(f"/quan-tri/nguoi-dung/{cv}/mo-khoa", data={"_csrf_token": token})
    assert try_login("chuyenvien", office_dir[1]["chuyenvien"], cv_client).status_code == 303

    reset = client.post(f"/quan-tri/nguoi-dung/{cv}/dat-lai-mat-khau", data={"_csrf_token": token})
    (username, password), = PASSWORD_RE.findall(reset.text)
    assert username == "chuyenvien"
    assert try_login("chuyenvien", office_dir[1]["chuyenvien"], cv_client).status_code == 401
    assert try_login("chuyenvien", password, cv_client).status_code == 303

    # the office never loses its last administrator (`vanthu init` made "admin"; disable it first)
    token = login_as(client, office_dir, "quantri")
    page = client.get("/quan-tri/nguoi-dung").text
    me, init_admin = user_id(page, "quantri"), user_id(page, "admin")
    assert client.post(f"/quan-tri/nguoi-dung/{init_admin}/khoa", data={"_csrf_token": token},
                       follow_redirects=False).status_code == 303
    selfish = client.post(f"/quan-tri/nguoi-dung/{me}/khoa", data={"_csrf_token": token})
    assert selfish.status_code == 400 and "tự vô hiệu hóa" in selfish.text
    demoted = client.post(f"/quan-tri/nguoi-dung/{me}/sua", data={"vai_tro": ["clerk"], "_csrf_token": token})
    assert demoted.status_code == 409 and "ít nhất một tài khoản quản trị" in demoted.text

    rows = audit_rows(office_dir)
    mine = [(actor, a, d) for actor, a, s, d in rows if s == f"user:{cv}"]
    assert [a for _, a, _ in mine] == ["user.create", "user.update", "user.disable", "user.enable",
                                       "user.password_reset"]
    assert all(actor == "quantri" for actor, _, _ in mine[1:])
    assert mine[1][2]["roles"] == ["clerk", "specialist"] and mine[1][2]["full_name"] == "Lê Chuyên Viên"
    assert all(password not in json.dumps(d) for _, _, _, d in rows)


def test_holiday_table_and_document_types(client: TestClient, office_dir: Office_) -> None:
    token = login_as(client, office_dir, "quantri")
    page = client.get("/quan-tri/ngay-nghi?nam=2027").text
    assert 'data-day="2027-01-01" data-kind="holiday"' in page  # the seeded table
    r = client.post("/quan-tri/ngay-nghi", data={"ngay": "2026-12-01", "loai": "holiday", "ten": "Nghỉ bù",
                                                 "ghi_chu": "Quyết định của UBND tỉnh", "_csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/quan-tri/ngay-nghi").text
    assert re.search(r'data-day="2026-12-01" data-kind="holiday">.*?Thứ Ba.*?Nghỉ bù', page, re.S)
    weekday = client.post("/quan-tri/ngay-nghi", data={"ngay": "2026-12-02", "loai": "makeup",
                                                       "ten": "Làm bù", "_csrf_token": token})
    assert weekday.status_code == 400 and "không phải thứ Bảy hoặc Chủ nhật" in weekday.text
    assert client.post("/quan-tri/ngay-nghi", data={"ngay": "mai", "loai": "holiday", "ten": "x",
                                                    "_csrf_token": token}).status_code == 400
    client.post("/quan-tri/ngay-nghi", data={"ngay": "2026-12-05", "loai": "makeup", "ten": "Làm bù thứ Bảy",
                                             "_csrf_token": token})
    assert 'data-day="2026-12-05" data-kind="makeup"' in client.get("/quan-tri/ngay-nghi").text
    assert client.post("/quan-tri/ngay-nghi/xoa", data={"ngay": "2026-12-01", "_csrf_token": token},
                       follow_redirects=False).status_code == 303
    assert 'data-day="2026-12-01"' not in client.get("/quan-tri/ngay-nghi").text
    gone = client.post("/quan-tri/ngay-nghi/xoa", data={"ngay": "2026-12-01", "_csrf_token": token})
    assert gone.status_code == 400 and "không có trong bảng" in gone.text

    types = client.get("/quan-tri/loai-van-ban").text
    assert 'data-type="Tờ trình" data-category="electronic_paper"' in types
    client.post("/quan-tri/loai-van-ban", data={"loai": "Công văn", "nhom": "electronic", "can_cu": "1",
                                                "_csrf_token": token})
    client.post("/quan-tri/loai-van-ban", data={"loai": "Công văn hỏa tốc", "nhom": "electronic_paper",
                                                "dinh_kem": "1", "_csrf_token": token})
    rules = office_of(client).docs.categories()
    assert rules.rule_for("Công văn").needs_legal_basis and not rules.rule_for("Công văn").needs_attachment
    hoa_toc = rules.rule_for("Công văn hỏa tốc")
    assert hoa_toc.category is DeliveryCategory.ELECTRONIC_PAPER and hoa_toc.needs_attachment
    assert client.post("/quan-tri/loai-van-ban", data={"loai": "X", "nhom": "fax", "_csrf_token": token}
                       ).status_code == 400
    actions = [(a, s) for _, a, s, _ in audit_rows(office_dir) if not a.startswith("user.")]
    assert actions == [("holiday.save", "holiday:2026-12-01"), ("holiday.save", "holiday:2026-12-05"),
                       ("holiday.delete", "holiday:2026-12-01"), ("doctype.save", "doctype:Công văn"),
                       ("doctype.save", "doctype:Công văn hỏa tốc")]


def test_non_admins_are_refused_and_csrf_is_required(client: TestClient, office_dir: Office_) -> None:
    for who in ("vanthu", "lanhdao", "chuyenvien"):
        token = login_as(client, office_dir, who)
        for path in ADMIN_GETS:
            assert client.get(path).status_code == 403, (who, path)
        for path in ADMIN_POSTS:
            assert client.post(path, data={"_csrf_token": token}).status_code == 403, (who, path)
        assert ">Quản trị</a>" not in client.get("/").text
    login_as(client, office_dir, "quantri")
    assert client.get("/quan-tri", follow_redirects=False).headers["location"] == "/quan-tri/nguoi-dung"
    for path in ADMIN_GETS:
        page = client.get(path)
        assert page.status_code == 200
        assert page.text.count('name="_csrf_token"') >= page.text.count('<form method="post"') > 0
    for path in ADMIN_POSTS:
        r = client.post(path, data={"ten": "x"})
        assert r.status_code == 403 and "CSRF" in r.text, path
    client.cookies.clear()
    assert client.get("/quan-tri/nguoi-dung", follow_redirects=False).headers["location"] == (
        "/login?next=/quan-tri/nguoi-dung")
