"""The audit chain and blob verification, through the real CLI."""

import os
import sqlite3
from datetime import datetime, timedelta, timezone

import sqlite_utils

from node.store.audit import append_audit, verify_audit
from node.store.blobs import BlobStore, record_blob
from node.store.db import Database
from tests.conftest import NodeDir, run_cli

T0 = datetime(2026, 3, 5, 14, 3, 27, tzinfo=timezone(timedelta(hours=7)))


def fill(node: NodeDir, n: int = 6) -> None:
    cfg = node.config
    db = Database(cfg.db_path).open()
    blobs = BlobStore(cfg.blob_dir).open()
    try:
        for i in range(n):
            ref = blobs.put_bytes(f"tài liệu {i}".encode())

            def tx(d: sqlite_utils.Database, i: int = i, ref=ref) -> None:
                record_blob(d, ref, media_type="text/plain", now=T0)
                append_audit(d, now=T0 + timedelta(seconds=i), actor="vanthu", action="doc.create",
                             subject=f"doc:{i}", detail={"sha256": ref.sha256, "tiêu đề": f"Văn bản {i}"})

            db.write(tx)
    finally:
        db.close()


def tamper(node: NodeDir, *sql: str) -> None:
    """Edit the database by hand, as someone with file access would (triggers dropped first)."""
    conn = sqlite3.connect(node.config.db_path)
    conn.execute("DROP TRIGGER IF EXISTS audit_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    for s in sql:
        conn.execute(s)
    conn.commit()
    conn.close()


def audit_verify(node: NodeDir):
    return run_cli("--config", str(node.config_path), "audit", "verify")


def test_intact_chain_verifies(make_node) -> None:
    node = make_node()
    fill(node)
    proc = audit_verify(node)
    assert proc.returncode == 0, proc.stderr
    assert "intact" in proc.stdout


def test_app_cannot_update_or_delete_audit_rows(db: Database) -> None:
    db.write(lambda d: append_audit(d, now=T0, actor="a", action="x"))
    for sql in ("UPDATE audit SET actor = 'b'", "DELETE FROM audit"):
        try:
            db.write(lambda d, s=sql: d.execute(s))
        except sqlite3.IntegrityError as e:
            assert "append-only" in str(e)
        else:
            raise AssertionError("audit row changed")


def test_changed_row_is_named(make_node) -> None:
    node = make_node()
    fill(node)
    tamper(node, "UPDATE audit SET actor = 'kẻ gian' WHERE id = 4")
    proc = audit_verify(node)
    assert proc.returncode == 1
    assert "audit row 4" in proc.stderr and "content changed" in proc.stderr


def test_deleted_row_is_named(make_node) -> None:
    node = make_node()
    fill(node)
    tamper(node, "DELETE FROM audit WHERE id = 3")
    proc = audit_verify(node)
    assert proc.returncode == 1
    assert "audit row 3" in proc.stderr and "missing" in proc.stderr


def test_reordered_rows_are_named(make_node) -> None:
    node = make_node()
    fill(node)
    # swap the content of rows 3 and 5 (ids stay in order, as a reorder by hand would look)
    cols = "ts, actor, action, subject, detail, prev_hash, hash"
    tamper(node,
           "CREATE TEMP TABLE r AS SELECT * FROM audit WHERE id IN (3, 5)",
           "DELETE FROM audit WHERE id IN (3, 5)",
           f"INSERT INTO audit (id, {cols}) SELECT 8 - id, {cols} FROM r")
    proc = audit_verify(node)
    assert proc.returncode == 1
    assert "audit row 3" in proc.stderr


def test_truncated_tail_is_named(make_node) -> None:
    node = make_node()
    fill(node)
    last = node.config  # noqa: F841
    tamper(node, "DELETE FROM audit WHERE id = (SELECT max(id) FROM audit)")
    proc = audit_verify(node)
    assert proc.returncode == 1
    assert "missing" in proc.stderr


def test_verify_chain_in_process(db: Database) -> None:
    for i in range(3):
        db.write(lambda d, i=i: append_audit(d, now=T0, actor="x", action="a", detail={"i": i}))
    with db.read() as conn:
        report = verify_audit(conn)
    assert report.ok and report.rows == 3


def test_corrupt_blob_is_named_by_verify(make_node) -> None:
    node = make_node()
    fill(node, 3)
    ok = run_cli("--config", str(node.config_path), "verify")
    assert ok.returncode == 0 and "all 3 blob(s) intact" in ok.stdout
    blobs = BlobStore(node.config.blob_dir)
    victim = sorted(blobs.iter_digests())[1]
    path = blobs.path(victim)
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[0] ^= 0x01
    path.write_bytes(bytes(data))
    proc = run_cli("--config", str(node.config_path), "verify")
    assert proc.returncode == 1
    assert f"corrupt: {victim}" in proc.stdout
    assert proc.stdout.count("corrupt:") == 1


def test_missing_blob_is_named_by_verify(make_node) -> None:
    node = make_node()
    fill(node, 2)
    blobs = BlobStore(node.config.blob_dir)
    victim = next(iter(blobs.iter_digests()))
    blobs.path(victim).unlink()
    proc = run_cli("--config", str(node.config_path), "verify")
    assert proc.returncode == 1
    assert f"missing: {victim}" in proc.stdout
