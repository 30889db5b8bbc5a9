"""``vanthu hub …``: run the reference axis hub and register agencies on it."""

from __future__ import annotations

import logging
from pathlib import Path

import click
import uvicorn

from hub.app import HubSettings, create_hub_app
from hub.db import HubDB
from node.app import write_secret_file

DB_OPTION = click.option("--db", "db_path", type=click.Path(path_type=Path, dir_okay=False),
                         envvar="VANTHU_HUB_DB", default=Path("hub.db"), show_default=True,
                         help="The hub's SQLite database.")


@click.group()
def hub() -> None:
    """The reference document axis (VXP-style API) for tests, demos and small pilots."""


@hub.command("serve")
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8090, show_default=True)
@click.option("--max-skew", type=float, default=900.0, show_default=True,
              help="Largest accepted difference between a request's timestamp and the hub's clock (s).")
@click.option("--max-package-mb", type=int, default=64, show_default=True,
              help="Largest accepted package (MB).")
@click.pass_context
def serve(ctx: click.Context, db_path: Path, host: str, port: int, max_skew: float,
          max_package_mb: int) -> None:
    """Serve the hub's API (OpenAPI schema at /schema)."""
    debug = bool(ctx.obj and ctx.obj.debug)
    logging.getLogger("hub").setLevel(logging.DEBUG if debug else logging.INFO)
    app = create_hub_app(HubSettings(db_path=db_path.resolve(), max_skew_seconds=max_skew,
                                     max_package_bytes=max_package_mb * 1024 * 1024))
    click.echo(f"Trục liên thông (reference hub) — http://{host}:{port}/ — {db_path}")
    uvicorn.run(app, host=host, port=port, log_level="debug" if debug else "warning",
                proxy_headers=False, server_header=False)


@hub.command("add-agency")
@click.argument("code")
@click.argument("name")
@DB_OPTION
@click.option("--systemid", default="", help="System id on the hub (default: CODE).")
@click.option("--code102", default="", help="QCVN 102 code when CODE is a newer code.")
@click.option("--old-code", default="", help="The agency's former code.")
@click.option("--secret-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the secret to this file (mode 0600) instead of printing it.")
def add_agency(code: str, name: str, db_path: Path, systemid: str, code102: str, old_code: str,
               secret_file: Path | None) -> None:
    """Register an agency and print (or write) its systemid and secret. Safe to run twice."""
    db = HubDB(db_path)
    try:
        agency = db.add_agency(code, name, systemid=systemid, code102=code102, old_code=old_code)
    finally:
        db.close()
    if secret_file is not None:
        write_secret_file(secret_file, agency.secret + "\n")
        click.echo(f"{agency.code}\tsystemid={agency.systemid}\tsecret → {secret_file}")
    else:
        click.echo(f"{agency.code}\tsystemid={agency.systemid}\tsecret={agency.secret}")


def register(group: click.Group) -> None:
    group.add_command(hub)
