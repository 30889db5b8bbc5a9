"""Core commands: serve, init, verify, audit verify, doctor, user."""

from __future__ import annotations

import json
import logging
import secrets
import sys
from pathlib import Path

import click
import uvicorn

from hub.db import HubDB
from node import diagnostics
from node.app import VERSION, create_app, open_node, read_or_create_secret, write_secret_file
from node.cli.base import CliState, pass_state
from node.config import Config, load_config
from node.domain.accounts import Role
from node.domain.health import Check, Level, worst
from node.errors import ConfigError, NodeError
from node.office.demo import seed_demo
from node.signing.make_assets import ensure_demo_images
from node.signing.softhsm import ensure_demo_token
from node.store.audit import verify_audit
from node.store.blobs import BlobState
from node.store.users import create_user
from node.web.passwords import Argon2Hasher

LEVEL_MARK = {Level.GREEN: "[ OK ]", Level.YELLOW: "[CHÚ Ý]", Level.RED: "[LỖI]"}


@click.command()
@click.option("--host", help="Listen address (default: web.host).")
@click.option("--port", type=int, help="Listen port (default: web.port).")
@pass_state
def serve(state: CliState, host: str | None, port: int | None) -> None:
    """Serve the web UI and run the scanner and sync workers."""
    config = state.config()
    if not state.debug:  # one line per request to the axis is noise in the service log
        logging.getLogger("httpx").setLevel(logging.WARNING)
    app = create_app(config, debug=state.debug)
    h, p = host or config.web.host, port or config.web.port
    click.echo(f"Trạm Văn Thư {VERSION}: {config.node.agency_name} — http://{h}:{p}/")
    uvicorn.run(app, host=h, port=p, log_level="debug" if state.debug else "warning",
                proxy_headers=False, server_header=False)


def _new_password() -> str:
    return secrets.token_urlsafe(12)


DEMO_STAFF = (
    ("admin", "Quản trị hệ thống", "Quản trị viên", (Role.ADMIN,)),
    ("vanthu", "Trần Thị Bình", "Văn thư", (Role.CLERK,)),
    ("lanhdao", "Nguyễn Văn An", "Chủ tịch", (Role.LEADER,)),
    ("chuyenvien", "Lê Văn Cường", "Chuyên viên", (Role.SPECIALIST,)),
)

DEMO_TOML = """\
# Demo office made by `vanthu init --demo`. Every key is documented in
# provisioning/node.example.toml. Relative paths are relative to this file.
[node]
agency_code = "000.00.99.H26"
agency_name = "UBND phường Thử Nghiệm"
data_dir = "data"
supervising_agency_code = "000.00.00.H26"
supervising_agency_name = "UBND Thành phố Hà Nội"

[web]
host = "127.0.0.1"
port = 8080

[axis]
# The local reference hub started by `make run` (vanthu hub serve --db hub/hub.db --port 8090).
url = "http://127.0.0.1:8090"
systemid = "000.00.99.H26"
secret_file = "secrets/axis-secret"

[signing]
token_label = "vanthu-demo"
softhsm2_conf = "token/softhsm2.conf"
agency_key_label = "agency"
agency_pin_file = "secrets/token-pin"
trust_anchors = ["pki/ca.pem"]
signature_png = "signing/leader-signature.png"
seal_png = "signing/seal.png"

[[scanner.folders]]
path = "scan/incoming"
purpose = "incoming"

[[scanner.folders]]
path = "scan/copies"
purpose = "copy"
"""


def ensure_demo_hub(demo_dir: Path, config: Config) -> Path:
    """Register the demo office and its supervising agency on a local reference hub database."""
    hub_db = demo_dir / "hub" / "hub.db"
    db = HubDB(hub_db)
    try:
        office = db.add_agency(config.node.agency_code, config.node.agency_name,
                               systemid=config.axis.systemid)
        if config.node.supervising_agency_code:
            db.add_agency(config.node.supervising_agency_code, config.node.supervising_agency_name)
    finally:
        db.close()
    secret_file = config.axis.secret_file
    if secret_file is not None and (not secret_file.exists()
                                    or secret_file.read_text(encoding="utf-8").strip() != office.secret):
        write_secret_file(secret_file, office.secret + "\n")
    return hub_db


def init_node(config: Config, *, staff: tuple[tuple[str, str, str, tuple[Role, ...]], ...],
              credentials_file: Path | None) -> list[tuple[str, str]]:
    """Migrate the database, create secrets and the given accounts if missing.

    Returns the (username, password) pairs created now; existing accounts are left alone.
    """
    node = open_node(config)
    try:
        read_or_create_secret(config.secrets_dir / "web.key")
        for folder in config.scanner.folders:
            folder.path.mkdir(parents=True, exist_ok=True)
        hasher = Argon2Hasher()
        created: list[tuple[str, str]] = []
        for username, full_name, title, roles in staff:
            if node.users.exists(username):
                continue
            password = _new_password()
            digest = hasher.hash(password)
            node.db.write(lambda db, u=username, f=full_name, t=title, r=roles, h=digest: create_user(
                db, username=u, full_name=f, title=t, password_hash=h, roles=r,
                now=node.clock.now(), actor="vanthu-init"))
            created.append((username, password))
    finally:
        node.close()
    if created and credentials_file is not None:
        lines = [f"{u}\t{p}" for u, p in created]
        old = credentials_file.read_text(encoding="utf-8") if credentials_file.exists() else ""
        write_secret_file(credentials_file, old + "\n".join(lines) + "\n")
    return created


@click.command()
@click.option("--demo", "demo_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Create a complete demo office (config, database, accounts, SoftHSM2 token) here.")
@pass_state
def init(state: CliState, demo_dir: Path | None) -> None:
    """Initialise the node: database, secrets and the first admin account. Safe to run twice."""
    if demo_dir is not None:
        demo_dir = demo_dir.resolve()
        demo_dir.mkdir(parents=True, exist_ok=True)
        config_path = demo_dir / "node.toml"
        fresh = not config_path.exists()
        if fresh:
            config_path.write_text(DEMO_TOML, encoding="utf-8")
        config = load_config(config_path)
        token = ensure_demo_token(demo_dir, label=config.signing.token_label,
                                  agency_name=config.node.agency_name)
        ensure_demo_images(demo_dir / "signing", agency=config.node.agency_name)  # signing (issue 4)
        ensure_demo_hub(demo_dir, config)
        staff = DEMO_STAFF
        credentials = demo_dir / "credentials.txt"
    else:
        config = state.config()
        config_path = state.config_path
        token = None
        staff = DEMO_STAFF[:1]
        credentials = config.secrets_dir / "admin-password.txt"
    created = init_node(config, staff=staff, credentials_file=credentials)
    if demo_dir is not None and created:  # a new demo office: a few documents to look at
        node = open_node(config)
        try:
            seed_demo(node)
        finally:
            node.close()
    if not created:
        click.echo(f"Nút đã được khởi tạo ({config_path}); không có gì thay đổi.")
        return
    click.echo(f"Đã khởi tạo nút cho {config.node.agency_name} ({config.node.agency_code}).")
    click.echo(f"Cấu hình: {config_path}")
    click.echo("Tài khoản (mật khẩu chỉ hiện một lần; bản lưu quyền 0600 tại "
               f"{credentials}):")
    for username, password in created:
        click.echo(f"  {username:<12} {password}")
    if token is not None:
        click.echo(f"Token SoftHSM2 '{token.label}': PIN trong {token.pin_file}")


@click.command()
@pass_state
def verify(state: CliState) -> None:
    """Re-hash every stored file; report missing or corrupt ones (exit 1 if any)."""
    node = open_node(state.config())
    try:
        rows = node.db.query("SELECT sha256 FROM blob WHERE destroyed_at IS NULL ORDER BY sha256")
        bad = 0
        known = set()
        for r in rows:
            sha = r["sha256"]
            known.add(sha)
            st = node.blobs.check(sha)
            if st is not BlobState.OK:
                bad += 1
                click.echo(f"{st.value}: {sha} ({node.blobs.path(sha)})")
        orphans = sum(1 for d in node.blobs.iter_digests() if d not in known)
    finally:
        node.close()
    if orphans:
        click.echo(f"note: {orphans} stored file(s) not referenced by any row (left by an interrupted write)")
    if bad:
        click.echo(f"{bad} of {len(rows)} blob(s) missing or corrupt", err=True)
        sys.exit(1)
    click.echo(f"all {len(rows)} blob(s) intact")


@click.group()
def audit() -> None:
    """The hash-chained audit log."""


@audit.command("verify")
@pass_state
def audit_verify(state: CliState) -> None:
    """Check the audit chain; exit 1 naming the first bad row."""
    node = open_node(state.config())
    try:
        with node.db.read() as conn:
            report = verify_audit(conn)
    finally:
        node.close()
    if report.problem is not None:
        click.echo(f"audit chain broken: {report.problem}", err=True)
        sys.exit(1)
    click.echo(f"audit chain intact: {report.rows} row(s)")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@pass_state
def doctor(state: CliState, as_json: bool) -> None:
    """Check the node: database, disk, blobs, audit, backup, token, certificates, trust anchors, hub,
    clock, queue, scanner folders, OCR. Exit 0/1/2 by worst result."""
    try:
        config = state.config()
    except ConfigError as e:
        checks = [Check("config", Level.RED, f"Cấu hình lỗi: {e.message}",
                                    "Sửa tệp cấu hình theo provisioning/node.example.toml.")]
    else:
        node = open_node(config)
        try:
            checks = diagnostics.doctor_checks(config, state.config_path, node.db, node.blobs,
                                               node.exchange.status(), node.clock.now())
        finally:
            node.close()
    level = worst(checks)
    if as_json:
        click.echo(json.dumps({"status": level.label, "checks": [c.as_dict() for c in checks]},
                              ensure_ascii=False, indent=2))
    else:
        for c in checks:
            click.echo(f"{LEVEL_MARK[c.level]:<8} {c.name:<9} {c.message}")
            if c.action and c.level is not Level.GREEN:
                click.echo(f"{'':<18} → {c.action}")
    sys.exit(int(level))


@click.group()
def user() -> None:
    """User accounts."""


@user.command("add")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Full name (Họ và tên).")
@click.option("--title", default="", help="Position title (chức vụ).")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([r.value for r in Role]), help="Role; repeat for several.")
@pass_state
def user_add(state: CliState, username: str, full_name: str, title: str, roles: tuple[str, ...]) -> None:
    """Create an account; its password is printed once."""
    node = open_node(state.config())
    try:
        if node.users.exists(username):
            raise NodeError(f"user '{username}' already exists", code="user_exists")
        password = _new_password()
        digest = Argon2Hasher().hash(password)
        node.db.write(lambda db: create_user(db, username=username, full_name=full_name, title=title,
                                             password_hash=digest, roles=[Role(r) for r in roles],
                                             now=node.clock.now(), actor="cli"))
    finally:
        node.close()
    click.echo(f"{username}\t{password}")


def register(group: click.Group) -> None:
    for cmd in (serve, init, verify, audit, doctor, user):
        group.add_command(cmd)
