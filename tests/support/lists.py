"""Following a figure's link to the văn bản đến / đi list behind it, every page of it: shared by the
report-link test (tests/reports/test_report_links.py) and the dashboard-link test
(tests/web/test_dashboard_links.py), which both assert a figure equals the rows it opens."""

from __future__ import annotations

import re

from litestar.testing import TestClient

ROW = re.compile(r'<tr data-ref="((?:in|out):\d+)"')
DELIVERIES = re.compile(r'<td data-deliveries="(\d+)"')
NEXT = re.compile(r'<a rel="next" href="([^"]+)"|<a href="([^"]+)" rel="next"')


def follow(client: TestClient, href: str) -> tuple[list[str], list[int], list[str]]:
    """Every row of a list (all its pages): (refs, lượt gửi per row (đi), the pages' HTML)."""
    refs: list[str] = []
    deliveries: list[int] = []
    pages: list[str] = []
    url: str | None = href
    while url:
        page = client.get(url.replace("&amp;", "&"))
        assert page.status_code == 200, (url, page.status_code)
        pages.append(page.text)
        refs += ROW.findall(page.text)
        deliveries += [int(n) for n in DELIVERIES.findall(page.text)]
        m = NEXT.search(page.text)
        url = (m.group(1) or m.group(2)) if m else None
    return refs, deliveries, pages


FIGURE = re.compile(r'<a class="figure[^"]*" href="([^"]+)" data-figure="(\w+)" data-value="(\d+)">')


def dashboard_figures(html: str) -> dict[str, tuple[int, str]]:
    """The dashboard's figures: key → (value, the list URL it links to)."""
    return {key: (int(value), url.replace("&amp;", "&")) for url, key, value in FIGURE.findall(html)}
