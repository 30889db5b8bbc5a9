"""Backups taken while a writer is busy restore into a node that passes verify and audit verify;
a missing or full medium fails loudly while the other medium still gets its copy."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from node.store import backup as store_backup
from tests.conftest import ROOT, VANTHU, NodeDir, run_cli


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def all_tables(db: Path) -> dict[str, list[tuple[object, ...]]]:
    names = [str(r[0]) for r in rows(db, "SELECT name FROM sqlite_master WHERE type = 'table'"
                                         " AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {n: sorted(rows(db, f'SELECT * FROM "{n}"'), key=repr) for n in names}


AUDIT = "SELECT id, ts, actor, action, subject, detail, prev_hash, hash FROM audit ORDER BY id"
BLOBS = "SELECT sha256, size, media_type, created_at FROM blob ORDER BY sha256"


def backup_extra(*targets: Path) -> str:
    return "\n[backup]\ntargets = [" + ", ".join(f'"{t}"' for t in targets) + "]\n"


def test_backup_while_writing_restores_everything(make_node: Callable[..., NodeDir], tmp_path: Path,
                                                  writer_factory: type) -> None:
    t1, t2 = tmp_path / "usb1", tmp_path / "usb2"
    t1.mkdir()
    t2.mkdir()
    node = make_node(extra=backup_extra(t1, t2))
    data = node.config.data_dir
    writer = writer_factory(data)
    before = writer.wait_for(40)

    # Two backups while the writer keeps committing blob + row + audit row.
    for _ in range(2):
        proc = run_cli("--config", str(node.config_path), "backup", "--no-prune")
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.count("backup OK") == 2
    during = writer.wait_for(writer.count + 20)
    assert during > before
    writer.stop()
    live_audit, live_blobs = rows(data / "node.db", AUDIT), rows(data / "node.db", BLOBS)
    live_tables = all_tables(data / "node.db")

    # The second backup on usb2 saw only part of the writes; the pool was shared, blobs copied once.
    backups = store_backup.list_backups(t2)
    assert len(backups) == 2
    mid = backups[-1][1]
    manifest = json.loads((mid / "manifest.json").read_text())
    assert manifest["node"]["agency_code"] == "000.00.01.H26"
    assert manifest["secrets_included"] is True
    assert "0001_core" in manifest["database"]["migrations"]
    assert manifest["database"]["counts"]["blob"] >= before
    for f in manifest["files"]:
        if f["secret"]:
            assert (mid / f["path"]).stat().st_mode & 0o777 == 0o600

    # A final backup after the writes stopped, then the node is destroyed.
    proc = run_cli("--config", str(node.config_path), "backup", "--no-prune")
    assert proc.returncode == 0, proc.stderr
    shutil.rmtree(node.root)

    # Restore the mid-write backup: a consistent prefix of what the node had.
    into_mid = tmp_path / "restored-mid"
    proc = run_cli("restore", str(mid), "--into", str(into_mid))
    assert proc.returncode == 0, proc.stderr
    got_audit = rows(into_mid / "data" / "node.db", AUDIT)
    assert len(got_audit) >= before
    assert got_audit == live_audit[:len(got_audit)]
    assert set(rows(into_mid / "data" / "node.db", BLOBS)) <= set(live_blobs)

    # Restore the newest backup (give the medium, not the backup): everything is back.
    into = tmp_path / "restored"
    proc = run_cli("restore", str(t1), "--into", str(into))
    assert proc.returncode == 0, proc.stderr
    restored_db = into / "data" / "node.db"
    assert rows(restored_db, AUDIT) == live_audit
    assert rows(restored_db, BLOBS) == live_blobs
    assert all_tables(restored_db) == live_tables  # every table: documents, queues, users, …
    assert rows(restored_db, "SELECT username FROM user") == [("admin",)]
    secrets = into / "data" / "secrets"
    assert (secrets / "web.key").stat().st_mode & 0o777 == 0o600
    assert (secrets / "admin-password.txt").exists()
    cfg = str(into / "node.toml")
    for args in (("verify",), ("audit", "verify")):
        proc = run_cli("--config", cfg, *args)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = run_cli("--config", cfg, "doctor")
    assert "[LỖI]" not in proc.stdout, proc.stdout

    # Never over an existing node.
    proc = run_cli("restore", str(t1), "--into", str(into))
    assert proc.returncode == 2
    assert "not empty" in proc.stderr


def test_missing_and_full_targets_fail_loudly_other_target_gets_its_copy(
        make_node: Callable[..., NodeDir], tmp_path: Path, full_medium: Path, writer_factory: type) -> None:
    good, missing = tmp_path / "usb-ok", tmp_path / "usb-not-mounted"
    good.mkdir()
    node = make_node(extra=backup_extra(missing, full_medium, good))
    writer = writer_factory(node.config.data_dir)
    writer.wait_for(60)  # about 4 MB of blobs: more than the 1 MB medium holds
    writer.stop()

    proc = run_cli("--config", str(node.config_path), "backup")
    assert proc.returncode == 1
    failed = [line for line in proc.stderr.splitlines() if line.startswith("backup FAILED")]
    assert len(failed) == 2, proc.stderr
    assert str(missing) in failed[0] and "does not exist" in failed[0]
    assert str(full_medium) in failed[1] and "no space left" in failed[1].lower()
    assert proc.stdout.count("backup OK") == 1
    assert store_backup.list_backups(missing) == [] and not missing.exists()
    assert store_backup.list_backups(full_medium) == []
    assert not [p for p in full_medium.iterdir() if p.name.startswith(".partial-")]
    (ok,) = store_backup.list_backups(good)
    store_backup.verify_backup(ok[1])


def test_tampered_backup_is_refused(make_node: Callable[..., NodeDir], tmp_path: Path) -> None:
    target = tmp_path / "usb"
    target.mkdir()
    node = make_node()
    assert run_cli("--config", str(node.config_path), "backup", "--to", str(target)).returncode == 0
    (_, path), = store_backup.list_backups(target)
    db = path / "node.db"
    raw = bytearray(db.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    db.chmod(0o644)
    db.write_bytes(bytes(raw))
    proc = run_cli("restore", str(path), "--into", str(tmp_path / "r"))
    assert proc.returncode == 2
    assert "does not match the manifest" in proc.stderr
    assert not (tmp_path / "r").exists()


def test_interrupted_backup_never_looks_complete(make_node: Callable[..., NodeDir], tmp_path: Path) -> None:
    target = tmp_path / "usb"
    target.mkdir()
    # What a crash mid-backup leaves: a partial directory, even with a manifest in it.
    leftover = target / ".partial-vanthu-20260101T000000Z"
    leftover.mkdir()
    (leftover / "manifest.json").write_text("{}")
    assert store_backup.list_backups(target) == []
    proc = run_cli("restore", str(target), "--into", str(tmp_path / "r"))
    assert proc.returncode == 2 and "no complete backup" in proc.stderr
    node = make_node()
    assert run_cli("--config", str(node.config_path), "backup", "--to", str(target)).returncode == 0
    assert not leftover.exists()
    assert len(store_backup.list_backups(target)) == 1


def test_no_target_is_an_error(make_node: Callable[..., NodeDir]) -> None:
    node = make_node()
    proc = run_cli("--config", str(node.config_path), "backup")
    assert proc.returncode == 2
    assert "no backup target" in proc.stderr


def test_a_backup_killed_midway_leaves_nothing_that_looks_complete(
        make_node: Callable[..., NodeDir], tmp_path: Path, writer_factory: type) -> None:
    node = make_node()
    writer = writer_factory(node.config.data_dir)
    writer.wait_for(150)
    writer.stop()
    target = tmp_path / "usb"
    target.mkdir()
    killed = False
    for _ in range(5):
        proc = subprocess.Popen([*VANTHU, "--config", str(node.config_path), "backup", "--to", str(target)],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if any(p.name.startswith(".partial-") for p in target.iterdir()):
                proc.send_signal(signal.SIGKILL)
                killed = proc.wait() == -signal.SIGKILL
                break
            time.sleep(0.002)
        proc.wait()
        if killed:
            break
        shutil.rmtree(target)
        target.mkdir()
    assert killed, "the backup always finished before it could be killed"
    assert store_backup.list_backups(target) == []
    assert run_cli("restore", str(target), "--into", str(tmp_path / "r")).returncode == 2
    # The next backup sweeps the leftovers and is complete.
    proc2 = run_cli("--config", str(node.config_path), "backup", "--to", str(target))
    assert proc2.returncode == 0, proc2.stderr
    assert not [p for p in target.iterdir() if p.name.startswith(".partial-")]
    (_, path), = store_backup.list_backups(target)
    store_backup.verify_backup(path)
