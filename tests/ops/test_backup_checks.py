"""Doctor's backup line, and a corrupt blob in the node stops the backup with one clear line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from node.app import open_node
from node.config import Config
from node.diagnostics import backup_check
from node.domain.health import Level
from node.maintenance import run_backups
from node.store.blobs import record_blob
from tests.conftest import NodeDir


def check(config: Config, *, days_later: float = 0.0):  # type: ignore[no-untyped-def]
    node = open_node(config)
    try:
        return backup_check(config, node.db, node.clock.now() + timedelta(days=days_later))
    finally:
        node.close()


def media_extra(*targets: Path) -> str:
    return "\n[backup]\ntargets = [" + ", ".join(f'"{t}"' for t in targets) + "]\n"


def test_doctor_backup_line(make_node: Callable[..., NodeDir], tmp_path: Path) -> None:
    one = make_node("one", extra=media_extra(tmp_path / "usb1"))
    c = check(one.config)
    assert c.level is Level.YELLOW and "ít nhất hai" in c.message

    usb1, usb2 = tmp_path / "usb1", tmp_path / "usb2"
    usb1.mkdir()
    two = make_node("two", extra=media_extra(usb1, usb2))
    c = check(two.config)
    assert c.level is Level.YELLOW and str(usb2) in c.message  # a medium not mounted

    usb2.mkdir()
    assert check(two.config).level is Level.GREEN  # a new node: no backup yet is fine
    assert check(two.config, days_later=3).level is Level.YELLOW  # …but not for days

    outcomes = run_backups(two.config, two.config_path, targets=[usb1, usb2],
                           now=open_node(two.config).clock.now(), version="test")
    assert all(o.ok for o in outcomes)
    assert check(two.config, days_later=1).level is Level.GREEN
    c = check(two.config, days_later=3)
    assert c.level is Level.YELLOW and "đã cũ" in c.message


def test_a_corrupt_blob_in_the_node_stops_the_backup(make_node: Callable[..., NodeDir],
                                                     tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    node_dir = make_node()
    config = node_dir.config
    node = open_node(config)
    ref = node.blobs.put_bytes(b"%PDF-1.7 a document\n" * 100)
    node.db.write(lambda d: record_blob(d, ref, media_type="application/pdf", now=node.clock.now()))
    node.close()
    path = config.blob_dir / "sha256" / ref.sha256[:2] / ref.sha256
    path.chmod(0o644)
    path.write_bytes(b"%PDF-1.7 a documenT\n" * 100)  # same size, one byte changed

    (o,) = run_backups(config, node_dir.config_path, targets=[usb], now=node.clock.now(), version="t")
    assert not o.ok
    assert f"blob {ref.sha256} in the node's blob store is corrupt" in o.error
    assert not [p for p in usb.iterdir() if p.name.startswith(("vanthu-", ".partial-"))]
