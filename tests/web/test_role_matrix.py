"""Acceptance 4 of issue 6: every route × every role gives the right answer; every form refuses a
request without its CSRF token.

The routes come from the Litestar app itself (``app.routes``), so a page added later is exercised
without touching this file — but it must first be entered in ``EXPECTED``: a route missing from the
table fails the test, so no route ships without someone deciding who may use it.

What each caller must get, per route:
- a role in the route's row: anything but a refusal — not 401, not the role guard's 403, not a
  redirect to the login page, and no server error. A state-changing POST may answer 400/409 (the
  document is in another state, a field is missing, the domain refuses this person for this
  document): the guard let it through, and that is what the row says.
- a role not in the row: 403 — from the route's role guard (``requires``); for the admin, whom every
  guard lets through, the domain's refusal (``not_permitted``) counts too.
- anonymous: a browser is sent to the login page (302/303 to ``/login?next=<path>``); an htmx request
  gets 401 or ``HX-Redirect`` to the login page (never the login page swapped into a fragment); a
  JSON client gets 401 (or the login redirect).
- PUBLIC rows (login, health): anyone; no server error.
A refused request, and any GET (CSRF does not guard GETs), must leave the office unchanged: no new
audit row. State-changing routes are sent a valid form (``POSTS``), on a document of their own in the
state the step needs, refused callers first — so a lax guard shows as a change, not as a 400.

Every POST/PUT/PATCH/DELETE route refuses an allowed user's request without the CSRF token and with a
wrong one (403), and every ``<form method="post">`` (or ``hx-post`` form) of every page rendered in
the run — each GET page as each role, each document detail page in each workflow state — carries the
``_csrf_token`` input.

The admin: pages of the office, the admin pages and what the domain keeps open to everyone; not the
official acts reserved to văn thư or lãnh đạo (``only()`` rows) — see ``office()`` and ``only()``.

A secret (mật) document given to nobody is opened by văn thư and lãnh đạo only, on every GET route
that shows it, its file, its scan, a hồ sơ bundle holding it, or search hits on its content.

One office (``vanthu init``, real SQLite, real argon2 logins) is built once for the module by
``_seed``: one account per role, one văn bản đến / đi in each state and one per action route, hồ sơ,
scans, a unit, the secret documents. The whole matrix is written to tests/artifacts/role-matrix.tsv.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pypdfium2
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from node.app import create_app, open_node
from node.domain import incoming
from node.domain.accounts import Role
from node.domain.clock import VN_TZ, FixedClock
from node.domain.documents import Actor, DocumentMetadata, Organ, Secrecy, StatusCode
from node.domain.dossier import CatalogueEntry
from node.domain.fields import ExtractedFields
from node.domain.incoming import Assignee
from node.domain.office import DraftInput, MeetingInput
from node.domain.outgoing import Recipient
from node.domain.scanning import ScanPart, ScanPurpose, ScanSubmission, discard
from node.domain.signing import VerificationReport
from node.signing.sample import DraftSpec, make_draft
from node.store.report_jobs import SqliteReportJobs
from node.store.users import create_user
from node.web.passwords import Argon2Hasher
from tests.conftest import NODE_TOML, NodeDir, run_cli

T0 = datetime(2026, 11, 24, 9, 30, tzinfo=VN_TZ)
AGENCY = "000.00.01.H26"
SENDER = Organ("000.00.09.H13", "Sở Nội vụ")

ADMIN, CLERK, LEADER, SPECIALIST, ANONYMOUS = "admin", "clerk", "leader", "specialist", "anonymous"
ROLES = (CLERK, LEADER, SPECIALIST, ADMIN)  # allowed requests run in this order, admin last
USERNAMES = {ADMIN: "quantri", CLERK: "vanthu", LEADER: "lanhdao", SPECIALIST: "chuyenvien"}
FULL_NAMES = {ADMIN: "Phạm Quản Trị", CLERK: "Trần Thị Văn Thư", LEADER: "Nguyễn Văn Lãnh Đạo",
              SPECIALIST: "Lê Chuyên Viên"}
SECRET_WORD = "thanhlongmat"  # in the secret documents' content only (PDF text, OCR text)
# who opens a secret document given to nobody (node.domain.office.may_read; Luật Bảo vệ bí mật nhà nước)
SECRET_READERS = frozenset({CLERK, LEADER})
SPARE_USER = "nghiviec"  # the account the admin pages act on (disable, reset password, roles)

PUBLIC = frozenset({ANONYMOUS, *ROLES})


def office(*roles: str) -> frozenset[str]:
    """Pages of the office and actions the domain keeps open to everyone in it (comments, hồ sơ): the
    admin too — ``requires()`` lets admins through every guard (node/web/auth.py)."""
    return frozenset({*roles, ADMIN})


def only(*roles: str) -> frozenset[str]:
    """Official acts the rules reserve to a role (NĐ 30: văn thư numbers, registers and publishes;
    lãnh đạo assigns and signs): not the admin. The quản trị account administers the system (R15);
    the domain's ``require_role`` does not count it as a văn thư or lãnh đạo, and neither may a route."""
    return frozenset(roles)


EVERYONE = office(CLERK, LEADER, SPECIALIST)  # every logged-in user
STAFF = only(CLERK, LEADER, SPECIALIST)  # the office's people, not the admin
ADMIN_ONLY = frozenset({ADMIN})

# Method + route template (path parameters without their types) → the roles the route lets through.
# Sources: docs/web-spec (/tmp/vt/web-spec.md), the domain's role rules (node/domain/incoming.py,
# outgoing.py) and the guards the page authors wrote. Where they disagree, this table says what an
# office needs and the test fails until the guard is fixed.
EXPECTED: dict[str, frozenset[str]] = {
    # -- login, health, home --------------------------------------------------------------------
    "GET /login": PUBLIC,
    "POST /login": PUBLIC,
    "POST /logout": EVERYONE,
    "GET /healthz": PUBLIC,
    "GET /": EVERYONE,
    # -- admin diagnostics ----------------------------------------------------------------------
    "GET /admin/chan-doan": ADMIN_ONLY,
    "GET /admin/chan-doan/goi.json": ADMIN_ONLY,
    # -- sổ đăng ký: văn thư keeps the registers, lãnh đạo reads them; numbers for paper by văn thư
    "GET /so-dang-ky": office(CLERK, LEADER),
    "GET /so-dang-ky/{code}": office(CLERK, LEADER),
    "POST /so-dang-ky/{code}/lay-so": only(CLERK),
    # -- báo cáo ---------------------------------------------------------------------------------
    "GET /bao-cao": office(CLERK, LEADER),
    "GET /bao-cao/{report}": office(CLERK, LEADER),
    "GET /bao-cao/{report}/tai/{fmt}": office(CLERK, LEADER),
    "GET /bao-cao/ban-in/{job_id}": office(CLERK, LEADER),  # a long book made in the background
    "GET /bao-cao/ban-in/{job_id}/tep": office(CLERK, LEADER),
    # -- văn bản đến ----------------------------------------------------------------------------
    "GET /van-ban-den": EVERYONE,
    "GET /van-ban-den/{id}": EVERYONE,
    "POST /van-ban-den/{id}/tiep-nhan": only(CLERK),
    "POST /van-ban-den/{id}/tu-choi": only(CLERK),
    "POST /van-ban-den/{id}/trinh": only(CLERK),
    "POST /van-ban-den/{id}/phan-cong": only(LEADER),
    # the lead or a leader, the domain decides per document; the lead is any person the leader picks
    # (the picker lists every active user, văn thư included) or a member of the lead unit
    "POST /van-ban-den/{id}/xu-ly": STAFF,
    "POST /van-ban-den/{id}/hoan-thanh": STAFF,
    "POST /van-ban-den/{id}/dong-y-thu-hoi": only(CLERK),
    "POST /van-ban-den/{id}/tu-choi-thu-hoi": only(CLERK),
    # whoever handles the work files it (NĐ 30/2020 Điều 28–29)
    "POST /van-ban-den/{id}/lap-ho-so": EVERYONE,
    # check a received document's signatures again (new CRL files): văn thư and lãnh đạo
    "POST /van-ban-den/{id}/kiem-tra-chu-ky": only(CLERK, LEADER),
    "GET /viec-cua-toi": EVERYONE,
    "POST /thong-bao/da-doc": EVERYONE,  # mark one's notifications read
    "GET /tep/{sha256}": EVERYONE,
    # -- số hóa: the văn thư's queue of scanned paper --------------------------------------------
    "GET /so-hoa": office(CLERK, LEADER),
    # a scan's page and its thumbnail: unregistered paper (perhaps mật, not yet marked) is the văn
    # thư's and lãnh đạo's, as the queue and the search (scans are found by them only)
    "GET /so-hoa/{scan_id}": office(CLERK, LEADER),
    "GET /so-hoa/{scan_id}/anh.png": office(CLERK, LEADER),
    "GET /so-hoa/{scan_id}/vao-so": office(CLERK),
    "POST /so-hoa/{scan_id}/vao-so": only(CLERK),
    # a wrong page, a blank page, a duplicate leaves the queue with a reason (kept, listed, restorable)
    "GET /so-hoa/da-loai-bo": office(CLERK, LEADER),
    "POST /so-hoa/{scan_id}/loai-bo": only(CLERK),
    "POST /so-hoa/{scan_id}/khoi-phuc": only(CLERK),
    # -- văn bản đi -----------------------------------------------------------------------------
    "GET /van-ban-di": EVERYONE,
    "GET /van-ban-di/moi": EVERYONE,
    "POST /van-ban-di/moi": STAFF,  # drafting: văn thư, lãnh đạo, chuyên viên (outgoing.create_draft)
    "GET /van-ban-di/{id}": EVERYONE,
    "POST /van-ban-di/{id}/gop-y": EVERYONE,
    "POST /van-ban-di/{id}/y-kien": EVERYONE,
    "POST /van-ban-di/{id}/trinh-ky": STAFF,  # the author or a leader (the domain decides)
    "POST /van-ban-di/{id}/tra-lai": only(LEADER),
    "POST /van-ban-di/{id}/ky": only(LEADER),
    "POST /van-ban-di/{id}/cap-so": only(CLERK),
    "POST /van-ban-di/{id}/ky-so-co-quan": only(CLERK),
    "POST /van-ban-di/{id}/phat-hanh": only(CLERK),
    "POST /van-ban-di/{id}/thu-hoi": only(CLERK, LEADER),
    "POST /van-ban-di/{id}/cap-nhat": only(CLERK),
    "POST /van-ban-di/{id}/doi-lich-hop": only(CLERK),  # postpone, move, cancel a meeting: văn thư
    # a new PDF / attachments before signing: the drafter (any staff role drafts) or a leader, the domain
    # decides per document (outgoing.edit_draft)
    "POST /van-ban-di/{id}/thay-tep": STAFF,
    "POST /van-ban-di/{id}/sua-du-thao": STAFF,  # its recipients and legal bases: the same people
    # -- hồ sơ: each person in charge of the work opens, fills and closes it ----------------------
    "GET /ho-so": EVERYONE,
    "GET /ho-so/moi": EVERYONE,
    "POST /ho-so/moi": EVERYONE,
    "GET /ho-so/{code}": EVERYONE,
    "POST /ho-so/{code}/them": EVERYONE,
    # closing: the person who opened it, văn thư, lãnh đạo (NĐ 30: the handler closes, văn thư and the
    # leader supervise); the guard lets staff through, the domain refuses others (dossier_not_yours,
    # 403) — the seeded one was opened by the chuyên viên; the admin did not open it
    "POST /ho-so/{code}/dong": STAFF,
    "GET /ho-so/{code}/xuat.pdf": EVERYONE,
    "GET /ho-so/{code}/xuat.xml": EVERYONE,
    # -- quản trị: accounts, units, the holiday table, document types --------------------------------
    "GET /quan-tri": ADMIN_ONLY,
    "GET /quan-tri/nguoi-dung": ADMIN_ONLY,
    "POST /quan-tri/nguoi-dung": ADMIN_ONLY,
    "POST /quan-tri/nguoi-dung/{id}/sua": ADMIN_ONLY,
    "POST /quan-tri/nguoi-dung/{id}/khoa": ADMIN_ONLY,
    "POST /quan-tri/nguoi-dung/{id}/mo-khoa": ADMIN_ONLY,
    "POST /quan-tri/nguoi-dung/{id}/dat-lai-mat-khau": ADMIN_ONLY,
    "GET /quan-tri/don-vi": ADMIN_ONLY,
    "POST /quan-tri/don-vi": ADMIN_ONLY,
    "POST /quan-tri/don-vi/{id}/doi-ten": ADMIN_ONLY,
    "GET /quan-tri/ngay-nghi": ADMIN_ONLY,
    "POST /quan-tri/ngay-nghi": ADMIN_ONLY,
    "POST /quan-tri/ngay-nghi/xoa": ADMIN_ONLY,
    "GET /quan-tri/loai-van-ban": ADMIN_ONLY,
    "POST /quan-tri/loai-van-ban": ADMIN_ONLY,
    # -- tìm kiếm -------------------------------------------------------------------------------
    "GET /tim-kiem": EVERYONE,
}

# Documents the office holds: one in each state (their pages are rendered as each role) …
IN_STATES = ("received", "accepted", "presented", "assigned", "processing", "done", "rejected", "recall")
OUT_STATES = ("draft", "review", "submitted", "meeting")
# … and one for each action route, in the state its step needs (the lead of the assigned ones is the
# specialist), so the first caller the row lets through really does it
IN_ACTIONS = {"tiep-nhan": "received", "tu-choi": "received", "trinh": "accepted", "phan-cong": "presented",
              "xu-ly": "assigned", "hoan-thanh": "processing", "dong-y-thu-hoi": "recall",
              "tu-choi-thu-hoi": "recall", "lap-ho-so": "done"}
OUT_ACTIONS = {"gop-y": "draft", "trinh-ky": "draft", "y-kien": "review", "tra-lai": "submitted",
               "ky": "submitted", "cap-so": "submitted", "ky-so-co-quan": "submitted",
               "phat-hanh": "submitted", "thu-hoi": "submitted", "cap-nhat": "submitted",
               "doi-lich-hop": "meeting", "thay-tep": "draft",
               "sua-du-thao": "draft"}


@dataclass(frozen=True)
class Post:
    """A valid request for a state-changing route: every caller sends it (with its own CSRF token),
    so a guard that lets the wrong person through shows as a change in the office, not just a 400."""

    data: dict[str, str] = field(default_factory=dict)  # values may name {dossier} / {done} / {unfiled}
    target: str = ""  # the action's own document (IN_ACTIONS / OUT_ACTIONS / ho-so them|dong)
    upload: bool = False  # multipart with a PDF in ``tep``


POSTS: dict[str, Post] = {
    "POST /so-dang-ky/{}/lay-so": Post({"trich_yeu": "Giấy mời họp giao ban"}, "lay-so"),
    "POST /van-ban-den/{}/tiep-nhan": Post(target="tiep-nhan"),
    "POST /van-ban-den/{}/tu-choi": Post({"ly_do": "Gửi nhầm nơi nhận"}, "tu-choi"),
    "POST /van-ban-den/{}/trinh": Post({"lanh_dao": USERNAMES[LEADER]}, "trinh"),
    "POST /van-ban-den/{}/phan-cong": Post({"chu_tri": f"user:{USERNAMES[SPECIALIST]}", "han": "2026-12-10",
                                            "y_kien": "Đề nghị tham mưu trả lời."}, "phan-cong"),
    "POST /van-ban-den/{}/xu-ly": Post(target="xu-ly"),
    "POST /van-ban-den/{}/hoan-thanh": Post({"ket_qua": "Đã trả lời."}, "hoan-thanh"),
    "POST /van-ban-den/{}/dong-y-thu-hoi": Post(target="dong-y-thu-hoi"),
    "POST /van-ban-den/{}/tu-choi-thu-hoi": Post({"ly_do": "Đã triển khai thực hiện"}, "tu-choi-thu-hoi"),
    "POST /van-ban-den/{}/lap-ho-so": Post({"ho_so": "{dossier}"}, "lap-ho-so"),
    "POST /van-ban-den/{}/kiem-tra-chu-ky": Post(target="kiem-tra-chu-ky"),
    "POST /so-hoa/{}/loai-bo": Post({"ly_do": "Quét nhầm trang"}, "loai-bo"),
    "POST /so-hoa/{}/khoi-phuc": Post(target="khoi-phuc"),
    "POST /so-hoa/{}/vao-so": Post({"loai": "Công văn", "trich_yeu": "Về việc kiểm tra phân quyền",
                                    "co_quan": "Sở Nội vụ", "so_ky_hieu": "15", "ky_hieu": "SNV-VP",
                                    "tiep_nhan": "1"}),
    "POST /van-ban-di/moi": Post({"loai": "Công văn", "trich_yeu": "Dự thảo gửi lên từ biểu mẫu",
                                  "noi_nhan": f"{SENDER.organ_id}|{SENDER.name}", "don_vi": "VP"},
                                 upload=True),
    "POST /van-ban-di/{}/gop-y": Post({"nguoi_gop_y": USERNAMES[LEADER]}, "gop-y"),
    "POST /van-ban-di/{}/y-kien": Post({"noi_dung": "Đề nghị bổ sung căn cứ."}, "y-kien"),
    "POST /van-ban-di/{}/trinh-ky": Post({"lanh_dao": USERNAMES[LEADER]}, "trinh-ky"),
    "POST /van-ban-di/{}/tra-lai": Post({"ly_do": "Sửa lại trích yếu"}, "tra-lai"),
    "POST /van-ban-di/{}/ky": Post({"pin": "1234"}, "ky"),
    "POST /van-ban-di/{}/cap-so": Post(target="cap-so"),
    "POST /van-ban-di/{}/ky-so-co-quan": Post(target="ky-so-co-quan"),
    "POST /van-ban-di/{}/phat-hanh": Post(target="phat-hanh"),
    "POST /van-ban-di/{}/thu-hoi": Post({"ly_do": "Ban hành nhầm"}, "thu-hoi"),
    "POST /van-ban-di/{}/cap-nhat": Post({"ly_do": "Điều chỉnh trích yếu", "trich_yeu": "Trích yếu mới"},
                                         "cap-nhat"),
    "POST /van-ban-di/{}/doi-lich-hop": Post({"kieu": "huy", "ly_do": "Lãnh đạo đi công tác"},
                                             "doi-lich-hop"),
    "POST /van-ban-di/{}/thay-tep": Post(target="thay-tep", upload=True),
    "POST /van-ban-di/{}/sua-du-thao": Post({"noi_nhan": f"{SENDER.organ_id}|{SENDER.name}",
                                            "can_cu": "Nghị định số 30/2020/NĐ-CP"}, "sua-du-thao"),
    "POST /ho-so/moi": Post({"nam": "2026", "ky_hieu": "05TH", "tieu_de": "Hồ sơ mở qua biểu mẫu",
                             "thoi_han": "10 năm"}),
    "POST /ho-so/{}/them": Post({"van_ban": "{unfiled}"}, "them"),
    "POST /ho-so/{}/dong": Post({"ghi_chu": "Đủ văn bản"}, "dong"),
}

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
# Requests that end the caller's session: made with a fresh login of their own.
SESSION_ENDING = {"POST /logout"}
SKIP_PREFIXES = ("/static", "/schema")


# -- the office -----------------------------------------------------------------------------------


@dataclass
class World:
    app: Litestar
    client: TestClient[Litestar]
    seeded: Seeded
    db_path: Path
    cookies: dict[str, httpx.Cookies] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    timings: list[tuple[float, str]] = field(default_factory=list)

    def request(self, who: str, method: str, path: str, **kw: Any) -> httpx.Response:
        """One request with ``who``'s cookies (one TestClient, so one app lifespan, many sessions)."""
        self.client.cookies = self.cookies.setdefault(who, httpx.Cookies())
        started = time.perf_counter()
        try:
            return self.client.request(method, path, follow_redirects=False, **kw)
        finally:
            self.cookies[who] = self.client.cookies
            self.timings.append((time.perf_counter() - started, f"{method} {path} as {who}"))

    def last_audit_id(self) -> int:
        """The newest audit row: every change the office makes writes one in its transaction."""
        with contextlib.closing(sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)) as c:
            return int(c.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0])

    def log_in(self, who: str) -> None:
        self.cookies[who] = httpx.Cookies()
        self.tokens[who] = csrf_of(self.request(who, "GET", "/login"))
        if who == ANONYMOUS:
            return
        form = {"username": USERNAMES[who], "password": self.seeded.passwords[who], "next": "/",
                "_csrf_token": self.tokens[who]}
        r = self.request(who, "POST", "/login", data=form)
        assert r.status_code == 303, (who, r.status_code, r.text[:300])


CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf_of(page: httpx.Response) -> str:
    m = CSRF_RE.search(page.text)
    assert m, page.text[:300]
    return m.group(1)


def _pdf(base: bytes, tag: str) -> bytes:
    """A distinct file per document (a recall deletes its document's files)."""
    return base + f"\n% {tag}\n".encode()


@dataclass
class Seeded:
    passwords: dict[str, str]
    samples: dict[str, list[str]]  # path parameter values, by the literal segment before the parameter
    targets: dict[tuple[str, str], str]  # (segment, action) → the parameter value that action acts on
    values: dict[str, str]  # what form data may refer to: {dossier}, {done}, {unfiled}
    pdf: bytes
    secret: dict[str, list[str]]  # path parameter values of the secret documents, their files, a hồ sơ


def _seed(root: Path, cfg: Path) -> Seeded:
    """Accounts, one unit and documents in each state, through the Office use cases and stores."""
    clock = FixedClock(T0)
    node = open_node(NodeDir(root, cfg).config, clock=clock)
    passwords = {role: f"mat-khau-{role}-2026" for role in ROLES}
    # argon2id with light parameters: the login verifies with the parameters stored in the hash, so
    # each of the test's logins costs a millisecond instead of the production 0.7 s
    hasher = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        def accounts(db: Any) -> int:
            unit = int(db.execute("INSERT INTO unit (code, name) VALUES ('VP', 'Văn phòng')").lastrowid)
            for role, username in USERNAMES.items():
                create_user(db, username=username, full_name=FULL_NAMES[role],
                            password_hash=hasher.hash(passwords[role]), roles=[Role(role)], now=T0,
                            actor="test", unit_id=unit)
            return create_user(db, username=SPARE_USER, full_name="Đỗ Nghỉ Việc",
                               password_hash=hasher.hash("x"), roles=[Role.SPECIALIST], now=T0,
                               actor="test", unit_id=unit)

        spare_id = node.db.write(accounts)
        unit_row = node.db.query_one("SELECT id FROM unit WHERE code = 'VP'")
        assert unit_row is not None
        unit_id = int(unit_row["id"])
        actors = {role: Actor(USERNAMES[role], frozenset({Role(role)}), FULL_NAMES[role], unit_id=unit_id)
                  for role in ROLES}
        clerk, leader, specialist = actors[CLERK], actors[LEADER], actors[SPECIALIST]
        o = node.office
        base = make_draft(DraftSpec(subject="Về việc kiểm tra phân quyền"))

        def paper(state: str, tag: str) -> str:
            sha = o.blobs.put(_pdf(base, f"in-{tag}"))
            meta = DocumentMetadata(type_name="Công văn", subject=f"Văn bản đến thử ({tag})", issuer=SENDER,
                                    code_number="12", code_notation=f"SNV-{tag.upper()}", page_amount=1)
            ref = o.register_paper(clerk, meta, sha).ref
            if state == "received":
                return ref
            if state == "rejected":
                o.reject(ref, "Gửi nhầm nơi nhận", clerk)
                return ref
            o.accept(ref, clerk)
            if state == "recall":
                now = clock.now()
                o.docs.incoming.apply(ref, lambda d: incoming.request_recall(
                    d, via=StatusCode.RECALL_REQUESTED, reason="Ban hành nhầm", at=now), actor="sync", at=now)
                return ref
            if state == "accepted":
                return ref
            o.present(ref, USERNAMES[LEADER], clerk)
            if state == "presented":
                return ref
            o.assign(ref, leader, lead=Assignee("user", USERNAMES[SPECIALIST], FULL_NAMES[SPECIALIST],
                                                due_date=T0.date() + timedelta(days=10)),
                     direction="Đề nghị chuyên viên tham mưu trả lời.")
            if state == "assigned":
                return ref
            o.start(ref, specialist)
            if state == "processing":
                return ref
            o.complete(ref, specialist, "Đã trả lời bằng công văn.")
            return ref

        def draft(state: str, tag: str) -> str:
            meeting = MeetingInput("Họp giao ban tháng 12", datetime(2026, 12, 2, 8, 0, tzinfo=VN_TZ),
                                   "Phòng họp tầng 2") if state == "meeting" else None
            form = DraftInput(type_name="Giấy mời" if meeting else "Công văn", subject=f"Dự thảo thử ({tag})",
                              recipients=(Recipient(SENDER),), unit_abbr="VP",
                              due_date=T0.date() + timedelta(days=15), meeting=meeting)
            ref = o.draft(specialist, form, _pdf(base, f"out-{tag}")).ref
            if state == "review":
                o.send_for_review(ref, [USERNAMES[LEADER]], specialist)
            elif state == "submitted":
                o.submit(ref, USERNAMES[LEADER], specialist)
            return ref

        # one document in each state (their pages are rendered as each role), and one of its own, in
        # the state its step needs, for each action route
        targets: dict[tuple[str, str], str] = {}
        for state in IN_STATES:
            targets["van-ban-den", state] = paper(state, state).split(":")[1]
        for action, state in IN_ACTIONS.items():
            targets["van-ban-den", action] = paper(state, action).split(":")[1]
        # a văn bản đến from the axis with its stored signature report, for "kiểm tra lại chữ ký"
        sha_axis = o.blobs.put(_pdf(base, "in-axis"))
        o.docs.save_signature_report(sha_axis, VerificationReport().as_dict(), ok=False)
        targets["van-ban-den", "kiem-tra-chu-ky"] = o.receive_electronic(
            DocumentMetadata(type_name="Công văn", subject="Văn bản đến qua trục", issuer=SENDER,
                             code_number="13", code_notation="SNV-TRUC", page_amount=1),
            SENDER, (sha_axis,), inbox_id=None, text="", integrity_ok=False).ref.split(":")[1]
        for state in OUT_STATES:
            targets["van-ban-di", state] = draft(state, state).split(":")[1]
        for action, state in OUT_ACTIONS.items():
            targets["van-ban-di", action] = draft(state, action).split(":")[1]
        dossiers = [o.open_dossier(specialist, CatalogueEntry(2026, notation, title, "10 năm")).file_code
                    for notation, title in (("01TH", "Hồ sơ công văn thử"), ("02TH", "Hồ sơ để đóng"))]
        o.file_document(str(dossiers[0]), f"in:{targets['van-ban-den', 'done']}", specialist)
        o.file_document(str(dossiers[1]), f"in:{targets['van-ban-den', 'processing']}", specialist)
        targets["ho-so", "them"] = str(dossiers[0])
        targets["ho-so", "dong"] = str(dossiers[1])
        targets["so-dang-ky", "lay-so"] = "di"  # a number for a văn bản đi on paper

        # secret (mật) documents given to nobody: the word SECRET_WORD is only in their content
        secret_pdf = make_draft(DraftSpec(subject=f"Về việc {SECRET_WORD}"))
        sha_in = o.blobs.put(_pdf(secret_pdf, "in-secret"))
        secret_in = o.register_paper(clerk, DocumentMetadata(
            type_name="Công văn", subject="Văn bản đến mật", issuer=SENDER, code_number="7",
            code_notation="SNV-M", secrecy=Secrecy.SECRET, page_amount=1), sha_in,
            text=f"Nội dung mật {SECRET_WORD}")
        o.accept(secret_in.ref, clerk)
        secret_out = o.draft(leader, DraftInput(type_name="Công văn", subject="Dự thảo mật", unit_abbr="VP",
                                                secrecy=Secrecy.SECRET), _pdf(secret_pdf, "out-secret"))
        secret_dossier = o.open_dossier(clerk, CatalogueEntry(2026, "03TH", "Hồ sơ có văn bản mật",
                                                              "Vĩnh viễn"))
        o.file_document(str(secret_dossier.file_code), secret_in.ref, clerk)
        secret = {"van-ban-den": [secret_in.ref.split(":")[1]], "van-ban-di": [secret_out.ref.split(":")[1]],
                  "tep": [secret_in.blobs[0], secret_out.pdf_blob], "ho-so": [str(secret_dossier.file_code)],
                  "ref": [secret_in.ref]}

        def scan(name: str, data: bytes, text: str) -> tuple[int, str]:
            path = root / f"{name}.pdf"
            path.write_bytes(data)
            sha = node.blobs.put_bytes(data).sha256
            saved = node.scans.save(ScanSubmission(
                original=path, original_sha256=sha, media_type="application/pdf", file_name=path.name,
                folder="den", purpose=ScanPurpose.INCOMING,
                parts=(ScanPart(index=0, pdf=path, pdf_is_original=True, pages=1, text=text,
                                fields=ExtractedFields(), ocr=False, signed=False, dpi=300),)), now=T0)
            return saved.scan_ids[0], sha

        scan_id, _ = scan("scan", _pdf(base, "scan"), "Công văn số 15")
        # số hóa: a scan of its own to discard, one discarded to restore, one discarded to show
        targets["so-hoa", "loai-bo"] = str(scan("scan-loai-bo", _pdf(base, "scan-loai-bo"), "Trang trắng")[0])
        discarded = []
        for name in ("scan-khoi-phuc", "scan-da-loai-bo"):
            queued = node.scans.queued(scan(name, _pdf(base, name), "Bản trùng")[0])
            assert queued is not None
            node.scans.discard(discard(queued, "Bản trùng", actor=clerk, at=T0))
            discarded.append(str(queued.id))
        targets["so-hoa", "khoi-phuc"] = discarded[0]
        # a scanned paper document the văn thư registered as mật
        secret_scan, secret_scan_sha = scan("scan-mat", _pdf(secret_pdf, "scan-secret"), f"Mật {SECRET_WORD}")
        o.register_paper(clerk, DocumentMetadata(
            type_name="Công văn", subject="Văn bản giấy mật", issuer=SENDER, code_number="8",
            code_notation="SNV-M", secrecy=Secrecy.SECRET, page_amount=1), secret_scan_sha,
            scan_id=secret_scan, text=f"Mật {SECRET_WORD}")
        secret["so-hoa"] = [str(secret_scan)]

        # a register book made in the background (node/reports/jobs.py), ready to download
        jobs = SqliteReportJobs(node.db)
        job, _ = jobs.create(report="den", fmt="pdf", params={"tu_ngay": "2026-11-01"},
                             title="SỔ ĐĂNG KÝ VĂN BẢN ĐẾN", filename="so-den.pdf", rows=1,
                             requested_by=USERNAMES[CLERK], now=T0)
        (node.config.data_dir / "report-jobs").mkdir(exist_ok=True)
        (node.config.data_dir / "report-jobs" / f"{job.id}.pdf").write_bytes(base)
        jobs.start(job.id, T0)
        jobs.finish(job.id, now=T0, pages=1, size=len(base))
        done = o.docs.incoming.get(f"in:{targets['van-ban-den', 'done']}")
        assert done is not None
        # path parameter values, by the literal segment before the parameter: the first is the
        # matrix's, the others are rendered too (documents in every state)
        samples: dict[str, list[str]] = {
            "van-ban-den": [targets["van-ban-den", state] for state in IN_STATES],
            "van-ban-di": [targets["van-ban-di", state] for state in OUT_STATES],
            "ho-so": [str(d) for d in dossiers],
            "so-hoa": [str(scan_id), discarded[1]],
            "tep": [done.blobs[0]],
            "so-dang-ky": ["den", "di"],
            "bao-cao": ["den", "qua-han", "gui-nhan"],
            "tai": ["csv"],
            "ban-in": [str(job.id)],
            "nguoi-dung": [str(spare_id)],
            "don-vi": [str(unit_id)],
        }
        values = {"dossier": str(dossiers[0]), "done": f"in:{targets['van-ban-den', 'done']}",
                  "unfiled": f"in:{targets['van-ban-den', 'accepted']}"}
        return Seeded(passwords, samples, targets, values, base, secret)
    finally:
        node.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("role-matrix")
    cfg = root / "node.toml"
    cfg.write_text(NODE_TOML.format(code=AGENCY, name="UBND phường Một", port=8080, max_failures=10),
                   encoding="utf-8")
    run_cli("--config", str(cfg), "init", check=True)
    seeded = _seed(root, cfg)
    app = create_app(NodeDir(root, cfg).config, clock=FixedClock(T0))
    with TestClient(app=app, base_url="http://127.0.0.1:8080") as client:
        w = World(app, client, seeded, NodeDir(root, cfg).config.db_path)
        for who in (*ROLES, ANONYMOUS):
            w.log_in(who)
        yield w


# -- the routes -----------------------------------------------------------------------------------

PARAM_RE = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")


@dataclass(frozen=True)
class RouteCase:
    method: str
    template: str  # "/van-ban-den/{id}"

    @property
    def key(self) -> str:
        """The row of EXPECTED: parameter names do not matter (``{id}`` and ``{doc_id}`` are one row)."""
        return row_key(f"{self.method} {self.template}")


def row_key(text: str) -> str:
    return PARAM_RE.sub("{}", text)


ROWS = {row_key(k): v for k, v in EXPECTED.items()}


def app_routes(app: Litestar) -> list[RouteCase]:
    """Every (method, path template) the app serves, but static files, the OpenAPI schema and the
    OPTIONS/HEAD answers Litestar makes up by itself."""
    found: set[RouteCase] = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path_format.startswith(SKIP_PREFIXES):
            continue
        for method in route.methods:
            if method in ("OPTIONS", "HEAD"):
                continue
            found.add(RouteCase(method, route.path_format))
    return sorted(found, key=lambda c: (c.template, c.method))


def _join(case: RouteCase, samples: dict[str, list[str]]) -> list[str]:
    segments = case.template.strip("/").split("/") if case.template != "/" else []
    paths = [""]
    previous = ""
    for seg in segments:
        m = PARAM_RE.fullmatch(seg)
        if m:
            if previous not in samples:
                raise AssertionError(f"{case.key}: no sample value for the path parameter after"
                                     f" “{previous}”; add one to the samples in _seed()")
            options = samples[previous]
        else:
            options = [seg]
        paths = [f"{p}/{o}" for p in paths for o in options]
        previous = seg
    return paths if segments else ["/"]


def error_code(r: httpx.Response) -> str:
    if r.headers.get("content-type", "").startswith("application/json"):
        try:
            return str(r.json().get("error", ""))
        except ValueError:
            return ""
    m = re.search(r'data-code="([^"]+)"', r.text)
    return m.group(1) if m else ""


def _login_redirect(r: httpx.Response, path: str) -> bool:
    if r.status_code not in (302, 303):
        return False
    location = r.headers.get("location", "")
    return location == f"/login?next={path}" or (path == "/" and location == "/login")


def _hx_login(r: httpx.Response) -> bool:
    return r.status_code == 401 or (r.headers.get("hx-redirect", "").startswith("/login")
                                    and r.status_code < 300)


def _describe(r: httpx.Response) -> str:
    where = f" → {r.headers['location']}" if "location" in r.headers else ""
    code = error_code(r)
    return f"{r.status_code}{where}{f' [{code}]' if code else ''}"


# -- the run --------------------------------------------------------------------------------------


@dataclass
class Outcome:
    routes: list[RouteCase]
    problems: list[str] = field(default_factory=list)
    pages: list[tuple[str, str, str]] = field(default_factory=list)  # (role, path, html)
    gets: list[tuple[str, str, int, int]] = field(default_factory=list)  # (role, path, status, size)
    cells: list[tuple[str, str, int, str]] = field(default_factory=list)  # (row, role, status, error code)
    requests: int = 0

    def record(self, who: str, path: str, r: httpx.Response) -> None:
        self.gets.append((who, path, r.status_code, len(r.content)))
        self.keep(who, f"GET {path}", r)

    def keep(self, who: str, path: str, r: httpx.Response) -> None:
        """Every HTML answer goes to the forms check: pages, and forms re-rendered with an error."""
        if "text/html" in r.headers.get("content-type", "") and r.content:
            self.pages.append((who, path, r.text))


def target_path(world: World, case: RouteCase) -> str:
    """The concrete path of a route for the matrix: the action's own document, or the first sample."""
    post = POSTS.get(case.key)
    samples = world.seeded.samples
    if post is not None and post.target:
        segment = next(seg for seg in case.template.split("/")[1:] if not PARAM_RE.fullmatch(seg))
        samples = {**samples, segment: [world.seeded.targets[segment, post.target]]}
    return _join(case, samples)[0]


def request_body(world: World, case: RouteCase, token: str | None, **values: str) -> dict[str, Any]:
    """The form of a state-changing request (``token`` None: without the CSRF field)."""
    post = POSTS.get(case.key, Post())
    data = {k: v.format(**{**world.seeded.values, **values}) for k, v in post.data.items()}
    if token is not None:
        data["_csrf_token"] = token
    if post.upload:
        return {"data": data, "files": {"tep": ("du-thao.pdf", world.seeded.pdf, "application/pdf")}}
    return {"data": data}


def _send(world: World, who: str, case: RouteCase, path: str, *, headers: dict[str, str] | None = None
          ) -> httpx.Response:
    if case.key in SESSION_ENDING and who != ANONYMOUS:
        world.log_in(who)
        try:
            return world.request(who, case.method, path, headers=headers or {},
                                 **request_body(world, case, world.tokens[who]))
        finally:
            world.log_in(who)
    body = request_body(world, case, world.tokens[who]) if case.method in UNSAFE else {}
    return world.request(who, case.method, path, headers=headers or {}, **body)


@pytest.fixture(scope="module")
def outcome(world: World) -> Outcome:
    """Every route × every role once (anonymous three ways), in one pass over one office."""
    out = Outcome(app_routes(world.app))
    for case in out.routes:
        allowed = ROWS.get(case.key)
        if allowed is None:
            continue  # reported by test_every_route_is_in_the_table
        try:
            path = target_path(world, case)
        except AssertionError as e:
            out.problems.append(str(e))
            continue
        # refusals first (they must change nothing), then the roles let through
        order = [ANONYMOUS, *[r for r in ROLES if r not in allowed], *[r for r in ROLES if r in allowed]]
        if allowed is PUBLIC and case.method in UNSAFE:
            order = [ANONYMOUS]  # posting the login form costs a password check (0.7 s) per caller
        for who in order:
            refused = who not in allowed
            watch = refused or case.method not in UNSAFE
            before = world.last_audit_id() if watch else None
            r = _send(world, who, case, path)
            out.requests += 1
            out.cells.append((case.key, who, r.status_code, error_code(r)))
            if before is not None and world.last_audit_id() != before:
                # a refused request, or a GET (which CSRF does not protect), changed the office
                out.problems.append(f"{case.key} as {who}: {_describe(r)} but the office changed (a new audit"
                                    " row)")
            if r.status_code >= 500:
                out.problems.append(f"{case.key} as {who}: server error {_describe(r)}")
                continue
            if case.method in UNSAFE:
                out.keep(who, f"{case.method} {path}", r)
            if allowed is PUBLIC:
                continue  # a wrong login answers 401; anyone may try
            if who in allowed:
                if (r.status_code == 401 or _login_redirect(r, path)
                        or (r.status_code == 403 and error_code(r) in ("http_403", "csrf_failed"))):
                    out.problems.append(f"{case.key} as {who}: refused ({_describe(r)}), expected to be let "
                                        "through")
                elif case.method == "GET":
                    out.record(who, path, r)
            elif who == ANONYMOUS:
                if not _login_redirect(r, path):
                    out.problems.append(f"{case.key} as anonymous: {_describe(r)}, expected the login "
                                        f"redirect to /login?next={path}")
                hx = _send(world, who, case, path, headers={"HX-Request": "true"})
                js = _send(world, who, case, path, headers={"Accept": "application/json"})
                out.requests += 2
                if not _hx_login(hx):
                    out.problems.append(f"{case.key} as anonymous htmx: {_describe(hx)}, expected 401 or "
                                        "HX-Redirect to the login page")
                if not (js.status_code == 401 or _login_redirect(js, path)):
                    out.problems.append(f"{case.key} as anonymous JSON client: {_describe(js)}, expected 401")
            elif r.status_code != 403:
                out.problems.append(f"{case.key} as {who}: {_describe(r)}, expected 403")
            elif who != ADMIN and error_code(r) != "http_403":
                # the route's own guard must refuse; the admin passes every guard by design and is
                # refused by the domain's role rule (not_permitted)
                out.problems.append(f"{case.key} as {who}: {_describe(r)}, expected the role guard's 403")
    # the other samples of each GET page with a parameter: documents in every state, as each role
    for case in out.routes:
        allowed = ROWS.get(case.key, frozenset())
        if case.method != "GET" or "{" not in case.template:
            continue
        with contextlib.suppress(AssertionError):
            for path in _join(case, world.seeded.samples)[1:]:
                for who in ROLES:
                    if who in allowed:
                        out.record(who, path, world.request(who, "GET", path))
                        out.requests += 1
    # the htmx answers (fragments) of every GET page, as each role it lets through
    for case in out.routes:
        allowed = ROWS.get(case.key, frozenset())
        if case.method != "GET" or allowed is PUBLIC:
            continue
        with contextlib.suppress(AssertionError):
            path = target_path(world, case)
            for who in ROLES:
                if who in allowed:
                    r = world.request(who, "GET", path, headers={"HX-Request": "true"})
                    out.requests += 1
                    out.gets.append((who, f"{path} (htmx)", r.status_code, len(r.content)))
                    out.keep(who, f"GET {path} (htmx)", r)
    return out


def test_every_route_is_in_the_table(world: World) -> None:
    served = {c.key for c in app_routes(world.app)}
    missing = sorted(served - ROWS.keys())
    assert not missing, ("routes with no row in EXPECTED (decide who may use them): " + ", ".join(missing))


def test_every_row_of_the_table_is_served(world: World) -> None:
    served = {c.key for c in app_routes(world.app)}
    stale = sorted((ROWS.keys() | {row_key(k) for k in POSTS}) - served)
    assert not stale, "rows of EXPECTED the app does not serve (renamed or removed?): " + ", ".join(stale)


def test_every_route_answers_every_role_as_the_table_says(outcome: Outcome) -> None:
    assert not outcome.problems, (f"{len(outcome.problems)} wrong answer(s) in {outcome.requests} requests:\n"
                                  + "\n".join(outcome.problems))


def test_every_state_changing_route_refuses_a_request_without_its_csrf_token(world: World,
                                                                           outcome: Outcome) -> None:
    problems = []
    checked = 0
    for case in outcome.routes:
        allowed = ROWS.get(case.key, frozenset())
        if case.method not in UNSAFE or not allowed:
            continue
        who = next(r for r in (*ROLES, ANONYMOUS) if r in allowed)
        if who == ANONYMOUS:
            world.log_in(ANONYMOUS)
        path = target_path(world, case)
        for label, token in (("without a token", None), ("with a forged token", "0" * 64)):
            before = world.last_audit_id()
            r = world.request(who, case.method, path, **request_body(world, case, token))
            if world.last_audit_id() != before:
                problems.append(f"{case.key} as {who} {label}: the office changed (a new audit row)")
            checked += 1
            if r.status_code != 403 or error_code(r) != "csrf_failed":
                problems.append(f"{case.key} as {who} {label}: {_describe(r)}, expected 403 [csrf_failed]")
        # htmx sends the token in a header (base.html hx-headers); a wrong header is refused too
        r = world.request(who, case.method, path, headers={"x-csrftoken": "0" * 64, "HX-Request": "true"},
                          **request_body(world, case, None))
        checked += 1
        if r.status_code != 403:
            problems.append(f"{case.key} as {who} with a forged x-csrftoken header: {_describe(r)},"
                            " expected 403")
    assert checked, "no state-changing route found"
    assert not problems, "\n".join(problems)


class FormScanner(HTMLParser):
    """Finds the forms that post and whether each carries the ``_csrf_token`` input."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[dict[str, Any]] = []
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            posts = a.get("method", "get").lower() == "post" or any(
                k in a for k in ("hx-post", "hx-put", "hx-patch", "hx-delete"))
            form = {"action": a.get("action") or a.get("hx-post") or "(this page)", "posts": posts,
                    "csrf": False, "line": self.getpos()[0]}
            self.stack.append(form)
            self.forms.append(form)
        elif tag == "input" and self.stack and a.get("name") == "_csrf_token" and a.get("value"):
            self.stack[-1]["csrf"] = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.stack:
            self.stack.pop()


def test_every_form_that_posts_carries_the_csrf_token(world: World, outcome: Outcome) -> None:
    problems = []
    posting = 0
    for who, path, html in outcome.pages:
        scanner = FormScanner()
        scanner.feed(html)
        for form in scanner.forms:
            if not form["posts"]:
                continue
            posting += 1
            if not form["csrf"]:
                problems.append(f"{path} as {who}: form → {form['action']} (line {form['line']}) has no "
                                "_csrf_token input")
    assert posting, "no form that posts was rendered"
    assert not problems, "\n".join(sorted(set(problems)))


def test_every_page_renders_for_the_roles_it_lets_through(outcome: Outcome) -> None:
    """A smoke test of every GET page, for each role it lets through and each sample (documents in
    every state): no server error, and a 200 page has a body."""
    assert outcome.gets
    problems = [f"GET {path} as {who}: {status}" for who, path, status, size in outcome.gets
                if status >= 500 or (status == 200 and size == 0)]
    assert not problems, "\n".join(problems)


def test_report_the_size_of_the_matrix(world: World, outcome: Outcome, artifacts: Path) -> None:
    """Not a check: the figures for the record (run with -s to see them) and the whole matrix as
    tests/artifacts/role-matrix.tsv (row, caller, status, error code, whether the row lets it through)."""
    lines = ["route\tcaller\tstatus\terror_code\tallowed"]
    lines += [f"{row}\t{who}\t{status}\t{code}\t{'yes' if who in ROWS[row] else 'no'}"
              for row, who, status, code in outcome.cells]
    (artifacts / "role-matrix.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    slowest = sorted(world.timings, reverse=True)[:8]
    print(f"\nrole matrix: {len(outcome.routes)} routes × {len(ROLES) + 1} callers,"
          f" {len(world.timings)} requests in {sum(t for t, _ in world.timings):.1f} s; slowest:")
    forms = 0
    for _, _, html in outcome.pages:
        scanner = FormScanner()
        scanner.feed(html)
        forms += sum(1 for f in scanner.forms if f["posts"])
    unsafe = sum(1 for c in outcome.routes if c.method in UNSAFE)
    print(f"{len(outcome.pages)} HTML answers with {forms} posting forms; {unsafe} state-changing routes"
          f" refused without/with a forged CSRF token")
    for seconds, what in slowest:
        print(f"  {seconds * 1000:7.0f} ms  {what}")


def _text_of(r: httpx.Response) -> str:
    if r.content.startswith(b"%PDF-"):
        doc = pypdfium2.PdfDocument(r.content)
        try:
            return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
        finally:
            doc.close()
    return r.text


def test_a_secret_document_is_opened_only_by_the_people_given_it(world: World, outcome: Outcome) -> None:
    """A mật document given to nobody: văn thư and lãnh đạo open it; a chuyên viên and the admin get
    403/404 on every GET route that shows it or its file (the scan it was registered from included),
    and its content never reaches them — not through /tep, the search snippets or a hồ sơ bundle."""
    secret = world.seeded.secret
    problems = []
    checked = 0
    for case in outcome.routes:
        if case.method != "GET" or "{" not in case.template:
            continue
        segment = next(seg for seg in case.template.split("/")[1:] if not PARAM_RE.fullmatch(seg))
        if segment not in secret:
            continue
        for path in _join(case, {**world.seeded.samples, segment: secret[segment]}):
            for who in ROLES:
                if who not in ROWS.get(case.key, frozenset()):
                    continue
                r = world.request(who, "GET", path)
                checked += 1
                leaked = SECRET_WORD in _text_of(r).lower()
                moved = segment == "so-hoa" and r.status_code in (302, 303)  # a registered scan: its document
                if who in SECRET_READERS:
                    if r.status_code != 200 and not moved:
                        problems.append(f"GET {path} as {who}: {_describe(r)}, expected the document")
                elif leaked or (segment != "ho-so" and r.status_code not in (403, 404) and not moved):
                    what = " with its content" if leaked else ""
                    problems.append(f"GET {path} as {who}: {_describe(r)}{what}, expected 403/404 and no"
                                    " content")
    nothing = "khongcotunay"  # matches nothing: how often the page repeats the query itself
    echoes = world.request(CLERK, "GET", f"/tim-kiem?q={nothing}").text.lower().count(nothing)
    for who in ROLES:
        r = world.request(who, "GET", f"/tim-kiem?q={SECRET_WORD}")
        checked += 1
        shown = [ref for seg, kind in (("van-ban-den", "in"), ("van-ban-di", "out"))
                 for ref in secret[seg] if f"/{seg}/{ref}" in r.text or f'data-ref="{kind}:{ref}"' in r.text]
        if who in SECRET_READERS and not shown:
            problems.append(f"search for the secret word as {who}: nothing found (is the text indexed?)")
        if who not in SECRET_READERS and (shown or r.text.lower().count(SECRET_WORD) > echoes):
            problems.append(f"search for the secret word as {who}: the secret document is listed"
                            f" ({', '.join(shown) or 'its text in a snippet'})")
    assert checked
    assert not problems, "\n".join(problems)


def test_a_secret_document_is_not_acted_on_by_those_who_may_not_open_it(world: World,
                                                                        outcome: Outcome) -> None:
    """Whoever may not open a secret document cannot comment on it, process it, file it or put it in
    their hồ sơ either: 403/404 (not even its state: 409 would tell), and the office unchanged."""
    secret = world.seeded.secret
    problems = []
    checked = 0
    for case in outcome.routes:
        if case.method not in UNSAFE:
            continue
        segment = next(seg for seg in case.template.split("/")[1:] if not PARAM_RE.fullmatch(seg))
        by_ref = case.key == row_key("POST /ho-so/{code}/them")  # the document is named in the form
        if not by_ref and (segment not in ("van-ban-den", "van-ban-di") or "{" not in case.template):
            continue
        path = target_path(world, case) if by_ref else _join(case, {**world.seeded.samples,
                                                                     segment: secret[segment]})[0]
        for who in ROLES:
            if who in SECRET_READERS or who not in ROWS.get(case.key, frozenset()):
                continue
            before = world.last_audit_id()
            r = world.request(who, case.method, path,
                              **request_body(world, case, world.tokens[who], unfiled=secret["ref"][0]))
            checked += 1
            if r.status_code not in (403, 404) or world.last_audit_id() != before:
                changed = " and the office changed" if world.last_audit_id() != before else ""
                problems.append(f"{case.key} on the secret document as {who}: {_describe(r)}{changed},"
                                " expected 403/404")
    assert checked
    assert not problems, "\n".join(problems)
