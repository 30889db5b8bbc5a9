"""The login page in Debian's Chromium, driven by Playwright (never `playwright install`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import VANTHU, NodeDir, run_cli
from tests.support.browser import launch_chromium
from tests.support.servers import ServerProcess, free_port


@pytest.fixture
def served_node(make_node, tmp_path: Path) -> Iterator[tuple[ServerProcess, str]]:
    port = free_port()
    node: NodeDir = make_node(port=port)
    password = run_cli("--config", str(node.config_path), "user", "add", "lanhdao", "--name", "Nguyễn Văn An",
                       "--title", "Chủ tịch", "--role", "leader", check=True).stdout.split()[-1]
    server = ServerProcess([*VANTHU, "--config", str(node.config_path), "serve"], port=port,
                           log_path=tmp_path / "serve.log")
    with server:
        yield server, password


@pytest.mark.browser
def test_login_in_chromium(served_node, artifacts: Path) -> None:
    server, password = served_node
    with launch_chromium() as browser:
        page = browser.new_page(viewport={"width": 1100, "height": 700}, locale="vi-VN")
        page.goto(server.url + "/")
        assert page.url.endswith("/login")
        page.fill("input[name=username]", "lanhdao")
        page.fill("input[name=password]", "sai-mat-khau")
        page.click("button[type=submit]")
        assert "không đúng" in page.locator(".alert.error").inner_text()
        page.screenshot(path=str(artifacts / "login-wrong-password.png"), full_page=True)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(server.url + "/")
        assert "Xin chào, Nguyễn Văn An" in page.content()
        page.screenshot(path=str(artifacts / "home-after-login.png"), full_page=True)
