"""Provisioning bundles: 20 offices from one CSV; applying one gives a node that starts and passes
doctor; applying twice changes nothing; a tampered or incomplete bundle changes nothing."""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from node.app import open_node, open_sync
from node.config import load_config
from node.provisioning import manifest_text
from tests.conftest import ROOT, run_cli
from tests.support.exchange import HubHandle, edoc
from tests.support.servers import ServerProcess, free_port
from tests.support.tools import require_tool


def make_ca(path: Path) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CA Thử Nghiệm")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def code(i: int) -> str:
    return f"000.{i:02d}.31.H26"


@pytest.fixture(scope="module")
def made_bundles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp_path = tmp_path_factory.mktemp("provision")
    media = [tmp_path / "usb1", tmp_path / "usb2"]
    for m in media:
        m.mkdir()
    offices = tmp_path / "offices.csv"
    with offices.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["agency_code", "agency_name", "supervising_agency_code", "supervising_agency_name",
                    "token_label", "scanner_incoming", "scanner_copy", "admin_username",
                    "backup_targets"])
        for i in range(1, 21):
            w.writerow([code(i), f"UBND phường Số {i}", "000.00.31.H26", "UBND quận Thử Nghiệm",
                        f"office-{i}", "scan/incoming", "scan/copies", "quantri",
                        ";".join(str(m) for m in media)])
    out = tmp_path / "bundles"
    proc = run_cli("provision", "make-bundles", str(offices), "--hub", "http://127.0.0.1:9",
                   "--out", str(out), "--trust-anchor", str(make_ca(tmp_path / "ca.pem")))
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture
def bundles(made_bundles: Path, tmp_path: Path) -> Path:
    """A fresh copy of the 20 bundles (tests damage them)."""
    copy = tmp_path / "bundles"
    shutil.copytree(made_bundles, copy)
    return copy


def snapshot(root: Path) -> dict[str, tuple[int, str]]:
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix():
            (p.stat().st_mode & 0o7777, hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "")
            for p in sorted(root.rglob("*"))}


def apply_args(bundle: Path, site: Path) -> list[str]:
    return ["provision", "apply", str(bundle), "--config-out", str(site / "etc" / "node.toml"),
            "--data-dir", str(site / "data"), "--systemd-dir", str(site / "systemd")]


def test_twenty_bundles_from_one_csv(bundles: Path) -> None:
    dirs = sorted(p for p in bundles.iterdir() if p.is_dir())
    assert [d.name for d in dirs] == [code(i) for i in range(1, 21)]
    secrets = set()
    for d in dirs:
        assert d.stat().st_mode & 0o777 == 0o700
        secret = d / "secrets" / "axis-secret"
        assert secret.stat().st_mode & 0o777 == 0o600
        secrets.add(secret.read_text())
        body = json.loads((d / "bundle.json").read_text())
        assert body["office"]["agency_code"] == d.name
        assert body["hub_url"] == "http://127.0.0.1:9"
        assert body["admin"]["username"] == "quantri"
        assert body["signing"]["token_label"].startswith("office-")
    assert len(secrets) == 20
    assert (bundles / "hub-registrations.csv").stat().st_mode & 0o777 == 0o600
    assert len((bundles / "fingerprints.txt").read_text().splitlines()) == 20
    # The manifest is the `sha256sum -c` format.
    sha256sum = require_tool("sha256sum")
    proc = subprocess.run([sha256sum, "-c", "MANIFEST.sha256"], cwd=dirs[0], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_apply_gives_a_node_that_starts_and_passes_doctor_and_twice_changes_nothing(
        bundles: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    proc = run_cli(*apply_args(bundles / code(7), site))
    assert proc.returncode == 0, proc.stderr
    assert "first admin account: quantri" in proc.stdout
    cfg = site / "etc" / "node.toml"
    assert (site / "data" / "secrets" / "axis-secret").stat().st_mode & 0o777 == 0o600
    assert (site / "data" / "secrets" / "admin-password.txt").stat().st_mode & 0o777 == 0o600
    for unit in ("vanthu-node.service", "vanthu-backup.timer", "vanthu-verify.timer"):
        assert (site / "systemd" / unit).is_file()
    assert f"--config {cfg} serve" in (site / "systemd" / "vanthu-node.service").read_text()

    before = snapshot(site)
    proc = run_cli(*apply_args(bundles / code(7), site))
    assert proc.returncode == 0, proc.stderr
    assert "nothing changed" in proc.stdout
    assert "password" not in proc.stdout
    assert snapshot(site) == before

    # The office's token (the bundle names it 'office-7'): doctor and /healthz check it is there.
    env = {"SOFTHSM2_CONF": str(office_token(tmp_path, 7))}
    doctor = run_cli("--config", str(cfg), "doctor", env=env)
    # No red line; yellow for the hub of the test bundles (127.0.0.1:9), which is never up.
    assert doctor.returncode in (0, 1) and "[LỖI]" not in doctor.stdout, doctor.stdout + doctor.stderr
    port = free_port()
    with ServerProcess([sys.executable, "-m", "node", "--config", str(cfg), "serve", "--port", str(port)],
                       port=port, log_path=tmp_path / "serve.log", cwd=ROOT, env=env) as server:
        r = httpx.get(server.url + "/healthz", timeout=5)
        assert r.status_code == 200, r.text


def office_token(tmp_path: Path, i: int) -> Path:
    """A SoftHSM2 token labelled like the bundle's ``office-<i>``; returns its SOFTHSM2_CONF. Made in
    a child process: this one already loaded the PKCS#11 module with another SoftHSM2 config."""
    require_tool("softhsm2-util")
    code = ("import sys; from pathlib import Path; from node.signing.softhsm import ensure_demo_token;"
            "print(ensure_demo_token(Path(sys.argv[1]), label=sys.argv[2]).conf)")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "hsm"), f"office-{i}"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120, check=True)
    return Path(proc.stdout.strip())


def flip_byte(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 3] ^= 0x20
    path.write_bytes(bytes(raw))


def rewrite(bundle: Path, body_change) -> None:  # type: ignore[no-untyped-def]
    """Change bundle.json and re-make the manifest, as a careless hand edit would."""
    body = json.loads((bundle / "bundle.json").read_text())
    body_change(body)
    (bundle / "bundle.json").write_text(json.dumps(body, ensure_ascii=False))
    files = {p.relative_to(bundle).as_posix(): p.read_bytes() for p in bundle.rglob("*")
             if p.is_file() and p.name != "MANIFEST.sha256"}
    (bundle / "MANIFEST.sha256").write_text(manifest_text(files))


def _drop_name(body: dict) -> None:  # type: ignore[type-arg]
    del body["office"]["agency_name"]


def _bad_code(body: dict) -> None:  # type: ignore[type-arg]
    body["office"]["agency_code"] = "H26-phuong-7"


@pytest.mark.parametrize(("damage", "message"), [
    ("tamper-json", "bundle.json: SHA-256 does not match"),
    ("tamper-secret", "secrets/axis-secret: SHA-256 does not match"),
    ("tamper-anchor", "SHA-256 does not match"),
    ("missing-field", "missing field office.agency_name"),
    ("bad-code", "office.agency_code 'H26-phuong-7'"),
    ("missing-file", "listed in MANIFEST.sha256 but missing"),
    ("extra-file", "not listed in MANIFEST.sha256"),
    ("bad-pem", "not a PEM certificate"),
])
def test_a_wrong_bundle_is_refused_and_changes_nothing(bundles: Path, tmp_path: Path, damage: str,
                                                       message: str) -> None:
    bundle = bundles / code(3)
    if damage == "tamper-json":
        flip_byte(bundle / "bundle.json")
    elif damage == "tamper-secret":
        flip_byte(bundle / "secrets" / "axis-secret")
    elif damage == "tamper-anchor":
        flip_byte(next((bundle / "trust").iterdir()))
    elif damage == "missing-field":
        rewrite(bundle, _drop_name)
    elif damage == "bad-code":
        rewrite(bundle, _bad_code)
    elif damage == "missing-file":
        shutil.rmtree(bundle / "trust")
    elif damage == "extra-file":
        (bundle / "install.sh").write_text("rm -rf /\n")
    elif damage == "bad-pem":
        anchor = next((bundle / "trust").iterdir())
        anchor.write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        rewrite(bundle, lambda b: None)
    site = tmp_path / "site"
    site.mkdir()
    (site / "etc").mkdir()
    before = snapshot(site)
    proc = run_cli(*apply_args(bundle, site))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert proc.stdout == ""
    assert snapshot(site) == before


def test_an_existing_different_config_is_not_overwritten(bundles: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert run_cli(*apply_args(bundles / code(1), site)).returncode == 0
    before = snapshot(site)
    proc = run_cli(*apply_args(bundles / code(2), site))
    assert proc.returncode == 2 and "exists with other content" in proc.stderr
    assert snapshot(site) == before


def test_a_wrong_office_list_is_refused(tmp_path: Path) -> None:
    offices = tmp_path / "offices.csv"
    offices.write_text("agency_code,agency_name,supervising_agency_code\n"
                       "000.01.31.H26,UBND phường Một,000.00.31.H26\n"
                       "H26-phuong-2,UBND phường Hai,000.00.31.H26\n", encoding="utf-8")
    proc = run_cli("provision", "make-bundles", str(offices), "--hub", "http://hub:1",
                   "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert f"{offices}:3: agency_code 'H26-phuong-2'" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_make_bundles_can_register_the_offices_in_the_reference_hub(tmp_path: Path) -> None:
    from hub.db import HubDB

    offices = tmp_path / "offices.csv"
    offices.write_text("agency_code,agency_name,supervising_agency_code\n"
                       "000.01.31.H26,UBND phường Một,000.00.31.H26\n"
                       "000.02.31.H26,UBND phường Hai,000.00.31.H26\n", encoding="utf-8")
    hub_db = tmp_path / "hub.db"
    proc = run_cli("provision", "make-bundles", str(offices), "--hub", "http://127.0.0.1:9",
                   "--out", str(tmp_path / "out"), "--hub-db", str(hub_db))
    assert proc.returncode == 0, proc.stderr
    hub = HubDB(hub_db)
    try:
        for c in ("000.01.31.H26", "000.02.31.H26"):
            agency = hub.agency_by_code(c)
            assert agency is not None
            secret = (tmp_path / "out" / c / "secrets" / "axis-secret").read_text().strip()
            assert agency.secret == secret and agency.systemid == c
    finally:
        hub.close()
    # Registering the same offices again would give bundles with secrets the hub does not know.
    proc = run_cli("provision", "make-bundles", str(offices), "--hub", "http://127.0.0.1:9",
                   "--out", str(tmp_path / "out2"), "--hub-db", str(hub_db))
    assert proc.returncode == 2 and "already registered: 000.01.31.H26, 000.02.31.H26" in proc.stderr
    assert not (tmp_path / "out2").exists()


def test_a_provisioned_node_backs_up_and_restores_with_its_secret_and_anchors(
        bundles: Path, tmp_path: Path) -> None:
    from node.config import load_config

    site = tmp_path / "site"
    assert run_cli(*apply_args(bundles / code(4), site)).returncode == 0
    cfg = site / "etc" / "node.toml"
    original = load_config(cfg)
    media = [tmp_path / "m1", tmp_path / "m2"]
    for m in media:
        m.mkdir()
    proc = run_cli("--config", str(cfg), "backup", *(a for m in media for a in ("--to", str(m))))
    assert proc.returncode == 0, proc.stderr
    secret = (site / "data" / "secrets" / "axis-secret").read_bytes()
    anchor = (site / "etc" / "trust" / "00-ca.pem").read_bytes()
    shutil.rmtree(site)

    into = tmp_path / "restored"
    proc = run_cli("restore", str(media[1]), "--into", str(into))
    assert proc.returncode == 0, proc.stderr
    restored = load_config(into / "node.toml")
    assert restored.node == type(original.node)(**{**original.node.__dict__, "data_dir": into / "data"})
    assert restored.axis.url == original.axis.url and restored.axis.systemid == original.axis.systemid
    assert restored.axis.secret_file == into / "data" / "secrets" / "axis-secret"
    assert restored.axis.secret_file.read_bytes() == secret
    assert restored.axis.secret_file.stat().st_mode & 0o777 == 0o600
    (restored_anchor,) = restored.signing.trust_anchors
    assert restored_anchor.read_bytes() == anchor and restored_anchor.is_relative_to(into)
    assert restored.backup.targets == original.backup.targets
    # The scanner folders lived beside the config: they move with the node.
    assert [f.path for f in restored.scanner.folders] == [into / "scan" / "incoming",
                                                          into / "scan" / "copies"]
    assert all(f.path.is_dir() for f in restored.scanner.folders)
    assert not site.exists()
    env = {"SOFTHSM2_CONF": str(office_token(tmp_path, 4))}
    doctor = run_cli("--config", str(into / "node.toml"), "doctor", env=env)
    assert "[LỖI]" not in doctor.stdout, doctor.stdout


@pytest.mark.hub
def test_provisioned_offices_serve_pass_doctor_and_exchange_through_a_real_hub(tmp_path: Path) -> None:
    """Acceptance 1, end to end: bundles registered on a reference hub (--hub-db); office 1 applied
    and served (`vanthu serve` and its workers), office 2 applied beside it; a package each way
    arrives in the other's axis_inbox (office 2's by `vanthu sync once`); doctor on the serving
    office has no red line and says its workers are alive."""
    hub = HubHandle(root=tmp_path / "hub", db=tmp_path / "hub" / "hub.db", port=free_port())
    hub.root.mkdir()
    offices = tmp_path / "offices.csv"
    one, two = (code(1), "UBND phường Số 1"), (code(2), "UBND phường Số 2")
    offices.write_text("agency_code,agency_name,supervising_agency_code,scanner_incoming\n"
                       f"{one[0]},{one[1]},000.00.31.H26,scan/incoming\n"
                       f"{two[0]},{two[1]},000.00.31.H26,scan/incoming\n", encoding="utf-8")
    proc = run_cli("provision", "make-bundles", str(offices), "--hub", hub.url, "--out", str(tmp_path / "b"),
                   "--hub-db", str(hub.db))
    assert proc.returncode == 0, proc.stderr
    cfg1, cfg2 = (tmp_path / f"site-{c}" / "etc" / "node.toml" for c in (one[0], two[0]))
    for c in (one[0], two[0]):
        assert run_cli(*apply_args(tmp_path / "b" / c, tmp_path / f"site-{c}")).returncode == 0

    def rows(cfg: Path, sql: str) -> list[tuple[object, ...]]:
        conn = sqlite3.connect(cfg.parents[1] / "data" / "node.db")
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()

    hub.start()
    try:
        # Office 2 sends first (its provisioned config and secret, in this process): office 1's inbox
        # poller fetches the package as soon as its node starts.
        node2 = open_node(load_config(cfg2))
        try:
            from_two, data = edoc(two, one, 1)
            node2.exchange.enqueue(from_two, data, actor="test")
            engine = open_sync(node2)
            try:
                sent = engine.once()
            finally:
                engine.close()
        finally:
            node2.close()
        assert sent.relay.sent == 1 and sent.error is None, sent
        port = free_port()
        serve = [sys.executable, "-m", "node", "--config", str(cfg1), "serve", "--port", str(port)]
        with ServerProcess(serve, port=port, log_path=tmp_path / "serve.log", cwd=ROOT) as server:
            node1 = open_node(load_config(cfg1))
            try:  # queued beside the running node: its relay sends it
                package, data = edoc(one, two, 1)
                node1.exchange.enqueue(package, data, actor="test")
            finally:
                node1.close()
            deadline = time.monotonic() + 30  # generous: the machine may be loaded
            while time.monotonic() < deadline:
                received = rows(cfg1, "SELECT document_id FROM axis_inbox WHERE kind = 'edoc'")
                out = rows(cfg1, "SELECT state FROM axis_outbox WHERE kind = 'edoc'")
                if received and out == [("sent",)]:
                    break
                time.sleep(0.1)
            assert received == [(from_two.document_id,)], server.log()
            assert out == [("sent",)], server.log()

            got = json.loads(run_cli("--config", str(cfg2), "sync", "once", "--json", check=True).stdout)
            assert got["received"] >= 1 and got["error"] is None, got
            assert rows(cfg2, "SELECT sender_code, document_id FROM axis_inbox WHERE kind = 'edoc'") == [
                (one[0], package.document_id)]

            doctor = run_cli("--config", str(cfg1), "doctor")
            assert "[LỖI]" not in doctor.stdout, doctor.stdout + doctor.stderr
            lines = {x[9:].split()[0]: x for x in doctor.stdout.splitlines() if x.startswith("[")}
            assert lines["axis"].startswith("[ OK ]") and lines["workers"].startswith("[ OK ]"), doctor.stdout
    finally:
        hub.stop()
