"""``vanthu provision make-bundles`` and ``vanthu provision apply``."""

from __future__ import annotations

import os
import pwd
import shutil
from pathlib import Path

import click

from hub.db import HubDB
from node import provisioning
from node.cli.base import DEFAULT_CONFIG
from node.cli.core import init_node
from node.domain.accounts import Role
from node.domain.clock import SystemClock
from node.errors import ProvisionError
from node.units import DEFAULT_BIN, DEFAULT_DATA


@click.group()
def provision() -> None:
    """Provisioning bundles for many offices (district IT)."""


@provision.command("make-bundles")
@click.argument("offices_csv", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--hub", "hub_url", required=True, help="Base URL of the document axis / hub.")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="New (or empty) directory for the bundles.")
@click.option("--trust-anchor", "anchors", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="PEM file of a trusted CA; repeat for several.")
@click.option("--hub-db", type=click.Path(path_type=Path, dir_okay=False),
              help="Also register every office's systemid and secret in this reference-hub database"
                   " (`vanthu hub serve --db`), on the same machine.")
def make_bundles(offices_csv: Path, hub_url: str, out: Path, anchors: tuple[Path, ...],
                 hub_db: Path | None) -> None:
    """One bundle per office of OFFICES_CSV (with a SHA-256 manifest; secrets 0600).

    Columns: agency_code, agency_name, supervising_agency_code (required); supervising_agency_name,
    systemid, token_label, token_serial, pkcs11_module, scanner_incoming, scanner_copy (paths
    separated by ';'), admin_username, backup_targets (';'), web_host, web_port.
    """
    offices = provisioning.read_offices(offices_csv)
    hub = HubDB(hub_db) if hub_db is not None else None
    try:
        if hub is not None:
            known = [o.agency_code for o in offices if hub.agency_by_code(o.agency_code) is not None]
            if known:
                raise ProvisionError(f"{hub_db}: already registered: {', '.join(known)} (their bundles"
                                     " would carry a secret the hub does not know); remove them from"
                                     " the list")
        made = provisioning.make_bundles(offices, hub_url=hub_url, trust_anchors=list(anchors),
                                         out=out, now=SystemClock().now())
        if hub is not None:
            for b in made:
                hub.add_agency(b.office.agency_code, b.office.agency_name, systemid=b.office.systemid,
                               secret=b.secret)
    finally:
        if hub is not None:
            hub.close()
    _print_made(made, out, registered=hub_db)


def _print_made(made: list[provisioning.MadeBundle], out: Path, registered: Path | None) -> None:
    for b in made:
        click.echo(f"{b.office.agency_code}\t{b.path}\t{b.fingerprint[:16]}")
    click.echo(f"{len(made)} bundle(s) in {out}; hub credentials: {out / 'hub-registrations.csv'} (0600)"
               + (f", registered in {registered}" if registered else "")
               + f"; fingerprints: {out / 'fingerprints.txt'}")


@provision.command("apply")
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option("--config-out", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_CONFIG,
              show_default=True, help="Where to write the node config.")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_DATA,
              show_default=True, help="The node's data directory.")
@click.option("--systemd-dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path("/etc/systemd/system"), show_default=True,
              help="Where to install the systemd units.")
@click.option("--no-units", is_flag=True, help="Do not install the systemd units.")
@click.option("--vanthu-bin", type=click.Path(path_type=Path), default=DEFAULT_BIN, show_default=True,
              help="The vanthu program the units run.")
@click.option("--user", default="vanthu", show_default=True,
              help="Service account; the data directory is given to it when it exists.")
@click.option("--fingerprint", default="", help="Refuse unless the bundle's fingerprint starts with this.")
@click.option("--force", is_flag=True, help="Overwrite files that exist with other content.")
def apply(bundle: Path, config_out: Path, data_dir: Path, systemd_dir: Path, no_units: bool,
          vanthu_bin: Path, user: str, fingerprint: str, force: bool) -> None:
    """Check BUNDLE completely, then write the config, secret, trust anchors and units, and init.

    A wrong or partial bundle changes nothing. Running it again changes nothing.
    """
    b = provisioning.read_bundle(bundle)
    if fingerprint and (len(fingerprint) < 8 or not b.fingerprint.startswith(fingerprint.lower())):
        raise ProvisionError(f"bundle fingerprint {b.fingerprint[:16]} does not match {fingerprint}")
    plan = provisioning.plan_apply(b, config_path=config_out, data_dir=data_dir,
                                   systemd_dir=None if no_units else systemd_dir, force=force,
                                   vanthu_bin=vanthu_bin, user=user)
    changed = provisioning.execute(plan)
    admin = b.body["admin"]["username"]
    created = init_node(plan.config, staff=((admin, "Quản trị hệ thống", "Quản trị viên", (Role.ADMIN,)),),
                        credentials_file=plan.config.secrets_dir / "admin-password.txt")
    _give_to(user, plan.config.data_dir, [f.path for f in plan.config.scanner.folders])
    office = b.body["office"]
    click.echo(f"bundle {b.fingerprint[:16]}: {office['agency_name']} ({office['agency_code']})")
    for path in changed:
        click.echo(f"  wrote {path}")
    if not changed and not created:
        click.echo("nothing changed (already applied)")
    for username, password in created:
        click.echo(f"first admin account: {username}  password: {password}  (shown once; kept 0600 in"
                   f" {plan.config.secrets_dir / 'admin-password.txt'})")
    if changed and not no_units:
        click.echo("then: systemctl daemon-reload && systemctl enable --now vanthu-node.service"
                   " vanthu-backup.timer vanthu-verify.timer")


def _give_to(user: str, data_dir: Path, others: list[Path]) -> None:
    try:
        pw = pwd.getpwnam(user)
    except KeyError:
        click.echo(f"note: user '{user}' does not exist; create it (useradd --system {user}) and give it"
                   f" {data_dir}", err=True)
        return
    for top in (data_dir, *others):
        for dirpath, _, filenames in os.walk(top):
            for p in (dirpath, *(os.path.join(dirpath, f) for f in filenames)):
                st = os.lstat(p)
                if (st.st_uid, st.st_gid) != (pw.pw_uid, pw.pw_gid):
                    shutil.chown(p, pw.pw_uid, pw.pw_gid)


def register(group: click.Group) -> None:
    group.add_command(provision)
