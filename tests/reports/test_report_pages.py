"""Report pages over HTTP: the dashboard reminds of the unsent monthly report and marks it late
after the 3rd; report pages link their figures to the lists; downloads; roles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from node.app import create_app, open_node
from node.domain.accounts import Role
from node.domain.clock import FixedClock
from node.domain.documents import Actor, DocumentMetadata, Organ
from node.reports.wiring import build_reports
from node.signing.sample import DraftSpec, make_draft
from tests.conftest import NODE_TOML, NodeDir, run_cli
from tests.registers.web_support import add_users, log_in
from tests.reports.office import at

ROLES = {"vanthu": Role.CLERK, "lanhdao": Role.LEADER, "chuyenvien": Role.SPECIALIST}
SUPERVISING = (
    'supervising_agency_code = "000.00.00.H26"\nsupervising_agency_name = "Sở Thông tin và Truyền thông"\n'
)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> tuple[NodeDir, dict[str, str], str]:
    root = tmp_path_factory.mktemp("office")
    cfg = root / "node.toml"
    text = NODE_TOML.format(code="000.00.01.H26", name="UBND phường Một", port=8080, max_failures=10)
    cfg.write_text(text.replace('data_dir = "data"\n', 'data_dir = "data"\n' + SUPERVISING), encoding="utf-8")
    run_cli("--config", str(cfg), "init", check=True)
    node = NodeDir(root, cfg)
    passwords = add_users(node, ROLES)
    # `vanthu init` ran at the real time (any date, on CI): the office holds a November document, so
    # November's report concerns it whenever the suite runs (node.reports.schedule.concerns)
    opened = open_node(node.config, clock=FixedClock(at(2026, 11, 20, 9)))
    try:
        paper = DocumentMetadata(type_name="Công văn", subject="Công văn giấy tháng 11", page_amount=1,
                                 issuer=Organ("000.00.09.H13", "Sở Nội vụ"), code_number="5",
                                 code_notation="SNV-VP")
        clerk = Actor("vanthu", frozenset({Role.CLERK}), "Người dùng vanthu")
        opened.office.register_paper(clerk, paper, opened.office.blobs.put(make_draft(DraftSpec())))
    finally:
        opened.close()
    opened = open_node(node.config, clock=FixedClock(at(2026, 12, 1, 8)))  # the node on 1 December
    try:
        [draft] = build_reports(opened.config, opened.db, opened.blobs, opened.clock)[1].run()
    finally:
        opened.close()
    return node, passwords, draft.ref


@pytest.fixture
def client(office: tuple[NodeDir, dict[str, str], str]) -> Iterator[TestClient]:
    node, _, _ = office
    app = create_app(node.config, clock=FixedClock(at(2026, 12, 4, 8)))
    with TestClient(app=app, base_url="http://127.0.0.1:8080") as c:
        yield c


def test_dashboard_marks_the_unsent_november_report_late(client: TestClient, office) -> None:
    _, passwords, ref = office
    log_in(client, "lanhdao", passwords["lanhdao"])
    home = client.get("/")
    assert home.status_code == 200
    assert "Quá hạn:" in home.text and "tháng 11/2026" in home.text
    assert f'href="/van-ban-di/{ref.split(":")[1]}"' in home.text and "đã trình ký" in home.text
    index = client.get("/bao-cao")
    assert index.status_code == 200 and 'data-period="2026-11"' in index.text


def test_report_pages_link_figures_and_download(client: TestClient, office) -> None:
    _, passwords, _ = office
    log_in(client, "vanthu", passwords["vanthu"])
    page = client.get("/bao-cao/gui-nhan?ky=2026-Q4")
    assert page.status_code == 200
    assert "BÁO CÁO KẾT QUẢ GỬI, NHẬN VĂN BẢN ĐIỆN TỬ QUÝ IV/2026" in page.text
    assert 'href="/van-ban-den?tu_ngay=2026-10-01&amp;den_ngay=2026-12-31&amp;kenh=axis"' in page.text
    assert "<svg" in page.text
    book = client.get("/bao-cao/den?tu_ngay=2026-11-01&den_ngay=2026-11-30")
    assert book.status_code == 200 and "Số đến" in book.text and "Sổ văn bản đến" in book.text
    pdf = client.get("/bao-cao/den/tai/pdf?tu_ngay=2026-11-01&den_ngay=2026-11-30")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert (
        pdf.content.startswith(b"%PDF")
        and "so-den_2026-11-01_2026-11-30.pdf" in pdf.headers["content-disposition"]
    )
    xlsx = client.get("/bao-cao/qua-han/tai/xlsx")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    bad = client.get("/bao-cao/den?tu_ngay=2026-12-01&den_ngay=2026-11-01")
    assert bad.status_code == 400 and "Ngày kết thúc trước ngày bắt đầu" in bad.text


def test_specialists_do_not_see_reports(client: TestClient, office) -> None:
    _, passwords, _ = office
    log_in(client, "chuyenvien", passwords["chuyenvien"])
    assert client.get("/bao-cao").status_code == 403
    assert "Quá hạn:" not in client.get("/").text


def test_cli_writes_the_files(office, tmp_path: Path) -> None:
    node, _, _ = office
    out = run_cli(
        "--config",
        str(node.config_path),
        "report",
        "register",
        "di",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--format",
        "csv",
        "-o",
        str(tmp_path),
        check=True,
    )
    assert (
        (tmp_path / "so-di_2026-11-01_2026-11-30.csv").read_bytes().startswith('\ufeff"Số, ký hiệu'.encode())
    )
    assert "so-di" in out.stdout
    bad = run_cli("--config", str(node.config_path), "report", "exchange", "2026-13", "-o", str(tmp_path))
    assert bad.returncode == 2 and "[report_period_invalid]" in bad.stderr
