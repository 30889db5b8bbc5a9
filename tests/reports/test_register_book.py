"""Long register books: laid out in parts and joined (node/reports/book.py), made in the background
from the web (node/reports/jobs.py) — queued → ready → "Tải về" — and a job a stopped node left
running is recovered at the next start."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from benchmarks.reports import populate
from node.app import create_app, open_node
from node.domain.accounts import Role
from node.domain.clock import VN_TZ, FixedClock
from node.domain.documents import Actor, DocumentMetadata, Organ
from node.reports.book import write_book_pdf
from node.reports.service import ReportService
from node.signing.sample import DraftSpec, make_draft
from node.store.db import Database
from node.store.report_jobs import SqliteReportJobs
from tests.conftest import NODE_TOML, NodeDir, run_cli
from tests.registers.web_support import add_users, log_in
from tests.reports.office import at
from tests.support.tools import require_tool

BOOK = "/bao-cao/den/tai/pdf?tu_ngay=2026-11-01&den_ngay=2026-11-30"


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [" ".join(p.split()) for p in text.split("\f") if p.strip()]


@pytest.fixture(scope="module")
def year_book(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sổ đến of a year of 1,500 văn bản đến (filled as benchmarks/reports.py does)."""
    root = tmp_path_factory.mktemp("year-book")
    populate(root / "node.db", 2000, seed=4)
    db = Database(root / "node.db").open()
    try:
        svc = ReportService(db, FixedClock(datetime(2027, 1, 2, 8, tzinfo=VN_TZ)), "UBND phường Một")
        return svc.register_book("den", date(2026, 1, 1), date(2026, 12, 31))
    finally:
        db.close()


def _check_book(out: Path, pages: int, rows: int) -> list[str]:
    """Every số đến once and in order, the page numbers continuous, the running header and the
    column numbers on every page with rows, the heading once, the certification once at the end."""
    text = _pages(out)
    assert len(text) == pages
    numbers: list[int] = []
    for i, page in enumerate(text, 1):
        assert f"Trang {i} / {pages}" in page  # continuous over the parts, stamped once
        assert page.startswith("UBND phường Một") and "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN · Năm 2026" in page  # header
        here = [int(n) for n in re.findall(r"\d\d/\d\d/2026 (\d+) Sở Nội vụ", page)]
        assert here or i == pages, i  # only the certification may go to a page of its own
        assert not here or all(f"({c})" in page for c in range(1, 11)), i  # column numbers above the rows
        numbers += here
    assert numbers == list(range(1, rows + 1))  # every số đến, once, in order
    whole = " ".join(text)
    assert whole.count("UBND PHƯỜNG MỘT") == 1 and whole.count("Từ ngày 01/01/2026 đến ngày 31/12/2026") == 1
    assert whole.count("THỦ TRƯỞNG CƠ QUAN") == 1 and "THỦ TRƯỞNG CƠ QUAN" in text[-1]  # certified at the end
    assert f"Sổ gồm {rows} dòng" in text[-1]
    return text


def test_a_year_book_is_laid_out_in_parts_with_continuous_pages(year_book: dict[str, Any],
                                                                tmp_path: Path) -> None:
    require_tool("pdftotext")
    require_tool("pdffonts")
    ctx = year_book
    rows = len(ctx["table"].rows)
    assert rows == 1500
    done: list[int] = []
    out = tmp_path / "so-den.pdf"
    pages = write_book_pdf(ctx, out, chunk_rows=400, progress=lambda d, _n: done.append(d))
    assert done[-1] == rows and len(done) >= 4 and done == sorted(done)  # in parts, in order
    assert pages > 60
    text = _check_book(out, pages, rows)
    # a part's half-full last page opens the next part: every page but the last holds rows to its foot
    per_page = [len(re.findall(r"\d\d/\d\d/2026 \d+ Sở Nội vụ", p)) for p in text]
    assert min(per_page[1:-1]) >= max(per_page[1:-1]) - 3, per_page
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    assert "Noto" in fonts and all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])


def test_two_processes_lay_out_a_book_side_by_side(year_book: dict[str, Any], tmp_path: Path) -> None:
    require_tool("pdftotext")
    table = year_book["table"]
    ctx = {**year_book, "table": dataclasses.replace(table, rows=table.rows[:400], refs=table.refs[:400])}
    out = tmp_path / "so-den.pdf"
    pages = write_book_pdf(ctx, out, chunk_rows=100, workers=2)
    _check_book(out, pages, 400)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> tuple[NodeDir, str]:
    root = tmp_path_factory.mktemp("book-jobs")
    cfg = root / "node.toml"
    cfg.write_text(NODE_TOML.format(code="000.00.01.H26", name="UBND phường Một", port=8080, max_failures=10),
                   encoding="utf-8")
    run_cli("--config", str(cfg), "init", check=True)
    nd = NodeDir(root, cfg)
    passwords = add_users(nd, {"vanthu": Role.CLERK})
    opened = open_node(nd.config, clock=FixedClock(at(2026, 11, 20, 9)))
    try:
        clerk = Actor("vanthu", frozenset({Role.CLERK}), "Người dùng vanthu")
        pdf = opened.office.blobs.put(make_draft(DraftSpec()))
        for n in range(3):
            doc = opened.office.register_paper(clerk, DocumentMetadata(
                type_name="Công văn", subject=f"Công văn giấy số {n}", page_amount=1,
                issuer=Organ("000.00.09.H13", "Sở Nội vụ"), code_number=str(40 + n),
                code_notation="SNV-VP"), pdf)
            opened.office.accept(doc.ref, clerk)  # registered in the sổ đến: a row of the book
    finally:
        opened.close()
    return nd, passwords["vanthu"]


def _client(nd: NodeDir) -> Iterator[TestClient]:
    app = create_app(nd.config, clock=FixedClock(at(2026, 12, 4, 8)))
    app.state.ctx.reports.inline_pdf_rows = 1  # this office's three-row book counts as a long one
    with TestClient(app=app, base_url="http://127.0.0.1:8080") as c:
        yield c


def test_a_long_book_is_made_in_the_background(node: tuple[NodeDir, str], tmp_path: Path) -> None:
    require_tool("pdftotext")
    nd, password = node
    for client in _client(nd):
        log_in(client, "vanthu", password)
        screen = client.get("/bao-cao/den?tu_ngay=2026-11-01&den_ngay=2026-11-30").text
        assert "sổ 3 dòng: tệp PDF được tạo trong nền" in screen
        asked = client.get(BOOK, follow_redirects=False)
        assert asked.status_code == 303
        page_url = asked.headers["location"]
        assert re.fullmatch(r"/bao-cao/ban-in/\d+", page_url)
        assert client.get(BOOK, follow_redirects=False).headers["location"] == page_url  # the same job
        page = client.get(page_url)
        jobs = client.app.state.ctx.reports.jobs
        state = re.search(r'data-state="(\w+)"', page.text)
        assert page.status_code == 200 and state is not None
        if state[1] != "ready":  # the child process takes a second to start: nearly always still here
            assert "Đang tạo sổ… (3 dòng)" in page.text
            assert '<noscript><meta http-equiv="refresh"' in page.text
            assert 'hx-trigger="every 3s"' in page.text
        assert jobs.wait_idle(120)
        ready = client.get(page_url, headers={"HX-Request": "true"})  # the htmx poll gets the block only
        assert 'data-state="ready"' in ready.text and "<html" not in ready.text
        assert "hx-trigger" not in ready.text  # polling stops
        assert "Tải về" in ready.text and "3 dòng, 1 trang" in ready.text
        got = client.get(page_url + "/tep")
        assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
        assert 'filename="so-den_2026-11-01_2026-11-30.pdf"' in got.headers["content-disposition"]
        (tmp_path / "b.pdf").write_bytes(got.content)
        [text] = _pages(tmp_path / "b.pdf")
        assert "Trang 1 / 1" in text and "Sổ gồm 3 dòng" in text and "40/SNV-VP" in text
        assert client.get("/bao-cao/ban-in/9999").status_code == 404


def test_jobs_a_stopped_node_left_running_are_recovered(node: tuple[NodeDir, str]) -> None:
    nd, password = node
    now = at(2026, 12, 4, 8)
    work = nd.config.data_dir / "report-jobs"
    opened = open_node(nd.config, clock=FixedClock(now))
    try:
        jobs = SqliteReportJobs(opened.db)

        def job(day: str, starts: int) -> int:
            made, _ = jobs.create(report="den", fmt="pdf", params={"tu_ngay": day, "den_ngay": "2026-11-30"},
                                  title="SỔ ĐĂNG KÝ VĂN BẢN ĐẾN", filename=f"so-den_{day}.pdf", rows=3,
                                  requested_by="vanthu", now=now)
            for _ in range(starts):  # started, and the node died in the middle (the row stays 'running')
                opened.db.write(lambda db, i=made.id: db.execute(
                    "UPDATE report_job SET state = 'queued' WHERE id = ?", (i,)))
                assert jobs.start(made.id, now)
            return made.id

        again, dead = job("2026-11-02", 1), job("2026-11-03", 2)
        wrong = job("2026-12-01", 0)  # queued, but ends before it starts: the child says why
        old = job("2026-11-04", 0)
        jobs.start(old, now - timedelta(days=3))
        jobs.finish(old, now=now - timedelta(days=2), pages=1, size=10)
        work.mkdir(exist_ok=True)
        (work / f"{old}.pdf").write_bytes(b"%PDF-1.7 old")
        (work / ".book-halfway").mkdir()
        (work / f"{again}.pdf.tmp").write_bytes(b"%PDF-1.7 half")
    finally:
        opened.close()
    for client in _client(nd):
        log_in(client, "vanthu", password)
        assert client.app.state.ctx.reports.jobs.wait_idle(120)
        assert 'data-state="ready"' in client.get(f"/bao-cao/ban-in/{again}").text  # restarted, made
        assert client.get(f"/bao-cao/ban-in/{again}/tep").content.startswith(b"%PDF")
        failed = client.get(f"/bao-cao/ban-in/{dead}").text  # interrupted twice: failed, with the reason
        assert 'data-state="failed"' in failed and "Máy chủ đã dừng giữa chừng khi đang tạo sổ" in failed
        refused = client.get(f"/bao-cao/ban-in/{wrong}").text
        assert 'data-state="failed"' in refused and "Ngày kết thúc trước ngày bắt đầu." in refused
        expired = client.get(f"/bao-cao/ban-in/{old}").text  # kept a day, then removed
        assert 'data-state="expired"' in expired and "đã được xoá" in expired
        assert client.get(f"/bao-cao/ban-in/{old}/tep").status_code == 404
    opened = open_node(nd.config, clock=FixedClock(now))
    try:
        kept = SqliteReportJobs(opened.db).kept_ids()
    finally:
        opened.close()
    assert sorted(p.name for p in work.iterdir()) == sorted(f"{i}.pdf" for i in kept)  # no leftovers
