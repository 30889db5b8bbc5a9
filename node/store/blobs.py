"""Content-addressed, immutable blob store: ``<root>/sha256/ab/<hex>``.

A blob is written to ``<root>/tmp/``, fsynced, renamed into place and its directory fsynced,
all *before* the row that refers to it commits; so a committed row always finds its bytes.
A crash leaves at most a temp file (swept on open) or an unreferenced blob (harmless; reported
by ``vanthu verify``). Blobs never change: signing a PDF makes a new blob.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from sqlite_utils import Database

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BlobRef:
    sha256: str
    size: int


class BlobState(StrEnum):
    OK = "ok"
    MISSING = "missing"
    CORRUPT = "corrupt"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def is_sha256(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._objects = root / "sha256"
        self._tmp = root / "tmp"

    def open(self) -> BlobStore:
        for d in (self.root, self._objects, self._tmp):
            d.mkdir(parents=True, exist_ok=True)
        self.sweep_tmp()
        return self

    def sweep_tmp(self) -> int:
        """Remove temp files left by a crash. Returns how many were removed."""
        removed = 0
        if self._tmp.is_dir():
            for p in self._tmp.iterdir():
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()
                    removed += 1
        return removed

    def path(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise ValueError(f"not a sha256 digest: {sha256!r}")
        return self._objects / sha256[:2] / sha256

    # -- writing -----------------------------------------------------------------------------
    def put_bytes(self, data: bytes) -> BlobRef:
        return self._put(iter((data,)))

    def put_stream(self, stream: BinaryIO) -> BlobRef:
        return self._put(iter(lambda: stream.read(CHUNK), b""))

    def put_file(self, path: Path) -> BlobRef:
        with path.open("rb") as f:
            return self.put_stream(f)

    def _put(self, chunks: Iterator[bytes]) -> BlobRef:
        self._tmp.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix="put-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as f:
                for chunk in chunks:
                    digest.update(chunk)
                    size += len(chunk)
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o444)
            sha = digest.hexdigest()
            target = self.path(sha)
            if target.exists() and self.check(sha) is BlobState.OK:
                tmp.unlink()
                return BlobRef(sha, size)
            parent_created = not target.parent.exists()
            target.parent.mkdir(parents=True, exist_ok=True)
            if parent_created:
                _fsync_dir(self._objects)
            os.replace(tmp, target)
            _fsync_dir(target.parent)
            return BlobRef(sha, size)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise

    def destroy(self, sha256: str) -> bool:
        """Delete a blob's file for good (content of a recalled document); True if it was there."""
        path = self.path(sha256)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        _fsync_dir(path.parent)
        return True

    # -- reading -----------------------------------------------------------------------------
    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def open_blob(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def read_bytes(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def check(self, sha256: str) -> BlobState:
        """Re-hash one blob."""
        try:
            with self.path(sha256).open("rb") as f:
                digest = hashlib.sha256()
                for chunk in iter(lambda: f.read(CHUNK), b""):
                    digest.update(chunk)
        except FileNotFoundError:
            return BlobState.MISSING
        return BlobState.OK if digest.hexdigest() == sha256 else BlobState.CORRUPT

    def iter_digests(self) -> Iterator[str]:
        if not self._objects.is_dir():
            return
        for sub in sorted(self._objects.iterdir()):
            if sub.is_dir():
                for p in sorted(sub.iterdir()):
                    if is_sha256(p.name):
                        yield p.name


def record_blob(db: Database, ref: BlobRef, *, media_type: str, now: datetime) -> None:
    """Insert the blob's row (inside the caller's write transaction). The bytes must be stored."""
    db.execute(
        "INSERT INTO blob (sha256, size, media_type, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (sha256) DO NOTHING",
        (ref.sha256, ref.size, media_type, now.isoformat(timespec="seconds")),
    )
