"""Child process for the crash test: writes documents (blob + row + audit row) until killed."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from node.store.audit import append_audit
from node.store.blobs import BlobStore, record_blob
from node.store.db import Database


def main(root: Path) -> None:
    db = Database(root / "node.db").open()
    blobs = BlobStore(root / "blobs").open()
    rnd = int.from_bytes(os.urandom(4), "big")
    i = 0
    while True:
        i += 1
        size = 1 + (rnd * i) % 150_000
        ref = blobs.put_bytes(os.urandom(size))
        now = datetime.now(UTC)

        def tx(d: sqlite_utils.Database, ref=ref, now=now) -> int:
            record_blob(d, ref, media_type="application/octet-stream", now=now)
            append_audit(d, now=now, actor="crash-writer", action="doc.create",
                         subject=f"blob:{ref.sha256}", detail={"size": ref.size})
            return int(d.execute("SELECT count(*) FROM blob").fetchone()[0])

        n = db.write(tx)
        sys.stdout.write(f"{n}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
