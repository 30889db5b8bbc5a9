"""Acceptance 1: `vanthu init --demo` then `vanthu serve`; log in with the printed credentials."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import httpx
import pytest

from tests.conftest import VANTHU, run_cli
from tests.support.servers import ServerProcess, free_port


def demo_credentials(output: str) -> dict[str, str]:
    return dict(re.findall(r"^\s+(admin|vanthu|lanhdao|chuyenvien)\s+(\S+)$", output, re.M))


@pytest.mark.hsm
def test_demo_office_serves_login_with_printed_credentials(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    first = run_cli("init", "--demo", str(demo), check=True)
    creds = demo_credentials(first.stdout)
    assert set(creds) == {"admin", "vanthu", "lanhdao", "chuyenvien"}
    assert stat.S_IMODE(os.stat(demo / "credentials.txt").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(demo / "secrets" / "token-pin").st_mode) == 0o600
    for folder in ("scan/incoming", "scan/copies", "pki", "token"):
        assert (demo / folder).is_dir()

    # running it twice changes nothing (SoftHSM2's own `generation` counter file aside)
    def snapshot() -> dict[Path, bytes]:
        return {p: p.read_bytes() for p in demo.rglob("*") if p.is_file() and p.name != "generation"
                and "sessions" not in p.parts and not p.name.startswith("node.db")}

    before = snapshot()
    second = run_cli("init", "--demo", str(demo), check=True)
    assert "không có gì thay đổi" in second.stdout
    assert demo_credentials(second.stdout) == {}
    assert snapshot() == before

    port = free_port()
    server = ServerProcess([*VANTHU, "--config", str(demo / "node.toml"), "serve", "--port", str(port)],
                           port=port, log_path=tmp_path / "serve.log")
    with server, httpx.Client(base_url=server.url, follow_redirects=True) as client:
        page = client.get("/login")
        assert page.status_code == 200 and "Đăng nhập" in page.text
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        r = client.post("/login", data={"username": "admin", "password": creds["admin"], "next": "/",
                                        "_csrf_token": token})
        assert r.status_code == 200 and "Xin chào, Quản trị hệ thống" in r.text
        assert "UBND phường Thử Nghiệm" in r.text
        health = client.get("/healthz").json()
        assert health["status"] == "ok" and health["database"] == "green"
    assert server.proc is not None and server.proc.returncode is not None
