"""/healthz answers 503 for an unusable token or a full disk; the admin diagnostics page and its
JSON bundle (which must not contain any secret)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from litestar.testing import TestClient

from node.app import create_app, open_node, write_secret_file
from node.domain.clock import FixedClock
from node.signing.softhsm import DemoToken
from tests.conftest import NodeDir, run_cli
from tests.support.exchange import A, B, edoc
from tests.web.test_login import login

AXIS_SECRET = "axis-secret-value-7f3c9e"


def with_secrets(root: Path, token: DemoToken, label: str) -> str:
    secret = root / "axis.secret"
    write_secret_file(secret, AXIS_SECRET + "\n")
    return f"""
[axis]
url = "http://127.0.0.1:9"
systemid = "000.00.01.H26"
secret_file = "{secret}"
request_timeout_seconds = 2.0

[signing]
softhsm2_conf = "{token.conf}"
token_label = "{label}"
agency_pin_file = "{token.pin_file}"
trust_anchors = ["{token.ca_cert}"]
"""


def admin_password(node: NodeDir) -> str:
    text = (node.config.secrets_dir / "admin-password.txt").read_text(encoding="utf-8")
    return text.split()[-1]


@pytest.mark.hsm
def test_healthz_503_when_token_absent_and_diagnostics_page(
        make_node: Callable[..., NodeDir], softhsm_token: DemoToken, tmp_path: Path) -> None:
    root = tmp_path / "absent"
    root.mkdir()
    node = make_node("absent", extra=with_secrets(root, softhsm_token, "token-khong-co"))
    app = create_app(node.config)
    with TestClient(app=app, base_url="http://127.0.0.1:8080") as client:
        r = client.get("/healthz")
        assert r.status_code == 503
        token = next(c for c in r.json()["checks"] if c["name"] == "token")
        assert token["level"] == "red" and "token-khong-co" in token["message"]

        assert client.get("/admin/chan-doan", follow_redirects=False).status_code in (302, 303, 401)
        assert login(client, "admin", admin_password(node)).status_code in (302, 303)
        page = client.get("/admin/chan-doan")
        assert page.status_code == 200
        assert "Chẩn đoán hệ thống" in page.text and "Tải gói chẩn đoán" in page.text
        assert "Lịch sử mất kết nối" in page.text and 'href="/admin/chan-doan"' in page.text
        assert "token-khong-co" in page.text
        # The sync workers this app's lifespan started (axis.url is set) beat: the workers line is
        # green on the page; /healthz does not look at it (a stopped worker is no reason for a 503).
        assert "Tiến trình nền đang chạy" in page.text and "theo dõi kết nối" in page.text
        assert "workers" not in {c["name"] for c in client.get("/healthz").json()["checks"]}

        r = client.get("/admin/chan-doan/goi.json")
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
        body = r.text
        bundle = json.loads(body)
        assert {"checks", "versions", "config", "link", "outages", "queue"} <= set(bundle)
        assert bundle["config"]["node"]["agency_code"] == "000.00.01.H26"
        assert bundle["config"]["axis"]["secret_file"] == "<đã ẩn>"
        workers = next(c for c in bundle["checks"] if c["name"] == "workers")
        assert workers["level"] == "green" and set(workers["data"]["alive"]) == {
            "sync-relay", "sync-inbox", "sync-monitor", "office-intake"}
        for secret in (AXIS_SECRET, softhsm_token.user_pin, str(root / "axis.secret"),
                       str(softhsm_token.pin_file), admin_password(node)):
            assert secret not in body, secret
        web_key = (node.config.secrets_dir / "web.key").read_text(encoding="utf-8").strip()
        assert web_key not in body


@pytest.mark.hsm
def test_healthz_green_with_token_then_503_on_full_disk(
        make_node: Callable[..., NodeDir], softhsm_token: DemoToken, tmp_path: Path) -> None:
    root = tmp_path / "ok"
    root.mkdir()
    node = make_node("ok", extra=with_secrets(root, softhsm_token, softhsm_token.label))
    with TestClient(app=create_app(node.config), base_url="http://127.0.0.1:8080") as client:
        r = client.get("/healthz")
        assert r.status_code == 200, r.text
        names = {c["name"]: c["level"] for c in r.json()["checks"]}
        assert names["token"] == "green" and names["queue"] == "green"

    text = node.config_path.read_text(encoding="utf-8")
    node.config_path.write_text(text + "\n[store]\nmin_free_disk_mb = 1000000000\n", encoding="utf-8")
    with TestClient(app=create_app(node.config), base_url="http://127.0.0.1:8080") as client:
        r = client.get("/healthz")
        assert r.status_code == 503
        disk = next(c for c in r.json()["checks"] if c["name"] == "disk")
        assert disk["level"] == "red"


def test_clerk_cannot_open_diagnostics(make_node: Callable[..., NodeDir]) -> None:
    node = make_node("clerk")
    proc = run_cli("--config", str(node.config_path), "user", "add", "vanthu", "--name", "Trần Thị Bình",
                   "--role", "clerk", check=True)
    password = proc.stdout.split()[-1]
    with TestClient(app=create_app(node.config), base_url="http://127.0.0.1:8080") as client:
        assert login(client, "vanthu", password).status_code in (302, 303)
        assert client.get("/admin/chan-doan").status_code == 403
        assert client.get("/admin/chan-doan/goi.json").status_code == 403
        assert not re.search(r'href="/admin/chan-doan"', client.get("/").text)


def test_healthz_503_when_queue_stuck(make_node: Callable[..., NodeDir]) -> None:
    node = make_node("queue", extra='\n[axis]\nqueue_stuck_minutes = 30\n')
    then = datetime.now(UTC) - timedelta(hours=2)
    opened = open_node(node.config, clock=FixedClock(then))
    try:
        opened.exchange.enqueue(*edoc(A, B, 1), actor="test")
    finally:
        opened.close()
    # No axis.url: no relay drains the queue, it just stays there.
    with TestClient(app=create_app(node.config), base_url="http://127.0.0.1:8080") as client:
        r = client.get("/healthz")
        assert r.status_code == 503
        queue = next(c for c in r.json()["checks"] if c["name"] == "queue")
        assert queue["level"] == "red" and "tắc" in queue["message"]
    with TestClient(app=create_app(node.config, clock=FixedClock(then + timedelta(minutes=5))),
                    base_url="http://127.0.0.1:8080") as client:
        assert client.get("/healthz").status_code == 200
