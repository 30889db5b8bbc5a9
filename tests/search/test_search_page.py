"""The search page /tim-kiem over a real node (vanthu init, real SQLite, argon2 logins)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from litestar.testing import TestClient

from node.app import create_app
from node.domain.accounts import Role
from node.domain.clock import VN_TZ, FixedClock
from node.store.db import Database
from node.store.search import index_text
from node.store.users import create_user
from node.web.passwords import Argon2Hasher
from tests.conftest import NODE_TOML, NodeDir, run_cli
from tests.search.support import NOW, add_in, add_out

PASSWORD = "mat-khau-thu-nghiem-1"


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NodeDir, dict[str, int]]]:
    """One office for the module (``vanthu init`` is the slow part), read-only for the tests."""
    root = tmp_path_factory.mktemp("search-office")
    cfg = root / "node.toml"
    cfg.write_text(NODE_TOML.format(code="000.00.01.H26", name="UBND phường Một", port=8080, max_failures=10),
                   encoding="utf-8")
    run_cli("--config", str(cfg), "init", check=True)
    node = NodeDir(root, cfg)
    db = Database(node.config.db_path).open()
    hashed = Argon2Hasher().hash(PASSWORD)
    for username, role in (("chuyenvien", Role.SPECIALIST), ("vanthu", Role.CLERK)):
        db.write(lambda d, u=username, r=role: create_user(d, username=u, full_name=f"Người dùng {u}",
                                                           password_hash=hashed, roles=[r], now=NOW,
                                                           actor="test"))
    ids = {"dn": add_in(db, "Triển khai văn bản điện tử", issuer="UBND thành phố Đà Nẵng",
                        type_name="Kế hoạch"),
           "hue": add_in(db, "Lịch công tác tại Huế", issuer="UBND tỉnh Thừa Thiên Huế",
                         text="đoàn công tác Đà Nẵng – Huế"),
           "out": add_out(db, "Báo cáo văn bản điện tử năm 2026", state="published", type_name="Báo cáo")}
    for n in range(1, 23):
        add_in(db, f"Giấy mời họp giao ban số {n}", type_name="Giấy mời")
    db.write(lambda d: index_text(d, kind="scan", ref="7", title="Bản quét",
                                  body="Công văn viết tay về đê điều", now=NOW))
    db.close()
    yield node, ids


@pytest.fixture
def client(office) -> Iterator[TestClient]:
    node, _ = office
    app = create_app(node.config, clock=FixedClock(datetime(2026, 3, 10, 9, tzinfo=VN_TZ)))
    with TestClient(app=app, base_url="http://127.0.0.1:8080") as c:
        yield c


def login(client: TestClient, username: str = "chuyenvien") -> None:
    token = re.search(r'name="_csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    r = client.post("/login", data={"username": username, "password": PASSWORD, "next": "/",
                                    "_csrf_token": token.group(1)}, follow_redirects=False)
    assert r.status_code == 303


def refs(html: str) -> list[str]:
    return re.findall(r'<li data-ref="([^"]+)"', html)


def test_anonymous_goes_to_login(client: TestClient) -> None:
    r = client.get("/tim-kiem?q=da+nang", follow_redirects=False)
    assert r.status_code in (302, 303) and r.headers["location"].startswith("/login")
    htmx = client.get("/tim-kiem?q=x", headers={"hx-request": "true"}, follow_redirects=False)
    assert htmx.status_code in (204, 401) and "<html" not in htmx.text


def test_search_page_folds_filters_and_links(client: TestClient, office) -> None:
    _, ids = office
    login(client)
    empty = client.get("/tim-kiem")
    assert empty.status_code == 200 and "Tìm kiếm văn bản" in empty.text and 'method="get"' in empty.text
    assert "Đúng dấu tiếng Việt" in empty.text and "Nhập từ khóa" in empty.text
    page = client.get("/tim-kiem", params={"q": "van ban dien tu"})
    assert sorted(refs(page.text)) == sorted([f"in:{ids['dn']}", f"out:{ids['out']}"])
    assert f'href="/van-ban-den/{ids["dn"]}"' in page.text and f'href="/van-ban-di/{ids["out"]}"' in page.text
    assert "văn bản điện tử" in page.text and "Chờ tiếp nhận" in page.text and "Đã phát hành" in page.text
    assert sorted(refs(client.get("/tim-kiem", params={"q": "da nang"}).text)) == sorted(
        [f"in:{ids['dn']}", f"in:{ids['hue']}"])
    # exact: only the marks as typed
    assert refs(client.get("/tim-kiem", params={"q": "da nang", "chinh_xac": "1"}).text) == []
    assert "không chọn" in client.get("/tim-kiem", params={"q": "da nang", "chinh_xac": "1"}).text
    exact = client.get("/tim-kiem", params={"q": "Đà Nẵng", "chinh_xac": "1"})
    assert sorted(refs(exact.text)) == sorted([f"in:{ids['dn']}", f"in:{ids['hue']}"])
    assert 'name="chinh_xac" value="1" checked' in exact.text
    # filters
    def hits(**params: str) -> list[str]:
        return refs(client.get("/tim-kiem", params=params).text)

    assert hits(q="dien tu", loai_vb="di") == [f"out:{ids['out']}"]
    assert hits(q="da nang", don_vi="Huế") == [f"in:{ids['hue']}"]
    assert hits(q="dien tu", loai="Kế hoạch") == [f"in:{ids['dn']}"]
    assert hits(q="dien tu", trang_thai="published") == [f"out:{ids['out']}"]
    assert hits(q="dien tu", tu_ngay="2026-03-03") == []
    assert hits(q="de dieu") == []  # a scan is the clerk's raw intake: not for a chuyên viên
    # nonsense in the form is ignored, never an error page
    odd = client.get("/tim-kiem", params={"q": '") OR 1=1 --', "tu_ngay": "31/02/2026", "trang_thai": "x",
                                          "trang": "abc"})
    assert odd.status_code == 200 and "Không tìm thấy" in odd.text


def test_paging_and_the_htmx_fragment(client: TestClient) -> None:
    login(client)
    first = client.get("/tim-kiem", params={"q": "giao ban"})
    assert len(refs(first.text)) == 20 and "Trang sau" in first.text and "Trang trước" not in first.text
    second = client.get("/tim-kiem", params={"q": "giao ban", "trang": "2"})
    assert len(refs(second.text)) == 2 and "Trang trước" in second.text and "Trang sau" not in second.text
    assert not set(refs(first.text)) & set(refs(second.text))
    fragment = client.get("/tim-kiem", params={"q": "giao ban"},
                          headers={"hx-request": "true", "hx-target": "ket-qua-tim-kiem"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and len(refs(fragment.text)) == 20
    assert 'hx-get="/tim-kiem?q=giao+ban&amp;trang=2"' in fragment.text


def test_the_clerk_finds_scans(client: TestClient) -> None:
    login(client, "vanthu")
    scan = client.get("/tim-kiem", params={"q": "de dieu", "loai_vb": "so-hoa"})
    assert refs(scan.text) == ["7"] and 'href="/so-hoa/7"' in scan.text and "Bản số hóa" in scan.text


def test_most_relevant_says_how_many_newest_matches_it_ranked(client: TestClient) -> None:
    login(client, "vanthu")
    ranked = client.get("/tim-kiem", params={"q": "giao ban", "sap_xep": "lien-quan"})
    assert len(refs(ranked.text)) == 20 and 'data-testid="rank-window"' not in ranked.text  # 22 ≤ 1.000
    index = client.app.state.ctx.search
    index.rank_window = 5  # a store with more matches than the window
    try:
        narrow = client.get("/tim-kiem", params={"q": "giao ban", "sap_xep": "lien-quan"})
    finally:
        index.rank_window = 1000
    assert len(refs(narrow.text)) == 5
    assert "Xếp theo mức phù hợp trong 5 kết quả mới nhất" in narrow.text
    newest = client.get("/tim-kiem", params={"q": "giao ban"})
    assert 'data-testid="rank-window"' not in newest.text
    scans = client.get("/tim-kiem", params={"q": "de dieu", "loai_vb": "so-hoa"})
    assert 'data-testid="discarded-note"' in scans.text and 'href="/so-hoa/da-loai-bo"' in scans.text
