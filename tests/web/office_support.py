"""One office for the dashboard, hồ sơ and admin page tests: `vanthu init` once per module, an account
per role (real argon2), copied for each test; the app over its real SQLite file with a FixedClock;
documents made through the office's use cases (no token needed for these)."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import httpx
import pikepdf
import pytest
from litestar.testing import TestClient

from node.app import create_app
from node.domain.accounts import Role
from node.domain.clock import VN_TZ, FixedClock
from node.domain.documents import Actor, DocumentMetadata, Organ
from node.domain.incoming import IncomingDocument
from node.domain.office import Office
from tests.conftest import NODE_TOML, NodeDir, run_cli
from tests.registers.web_support import add_users, log_in

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ)  # a Monday
AGENCY = "000.00.01.H26"
SENDER = Organ("000.00.09.H13", "Sở Nội vụ tỉnh Kiểm Thử")
ROLES = {"quantri": Role.ADMIN, "vanthu": Role.CLERK, "lanhdao": Role.LEADER, "chuyenvien": Role.SPECIALIST}
ACTORS = {name: Actor(name, frozenset({role}), f"Người dùng {name}") for name, role in ROLES.items()}
CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')

Office_ = tuple[NodeDir, dict[str, str]]


_TEMPLATE: list[Office_] = []  # one `vanthu init` (~8 s wall) for the whole session, shared by the modules


@pytest.fixture(scope="session")
def office_template(tmp_path_factory: pytest.TempPathFactory) -> Office_:
    if not _TEMPLATE:
        root = tmp_path_factory.mktemp("office")
        cfg = root / "node.toml"
        cfg.write_text(NODE_TOML.format(code=AGENCY, name="UBND phường Một", port=8080, max_failures=10),
                       encoding="utf-8")
        run_cli("--config", str(cfg), "init", check=True)
        _TEMPLATE.append((NodeDir(root, cfg), add_users(NodeDir(root, cfg), ROLES)))
    return _TEMPLATE[0]


@pytest.fixture
def office_dir(office_template: Office_, tmp_path: Path) -> Office_:
    template, passwords = office_template
    root = tmp_path / "office"
    shutil.copytree(template.root, root)
    return NodeDir(root, root / "node.toml"), passwords


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def client(office_dir: Office_, clock: FixedClock) -> Iterator[TestClient]:
    node, _ = office_dir
    with TestClient(app=create_app(node.config, clock=clock), base_url="http://127.0.0.1:8080") as c:
        yield c


def login_as(client: TestClient, office_dir: Office_, username: str) -> str:
    client.cookies.clear()
    return log_in(client, username, office_dir[1][username])


def office_of(client: TestClient) -> Office:
    office: Office = client.app.state.ctx.office
    return office


def pdf_bytes(pages: int) -> bytes:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def paper_incoming(office: Office, subject: str, *, pages: int = 1, number: str = "12",
                   issued: date = date(2026, 11, 10)) -> IncomingDocument:
    """A văn bản giấy registered by the clerk (state: chờ tiếp nhận)."""
    meta = DocumentMetadata(type_name="Công văn", subject=subject, issuer=SENDER, code_number=number,
                            code_notation="SNV-VP", issued_date=issued, page_amount=pages)
    return office.register_paper(ACTORS["vanthu"], meta, office.blobs.put(pdf_bytes(pages)))


def csrf_of(page: httpx.Response) -> str:
    m = CSRF_RE.search(page.text)
    assert m, page.text[:500]
    return m.group(1)
