"""Acceptance 1 and 2 of issue 6 in a real browser: two offices (two `vanthu serve` processes made with
`vanthu init` and `vanthu user add`) and a real hub, driven through their web pages by Playwright with
Debian's Chromium.

1. A's specialist drafts a công văn to B and submits it; A's leader signs with the PIN; A's clerk numbers,
   seals and publishes. B's clerk sees it arrive with valid signatures and accepts; A sees "đã tiếp nhận".
   B's clerk presents it to B's leader, who assigns it to B's specialist, who starts and completes it;
   A sees "hoàn thành". A publishes a second document and recalls it once B has it; B's clerk agrees:
   B's copy keeps its metadata, loses its PDF (/tep → 404); A sees "Đồng ý thu hồi" (15).
2. The same while the hub is down: A's package queues and the outage banner counts it; once the hub is
   back, B receives and accepts and A sees 03.

Each step leaves a numbered screenshot in tests/artifacts/two_offices/. The nodes' workers poll every
fraction of a second; every wait is a reload loop with a deadline.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page

from node.signing.sample import DraftSpec, make_draft
from node.signing.softhsm import DemoToken
from tests.conftest import VANTHU, run_cli
from tests.support.browser import launch_chromium
from tests.support.exchange import A, B, HubHandle, S, make_hub, node_config, write_toml
from tests.support.servers import ServerProcess, free_port

pytestmark = [pytest.mark.browser, pytest.mark.hub, pytest.mark.hsm, pytest.mark.slow]

LEADER_NAME = "Nguyễn Văn An"  # the name printed under the signature in the draft and on the token's key
STAFF = (  # username, full name, title, role
    ("chuyenvien", "Lê Chuyên Viên", "Chuyên viên", "specialist"),
    ("lanhdao", LEADER_NAME, "Chủ tịch", "leader"),
    ("vanthu", "Trần Thị Văn Thư", "Văn thư", "clerk"),
)
# Small worker intervals: the nodes poll the hub and take packages in several times a second.
AXIS_FAST = {"poll_seconds": 0.3, "relay_idle_seconds": 0.2, "probe_seconds": 1.0,
             "backoff_base_seconds": 0.05, "backoff_cap_seconds": 0.5, "request_timeout_seconds": 2.0}
WAIT = 30.0  # seconds any one asynchronous arrival may take
RUN_TAG = ""  # appended to subjects when the steps are re-run against long-lived nodes (a dev loop)


# --------------------------------------------------------------------------------------------------
# Harness: hub, two served offices, people logged in, screenshots
# --------------------------------------------------------------------------------------------------
@dataclass
class OfficeNode:
    label: str  # "A" or "B"
    code: str
    name: str
    root: Path
    server: ServerProcess
    passwords: dict[str, str]

    @property
    def url(self) -> str:
        return self.server.url

    def log_tail(self, n: int = 40) -> str:
        return "\n".join(self.server.log().splitlines()[-n:])


def _office(label: str, who: tuple[str, str], root: Path, hub: HubHandle, token: DemoToken) -> OfficeNode:
    """`vanthu init`, `vanthu user add` ×3 (passwords from their output), then `vanthu serve`."""
    port = free_port()
    cfg: dict[str, Any] = node_config(root, who[0], who[1], hub.url, hub.secrets[who[0]], supervising=S,
                                      **AXIS_FAST)
    cfg["web"] = {"host": "127.0.0.1", "port": port}
    cfg["signing"] = {"token_label": token.label, "softhsm2_conf": str(token.conf),
                      "agency_pin_file": str(token.pin_file), "trust_anchors": [str(token.ca_cert)]}
    config = write_toml(root / "node.toml", cfg)
    run_cli("--config", str(config), "init", check=True)

    def add(person: tuple[str, str, str, str]) -> tuple[str, str]:
        username, full_name, title, role = person
        out = run_cli("--config", str(config), "user", "add", username, "--name", full_name, "--title", title,
                      "--role", role, check=True).stdout
        printed = re.search(rf"^{username}\t(\S+)$", out, re.M)
        assert printed, f"`vanthu user add {username}` printed no password: {out!r}"
        return username, printed.group(1)

    with ThreadPoolExecutor(len(STAFF)) as pool:  # each CLI run is mostly Python start-up
        passwords = dict(pool.map(add, STAFF))
    server = ServerProcess([*VANTHU, "--config", str(config), "serve"], port=port,
                           log_path=root / "serve.log", startup_timeout=60)
    server.start()
    return OfficeNode(label, who[0], who[1], root, server, passwords)


@dataclass
class World:
    hub: HubHandle
    a: OfficeNode
    b: OfficeNode
    browser: Browser
    contexts: list[BrowserContext] = field(default_factory=list)
    pages: dict[tuple[str, str], Page] = field(default_factory=dict)

    def page(self, office: OfficeNode, username: str) -> Page:
        """The logged-in page of one person of one office (own browser context: the two nodes share the
        host 127.0.0.1, and cookies do not keep ports apart)."""
        key = (office.label, username)
        if key not in self.pages:
            self.log_in([(office, username)])
        return self.pages[key]

    def log_in(self, people: list[tuple[OfficeNode, str]]) -> None:
        """Log these people in through the login form, all at once (the password checks overlap)."""
        started = []
        for office, username in people:
            context = self.browser.new_context(viewport={"width": 1200, "height": 900}, locale="vi-VN",
                                               timezone_id="Asia/Ho_Chi_Minh")
            context.set_default_timeout(15_000)
            self.contexts.append(context)
            page = context.new_page()
            page.goto(office.url + "/login")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", office.passwords[username])
            page.click("form[action='/login'] button[type=submit]", no_wait_after=True)
            started.append((office, username, page))
        for office, username, page in started:
            page.wait_for_url(office.url + "/")
            self.pages[(office.label, username)] = page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, softhsm_token: DemoToken) -> Iterator[World]:
    root = tmp_path_factory.mktemp("two-offices")
    hub = make_hub(root / "hub", [A, B, S])
    offices: list[OfficeNode] = []
    try:
        hub.start()
        with ThreadPoolExecutor(2) as pool:  # the two offices are set up side by side
            futures = [pool.submit(_office, label, who, root / label.lower(), hub, softhsm_token)
                       for label, who in (("A", A), ("B", B))]
            errors = [f.exception() for f in futures]
            offices.extend(f.result() for f, e in zip(futures, errors, strict=True) if e is None)
            for e in errors:
                if e is not None:
                    raise e
        with launch_chromium() as browser:
            w = World(hub, offices[0], offices[1], browser)
            try:
                w.log_in([(office, username) for office in offices for username, *_ in STAFF])
                yield w
            finally:
                w.close()
    finally:
        for office in offices:
            office.server.stop()  # terminate → wait → kill
        hub.stop()


class Shots:
    """Numbered screenshots of one test: tests/artifacts/two_offices/<test>-NN-<step>.png."""

    def __init__(self, folder: Path, prefix: str) -> None:
        self.folder = folder
        self.prefix = prefix
        self.n = 0
        self.taken: list[Path] = []
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(f"{prefix}-*.png"):
            old.unlink()

    def __call__(self, page: Page, step: str) -> Path:
        self.n += 1
        path = self.folder / f"{self.prefix}-{self.n:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


@pytest.fixture
def shots(request: pytest.FixtureRequest, artifacts: Path, world: World) -> Iterator[Shots]:
    prefix = request.node.name.removeprefix("test_").replace("_", "-")
    taker = Shots(artifacts / "two_offices", prefix)
    yield taker
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:  # every open page as it was when the step failed
        for (office, username), page in world.pages.items():
            with contextlib.suppress(Exception):
                page.screenshot(path=str(taker.folder / f"{prefix}-FAILED-{office}-{username}.png"),
                                full_page=True)


# --------------------------------------------------------------------------------------------------
# Page helpers (only the hooks of /tmp web-spec: data-action, data-testid, data-state, data-delivery…)
# --------------------------------------------------------------------------------------------------
class StepFailed(AssertionError):
    pass


def page_problem(page: Page) -> str:
    """What the page says went wrong (error paragraph, flash, title), for assertion messages."""
    bits = [f"url={page.url}"]
    for sel in ("[data-testid=error]", ".error", "[data-testid=flash]"):
        loc = page.locator(sel)
        if loc.count():
            bits.append(f"{sel}: {' | '.join(t.strip() for t in loc.all_inner_texts())[:400]}")
    with contextlib.suppress(Exception):  # diagnostics only
        bits.append(f"title={page.title()!r}")
    return "; ".join(bits)


def fail(page: Page, what: str, office: OfficeNode | None = None) -> StepFailed:
    msg = f"{what}\n  page: {page_problem(page)}"
    if office is not None:
        msg += f"\n  {office.label} serve.log (tail):\n{office.log_tail(15)}"
    return StepFailed(msg)


def set_field(form: Locator, name: str, value: str | list[str] | Path) -> None:
    """Fill a form field whatever its widget: file, select (single/multiple), checkbox/radio, text."""
    fields = form.locator(f'[name="{name}"]')
    if fields.count() == 0:
        raise StepFailed(f"the form has no field named {name!r}")
    first = fields.first
    tag = first.evaluate("e => e.tagName.toLowerCase()")
    kind = (first.get_attribute("type") or "").lower()
    values = value if isinstance(value, list) else [value]
    if kind == "file":
        first.set_input_files([str(v) for v in values])
    elif tag == "select":
        first.select_option([str(v) for v in values])
    elif kind in ("checkbox", "radio"):
        for v in values:
            form.locator(f'[name="{name}"][value="{v}"]').check()
    else:
        first.fill(str(values[0]))


def action(page: Page, slug: str, fields: dict[str, Any] | None = None, *,
           office: OfficeNode | None = None) -> None:
    """Fill the form of the button data-action=<slug> and press it (plain POST → 303, or htmx swap)."""
    button = page.locator(f'button[data-action="{slug}"]')
    if button.count() == 0:
        raise fail(page, f"no button data-action={slug!r} on the page", office)
    button = button.first
    # a form tucked into <details> (or a closed <dialog>) is opened as a person would
    button.evaluate("""b => { for (let d = b.closest('details'); d; d = d.parentElement.closest('details'))
                                  d.open = true;
                              const dlg = b.closest('dialog'); if (dlg && !dlg.open) dlg.show(); }""")
    form = button.locator("xpath=ancestor::form[1]")
    for name, value in (fields or {}).items():
        set_field(form, name, value)
    button.click()
    page.wait_for_load_state()


def expect_state(page: Page, state: str, office: OfficeNode | None = None, timeout: float = 15.0) -> None:
    """The document's state hook shows ``state`` (waits for a redirect or an htmx swap)."""
    loc = page.locator("[data-testid=state]")
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        if loc.count():
            seen = loc.first.get_attribute("data-state")
            if seen == state:
                return
        page.wait_for_timeout(100)
    raise fail(page, f"state is {seen!r}, expected {state!r}", office)


def reload_until(page: Page, url: str, ready: Callable[[Page], bool], what: str, *,
                 office: OfficeNode | None = None, timeout: float = WAIT) -> float:
    """Load ``url`` again and again until ``ready(page)``; returns the seconds it took."""
    start = time.monotonic()
    deadline = start + timeout
    while True:
        page.goto(url)
        if ready(page):
            return time.monotonic() - start
        if time.monotonic() > deadline:
            raise fail(page, f"waited {timeout:.0f}s for {what}", office)
        page.wait_for_timeout(250)


def delivery_row(page: Page, recipient: str) -> Locator:
    return page.locator(f'tr[data-recipient="{recipient}"]')


def delivery_is(recipient: str, state: str, label: str | None = None) -> Callable[[Page], bool]:
    def ready(page: Page) -> bool:
        row = delivery_row(page, recipient)
        if row.count() == 0 or row.first.get_attribute("data-delivery") != state:
            return False
        return label is None or label.lower() in row.first.inner_text().lower()
    return ready


def doc_id(page: Page, prefix: str) -> int:
    m = re.search(rf"{prefix}/(\d+)", page.url)
    if not m:
        raise fail(page, f"not on a {prefix}/<id> page")
    return int(m.group(1))


def tep_sha(page: Page) -> str | None:
    """The sha256 of the PDF shown on a detail page (iframe/object/link to /tep/<sha>)."""
    for sel, attr in (("iframe[src*='/tep/']", "src"), ("object[data*='/tep/']", "data"),
                      ("embed[src*='/tep/']", "src"), ("a[href*='/tep/']", "href")):
        loc = page.locator(sel)
        if loc.count():
            m = re.search(r"/tep/([0-9a-f]{64})", loc.first.get_attribute(attr) or "")
            if m:
                return m.group(1)
    return None


# --------------------------------------------------------------------------------------------------
# The steps
# --------------------------------------------------------------------------------------------------
def draft_pdf(tmp: Path, subject: str) -> Path:
    path = tmp / f"du-thao-{abs(hash(subject)) % 10**8}.pdf"
    path.write_bytes(make_draft(DraftSpec(subject=subject, full_name=LEADER_NAME, kind="CÔNG VĂN",
                                          number_suffix="/UBND-VP")))
    return path


def draft_and_submit(w: World, shots: Shots, tmp: Path, subject: str) -> str:
    """A's specialist drafts (PDF upload, B as recipient) and submits to the leader; returns the URL."""
    a = w.a
    page = w.page(a, "chuyenvien")
    page.goto(a.url + "/van-ban-di/moi")
    form = page.locator("form:has(input[name=tep])")
    if form.count() == 0:
        raise fail(page, "no drafting form (input name=tep) on /van-ban-di/moi", a)
    form = form.first
    set_field(form, "tep", draft_pdf(tmp, subject))
    if form.locator("[name=loai]").count():
        loai = form.locator("[name=loai]").first
        if loai.evaluate("e => e.tagName.toLowerCase()") == "select":
            loai.select_option(label="Công văn")
        else:
            loai.fill("Công văn")
    set_field(form, "trich_yeu", subject)
    _set_recipient(form, B)
    if form.locator("[name=don_vi]").count():
        set_field(form, "don_vi", "VP")
    if form.locator("[name=chuc_vu]").count():
        set_field(form, "chuc_vu", "Chủ tịch")
    if form.locator("[name=han]").count():
        set_field(form, "han", (date.today() + timedelta(days=20)).isoformat())
    shots(page, "a-chuyenvien-du-thao")
    submit = form.locator("button[data-action=moi]")
    (submit if submit.count() else form.locator("button[type=submit]")).last.click()
    page.wait_for_load_state()
    if not re.search(r"/van-ban-di/\d+", page.url):
        raise fail(page, "drafting did not lead to the document's page", a)
    expect_state(page, "draft", a)
    url = page.url.split("?")[0]
    action(page, "trinh-ky", {"lanh_dao": "lanhdao"}, office=a)
    expect_state(page, "submitted", a)
    shots(page, "a-chuyenvien-trinh-ky")
    return url


def _set_recipient(form: Locator, who: tuple[str, str]) -> None:
    code, name = who
    field_ = form.locator("[name=noi_nhan]")
    if field_.count() == 0:
        raise StepFailed("the drafting form has no noi_nhan field")
    first = field_.first
    tag = first.evaluate("e => e.tagName.toLowerCase()")
    kind = (first.get_attribute("type") or "").lower()
    if tag == "select" and first.locator(f'option[value="{code}"]').count():
        first.select_option([code])
    elif kind in ("checkbox", "radio") and form.locator(f'[name=noi_nhan][value="{code}"]').count():
        form.locator(f'[name=noi_nhan][value="{code}"]').check()
    else:  # free text "CODE|Tên" (a text input or textarea named noi_nhan)
        text = form.locator("input[name=noi_nhan]:not([type=checkbox]):not([type=radio]),"
                            " textarea[name=noi_nhan]")
        if text.count() == 0:
            raise StepFailed(f"B ({code}) is not offered as a recipient and there is no free-text noi_nhan")
        text.first.fill(f"{code}|{name}")


def sign_number_seal(w: World, shots: Shots, url: str, token: DemoToken) -> None:
    a = w.a
    leader = w.page(a, "lanhdao")
    leader.goto(url)
    expect_state(leader, "submitted", a)
    action(leader, "ky", {"pin": token.user_pin}, office=a)
    expect_state(leader, "signed", a)
    assert token.user_pin not in leader.content(), "the PIN is echoed in the page"
    shots(leader, "a-lanhdao-ky")

    clerk = w.page(a, "vanthu")
    clerk.goto(url)
    action(clerk, "cap-so", office=a)
    expect_state(clerk, "numbered", a)
    shots(clerk, "a-vanthu-cap-so")
    action(clerk, "ky-so-co-quan", office=a)
    expect_state(clerk, "sealed", a)
    shots(clerk, "a-vanthu-ky-so-co-quan")


def publish(w: World, shots: Shots, url: str) -> None:
    clerk = w.page(w.a, "vanthu")
    clerk.goto(url)
    action(clerk, "phat-hanh", office=w.a)
    expect_state(clerk, "published", w.a)
    if delivery_row(clerk, B[0]).count() == 0:
        raise fail(clerk, f"no delivery row data-recipient={B[0]} after publishing", w.a)
    shots(clerk, "a-vanthu-phat-hanh")


def wait_incoming(w: World, subject: str) -> str:
    """B's clerk reloads the văn bản đến list until the document arrives; returns its detail URL."""
    b = w.b
    clerk = w.page(b, "vanthu")
    row = f"tr[data-ref]:has-text({subject!r})"
    reload_until(clerk, b.url + "/van-ban-den", lambda p: p.locator(row).count() > 0,
                 f"“{subject}” in B's văn bản đến", office=b)
    clerk.locator(row).first.locator("a[href*='/van-ban-den/']").first.click()
    clerk.wait_for_load_state()
    doc_id(clerk, "/van-ban-den")
    return clerk.url.split("?")[0]


def check_signatures_valid(page: Page, office: OfficeNode) -> None:
    panel = page.locator("[data-testid=signatures]")
    if panel.count() == 0:
        raise fail(page, "no signature panel (data-testid=signatures)", office)
    if panel.first.get_attribute("data-ok") != "true":
        raise fail(page, f"signature panel not valid: {panel.first.inner_text()[:300]!r}", office)
    text = panel.first.inner_text()
    assert text.count("HỢP LỆ") >= 2, f"expected the leader's and the agency's signature valid: {text!r}"


# --------------------------------------------------------------------------------------------------
# Acceptance 1
# --------------------------------------------------------------------------------------------------
def test_two_offices_full_flow_and_recall(world: World, shots: Shots, softhsm_token: DemoToken,
                                          tmp_path: Path) -> None:
    w, a, b = world, world.a, world.b
    subject = "Về việc thử nghiệm liên thông văn bản điện tử qua trình duyệt" + RUN_TAG
    url = draft_and_submit(w, shots, tmp_path, subject)
    sign_number_seal(w, shots, url, softhsm_token)
    publish(w, shots, url)
    a_clerk = w.page(a, "vanthu")

    # B's clerk: it arrives with both signatures valid; accept (registered with a số đến)
    in_url = wait_incoming(w, subject)
    b_clerk = w.page(b, "vanthu")
    expect_state(b_clerk, "received", b)
    check_signatures_valid(b_clerk, b)
    shots(b_clerk, "b-vanthu-nhan-chu-ky-hop-le")
    action(b_clerk, "tiep-nhan", office=b)
    expect_state(b_clerk, "accepted", b)
    shots(b_clerk, "b-vanthu-tiep-nhan")

    # A sees "đã tiếp nhận" (03)
    reload_until(a_clerk, url, delivery_is(B[0], "03", "đã tiếp nhận"), "delivery 03 “đã tiếp nhận” at A",
                 office=a)
    shots(a_clerk, "a-thay-da-tiep-nhan")

    # B: clerk presents to the leader, leader assigns to the specialist, specialist starts and completes
    action(b_clerk, "trinh", {"lanh_dao": "lanhdao"}, office=b)
    expect_state(b_clerk, "presented", b)
    shots(b_clerk, "b-vanthu-trinh-lanh-dao")
    b_leader = w.page(b, "lanhdao")
    b_leader.goto(in_url)
    action(b_leader, "phan-cong", {"chu_tri": "user:chuyenvien",
                                   "han": (date.today() + timedelta(days=10)).isoformat(),
                                   "y_kien": "Giao chuyên viên xử lý, báo cáo trước hạn."}, office=b)
    expect_state(b_leader, "assigned", b)
    shots(b_leader, "b-lanhdao-phan-cong")
    b_spec = w.page(b, "chuyenvien")
    b_spec.goto(in_url)
    action(b_spec, "xu-ly", office=b)
    expect_state(b_spec, "processing", b)
    action(b_spec, "hoan-thanh", {"ket_qua": "Đã xử lý xong, đã trả lời bằng văn bản."}, office=b)
    expect_state(b_spec, "done", b)
    shots(b_spec, "b-chuyenvien-hoan-thanh")

    # A sees "hoàn thành" (06)
    reload_until(a_clerk, url, delivery_is(B[0], "06", "hoàn thành"), "delivery 06 “hoàn thành” at A",
                 office=a)
    shots(a_clerk, "a-thay-hoan-thanh")

    # A recalls a second document once B has it; B's clerk agrees
    subject2 = "Về việc văn bản ban hành nhầm sẽ bị thu hồi" + RUN_TAG
    url2 = draft_and_submit(w, shots, tmp_path, subject2)
    sign_number_seal(w, shots, url2, softhsm_token)
    publish(w, shots, url2)
    in_url2 = wait_incoming(w, subject2)
    sha = tep_sha(b_clerk)
    assert sha, f"B's detail page shows no /tep/<sha> PDF: {page_problem(b_clerk)}"
    assert b_clerk.request.get(f"{b.url}/tep/{sha}").status == 200
    shots(b_clerk, "b-vanthu-nhan-van-ban-2")
    a_clerk.goto(url2)
    action(a_clerk, "thu-hoi", {"ly_do": "Ban hành nhầm nơi nhận"}, office=a)
    expect_state(a_clerk, "recalled", a)
    shots(a_clerk, "a-vanthu-thu-hoi")
    reload_until(b_clerk, in_url2, lambda p: p.locator("button[data-action='dong-y-thu-hoi']").count() > 0,
                 "the recall request at B", office=b)
    shots(b_clerk, "b-vanthu-yeu-cau-thu-hoi")
    action(b_clerk, "dong-y-thu-hoi", office=b)
    expect_state(b_clerk, "recalled", b)
    b_clerk.goto(in_url2)
    body = b_clerk.locator("main").inner_text()
    assert subject2 in body, "the recalled document's metadata (trích yếu) is no longer shown"
    assert "thu hồi" in body.lower(), "no recall notice on B's copy"
    assert tep_sha(b_clerk) is None, "B's recalled copy still shows its PDF"
    gone = b_clerk.request.get(f"{b.url}/tep/{sha}")
    assert gone.status == 404, f"/tep/<sha> of a recalled document answers {gone.status}"
    shots(b_clerk, "b-vanthu-da-thu-hoi")
    reload_until(a_clerk, url2, lambda p: delivery_row(p, B[0]).count() > 0
                 and "đồng ý thu hồi" in delivery_row(p, B[0]).first.inner_text().lower(),
                 "“Đồng ý thu hồi” (15) at A", office=a)
    shots(a_clerk, "a-thay-dong-y-thu-hoi")


# --------------------------------------------------------------------------------------------------
# Acceptance 2
# --------------------------------------------------------------------------------------------------
def test_two_offices_while_hub_is_down(world: World, shots: Shots, softhsm_token: DemoToken,
                                       tmp_path: Path) -> None:
    w, a, b = world, world.a, world.b
    subject = "Về việc gửi văn bản khi Trục liên thông mất kết nối" + RUN_TAG
    url = draft_and_submit(w, shots, tmp_path, subject)
    sign_number_seal(w, shots, url, softhsm_token)

    w.hub.stop()
    try:
        with pytest.raises(httpx.TransportError):
            httpx.get(w.hub.url + "/healthz", timeout=1.0)
        publish(w, shots, url)
        a_clerk = w.page(a, "vanthu")
        # the package waits in A's outbox; the banner says since when and how many wait
        banner = "[data-testid=outage-banner]"
        reload_until(a_clerk, url, lambda p: p.locator(banner).count() > 0, "the outage banner at A",
                     office=a)
        text = a_clerk.locator(banner).first.inner_text()
        waiting = re.search(r"(\d+)\s+văn bản đang chờ gửi", text)
        assert "Mất kết nối" in text and waiting and int(waiting.group(1)) >= 1, text
        assert delivery_row(a_clerk, B[0]).first.get_attribute("data-delivery") == "queued"
        shots(a_clerk, "a-vanthu-mat-ket-noi-van-ban-cho-gui")
        a_clerk.goto(a.url + "/")
        assert a_clerk.locator(banner).count() > 0, "the outage banner is not on A's dashboard"
        shots(a_clerk, "a-tong-quan-mat-ket-noi")
    finally:
        w.hub.start()

    # the hub is back: the queue drains, the banner goes, B receives and accepts, A sees 03
    a_clerk = w.page(a, "vanthu")
    reload_until(a_clerk, url, lambda p: p.locator("[data-testid=outage-banner]").count() == 0,
                 "the outage banner to go at A", office=a)
    in_url = wait_incoming(w, subject)
    b_clerk = w.page(b, "vanthu")
    check_signatures_valid(b_clerk, b)
    action(b_clerk, "tiep-nhan", office=b)
    expect_state(b_clerk, "accepted", b)
    shots(b_clerk, "b-vanthu-tiep-nhan-sau-khi-noi-lai")
    assert in_url
    reload_until(a_clerk, url, delivery_is(B[0], "03", "đã tiếp nhận"), "delivery 03 at A after the outage",
                 office=a)
    shots(a_clerk, "a-thay-da-tiep-nhan-sau-khi-noi-lai")
