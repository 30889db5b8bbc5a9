"""GET /tep/{sha256}: a stored file for the logged-in user (PDF inline, others as a download).

Files are addressed by their SHA-256, so a URL names exactly one content and may be cached by the
browser; content destroyed by a recall (or never stored) is 404.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath

from node.domain.accounts import Role
from node.web.auth import requires
from node.web.office import actor_of, office_of

ALL = [requires(Role.CLERK, Role.LEADER, Role.SPECIALIST)]
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"II*\x00", "image/tiff", "tif"),
    (b"MM\x00*", "image/tiff", "tif"),
    (b"PK\x03\x04", "application/zip", "zip"),
)
INLINE = {"application/pdf", "image/png", "image/jpeg"}


def sniff(data: bytes) -> tuple[str, str]:
    """(media type, extension) from the first bytes; unknown content is a plain download."""
    for magic, media, ext in _SIGNATURES:
        if data.startswith(magic):
            return media, ext
    return "application/octet-stream", "bin"


def safe_name(name: str, ext: str, fallback: str) -> tuple[str, str]:
    """(ASCII name for ``filename=``, UTF-8 name for ``filename*=``): no paths, quotes or controls."""
    base = unicodedata.normalize("NFC", name).replace("/", "-").replace("\\", "-")
    base = "".join(c for c in base if c.isprintable() and c not in '"<>:|?*;').strip(" .") or fallback
    if not base.lower().endswith(f".{ext}"):
        base = f"{base}.{ext}"
    base = base[-120:]
    folded = unicodedata.normalize("NFKD", base.replace("đ", "d").replace("Đ", "D"))
    ascii_name = "".join(c for c in folded if c.isascii() and (c.isalnum() or c in "-_. ")) or f"tep.{ext}"
    return ascii_name, base


def read_blob(request: Request[Any, Any, Any], sha256: str) -> bytes:
    if not _SHA_RE.match(sha256):
        raise NotFoundException("Không tìm thấy tệp.")
    if not office_of(request).may_read_file(sha256, actor_of(request)):
        raise PermissionDeniedException("Tệp của văn bản mật: chỉ văn thư, lãnh đạo và người được giao"
                                        " mới được xem.")
    try:
        return office_of(request).blobs.read(sha256)
    except (OSError, ValueError) as e:  # destroyed by a recall, or never here
        raise NotFoundException("Tệp không còn trên hệ thống (có thể đã bị hủy theo yêu cầu thu hồi).") from e


@get("/tep/{sha256:str}", name="file", guards=ALL, sync_to_thread=True)
def file(request: Request[Any, Any, Any], sha256: FromPath[str]) -> Response[bytes]:
    data = read_blob(request, sha256)
    media, ext = sniff(data)
    ascii_name, name = safe_name(request.query_params.get("ten") or "", ext, sha256[:12])
    disposition = "inline" if media in INLINE and request.query_params.get("tai") is None else "attachment"
    headers = {
        "Content-Disposition": f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "private, no-store",  # a recall may destroy it: never served from a cache
        "X-Content-Type-Options": "nosniff",
    }
    if media != "application/pdf":  # Chromium's PDF viewer refuses sandboxed documents
        headers["Content-Security-Policy"] = "sandbox"
    return Response(data, media_type=media, headers=headers)


handlers = [file]
