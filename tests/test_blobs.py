import hashlib
import io
import os
from datetime import UTC, datetime

import pytest

from node.store.blobs import BlobState, BlobStore, record_blob
from node.store.db import Database


def test_put_and_read_back(blobs: BlobStore) -> None:
    data = "Văn bản điện tử".encode() * 1000
    ref = blobs.put_bytes(data)
    assert ref.sha256 == hashlib.sha256(data).hexdigest()
    assert ref.size == len(data)
    path = blobs.path(ref.sha256)
    assert path.parent.name == ref.sha256[:2] and path.parent.parent.name == "sha256"
    assert blobs.read_bytes(ref.sha256) == data
    assert blobs.check(ref.sha256) is BlobState.OK
    assert oct(path.stat().st_mode & 0o777) == "0o444"  # blobs never change


def test_same_bytes_stored_once(blobs: BlobStore) -> None:
    a = blobs.put_bytes(b"abc")
    b = blobs.put_stream(io.BytesIO(b"abc"))
    assert a == b
    assert list(blobs.iter_digests()) == [a.sha256]
    assert list((blobs.root / "tmp").iterdir()) == []


def test_corrupt_and_missing_are_detected(blobs: BlobStore) -> None:
    ref = blobs.put_bytes(b"hello")
    p = blobs.path(ref.sha256)
    os.chmod(p, 0o644)
    p.write_bytes(b"hellO")
    assert blobs.check(ref.sha256) is BlobState.CORRUPT
    blobs.put_bytes(b"hello")  # re-storing the right bytes repairs it
    assert blobs.check(ref.sha256) is BlobState.OK
    p.unlink()
    assert blobs.check(ref.sha256) is BlobState.MISSING


def test_temp_files_swept_on_open(tmp_path) -> None:
    store = BlobStore(tmp_path / "b").open()
    (tmp_path / "b" / "tmp" / "put-crashed").write_bytes(b"partial")
    BlobStore(tmp_path / "b").open()
    assert list((tmp_path / "b" / "tmp").iterdir()) == []
    assert list(store.iter_digests()) == []


def test_bad_digest_is_refused(blobs: BlobStore) -> None:
    with pytest.raises(ValueError):
        blobs.path("../../etc/passwd")


def test_record_blob_row(db: Database, blobs: BlobStore) -> None:
    ref = blobs.put_bytes(b"%PDF-1.7")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    db.write(lambda d: record_blob(d, ref, media_type="application/pdf", now=now))
    db.write(lambda d: record_blob(d, ref, media_type="application/pdf", now=now))
    rows = db.query("SELECT sha256, size, media_type FROM blob")
    assert [tuple(r) for r in rows] == [(ref.sha256, 8, "application/pdf")]
