"""`vanthu doctor`: each check of issue 7 turned red on purpose (real token, hub, tesseract, mounts)."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from node import diagnostics
from node.app import open_node, write_secret_file
from node.config import config_from_dict
from node.domain.clock import FixedClock
from node.domain.exchange import ExchangeStatus, LinkState
from node.domain.health import Level
from node.signing.softhsm import DemoToken
from tests.support.exchange import VANTHU, A, B, edoc, make_hub, write_toml
from tests.support.tools import tmpfs

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime.now(UTC)


def status(queued: int = 0, oldest: datetime | None = None) -> ExchangeStatus:
    return ExchangeStatus(link=LinkState(online=None, since=None), queued=queued, oldest_queued_at=oldest,
                          sent=0, rejected=0)


def cfg(tmp_path: Path, **sections: dict[str, Any]) -> Any:
    raw: dict[str, Any] = {"node": {"agency_code": A[0], "agency_name": A[1],
                                    "data_dir": str(tmp_path / "data")}}
    raw.update(sections)
    return config_from_dict(raw)


# -- token -----------------------------------------------------------------------------------------

@pytest.mark.hsm
def test_token_login_works_and_missing_token_is_red(softhsm_token: DemoToken, tmp_path: Path) -> None:
    signing = {"softhsm2_conf": str(softhsm_token.conf), "token_label": softhsm_token.label,
               "agency_pin_file": str(softhsm_token.pin_file), "trust_anchors": [str(softhsm_token.ca_cert)]}
    ok, certs = diagnostics.token_check(cfg(tmp_path, signing=signing))
    assert ok.level is Level.GREEN, ok
    assert "đăng nhập" in ok.message and certs
    assert diagnostics.certificate_check(certs, NOW).level is Level.GREEN

    gone, _ = diagnostics.token_check(cfg(tmp_path, signing={**signing, "token_label": "khong-co-token"}))
    assert gone.level is Level.RED
    assert "khong-co-token" in gone.message
    assert softhsm_token.user_pin not in gone.message + gone.action

    wrong_pin = tmp_path / "wrong-pin"
    write_secret_file(wrong_pin, "000000\n")
    bad, _ = diagnostics.token_check(cfg(tmp_path, signing={**signing, "agency_pin_file": str(wrong_pin)}))
    assert bad.level is Level.RED and "PIN" in bad.message
    assert "000000" not in bad.message

    without_pin = {k: v for k, v in signing.items() if k != "agency_pin_file"}
    no_pin, _ = diagnostics.token_check(cfg(tmp_path, signing=without_pin))
    assert no_pin.level is Level.GREEN and "có mặt" in no_pin.message


# -- certificates and trust anchors -----------------------------------------------------------------

def make_cert(path: Path, not_after: datetime) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, path.stem)])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_after - timedelta(days=400)).not_valid_after(not_after)
            .sign(key, hashes.SHA256()))
    path.write_bytes(cert.public_bytes(Encoding.PEM))
    return path


def test_certificate_expiry_and_trust_anchors(tmp_path: Path) -> None:
    good = make_cert(tmp_path / "good-ca.pem", NOW + timedelta(days=365))
    soon = make_cert(tmp_path / "soon-ca.pem", NOW + timedelta(days=30))
    old = make_cert(tmp_path / "old-ca.pem", NOW - timedelta(days=1))
    check, certs = diagnostics.trust_anchor_check(cfg(tmp_path, signing={"trust_anchors": [str(good)]}))
    assert check.level is Level.GREEN
    assert diagnostics.certificate_check(certs, NOW).level is Level.GREEN
    _, certs = diagnostics.trust_anchor_check(
        cfg(tmp_path, signing={"trust_anchors": [str(good), str(soon)]}))
    warn = diagnostics.certificate_check(certs, NOW)
    assert warn.level is Level.YELLOW and "soon-ca" in warn.message
    _, certs = diagnostics.trust_anchor_check(cfg(tmp_path, signing={"trust_anchors": [str(soon), str(old)]}))
    red = diagnostics.certificate_check(certs, NOW)
    assert red.level is Level.RED and "old-ca" in red.message

    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    bad, _ = diagnostics.trust_anchor_check(cfg(tmp_path, signing={"trust_anchors": [str(junk)]}))
    assert bad.level is Level.RED and "junk.pem" in bad.message
    none, _ = diagnostics.trust_anchor_check(cfg(tmp_path))
    assert none.level is Level.YELLOW


# -- disk, folders, OCR, queue ------------------------------------------------------------------------

def test_disk_threshold_red(tmp_path: Path) -> None:
    config = cfg(tmp_path, store={"min_free_disk_mb": 10**12})
    config.data_dir.mkdir(parents=True)
    check = diagnostics.disk_check(config)
    assert check.level is Level.RED and "gần đầy" in check.message


@pytest.fixture
def ro_mount(tmp_path: Path) -> Iterator[Path]:
    with tmpfs(tmp_path / "ro-scan", "ro,size=1m", "mounting a read-only tmpfs") as mnt:
        yield mnt


def test_scanner_folder_unwritable(tmp_path: Path, ro_mount: Path) -> None:
    ok_dir = tmp_path / "scan-ok"
    ok_dir.mkdir()
    not_dir = tmp_path / "scan-is-a-file"
    not_dir.write_text("x")
    good = diagnostics.folders_writable_check(cfg(tmp_path, scanner={"folders": [{"path": str(ok_dir)}]}))
    assert good.level is Level.GREEN
    assert list(ok_dir.iterdir()) == []  # the probe file is gone
    for bad_path in (ro_mount, not_dir):
        bad = diagnostics.folders_writable_check(cfg(tmp_path, scanner={"folders": [
            {"path": str(ok_dir)}, {"path": str(bad_path)}]}))
        assert bad.level is Level.RED and str(bad_path) in bad.message


@pytest.mark.ocr
def test_ocr_vietnamese_present_and_missing_language(tmp_path: Path) -> None:
    assert diagnostics.ocr_check(cfg(tmp_path)).level is Level.GREEN
    missing = diagnostics.ocr_check(cfg(tmp_path, scanner={"ocr_language": "vie+xyz"}))
    assert missing.level is Level.RED and "xyz" in missing.message


def test_queue_stuck(tmp_path: Path) -> None:
    config = cfg(tmp_path, axis={"queue_stuck_minutes": 30})
    assert diagnostics.queue_check(config, status(), NOW).level is Level.GREEN
    assert diagnostics.queue_check(config, status(2, NOW - timedelta(minutes=10)), NOW).level is Level.GREEN
    stuck = diagnostics.queue_check(config, status(2, NOW - timedelta(minutes=45)), NOW)
    assert stuck.level is Level.RED and "45 phút" in stuck.message


# -- clock ---------------------------------------------------------------------------------------------

@pytest.fixture
def skewed_server() -> Iterator[tuple[str, list[timedelta]]]:
    skew = [timedelta(0)]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def date_time_string(self, timestamp: float | None = None) -> str:
            return format_datetime(datetime.now(UTC) + skew[0], usegmt=True)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", skew
    finally:
        server.shutdown()
        server.server_close()


def test_clock_offset(skewed_server: tuple[str, list[timedelta]]) -> None:
    url, skew = skewed_server
    assert diagnostics.clock_check(url, datetime.now(UTC)).level is Level.GREEN
    skew[0] = timedelta(seconds=-120)
    warn = diagnostics.clock_check(url, datetime.now(UTC))
    assert warn.level is Level.YELLOW and "nhanh" in warn.message
    skew[0] = timedelta(minutes=10)
    red = diagnostics.clock_check(url, datetime.now(UTC))
    assert red.level is Level.RED and "chậm" in red.message


# -- hub: credentials and reachability; the CLI line and exit code --------------------------------------

@pytest.mark.hub
def test_hub_credentials_stopped_and_cli(tmp_path: Path) -> None:
    hub = make_hub(tmp_path / "hub", [A])
    axis = {"url": hub.url, "systemid": A[0], "secret_file": str(hub.secrets[A[0]]),
            "request_timeout_seconds": 5.0}
    hub.start()
    try:
        checks = diagnostics.hub_checks(cfg(tmp_path, axis=axis), status(), datetime.now(UTC))
        assert [c.name for c in checks] == ["axis", "clock"]
        assert all(c.level is Level.GREEN for c in checks), checks

        bad_secret = tmp_path / "bad.secret"
        write_secret_file(bad_secret, "not-the-secret\n")
        refused = diagnostics.hub_checks(cfg(tmp_path, axis={**axis, "secret_file": str(bad_secret)}),
                                         status(), datetime.now(UTC))
        assert refused[0].level is Level.RED and "từ chối" in refused[0].message
        assert "not-the-secret" not in refused[0].message
    finally:
        hub.stop()
    # Hub stopped (see hub_down_check): red when packages wait or the link has been down longer than
    # axis.outage_report_after_seconds; yellow for a fresh blip with nothing to send. Either way the
    # line says the office keeps working offline.
    now = datetime.now(UTC)
    down = diagnostics.hub_checks(cfg(tmp_path, axis=axis), status(3), now)
    assert [c.name for c in down] == ["axis"]
    assert down[0].level is Level.RED
    assert "Mất kết nối" in down[0].message and "3 gói" in down[0].message
    assert "ngoại tuyến" in down[0].message and "đường truyền" in down[0].action
    blip = diagnostics.hub_checks(cfg(tmp_path, axis=axis), status(0), now)
    assert blip[0].level is Level.YELLOW and "ngoại tuyến" in blip[0].message
    for minutes, level in ((5, Level.YELLOW), (20, Level.RED)):
        seen = ExchangeStatus(link=LinkState(online=False, since=now - timedelta(minutes=minutes)), queued=0,
                              oldest_queued_at=None, sent=0, rejected=0)
        long = diagnostics.hub_checks(cfg(tmp_path, axis={**axis, "outage_report_after_seconds": 900}), seen,
                                      now)
        assert long[0].level is level, (minutes, long[0])
        assert " từ " in long[0].message  # since when, as the workers saw it

    # The CLI with the hub stopped and a package waiting longer than axis.queue_stuck_minutes:
    # the axis line (red) says the hub is unreachable and work goes on offline, the queue line is
    # red, the exit code is 2.
    config = cfg(tmp_path, axis=axis)
    opened = open_node(config, clock=FixedClock(datetime.now(UTC) - timedelta(hours=3)))
    try:
        opened.exchange.enqueue(*edoc(A, B, 1), actor="test")
    finally:
        opened.close()
    config_path = write_toml(tmp_path / "node.toml", {
        "node": {"agency_code": A[0], "agency_name": A[1], "data_dir": str(tmp_path / "data")},
        "axis": axis})
    proc = subprocess.run([*VANTHU, "-c", str(config_path), "doctor"], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    line = next(x for x in proc.stdout.splitlines() if " axis " in x)
    assert line.startswith("[LỖI]") and "Mất kết nối với trục liên thông" in line and "ngoại tuyến" in line
    queue = next(x for x in proc.stdout.splitlines() if " queue " in x)
    assert queue.startswith("[LỖI]") and "tắc" in queue
    assert "[ OK ]   ocr" in proc.stdout


@pytest.mark.hsm
def test_cli_lines_and_exit_code(softhsm_token: DemoToken, tmp_path: Path) -> None:
    """`vanthu doctor`: token absent, disk threshold and a scanner folder that is a file, each a red
    line; exit code 2; --json names the same checks."""
    not_dir = tmp_path / "scan-is-a-file"
    not_dir.write_text("x")
    config_path = tmp_path / "node.toml"
    config_path.write_text(f"""
[node]
agency_code = "{A[0]}"
agency_name = "{A[1]}"
data_dir = "{tmp_path / 'data'}"

[store]
min_free_disk_mb = 1000000000

[signing]
softhsm2_conf = "{softhsm_token.conf}"
token_label = "token-da-rut"
agency_pin_file = "{softhsm_token.pin_file}"

[[scanner.folders]]
path = "{not_dir}"
""", encoding="utf-8")
    proc = subprocess.run([*VANTHU, "-c", str(config_path), "doctor"], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = {x[9:].split()[0]: x
             for x in proc.stdout.splitlines() if x.startswith("[")}
    assert lines["token"].startswith("[LỖI]") and "token-da-rut" in lines["token"]
    assert lines["disk"].startswith("[LỖI]") and "gần đầy" in lines["disk"]
    assert lines["folders"].startswith("[LỖI]") and str(not_dir) in lines["folders"]
    assert softhsm_token.user_pin not in proc.stdout + proc.stderr
    js = subprocess.run([*VANTHU, "-c", str(config_path), "doctor", "--json"], capture_output=True,
                        text=True, cwd=ROOT, timeout=120)
    assert js.returncode == 2
    levels = {c["name"]: c["level"] for c in json.loads(js.stdout)["checks"]}
    assert levels["token"] == levels["disk"] == levels["folders"] == "red"
    assert levels["database"] == "green"
