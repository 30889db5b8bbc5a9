"""The dashboard: counts from the list columns linked to the filtered lists, "việc của tôi" with its
deadline flags (working days), upcoming meetings, notifications marked read, the link and queue;
the outage banner on every page while the axis link is down (written through the exchange store)
and gone once it is up; the nav bar by role."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from litestar.testing import TestClient

from node.app import open_node
from node.domain.accounts import Role
from node.domain.clock import VN_TZ, FixedClock
from node.domain.incoming import Assignee
from node.domain.office import DraftInput, MeetingInput
from node.domain.outgoing import Recipient
from node.store.users import create_user
from node.web.passwords import Argon2Hasher
from tests.registers.web_support import log_in
from tests.support.lists import dashboard_figures
from tests.web import office_support as support
from tests.web.office_support import (
    ACTORS,
    SENDER,
    T0,
    Office_,
    csrf_of,
    login_as,
    office_of,
    paper_incoming,
    pdf_bytes,
)

# the office fixtures (one `vanthu init` per session, a copy per test)
office_template, office_dir = support.office_template, support.office_dir
clock, client = support.clock, support.client

figures = dashboard_figures


def make_office_day(client: TestClient) -> dict[str, str]:
    """One văn bản đến in each early state, one assigned to chuyenvien due tomorrow, one draft submitted,
    one giấy mời for Thursday."""
    office = office_of(client)
    clerk, leader, cv = ACTORS["vanthu"], ACTORS["lanhdao"], ACTORS["chuyenvien"]
    waiting = paper_incoming(office, "Công văn chờ tiếp nhận")
    accepted = office.accept(paper_incoming(office, "Công văn đã vào sổ", number="13").ref, clerk)
    work = office.accept(paper_incoming(office, "Đề nghị báo cáo tình hình số hóa", number="14").ref, clerk)
    office.present(work.ref, "lanhdao", clerk)
    office.assign(work.ref, leader, lead=Assignee("user", "chuyenvien", "Người dùng chuyenvien",
                                                  due_date=date(2026, 11, 24)))
    draft = office.draft(cv, DraftInput("Công văn", "Báo cáo kết quả số hóa", unit_abbr="VP",
                                      recipients=(Recipient(SENDER),)), pdf_bytes(1))
    office.submit(draft.ref, "lanhdao", cv)
    meeting = MeetingInput("Họp giao ban tháng 12", datetime(2026, 11, 26, 14, 0, tzinfo=VN_TZ),
                           "Phòng họp tầng 2")
    invite = office.draft(clerk, DraftInput("Giấy mời", "Mời họp giao ban", unit_abbr="VP", meeting=meeting),
                          pdf_bytes(1))
    return {"waiting": waiting.ref, "accepted": accepted.ref, "work": work.ref, "draft": draft.ref,
            "invite": invite.ref}


def test_counts_link_to_their_lists_and_my_work_is_flagged(client: TestClient, office_dir: Office_,
                                                           clock: FixedClock) -> None:
    refs = make_office_day(client)
    login_as(client, office_dir, "vanthu")
    page = client.get("/")
    assert page.status_code == 200
    got = figures(page.text)
    assert {k: v for k, (v, _) in got.items()} == {
        "to_accept": 1, "to_present": 1, "processing": 1, "due_soon": 1, "overdue": 0, "to_sign": 1,
        "to_number": 0, "to_seal": 0, "to_publish": 0, "recall_requests": 0}
    assert got["to_accept"][1] == "/van-ban-den?trang_thai=received"
    assert got["to_present"][1] == "/van-ban-den?trang_thai=accepted"
    assert got["processing"][1] == "/van-ban-den?trang_thai=assigned&trang_thai=processing"
    assert got["to_sign"][1] == "/van-ban-di?trang_thai=submitted"
    assert got["to_publish"][1] == "/van-ban-di?trang_thai=sealed"
    assert got["due_soon"][1] == "/van-ban-den?han=sap_den"
    assert got["overdue"][1] == "/van-ban-den?han=qua_han"
    # office-wide for the văn thư: a one-working-day deadline is short (≤ 5), so it warns ahead
    assert re.search(rf'<tr data-deadline="{refs["work"]}" data-flag="due_soon">.*?còn 1 ngày làm việc',
                     page.text, re.S)
    assert "Họp giao ban tháng 12" in page.text and "Phòng họp tầng 2" in page.text
    assert "14 giờ 00, thứ Năm, ngày 26/11/2026" in page.text
    assert 'data-testid="outage-banner"' not in page.text

    # the specialist's own work, due tomorrow: "sắp đến hạn"; the figure opens the list of such documents
    login_as(client, office_dir, "chuyenvien")
    page = client.get("/")
    row = re.search(rf'<tr data-ref="{refs["work"]}" data-flag="(\w+)">(.*?)</tr>', page.text, re.S)
    assert row and row.group(1) == "due_soon", page.text
    assert "24/11/2026" in row.group(2) and "Chủ trì" in row.group(2)
    assert "còn 1 ngày làm việc" in row.group(2)
    assert figures(page.text)["due_soon"][1] == "/van-ban-den?han=sap_den"

    # a week later (five working days) it is overdue, in the counts and in my work
    clock.advance(timedelta(days=7))
    page = client.get("/")
    assert figures(page.text)["overdue"][0] == 1 and figures(page.text)["due_soon"][0] == 0
    row = re.search(rf'<tr data-ref="{refs["work"]}" data-flag="(\w+)">(.*?)</tr>', page.text, re.S)
    assert row and row.group(1) == "overdue" and "Quá hạn 4 ngày làm việc" in row.group(2)
    assert "Họp giao ban tháng 12" not in page.text  # the meeting is over
    login_as(client, office_dir, "lanhdao")  # office-wide, the leader sees the overdue list
    leader_page = client.get("/").text
    row = re.search(rf'<tr data-deadline="{refs["work"]}" data-flag="overdue">(.*?)</tr>', leader_page, re.S)
    assert row and "Quá hạn 4 ngày làm việc" in row.group(1) and "chuyenvien" in row.group(1)


def test_notifications_are_marked_read(client: TestClient, office_dir: Office_) -> None:
    refs = make_office_day(client)
    token = login_as(client, office_dir, "lanhdao")
    page = client.get("/")
    # presented to the leader, and the draft submitted for signing, both addressed to user:lanhdao
    assert "Văn bản trình xin ý kiến: Đề nghị báo cáo tình hình số hóa" in page.text
    assert "Dự thảo trình ký: Báo cáo kết quả số hóa" in page.text
    ids = re.findall(r'data-notification="(\d+)"', page.text)
    assert len(ids) >= 4  # presented, submitted, and the role:leader ones of the accepted documents
    assert f'href="/van-ban-di/{refs["draft"].split(":")[1]}"' in page.text

    one = client.post("/thong-bao/da-doc", data={"id": ids[0], "_csrf_token": token}, follow_redirects=False)
    assert one.status_code == 303 and one.headers["location"] == "/?ok=da-doc"
    page = client.get("/?ok=da-doc")
    assert 'data-testid="flash"' in page.text
    assert f'data-notification="{ids[0]}"' not in page.text and f'data-notification="{ids[1]}"' in page.text
    client.post("/thong-bao/da-doc", data={"id": ids[1:3], "_csrf_token": token})  # several ticked at once
    swapped = client.post("/thong-bao/da-doc", data={"id": ids[3], "_csrf_token": token},
                          headers={"HX-Request": "true"})  # htmx: an empty fragment replaces the item
    assert swapped.status_code == 200 and swapped.text == ""
    page = client.get("/")
    assert all(f'data-notification="{i}"' not in page.text for i in ids[:4])
    # someone else's notification id is not theirs to mark
    login_as(client, office_dir, "chuyenvien")
    mine = re.findall(r'data-notification="(\d+)"', client.get("/").text)
    token = login_as(client, office_dir, "lanhdao")
    assert client.post("/thong-bao/da-doc", data={"id": mine[0], "_csrf_token": token}).status_code == 200
    login_as(client, office_dir, "chuyenvien")
    assert f'data-notification="{mine[0]}"' in client.get("/").text
    # all at once, and never without the CSRF token
    token = login_as(client, office_dir, "lanhdao")
    assert client.post("/thong-bao/da-doc", data={}, follow_redirects=False).status_code == 403
    client.post("/thong-bao/da-doc", data={"_csrf_token": token})
    assert "Không có thông báo mới." in client.get("/").text


def test_a_role_notification_read_by_one_clerk_stays_unread_for_the_other(client: TestClient,
                                                                          office_dir: Office_) -> None:
    """Read is per person: "Văn bản đến mới" goes to role:clerk; one văn thư reading it does not clear
    it for the other (notification_read), and marking all read clears only one's own."""
    passwords = office_dir[1]
    hasher = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)  # a cheap second login
    passwords = {**passwords, "vanthu2": "mat-khau-van-thu-2"}
    client.app.state.ctx.office.docs.db.write(lambda db: create_user(
        db, username="vanthu2", full_name="Văn thư thứ hai", password_hash=hasher.hash(passwords["vanthu2"]),
        roles=[Role.CLERK], now=T0, actor="test"))
    new = paper_incoming(office_of(client), "Công văn đến cho cả hai văn thư")
    message = "Văn bản đến mới: Công văn đến cho cả hai văn thư"

    def unread(username: str) -> tuple[str, list[str]]:
        client.cookies.clear()
        token = log_in(client, username, passwords[username])
        page = client.get("/").text
        return token, re.findall(r'data-notification="(\d+)"', page) if message in page else []

    token, first = unread("vanthu")
    assert first, "văn thư sees the role notification"
    row = office_of(client).docs.notifications_for(["role:clerk"], reader="vanthu", unread_only=True)[0]
    assert (row["target"], row["document_ref"], row["read_at"]) == ("role:clerk", new.ref, None)
    assert client.post("/thong-bao/da-doc", data={"id": str(row["id"]), "_csrf_token": token},
                       follow_redirects=False).status_code == 303
    assert message not in client.get("/").text  # gone for the one who read it
    token2, second = unread("vanthu2")
    assert str(row["id"]) in second, "still unread for the other văn thư"
    docs = office_of(client).docs
    [mine] = [r for r in docs.notifications_for(["role:clerk"], reader="vanthu") if r["id"] == row["id"]]
    assert mine["read_at"] is not None  # read, when: for the reader
    assert [r["id"] for r in docs.notifications_for(["role:clerk"], reader="vanthu2", unread_only=True)
            if r["id"] == row["id"]] == [row["id"]]
    # the second clerk clears everything of theirs; the first is not affected either way
    client.post("/thong-bao/da-doc", data={"_csrf_token": token2})
    assert message not in client.get("/").text
    assert not docs.notifications_for(["role:clerk"], reader="vanthu2", unread_only=True)
    # the leader (role:leader, not role:clerk) was never concerned
    assert all(r["target"] != "role:clerk" for r in docs.notifications_for(
        ["role:leader", "user:lanhdao"], reader="lanhdao"))


def queue_packages(db: Any) -> None:
    sha = "ab" * 32
    db.execute("INSERT INTO blob (sha256, size, created_at) VALUES (?, 1, '2026-11-23T08:00:00+07:00')",
               (sha,))
    db.conn.executemany(
        "INSERT INTO axis_outbox (kind, blob_sha256, size, document_id, recipient_code, state, created_at)"
        " VALUES ('edoc', ?, 1, ?, '000.00.09.H13', ?, ?)",
        [(sha, "d1", "queued", "2026-11-23T08:00:00+07:00"),
         (sha, "d2", "sending", "2026-11-23T08:30:00+07:00"),
         (sha, "d3", "sent", "2026-11-22T08:00:00+07:00")])


def test_outage_banner_on_every_page_while_the_link_is_down(client: TestClient, office_dir: Office_,
                                                            clock: FixedClock) -> None:
    login_as(client, office_dir, "chuyenvien")
    assert 'data-testid="outage-banner"' not in client.get("/").text
    node = open_node(office_dir[0].config, clock=clock)
    try:
        node.exchange.link_down("Không kết nối được tới trục: Connection refused")
        node.db.write(queue_packages)  # two waiting to go, one already sent
        # the status is cached for a few seconds of the node's clock
        assert 'data-testid="outage-banner"' not in client.get("/ho-so").text
        clock.advance(timedelta(seconds=6))
        for path in ("/", "/ho-so", "/van-ban-den", "/ho-so/moi"):
            page = client.get(path)
            assert page.status_code == 200, path
            banner = re.search(r'<div class="banner" data-testid="outage-banner"[^>]*>([^<]+)</div>',
                               page.text)
            assert banner, path
            assert banner.group(1) == ("Mất kết nối với Trục liên thông từ 09:00 23/11/2026"
                                       " — 2 văn bản đang chờ gửi")
        # this process's own writes are counted at once (the page after "phát hành" shows the package);
        # only another process's writes wait for the few seconds of the cache
        assert node.link_status().queued == 2
        node.db.write(lambda db: db.execute(
            "UPDATE axis_outbox SET state = 'queued' WHERE document_id = 'd3'"))
        assert node.link_status().queued == 3
        node.db.write(lambda db: db.execute("UPDATE axis_outbox SET state = 'sent' WHERE document_id = 'd3'"))
        assert node.link_status().queued == 2
        home = client.get("/").text
        assert 'data-online="false"' in home and "Connection refused" in home
        assert '<strong data-testid="queued">2</strong> (cũ nhất từ 08:00 23/11/2026)' in home
        node.exchange.link_up(report_after=timedelta(hours=4))
        clock.advance(timedelta(seconds=6))
        assert 'data-testid="outage-banner"' not in client.get("/").text
        assert 'data-online="true"' in client.get("/").text
    finally:
        node.close()
    client.cookies.clear()  # the login page shows no banner at all
    assert 'data-testid="outage-banner"' not in client.get("/login").text


def test_nav_bar_by_role(client: TestClient, office_dir: Office_) -> None:
    nav = re.compile(r'<nav class="mainnav".*?</nav>', re.S)
    login_as(client, office_dir, "chuyenvien")
    bar = nav.search(client.get("/").text).group(0)
    for label in ("Tổng quan", "Văn bản đến", "Văn bản đi", "Hồ sơ", "Tìm kiếm"):
        assert f">{label}</a>" in bar
    for label in ("Số hóa", "Sổ đăng ký", "Báo cáo", "Quản trị"):
        assert f">{label}</a>" not in bar
    assert 'href="/" class="active"' in bar
    login_as(client, office_dir, "vanthu")
    bar = nav.search(client.get("/ho-so").text).group(0)
    assert ">Số hóa</a>" in bar and ">Sổ đăng ký</a>" in bar and ">Quản trị</a>" not in bar
    assert 'href="/ho-so" class="active"' in bar
    login_as(client, office_dir, "quantri")
    assert ">Quản trị</a>" in nav.search(client.get("/").text).group(0)
    assert csrf_of(client.get("/"))
