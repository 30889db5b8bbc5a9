"""``vanthu backup`` and ``vanthu restore``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from node import maintenance
from node.app import VERSION
from node.cli.base import CliState, pass_state
from node.domain.clock import SystemClock
from node.errors import ConfigError


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


@click.command()
@click.option("--to", "targets", multiple=True, type=click.Path(path_type=Path),
              help="Back up to this directory instead of backup.targets; repeat for several.")
@click.option("--no-prune", is_flag=True, help="Keep every old backup this time.")
@pass_state
def backup(state: CliState, targets: tuple[Path, ...], no_prune: bool) -> None:
    """Online backup (database + new blobs + secrets) to every target, verified; prune old ones.

    Exit 0 when every target got a verified copy, 1 when any target failed (one line each).
    """
    config = state.config()
    chosen = list(targets) or list(config.backup.targets)
    if not chosen:
        raise ConfigError("no backup target: set backup.targets in the config or pass --to DIR")
    outcomes = maintenance.run_backups(config, state.config_path, targets=chosen,
                                       now=SystemClock().now(), version=VERSION, prune=not no_prune)
    failed = 0
    for o in outcomes:
        if o.result is not None:
            r = o.result
            problem = r.manifest["audit"].get("problem")
            click.echo(f"backup OK: {r.path} — {r.manifest['blobs']['count']} blob(s), {r.blobs_copied} new"
                       f" ({_mb(r.bytes_copied)}), {r.manifest['audit']['rows']} audit row(s), verified")
            if problem:
                click.echo(f"WARNING: the node's audit chain is broken ({problem}); copied as it is",
                           err=True)
            for p in o.pruned:
                click.echo(f"pruned: {p}")
        if o.error:
            failed += 1
            click.echo(f"backup FAILED: {o.error}", err=True)
    if len(chosen) < 2:
        click.echo("note: only one backup target; keep copies on two independent media (TT 02/2019)",
                   err=True)
    if failed:
        sys.exit(1)


@click.command()
@click.argument("source", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--into", "into", required=True, type=click.Path(path_type=Path),
              help="New node directory (must be empty or absent): node.toml + data/.")
def restore(source: Path, into: Path) -> None:
    """Rebuild a node from a backup (a backup directory, or a target: its newest backup) and verify it."""
    report = maintenance.restore_node(source, into)
    node = report.manifest["node"]
    click.echo(f"restored {report.backup.name} of {node['agency_name']} ({node['agency_code']})"
               f" into {into}")
    problem = report.manifest["audit"].get("problem")
    chain = f"audit chain as backed up (broken: {problem})" if problem else "audit chain intact"
    click.echo(f"verified: integrity ok, {report.blobs} blob(s) re-hashed, {chain}"
               f" ({report.audit_rows} row(s))")
    click.echo("if the node runs as a service account: chown -R vanthu: " + str(into))
    click.echo(f"config: {report.config_path}  —  start with: vanthu --config {report.config_path} serve")


def register(group: click.Group) -> None:
    for cmd in (backup, restore):
        group.add_command(cmd)
