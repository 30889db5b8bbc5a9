"""Sổ đăng ký pages: the list with each register's last number, a register's entries, "Lấy số cho
văn bản giấy" without JS (redirect + highlight), with htmx (fragment) and as JSON; roles and CSRF."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from litestar.testing import TestClient

from node.app import create_app
from node.domain.accounts import Role
from node.domain.clock import VN_TZ, FixedClock
from node.store.audit import verify_audit
from node.store.db import Database
from tests.conftest import NODE_TOML, NodeDir, run_cli
from tests.registers.web_support import add_users, csrf_token, log_in

T0 = datetime(2026, 11, 24, 9, 30, tzinfo=VN_TZ)
ROLES = {"vanthu": Role.CLERK, "lanhdao": Role.LEADER, "chuyenvien": Role.SPECIALIST}


@pytest.fixture(scope="module")
def office_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """One `vanthu init` and the three accounts, copied for each test (init costs a second)."""
    root = tmp_path_factory.mktemp("office")
    cfg = root / "node.toml"
    cfg.write_text(NODE_TOML.format(code="000.00.01.H26", name="UBND phường Một", port=8080, max_failures=10),
                   encoding="utf-8")
    run_cli("--config", str(cfg), "init", check=True)
    return root, add_users(NodeDir(root, cfg), ROLES)


@pytest.fixture
def office(office_template: tuple[Path, dict[str, str]], tmp_path: Path) -> tuple[NodeDir, dict[str, str]]:
    template, passwords = office_template
    root = tmp_path / "office"
    shutil.copytree(template, root)
    return NodeDir(root, root / "node.toml"), passwords


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def client(office: tuple[NodeDir, dict[str, str]], clock: FixedClock) -> Iterator[TestClient]:
    node, _ = office
    with TestClient(app=create_app(node.config, clock=clock), base_url="http://127.0.0.1:8080") as c:
        yield c


def as_user(client: TestClient, office: tuple[NodeDir, dict[str, str]], username: str) -> str:
    return log_in(client, username, office[1][username])


def take(client: TestClient, token: str, subject: str, code: str = "di", **headers: str):
    return client.post(f"/so-dang-ky/{code}/lay-so", data={"trich_yeu": subject, "_csrf_token": token},
                       headers=headers, follow_redirects=False)


def test_clerk_takes_numbers_for_paper_documents(client: TestClient, office, clock: FixedClock) -> None:
    token = as_user(client, office, "vanthu")
    listing = client.get("/so-dang-ky")
    assert listing.status_code == 200
    for name in ("Sổ văn bản đến", "Sổ văn bản đi", "Sổ văn bản đi (mật)", "Sổ bản sao văn bản"):
        assert name in listing.text
    assert "chưa có số" in listing.text and "năm 2026" in listing.text

    # without JS: a redirect to the register page, the number highlighted
    r = take(client, token, "  Quyết định   khen thưởng tập thể  ")
    assert r.status_code == 303 and r.headers["location"] == "/so-dang-ky/di?nam=2026&so=1#so-1"
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    assert re.search(r'id="so-vua-lay" data-number="1">\s*Số vừa lấy: <strong>01</strong>', page.text)
    assert 'id="so-1" data-number="1" class="highlight"' in page.text
    assert "Quyết định khen thưởng tập thể" in page.text and "Người dùng vanthu" in page.text
    assert "24/11/2026 09:30:00" in page.text and "Lấy số cho văn bản giấy" in page.text

    # htmx: the fragment (result + entries), not the whole page
    r = take(client, token, "Công văn gửi Sở Nội vụ", **{"HX-Request": "true"})
    assert r.status_code == 200 and "<html" not in r.text
    assert 'id="so-vua-lay" data-number="2"' in r.text
    assert 'id="so-2" data-number="2" class="highlight"' in r.text

    # JSON for API clients
    r = take(client, token, "Tờ trình", accept="application/json")
    assert r.status_code == 201
    assert r.json() == {"register": "di", "year": 2026, "number": 3, "text": "03",
                        "allocated_at": T0.isoformat(), "subject": "Tờ trình"}

    # the secret register has its own series; the list shows the last numbers
    assert take(client, token, "Báo cáo mật", code="di-mat", accept="application/json").json()["number"] == 1
    listing = client.get("/so-dang-ky")
    assert re.search(r'data-register="di">.*?data-last="3">03<', listing.text, re.S)
    assert re.search(r'data-register="di-mat">.*?data-last="1">01<', listing.text, re.S)
    assert re.search(r'data-register="den">.*?data-last="0">chưa có số<', listing.text, re.S)

    # numbering restarts on 1 January (Vietnam time); the list shows the new year
    clock.set(datetime(2027, 1, 1, 0, 0, tzinfo=VN_TZ))
    assert take(client, token, "Văn bản đầu năm", accept="application/json").json()["number"] == 1
    assert "năm 2027" in client.get("/so-dang-ky").text
    assert "Tờ trình" in client.get("/so-dang-ky/di?nam=2026").text


def test_empty_subject_is_refused_and_takes_no_number(client: TestClient, office) -> None:
    token = as_user(client, office, "vanthu")
    r = take(client, token, "   ")
    assert r.status_code == 400 and "Cần nhập trích yếu" in r.text and 'data-code="subject_missing"' in r.text
    r = take(client, token, "", accept="application/json")
    assert r.status_code == 400 and r.json()["error"] == "subject_missing"
    r = take(client, token, "", **{"HX-Request": "true"})
    assert r.status_code == 200 and "Cần nhập trích yếu" in r.text
    assert take(client, token, "x" * 1001, accept="application/json").json()["error"] == "subject_too_long"
    assert take(client, token, "Văn bản thật", accept="application/json").json()["number"] == 1
    assert client.get("/so-dang-ky/khong-co").status_code == 404
    assert take(client, token, "x", code="khong-co", accept="application/json").status_code == 404


def test_entries_are_paginated_newest_first_and_by_year(client: TestClient, office) -> None:
    token = as_user(client, office, "vanthu")
    for i in range(1, 56):
        assert take(client, token, f"Văn bản {i}", accept="application/json").json()["number"] == i
    first = client.get("/so-dang-ky/di")
    numbers = [int(n) for n in re.findall(r'data-number="(\d+)"', first.text)]
    assert numbers == list(range(55, 5, -1)) and "Trang 1/2" in first.text
    second = client.get("/so-dang-ky/di?nam=2026&trang=2")
    assert [int(n) for n in re.findall(r'data-number="(\d+)"', second.text)] == [5, 4, 3, 2, 1]
    # a highlighted number opens on its page
    assert 'id="so-3" data-number="3" class="highlight"' in client.get("/so-dang-ky/di?nam=2026&so=3").text
    other_year = client.get("/so-dang-ky/di?nam=2025")
    assert "Năm 2025 sổ này chưa có số nào." in other_year.text
    assert client.get("/so-dang-ky/di?nam=12").status_code == 400


def test_leader_reads_but_cannot_take_a_number(client: TestClient, office) -> None:
    token = as_user(client, office, "lanhdao")
    assert client.get("/so-dang-ky").status_code == 200
    page = client.get("/so-dang-ky/di")
    assert page.status_code == 200 and "Lấy số cho văn bản giấy" not in page.text
    r = take(client, token, "Văn bản")
    assert r.status_code == 403 and "không có quyền" in r.text


def test_specialist_is_refused(client: TestClient, office) -> None:
    token = as_user(client, office, "chuyenvien")
    assert client.get("/so-dang-ky").status_code == 403
    assert client.get("/so-dang-ky/di").status_code == 403
    r = take(client, token, "Văn bản")
    assert r.status_code == 403 and "không có quyền" in r.text
    assert take(client, token, "Văn bản", accept="application/json").json()["error"] == "http_403"


def test_anonymous_is_sent_to_login(client: TestClient) -> None:
    for path in ("/so-dang-ky", "/so-dang-ky/di"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code in (302, 303) and r.headers["location"] == f"/login?next={path}"
    token = csrf_token(client)
    r = take(client, token, "Văn bản")
    assert r.status_code in (302, 303) and r.headers["location"].startswith("/login")


def test_post_without_csrf_is_refused_and_takes_no_number(client: TestClient, office) -> None:
    as_user(client, office, "vanthu")
    r = client.post("/so-dang-ky/di/lay-so", data={"trich_yeu": "Văn bản"}, follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text
    r = client.post("/so-dang-ky/di/lay-so", data={"trich_yeu": "Văn bản", "_csrf_token": "sai"},
                    follow_redirects=False)
    assert r.status_code == 403
    assert "chưa có số" in client.get("/so-dang-ky").text


def test_every_number_has_its_audit_row(client: TestClient, office) -> None:
    node, _ = office
    token = as_user(client, office, "vanthu")
    for i in range(3):
        take(client, token, f"Văn bản {i}")
    db = Database(node.config.db_path).open(migrate=False)
    try:
        rows = db.query("SELECT e.number, e.actor, e.subject, a.action FROM register_entry e"
                        " JOIN audit a ON a.id = e.audit_id ORDER BY e.number")
        assert [(r["number"], r["actor"], r["subject"], r["action"]) for r in rows] == [
            (i + 1, "vanthu", f"Văn bản {i}", "register.allocate") for i in range(3)]
        with db.read() as conn:
            assert verify_audit(conn).ok
    finally:
        db.close()
    assert run_cli("--config", str(node.config_path), "audit", "verify").returncode == 0
