"""Backup benchmark: ``vanthu backup`` (one medium) against the raw tools on the same node.

Measures, in the same run, on a node with ``--blobs`` files (``--kb`` KB each) and their rows:
- ``ours_full_s``: first backup to an empty medium — SQLite online backup, integrity_check and audit
  chain on the copy, every blob copied through temp file + fsync + rename and read back, manifest;
- ``raw_full_s``: ``sqlite3 node.db ".backup copy.db"`` + ``cp -a blobs`` (no fsync, no checks);
  ``raw_full_synced_s``: the same followed by one ``sync -f`` (durable, still unchecked);
- ``ours_incremental_s``: the next backup (no new blob: each is skipped by size);
  ``raw_incremental_s``: ``sqlite3 .backup`` alone — the floor of any consistent copy;
- ``restore_s``: ``restore_node`` (database + every blob re-hashed + audit chain).

``python benchmarks/backup.py [--blobs N] [--kb K]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import write_result  # noqa: E402
from node.config import config_from_dict  # noqa: E402
from node.maintenance import restore_node, run_backups  # noqa: E402
from node.store.audit import append_audit  # noqa: E402
from node.store.blobs import BlobStore, record_blob  # noqa: E402
from node.store.db import Database  # noqa: E402


def build_node(root: Path, blobs: int, kb: int) -> Path:
    data = root / "node" / "data"
    db = Database(data / "node.db").open()
    store = BlobStore(data / "blobs").open()
    now = datetime.now(UTC)
    batch = []
    for i in range(blobs):
        batch.append(store.put_bytes(os.urandom(kb * 1024)))
        if len(batch) == 200 or i == blobs - 1:
            def tx(d, refs=tuple(batch)):  # type: ignore[no-untyped-def]
                for ref in refs:
                    record_blob(d, ref, media_type="application/pdf", now=now)
                    append_audit(d, now=now, actor="bench", action="doc.create", subject=ref.sha256)
            db.write(tx)
            batch = []
    db.close()
    cfg = root / "node" / "node.toml"
    cfg.write_text('[node]\nagency_code = "000.00.01.H26"\nagency_name = "Bench"\ndata_dir = "data"\n')
    return cfg


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--blobs", type=int, default=2000)
    ap.add_argument("--kb", type=int, default=32)
    args = ap.parse_args()
    sqlite3_cli = shutil.which("sqlite3")
    if sqlite3_cli is None:
        sys.exit("the sqlite3 command is needed for the raw comparison")
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as tmp:
        root = Path(tmp)
        cfg_path = build_node(root, args.blobs, args.kb)
        import tomllib
        config = config_from_dict(tomllib.loads(cfg_path.read_text()), source=cfg_path)
        medium = root / "usb"
        medium.mkdir()
        now = datetime.now(UTC)

        def ours(at: datetime) -> None:
            (o,) = run_backups(config, cfg_path, targets=[medium], now=at, version="bench", prune=False)
            assert o.ok, o.error

        ours_full = timed(lambda: ours(now))
        ours_inc = timed(lambda: ours(now + timedelta(hours=1)))

        raw = root / "raw"
        raw.mkdir()

        def raw_full() -> None:
            subprocess.run([sqlite3_cli, str(config.db_path), f".backup {raw / 'full.db'}"], check=True)
            subprocess.run(["cp", "-a", str(config.blob_dir), str(raw / "blobs")], check=True)

        raw_full_s = timed(raw_full)
        shutil.rmtree(raw)
        raw.mkdir()

        def raw_full_synced() -> None:  # the same, then one syncfs: durable, but still unchecked
            raw_full()
            subprocess.run(["sync", "-f", str(raw)], check=True)

        raw_synced_s = timed(raw_full_synced)
        raw_inc_s = timed(lambda: subprocess.run(
            [sqlite3_cli, str(config.db_path), f".backup {raw / 'inc.db'}"], check=True))
        restore_s = timed(lambda: restore_node(medium, root / "restored"))
    mb = args.blobs * args.kb / 1024
    write_result("backup", {
        "blobs": args.blobs, "blob_mb": round(mb, 1),
        "ours_full_s": round(ours_full, 3), "raw_full_s": round(raw_full_s, 3),
        "full_ratio": round(ours_full / raw_full_s, 2), "raw_full_synced_s": round(raw_synced_s, 3),
        "full_synced_ratio": round(ours_full / raw_synced_s, 2),
        "ours_incremental_s": round(ours_inc, 3), "raw_incremental_s": round(raw_inc_s, 3),
        "incremental_ratio": round(ours_inc / raw_inc_s, 2),
        "ours_full_mb_per_s": round(mb / ours_full, 1), "restore_s": round(restore_s, 3),
    })


if __name__ == "__main__":
    main()
