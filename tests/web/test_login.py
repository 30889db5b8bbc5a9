"""Login, lockout, CSRF and health, against the real app over a real SQLite file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest
from litestar.testing import TestClient

from node.app import create_app
from node.domain.clock import VN_TZ, FixedClock
from tests.conftest import NodeDir, run_cli

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=VN_TZ)


@pytest.fixture
def node_with_user(make_node) -> tuple[NodeDir, str]:
    node = make_node(max_failures=10)
    proc = run_cli("--config", str(node.config_path), "user", "add", "vanthu", "--name", "Trần Thị Bình",
                   "--role", "clerk", check=True)
    password = proc.stdout.split()[-1]
    return node, password


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def client(node_with_user, clock) -> Iterator[TestClient]:
    node, _ = node_with_user
    app = create_app(node.config, clock=clock)
    with TestClient(app=app, base_url="http://127.0.0.1:8080") as c:
        yield c


def csrf(client: TestClient) -> str:
    page = client.get("/login")
    assert page.status_code == 200
    m = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert m
    return m.group(1)


def login(client: TestClient, username: str, password: str) -> httpx.Response:
    token = csrf(client)
    return client.post("/login", data={"username": username, "password": password, "next": "/",
                                       "_csrf_token": token}, follow_redirects=False)


def test_login_page_is_vietnamese_and_self_hosted(client: TestClient) -> None:
    page = client.get("/login")
    assert "Đăng nhập" in page.text and "Tên đăng nhập" in page.text and "Mật khẩu" in page.text
    assert '<html lang="vi">' in page.text
    assert "/static/htmx.min.js" in page.text and "http" not in page.text.split("<body")[0].replace(
        "http-equiv", "")
    js = client.get("/static/htmx.min.js")
    assert js.status_code == 200 and "htmx" in js.text[:200]


def test_anonymous_is_sent_to_login(client: TestClient) -> None:
    r = client.get("/", follow_redirects=False)
    assert r.status_code in (302, 303) and r.headers["location"] == "/login"


def test_login_and_logout(client: TestClient, node_with_user) -> None:
    _, password = node_with_user
    r = login(client, "vanthu", password)
    assert r.status_code == 303 and r.headers["location"] == "/"
    home = client.get("/")
    assert home.status_code == 200 and "Trần Thị Bình" in home.text and "Văn thư" in home.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', home.text).group(1)
    out = client.post("/logout", data={"_csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/", follow_redirects=False).status_code in (302, 303)


def test_wrong_password_answers_in_vietnamese(client: TestClient) -> None:
    r = login(client, "vanthu", "sai-mat-khau")
    assert r.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in r.text
    unknown = login(client, "khongco", "x")
    assert unknown.status_code == 401 and "Tên đăng nhập hoặc mật khẩu không đúng" in unknown.text


def test_ten_failures_lock_the_account_for_the_configured_time(client: TestClient, node_with_user,
                                                                clock: FixedClock) -> None:
    _, password = node_with_user
    for _ in range(9):
        assert login(client, "vanthu", "sai").status_code == 401
    tenth = login(client, "vanthu", "sai")
    assert "tạm khóa" in tenth.text
    # the right password is refused while locked
    locked = login(client, "vanthu", password)
    assert locked.status_code == 401 and "tạm khóa" in locked.text
    clock.advance(timedelta(minutes=14))
    assert "tạm khóa" in login(client, "vanthu", password).text
    clock.advance(timedelta(minutes=2))
    assert login(client, "vanthu", password).status_code == 303


def test_success_resets_the_failure_count(client: TestClient, node_with_user) -> None:
    _, password = node_with_user
    for _ in range(9):
        login(client, "vanthu", "sai")
    assert login(client, "vanthu", password).status_code == 303
    r = login(client, "vanthu", "sai")
    assert "Còn 9 lần thử" in r.text


def test_post_without_csrf_token_is_refused(client: TestClient, node_with_user) -> None:
    _, password = node_with_user
    client.get("/login")
    r = client.post("/login", data={"username": "vanthu", "password": password})
    assert r.status_code == 403
    assert "CSRF" in r.text and "Traceback" not in r.text
    r2 = client.post("/logout", data={})
    assert r2.status_code == 403


def test_login_events_are_audited(client: TestClient, node_with_user) -> None:
    node, password = node_with_user
    login(client, "vanthu", "sai")
    login(client, "vanthu", password)
    proc = run_cli("--config", str(node.config_path), "audit", "verify")
    assert proc.returncode == 0 and "4 row(s)" in proc.stdout  # admin and vanthu created, failed, ok


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["database"] == "green"
    assert body["free_disk_mb"] > 0 and body["version"]


def test_next_parameter_cannot_leave_the_site(client: TestClient, node_with_user) -> None:
    _, password = node_with_user
    token = csrf(client)
    r = client.post("/login", data={"username": "vanthu", "password": password,
                                    "next": "//evil.example/", "_csrf_token": token}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_unknown_page_is_a_vietnamese_404(client: TestClient, node_with_user) -> None:
    _, password = node_with_user
    login(client, "vanthu", password)
    r = client.get("/khong-co-trang-nay")
    assert r.status_code == 404 and "Không tìm thấy" in r.text


def test_session_id_changes_at_login(client: TestClient, node_with_user) -> None:
    _, password = node_with_user
    planted = "a" * 64  # an id an attacker made the browser carry before login
    client.cookies.set("session", planted, domain="127.0.0.1")
    r = login(client, "vanthu", password)
    issued = r.headers.get("set-cookie", "")
    assert issued.startswith("session=") and planted not in issued
    assert client.get("/", follow_redirects=False).status_code == 200


def test_guarded_route_sends_anonymous_to_login_and_refuses_other_roles(client: TestClient,
                                                                         node_with_user) -> None:
    r = client.get("/admin/chan-doan", follow_redirects=False)
    assert r.status_code in (302, 303) and r.headers["location"].startswith("/login")
    _, password = node_with_user
    login(client, "vanthu", password)  # a clerk: the role guard answers, in Vietnamese
    denied = client.get("/admin/chan-doan")
    assert denied.status_code == 403 and "không có quyền" in denied.text
