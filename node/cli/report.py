"""``vanthu report …``: register books, the overdue list and the exchange report as files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from node.app import open_node
from node.cli.base import CliState, pass_state
from node.reports.service import ReportFile
from node.reports.wiring import build_reports

BOOKS = {"den": "den", "di": "di", "theo-doi": "theo-doi"}


def _write(f: ReportFile, out: Path | None) -> None:
    target = out or Path(f.filename)
    if target.is_dir():
        target = target / f.filename
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(f.data)
    tmp.replace(target)
    click.echo(f"{target} ({len(f.data):,} bytes)")


def _run(state: CliState, report: str, fmt: str, params: dict[str, str], out: Path | None, *,
         workers: int = 1) -> None:
    node = open_node(state.config())
    try:
        service, _ = build_reports(node.config, node.db, node.blobs, node.clock)
        service.pdf_workers = workers
        _write(service.download(report, fmt, params), out)
    finally:
        node.close()


@click.group()
def report() -> None:
    """Register books, overdue lists and exchange reports (PDF, XLSX, CSV)."""


@report.command("register")
@click.argument("book", type=click.Choice(sorted(BOOKS)))
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="First day (YYYY-MM-DD).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="Last day (YYYY-MM-DD).")
@click.option("--register", "register_code", default="", help="One register (code), default all of the kind.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx", "csv"]), default="pdf", show_default=True)
@click.option("--out", "-o", type=click.Path(path_type=Path), default=None, help="File or directory.")
@click.option("--workers", type=click.IntRange(1, 8), default=1, show_default=True,
              help="Processes laying out a long PDF side by side (faster; a run may end on a half page).")
@pass_state
def register_cmd(state: CliState, book: str, start: datetime, end: datetime, register_code: str, fmt: str,
                 out: Path | None, workers: int) -> None:
    """A register book (sổ đến / sổ đi / sổ theo dõi giải quyết) for a range of days."""
    _run(state, book, fmt, {"tu_ngay": start.date().isoformat(), "den_ngay": end.date().isoformat(),
                            "so": register_code}, out, workers=workers)


@report.command("overdue")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx"]), default="pdf", show_default=True)
@click.option("--out", "-o", type=click.Path(path_type=Path), default=None, help="File or directory.")
@pass_state
def overdue_cmd(state: CliState, fmt: str, out: Path | None) -> None:
    """Documents past their deadline (working days) by unit and person, and urgent ones due soon."""
    _run(state, "qua-han", fmt, {}, out)


@report.command("exchange")
@click.argument("period")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx"]), default="pdf", show_default=True)
@click.option("--out", "-o", type=click.Path(path_type=Path), default=None, help="File or directory.")
@pass_state
def exchange_cmd(state: CliState, period: str, fmt: str, out: Path | None) -> None:
    """The exchange report of PERIOD: a month (2026-11) or a quarter (2026-Q4)."""
    _run(state, "gui-nhan", fmt, {"ky": period}, out)


@report.command("draft")
@pass_state
def draft_cmd(state: CliState) -> None:
    """Draft the monthly / quarterly report due now (as the node does from the 1st); idempotent."""
    node = open_node(state.config())
    try:
        _, scheduler = build_reports(node.config, node.db, node.blobs, node.clock)
        made = scheduler.run()
        for doc in made:
            to = scheduler.supervising.name or scheduler.supervising.organ_id
            click.echo(f"{doc.ref}: {doc.meta.subject} → {to}")
        if not made:
            click.echo("no report to draft")
    finally:
        node.close()


def register(group: click.Group) -> None:
    group.add_command(report)
