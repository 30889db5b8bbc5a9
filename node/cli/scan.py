"""Scanner commands: ``vanthu scan`` (one-shot pipeline), ``vanthu print-separator``, ``vanthu scanner``."""

from __future__ import annotations

import json
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import click

from node.app import node_heartbeat, open_node, scanner_watcher
from node.cli.base import CliState, pass_state
from node.config import ScannerSection
from node.domain.scanning import SCAN_STATE_VI, ScanState
from node.errors import ScanRejectedError
from node.scanner.digitize import Digitizer
from node.scanner.separator import separator_pdf
from node.scanner.service import digitize_settings, watcher_stale_after
from node.scanner.watcher import SCANNER_WORKER


def _scanner_section(state: CliState) -> ScannerSection:
    """The node's [scanner] settings when a config file is there; the defaults otherwise."""
    if state.config_path.exists():
        return state.config().scanner
    return ScannerSection()


def _scan_one(digitizer: Digitizer, path: Path, out: Path | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="vanthu-scan-") as tmp:
        try:
            result = digitizer.digitize(path, Path(tmp))
        except ScanRejectedError as e:
            return {"file": str(path), "rejected": {"code": e.code, "message": e.message}}
        parts = []
        for part in result.parts:
            item: dict[str, Any] = {
                "part": part.index, "pages": part.pages, "ocr": part.ocr, "signed": part.signed,
                "dpi": part.dpi, "fields": part.fields.as_dict(),
                "warnings": [w.as_dict() for w in part.warnings], "text_chars": len(part.text)}
            if out is not None:
                out.mkdir(parents=True, exist_ok=True)
                suffix = f"-{part.index + 1}" if len(result.parts) > 1 else ""
                target = out / f"{path.stem}{suffix}.pdf"
                shutil.copyfile(part.pdf, target)
                target.with_suffix(".txt").write_text(part.text, encoding="utf-8")
                item["pdf"] = str(target)
            parts.append(item)
        return {"file": str(path), "media_type": result.media_type, "parts": parts}


def _print_human(report: dict[str, Any]) -> None:
    click.echo(f"== {report['file']}")
    if "rejected" in report:
        r = report["rejected"]
        click.echo(f"   TỪ CHỐI [{r['code']}]: {r['message']}")
        return
    for part in report["parts"]:
        head = f"   văn bản {part['part'] + 1}: {part['pages']} trang"
        head += ", OCR" if part["ocr"] else ", có sẵn lớp chữ"
        head += ", có chữ ký số (giữ nguyên)" if part["signed"] else ""
        head += f", {part['dpi']} dpi" if part["dpi"] else ""
        click.echo(head)
        for name, f in part["fields"].items():
            if f["value"] is not None:
                click.echo(f"     {name:<14} {f['value']}  ({f['confidence']:.2f})")
        for w in part["warnings"]:
            click.echo(f"     CHÚ Ý [{w['code']}]: {w['message']}")
        if "pdf" in part:
            click.echo(f"     → {part['pdf']}")


@click.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document with every file.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Write each searchable PDF (and its text) here.")
@pass_state
def scan(state: CliState, files: tuple[Path, ...], as_json: bool, out: Path | None) -> None:
    """Digitize FILES as the hot folder would (nothing is stored): fields, warnings, rejections.

    Exit 1 when a file would be rejected.
    """
    digitizer = Digitizer(digitize_settings(_scanner_section(state)))
    reports = [_scan_one(digitizer, path, out) for path in files]
    if as_json:
        click.echo(json.dumps({"files": reports}, ensure_ascii=False, indent=2))
    else:
        for report in reports:
            _print_human(report)
    if any("rejected" in r for r in reports):
        sys.exit(1)


@click.command("print-separator")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def print_separator(out: Path) -> None:
    """Write the separator sheet (A4 PDF with a QR code) that splits a batch scan into documents."""
    out.write_bytes(separator_pdf())
    click.echo(f"Tờ phân cách: {out} (in ra, đặt giữa hai văn bản khi quét chung)")


@click.group()
def scanner() -> None:
    """Scanner hot folders."""


@scanner.command("run")
@pass_state
def scanner_run(state: CliState) -> None:
    """Watch the hot folders without the web app (for a separate systemd unit); stop with Ctrl-C."""
    node = open_node(state.config())
    section = node.config.scanner
    if not section.folders:
        node.close()
        raise click.ClickException("no [[scanner.folders]] in the config")
    heartbeat = node_heartbeat(node)
    watcher = scanner_watcher(node, heartbeat)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    watcher.start()
    heartbeat.start(SCANNER_WORKER, stale_after=watcher_stale_after(section))
    click.echo("Đang theo dõi: " + ", ".join(str(f.path) for f in section.folders))
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()
        heartbeat.stop()
        node.close()


@scanner.command("status")
@click.option("--limit", default=20, show_default=True, help="How many recent arrivals to list.")
@pass_state
def scanner_status(state: CliState, limit: int) -> None:
    """Recent arrivals in the hot folders: stored, duplicates and rejections with their reason; the
    số hóa queue by state, and what became of each stored scan (registered, discarded and why)."""
    node = open_node(state.config())
    try:
        rows = node.db.query("SELECT at, outcome, code, message, file_name, file_id FROM scan_arrival"
                             " ORDER BY id DESC LIMIT ?", (limit,))
        counts = node.db.query("SELECT outcome, count(*) FROM scan_arrival GROUP BY outcome")
        queue = node.db.query("SELECT s.state, count(*) FROM scan s JOIN scan_file f ON f.id = s.file_id"
                              " WHERE f.purpose = 'incoming' GROUP BY s.state")
        files = sorted({int(r["file_id"]) for r in rows
                        if r["file_id"] is not None and r["outcome"] == "stored"})
        marks = ", ".join("?" * len(files))
        scans = node.db.query(
            "SELECT s.id, s.file_id, s.state, x.reason, x.discarded_by FROM scan s"
            " LEFT JOIN scan_discard x ON x.scan_id = s.id AND x.restored_at IS NULL"
            f" WHERE s.file_id IN ({marks}) ORDER BY s.id", tuple(files))
    finally:
        node.close()
    click.echo("  ".join(f"{r[0]}: {r[1]}" for r in counts) or "chưa có tệp nào")
    by_state = {str(r[0]): int(r[1]) for r in queue}
    if by_state:
        click.echo("hàng chờ số hóa: " + ", ".join(f"{by_state.get(s.value, 0)} {SCAN_STATE_VI[s].lower()}"
                                                 for s in ScanState))
    for r in rows:
        reason = f" [{r['code']}] {r['message']}" if r["code"] and r["outcome"] == "rejected" else ""
        click.echo(f"{r['at']}  {r['outcome']:<9} {r['file_name']}{reason}")
        if r["outcome"] != "stored":
            continue
        for s in (s for s in scans if s["file_id"] == r["file_id"]):
            label = SCAN_STATE_VI[ScanState(s["state"])].lower()
            why = f" bởi {s['discarded_by']}: {s['reason']}" if s["state"] == ScanState.DISCARDED else ""
            click.echo(f"    bản quét {s['id']}: {label}{why}")


def register(group: click.Group) -> None:
    for cmd in (scan, print_separator, scanner):
        group.add_command(cmd)
