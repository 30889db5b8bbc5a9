"""Attachments: incremental Base64 decoding into a spool, ZIP unwrapping with bounds, the result type.

The decoded bytes never pass through a path built from the attachment's name: they live in memory
while small and in an anonymous temporary file (no name on disk) once they grow.
"""

from __future__ import annotations

import binascii
import hashlib
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from typing import IO, BinaryIO

from node.edxml.errors import PackageError

_WHITESPACE = b" \t\r\n"
_COPY_CHUNK = 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"


class Payload:
    """Bytes that stay in memory up to ``spool_bytes`` and move to an anonymous temp file beyond it."""

    def __init__(self, *, spool_bytes: int, max_bytes: int, what: str) -> None:
        self._buf: bytearray | None = bytearray()
        self._file: IO[bytes] | None = None
        self._spool_bytes = spool_bytes
        self._max_bytes = max_bytes
        self._what = what
        self.size = 0
        self._sha = hashlib.sha256()

    def write(self, data: bytes) -> None:
        if not data:
            return
        self.size += len(data)
        if self.size > self._max_bytes:
            raise PackageError(f"{self._what} is larger than the limit of {self._max_bytes} bytes",
                               code="too_large")
        self._sha.update(data)
        if self._buf is not None:
            if len(self._buf) + len(data) <= self._spool_bytes:
                self._buf += data
                return
            self._file = tempfile.TemporaryFile(prefix="edxml-")  # noqa: SIM115 - closed by close()
            self._file.write(self._buf)
            self._buf = None
        assert self._file is not None
        self._file.write(data)

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()

    def head(self, n: int) -> bytes:
        if self._buf is not None:
            return bytes(self._buf[:n])
        assert self._file is not None
        self._file.flush()
        return os.pread(self._file.fileno(), n, 0)

    def open(self) -> BinaryIO:
        """A new reader positioned at the start; several readers may be open at once."""
        if self._buf is not None:
            return io.BytesIO(bytes(self._buf))
        assert self._file is not None
        self._file.flush()
        return io.BufferedReader(_FdReader(self._file.fileno(), self.size))

    def close(self) -> None:
        self._buf = bytearray()
        if self._file is not None:
            self._file.close()
            self._file = None


class _FdReader(io.RawIOBase):
    """Reads a temp file by ``pread`` with its own offset, so readers do not disturb each other."""

    def __init__(self, fd: int, size: int) -> None:
        self._fd = fd
        self._size = size
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), max(0, self._size - self._pos))
        if n == 0:
            return 0
        data = os.pread(self._fd, n, self._pos)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)


class Base64Sink:
    """Decodes Base64 text handed over in pieces of any size; only a <4-byte remainder is carried."""

    def __init__(self, payload: Payload) -> None:
        self.payload = payload
        self._rest = b""
        self.error: str | None = None
        self._done = False

    def feed(self, text: str) -> None:
        if self.error is not None:
            return
        try:
            raw = text.encode("ascii")
        except UnicodeEncodeError:
            self.error = "contains characters that are not Base64"
            return
        raw = self._rest + raw.translate(None, _WHITESPACE)
        cut = len(raw) - len(raw) % 4
        self._rest = raw[cut:]
        if cut:
            self._decode(raw[:cut])

    def _decode(self, chunk: bytes) -> None:
        if self._done:
            self.error = "has data after the Base64 padding"
            return
        try:
            self.payload.write(binascii.a2b_base64(chunk, strict_mode=True))
        except binascii.Error:
            self.error = "is not valid Base64"
            return
        if chunk.endswith(b"="):
            self._done = True

    def finish(self) -> None:
        if self.error is None and self._rest:
            self.error = "is not valid Base64 (truncated)"


@dataclass
class Attachment:
    """A decoded attachment. ``name`` is metadata only, never a path; the bytes are in ``open()``.

    When the sender wrapped the file in a ZIP (as the official samples do), ``unzipped`` is True,
    ``zip_member`` names the member and ``size``/``sha256``/the bytes are those of the file inside.
    """

    content_id: str
    name: str
    content_type: str
    description: str
    size: int
    sha256: str
    original_name: str = ""
    unzipped: bool = False
    zip_member: str = ""
    _payload: Payload | None = field(default=None, repr=False, compare=False)

    def open(self) -> BinaryIO:
        if self._payload is None:
            return io.BytesIO(b"")
        return self._payload.open()

    def read_bytes(self) -> bytes:
        with self.open() as f:
            return f.read()

    def close(self) -> None:
        if self._payload is not None:
            self._payload.close()


def looks_like_zip(payload: Payload) -> bool:
    return payload.head(4) == _ZIP_MAGIC


def unwrap_zip(payload: Payload, *, what: str, max_bytes: int, max_members: int, spool_bytes: int,
               warnings: list[str]) -> tuple[Payload, str] | None:
    """The single file inside a ZIP, bounded; None (keep the ZIP as it is) when that is not the case."""
    with payload.open() as raw:
        try:
            zf = zipfile.ZipFile(raw)
        except (zipfile.BadZipFile, OSError, ValueError):
            warnings.append(f"{what} starts like a ZIP but is not one; kept as it is")
            return None
        with zf:
            infos = zf.infolist()
            if len(infos) > max_members:
                raise PackageError(f"{what} is a ZIP with {len(infos)} members (limit {max_members})",
                                   code="too_large")
            files = [i for i in infos if not i.is_dir()]
            if len(files) != 1:
                warnings.append(f"{what} is a ZIP with {len(files)} files; kept as a ZIP")
                return None
            info = files[0]
            if info.flag_bits & 0x1:
                warnings.append(f"{what} is an encrypted ZIP; kept as a ZIP")
                return None
            if info.file_size > max_bytes:
                raise PackageError(f"{what} unpacks to {info.file_size} bytes (limit {max_bytes})",
                                   code="too_large")
            inner = Payload(spool_bytes=spool_bytes, max_bytes=max_bytes, what=f"{what} (unzipped)")
            try:
                with zf.open(info) as member:
                    while chunk := member.read(_COPY_CHUNK):
                        inner.write(chunk)
            except PackageError:
                inner.close()
                raise
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as e:
                inner.close()
                warnings.append(f"{what} is a damaged ZIP ({e}); kept as it is")
                return None
            return inner, info.filename
