"""Issue 8, "every figure links to the list of documents behind it": on the exchange report page of
the fixture office (tests/reports/office.py, built through the domain services), every link inside
the report tables is followed as a logged-in văn thư, and the list it opens holds exactly the figure.

Generic on purpose: the links are parsed from the page, so a figure added later is covered too.

Văn bản đi figures count lượt gửi — one per recipient (the report's "Văn bản đi (lượt gửi theo nơi
nhận)"), so a document to two agencies over the axis is 2. Their link still opens the list of
*documents* (a list of recipients would be a new page the clerk does not know, and the document is
what they open next), and that list says how many lượt gửi each document and all of them count
(column "Lượt gửi", "N văn bản — M lượt gửi"), with the report explaining it under its first table.
So for a văn bản đi link the sum of the rows' lượt gửi, and the list's own total of lượt gửi, must
equal the figure; for a văn bản đến link the number of rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar.testing import TestClient

from node.app import create_app, open_node
from node.cli.core import init_node
from node.domain import incoming as inc
from node.domain import outgoing as og
from node.domain.clock import FixedClock
from node.domain.documents import Channel
from node.domain.incoming import Assignee
from node.domain.outgoing import Recipient
from node.store.blobs import BlobStore
from node.store.documents import SqliteDocuments
from node.sync.packages import EdxmlPackageFactory
from node.web.incoming import _page_query, filters_from
from node.web.passwords import Argon2Hasher
from tests.conftest import NODE_TOML, NodeDir
from tests.registers.web_support import log_in
from tests.reports.office import (
    B1,
    B3,
    CLERK,
    LEADER,
    UNIT,
    US,
    Office,
    _assign,
    _incoming,
    _outgoing,
    at,
    build_office,
)
from tests.support.lists import ROW, follow

PASSWORD = "mat-khau-van-thu-1"


class _Links(HTMLParser):
    """Every <a href> inside a <table class="report-table …">, with its text."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # nesting of report tables
        self.href: str | None = None
        self.text = ""
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and "report-table" in (a.get("class") or ""):
            self.depth += 1
        elif tag == "a" and self.depth:
            self.href, self.text = a.get("href") or "", ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
        elif tag == "a" and self.href is not None:
            self.links.append((self.href, self.text.strip()))
            self.href = None

    def handle_data(self, data: str) -> None:
        if self.href is not None:
            self.text += data


def report_links(html: str) -> list[tuple[str, int]]:
    parser = _Links()
    parser.feed(html)
    return [(href, int(text)) for href, text in parser.links]


def more_documents(office: Office, blobs: BlobStore) -> None:
    """What the shared fixture office does not tell apart, each a trap for a wrong link:
    R  văn bản đi drafted 30/10, published 02/11 (1 axis + 1 paper), recalled 05/11: counted in
       November by the day published, recalled or not;
    F  văn bản đến 25/11 to Phòng Văn hóa, due 26/11, done 03/12: December's "quá hạn";
    G  văn bản đến (giấy) stored with a UTC time, 30/11 18:00 UTC = 01/12 01:00 in Vietnam: December's."""
    clock = FixedClock(at(2026, 11, 1))
    docs = SqliteDocuments(office.db, blobs, clock, EdxmlPackageFactory(US))
    r = _outgoing(docs, blobs, clock, "V/v đính chính số liệu", at(2026, 11, 2, 10),
                  (Recipient(B1), Recipient(B3, Channel.PAPER)), drafted=at(2026, 10, 30))
    docs.outgoing.apply(r, lambda d: og.recall(d, "Nhầm số liệu", actor=CLERK, at=at(2026, 11, 5)),
                        actor="vanthu", at=at(2026, 11, 5))
    f = _incoming(docs, clock, "F", Channel.AXIS, "Công văn", at(2026, 11, 25, 10),
                  subject="Đề nghị cung cấp số liệu")
    _assign(docs, f, at(2026, 11, 25, 11), Assignee("unit", "2", UNIT, date(2026, 11, 26)))
    done = at(2026, 12, 3, 15)
    docs.incoming.apply(f, lambda d: inc.complete(d, actor=LEADER, at=done, result="Đã gửi"),
                        actor="lanhdao", at=done)
    _incoming(docs, clock, "G", Channel.PAPER, "Thông báo", datetime(2026, 11, 30, 18, tzinfo=UTC),
              subject="Thông báo lịch trực")


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> NodeDir:
    root = tmp_path_factory.mktemp("office-links")
    cfg = root / "node.toml"
    cfg.write_text(NODE_TOML.format(code="000.00.01.H26", name="UBND phường Một", port=8080, max_failures=10),
                   encoding="utf-8")
    node = NodeDir(root, cfg)
    init_node(node.config, staff=(), credentials_file=None)  # `vanthu init` in-process: no subprocess
    opened = open_node(node.config, clock=FixedClock(at(2026, 11, 1)))
    try:
        office = build_office(opened.db, opened.blobs)
        more_documents(office, opened.blobs)
        digest = Argon2Hasher().hash(PASSWORD)
        opened.db.write(lambda d: d.execute("UPDATE user SET password_hash = ? WHERE username = 'vanthu'",
                                            (digest,)))
    finally:
        opened.close()
    return node


@pytest.fixture(scope="module")
def client(node: NodeDir) -> Iterator[TestClient]:  # read-only pages: one app, one login
    app = create_app(node.config, clock=FixedClock(at(2027, 1, 5, 8)))
    with TestClient(app=app, base_url="http://127.0.0.1:8080") as c:
        log_in(c, "vanthu", PASSWORD)
        yield c


@pytest.mark.parametrize("period", ["2026-11", "2026-12", "2026-Q4"])
def test_every_figure_link_lists_exactly_the_documents_behind_it(client: TestClient, period: str) -> None:
    page = client.get(f"/bao-cao/gui-nhan?ky={period}")
    assert page.status_code == 200
    links = report_links(page.text)
    # the fixture's figures are not all zero: the check below is not vacuous
    assert len(links) >= 14 and sum(n for _, n in links) >= 8, links
    for href, figure in links:
        path = urlsplit(href.replace("&amp;", "&")).path
        assert path in ("/van-ban-den", "/van-ban-di"), href
        refs, deliveries, pages = follow(client, href)
        assert len(refs) == len(set(refs)), (href, refs)
        if path == "/van-ban-den":
            assert len(refs) == figure, (href, figure, refs)
        else:  # lượt gửi: per recipient; the list lists documents and counts their recipients
            assert len(deliveries) == len(refs), (href, refs, deliveries)
            assert sum(deliveries) == figure, (href, figure, refs, deliveries)
            total = re.search(r'data-testid="recipients" data-count="(\d+)"', pages[0])
            assert total and int(total.group(1)) == figure, href
            assert all(n > 0 for n in deliveries), (href, deliveries)  # no document listed for nothing


def test_the_links_use_the_lists_own_filters_shown_as_chips(client: TestClient) -> None:
    page = client.get("/bao-cao/gui-nhan?ky=2026-11")
    hrefs = [h.replace("&amp;", "&") for h, _ in report_links(page.text)]
    unit_in = next(h for h in hrefs if h.startswith("/van-ban-den") and "phong=" in h and "kenh=axis" in h)
    assert parse_qs(urlsplit(unit_in).query) == {"tu_ngay": ["2026-11-01"], "den_ngay": ["2026-11-30"],
                                                 "kenh": ["axis"], "phong": [UNIT]}
    assert not any("don_vi=" in h or "trang_thai=" in h for h in hrefs), hrefs  # issuer / state: not these
    listing = client.get(unit_in)
    assert 'data-chip="kenh"' in listing.text and "Kênh: Điện tử" in listing.text
    assert f"Đơn vị: {UNIT}" in listing.text
    assert f'<input type="hidden" name="phong" value="{UNIT}">' in listing.text  # the form keeps them
    # removing the unit chip keeps the channel and the period
    removal = re.search(r'data-chip="phong"[^>]*>[^<]*<a href="([^"]+)"', listing.text)
    assert removal
    kept = parse_qs(urlsplit(removal.group(1).replace("&amp;", "&")).query)
    assert "phong" not in kept and kept["kenh"] == ["axis"] and kept["tu_ngay"] == ["2026-11-01"]

    rejected = next(h for h in hrefs if "giao_nhan=02" in h)
    refused = client.get(rejected)
    assert "Nơi nhận từ chối" in refused.text and "Tính theo ngày phát hành" in refused.text
    assert "1 lượt gửi" in refused.text

    # don_vi still means the issuing agency on the văn bản đến list
    issuer = client.get("/van-ban-den", params={"don_vi": "Sở Nội vụ", "tu_ngay": "2026-11-01",
                                                "den_ngay": "2026-11-30"})
    assert len(ROW.findall(issuer.text)) == 3 and "filter-chips" not in issuer.text  # A, B, F (G: December)


def test_the_traps_are_in_the_figures(client: TestClient) -> None:
    """R (drafted in October, recalled) is behind November's "Đi: điện tử", F behind December's
    "quá hạn", G (a UTC time) behind December's "Đến: giấy" — and not behind November's."""
    def linked(period: str, needle: str) -> tuple[int, list[str]]:
        page = client.get(f"/bao-cao/gui-nhan?ky={period}")
        href, figure = next((h, n) for h, n in report_links(page.text) if needle in h.replace("&amp;", "&"))
        return figure, follow(client, href)[0]

    sent_axis = "/van-ban-di?tu_ngay=2026-11-01&den_ngay=2026-11-30&theo_ngay=phat_hanh&kenh=axis"
    figure, refs = linked("2026-11", sent_axis)
    assert figure == 3 and len(refs) == 2  # P to two agencies, R to one
    assert linked("2026-12", "dung_han=0")[0] == 1
    assert linked("2026-12", "den_ngay=2026-12-31&kenh=paper")[0] == 1
    assert linked("2026-11", "den_ngay=2026-11-30&kenh=paper")[0] == 1  # B only


def test_pagination_keeps_the_narrower_filters() -> None:
    # giao_nhan is a văn bản đi filter: dropped on the văn bản đến list
    query = {"kenh": "paper", "phong": UNIT, "theo_ngay": "hoan_thanh", "dung_han": "0",
             "tu_ngay": "2026-11-01", "giao_nhan": "02"}
    filters, shown = filters_from(query)
    narrowed = (filters.channel, filters.unit, filters.day_basis, filters.on_time)
    assert narrowed == ("paper", UNIT, "done", False)
    assert filters.delivery_state == ""
    kept = parse_qs(_page_query(shown, 2))
    assert kept == {"kenh": ["paper"], "phong": [UNIT], "theo_ngay": ["hoan_thanh"], "dung_han": ["0"],
                    "tu_ngay": ["2026-11-01"], "trang": ["2"]}
    _, odd = filters_from({"kenh": "fax", "theo_ngay": "phat_hanh", "dung_han": "x"})
    assert not (odd.get("kenh") or odd.get("theo_ngay") or odd.get("dung_han"))
