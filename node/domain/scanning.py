"""Digitizing paper: what a scan becomes, why one is refused, and the ports the scanner uses.

The scanner adapter (``node.scanner``) turns a file from a hot folder into one or more
:class:`ScanPart` (a batch split by separator sheets gives several) and hands a
:class:`ScanSubmission` to a :class:`ScanStore`, which keeps the original byte-for-byte, the
archive copies, the rows, the search text and the audit row together in one transaction.

A scan in the số hóa queue is registered as a văn bản đến ("Vào sổ") or discarded by the văn thư
("Loại bỏ": a wrong page, a blank page, a duplicate) with a reason; a discarded scan is kept with
its files and can be put back in the queue ("Khôi phục"). :func:`discard` and :func:`restore` are
the rules; the :class:`ScanQueue` port writes them with their audit row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from node.domain.accounts import Role
from node.domain.documents import Actor, IllegalTransition, InvalidInput, require_reason, require_role
from node.domain.fields import ExtractedFields


class ScanPurpose(StrEnum):
    INCOMING = "incoming"  # incoming paper (văn bản đến giấy)
    COPY = "copy"  # copy of an outgoing paper original (bản lưu)


class RejectCode(StrEnum):
    EMPTY = "empty_file"
    NOT_A_PDF = "not_a_pdf"
    UNSUPPORTED = "unsupported_type"
    CORRUPT_PDF = "corrupt_pdf"
    ENCRYPTED_PDF = "encrypted_pdf"
    NO_PAGES = "no_pages"
    CORRUPT_IMAGE = "corrupt_image"
    IMAGE_BOMB = "image_too_many_pixels"
    IMAGE_TOO_SMALL = "image_too_small"
    LOW_DPI = "low_dpi"
    OCR_FAILED = "ocr_failed"


REJECT_MESSAGES: dict[RejectCode, str] = {
    RejectCode.EMPTY: "Tệp rỗng (0 byte): máy quét chưa ghi được dữ liệu. Hãy quét lại.",
    RejectCode.NOT_A_PDF: "Tệp có đuôi .pdf nhưng nội dung không phải PDF. Hãy quét lại hoặc xuất lại tệp.",
    RejectCode.UNSUPPORTED: "Định dạng tệp không được hỗ trợ: chỉ nhận PDF, JPEG, PNG hoặc TIFF.",
    RejectCode.CORRUPT_PDF: "Tệp PDF bị hỏng, không đọc được. Hãy quét lại.",
    RejectCode.ENCRYPTED_PDF: "Tệp PDF được đặt mật khẩu hoặc mã hóa; hệ thống không thể số hóa. "
                              "Hãy gỡ mật khẩu rồi đưa lại.",
    RejectCode.NO_PAGES: "Tệp PDF không có trang nào.",
    RejectCode.CORRUPT_IMAGE: "Tệp ảnh bị hỏng, không đọc được. Hãy quét lại.",
    RejectCode.IMAGE_BOMB: "Ảnh có số điểm ảnh quá lớn (nghi ngờ tệp độc hại hoặc quét sai độ phân giải).",
    RejectCode.IMAGE_TOO_SMALL: "Ảnh quá nhỏ để là một trang tài liệu quét.",
    RejectCode.LOW_DPI: "Độ phân giải thấp hơn mức tối thiểu quy định (200 dpi). Hãy quét lại.",
    RejectCode.OCR_FAILED: "Không nhận dạng được chữ trên tệp (OCR thất bại).",
}


class WarningCode(StrEnum):
    LOW_DPI = "low_dpi"
    UNKNOWN_DPI = "unknown_dpi"
    NOT_COLOUR = "not_colour"
    SIGNED_NO_TEXT = "signed_without_text"
    NO_TEXT = "no_text"
    OLD_PDF_VERSION = "pdf_version_below_1_4"
    PDF_REPAIRED = "pdf_repaired"
    DUPLICATE = "duplicate"


WARNING_MESSAGES: dict[WarningCode, str] = {
    WarningCode.LOW_DPI: "Độ phân giải {dpi} dpi thấp hơn mức tối thiểu {min_dpi} dpi.",
    WarningCode.UNKNOWN_DPI: "Ảnh không ghi độ phân giải; không kiểm tra được mức {min_dpi} dpi.",
    WarningCode.NOT_COLOUR: "Ảnh quét đen trắng hoặc thang xám; quy định yêu cầu ảnh màu.",
    WarningCode.SIGNED_NO_TEXT: "Tệp có chữ ký số nên được giữ nguyên, không nhận dạng chữ (OCR).",
    WarningCode.NO_TEXT: "Không tìm thấy chữ trên trang; tài liệu không tìm kiếm được theo nội dung.",
    WarningCode.OLD_PDF_VERSION: "Phiên bản PDF {version} thấp hơn 1.4.",
    WarningCode.PDF_REPAIRED: "Tệp PDF có lỗi cấu trúc và đã được đọc ở chế độ sửa lỗi;"
                              " hãy kiểm tra đủ trang.",
    WarningCode.DUPLICATE: "Tệp trùng nội dung với bản quét đã lưu số {scan_id}.",
}


@dataclass(frozen=True)
class ScanWarning:
    code: WarningCode
    message: str

    @classmethod
    def of(cls, code: WarningCode, **params: Any) -> ScanWarning:
        return cls(code, WARNING_MESSAGES[code].format(**params))

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code.value, "message": self.message}


class TransientScanError(Exception):
    """A failure that goes away by itself (disk full, OCR timeout, database busy): retry later."""

    code = "scan_transient"

    def __init__(self, message: str, *, code: str = "scan_transient") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class ScanPart:
    """One document out of a scanned file (a batch gives several)."""

    index: int
    pdf: Path  # the searchable copy: the PDF/A archive made by OCR, or the PDF as received
    pdf_is_original: bool  # True when ``pdf`` is the received file itself (never rewritten)
    pages: int
    text: str
    fields: ExtractedFields
    ocr: bool  # the text came from OCR
    signed: bool
    dpi: int | None
    warnings: tuple[ScanWarning, ...] = ()


@dataclass(frozen=True)
class ScanSubmission:
    original: Path  # the received file, kept byte for byte
    original_sha256: str
    media_type: str
    file_name: str
    folder: str
    purpose: ScanPurpose
    parts: tuple[ScanPart, ...]
    warnings: tuple[ScanWarning, ...] = field(default=())


@dataclass(frozen=True)
class SavedScan:
    scan_ids: tuple[int, ...]
    duplicate_of: int | None = None  # set when these bytes were already stored


class ScanStore(Protocol):
    def find_by_sha256(self, sha256: str) -> int | None:
        """The first scan made from a file with these bytes, if any."""
        ...

    def save(self, submission: ScanSubmission, *, now: datetime) -> SavedScan:
        """Store blobs, rows, search text and audit in one go; a known file is noted as duplicate."""
        ...

    def note_duplicate(self, scan_id: int, *, file_name: str, folder: str, now: datetime) -> None: ...

    def note_rejected(self, *, file_name: str, folder: str, code: str, message: str,
                      sha256: str | None, now: datetime) -> None: ...


@dataclass(frozen=True)
class QueuedScan:
    """A stored scan of incoming paper not yet registered as a văn bản đến (the số hóa queue).

    ``fields`` are the prefilled values with their confidence, as
    :meth:`node.domain.fields.ExtractedFields.as_dict` wrote them:
    ``{"subject": {"value": …, "confidence": 0.9}, …}``.
    """

    id: int
    file_name: str
    received_at: str  # ISO time
    pdf_sha256: str
    pages: int
    part: int
    parts: int
    ocr: bool
    signed: bool
    text: str
    fields: dict[str, dict[str, Any]]
    warnings: tuple[dict[str, str], ...]
    state: str  # new | confirmed | discarded (ScanState)
    doc_ref: str = ""  # the văn bản đến it became, once registered
    purpose: str = "incoming"  # incoming paper, or the copy (bản lưu) of an outgoing paper original
    # while discarded: why, by whom (username) and when (ISO time)
    discard_reason: str = ""
    discarded_by: str = ""
    discarded_at: str = ""

    def value(self, name: str) -> Any:
        found = self.fields.get(name) or {}
        return found.get("value")

    def confidence(self, name: str) -> float:
        found = self.fields.get(name) or {}
        return float(found.get("confidence") or 0.0)


class ScanState(StrEnum):
    NEW = "new"  # waiting in the số hóa queue
    CONFIRMED = "confirmed"  # registered as a văn bản đến
    DISCARDED = "discarded"  # taken out of the queue by the văn thư (kept, can be restored)


SCAN_STATE_VI: dict[ScanState, str] = {
    ScanState.NEW: "Chờ vào sổ",
    ScanState.CONFIRMED: "Đã vào sổ",
    ScanState.DISCARDED: "Đã loại bỏ",
}
MAX_REASON = 500


class ScanNotQueued(IllegalTransition):
    """The scan is no longer in the queue (registered or discarded): 409 on the pages."""

    code = "scan_not_queued"


@dataclass(frozen=True)
class ScanDiscard:
    """The văn thư takes a scan out of the queue: who, when, why."""

    scan_id: int
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True)
class ScanRestore:
    """A scan discarded by mistake goes back to the queue."""

    scan_id: int
    by: str
    at: datetime


def check_queued(scan: QueuedScan, doing: str) -> None:
    """Refuse a step on a scan that is not waiting in the queue (``doing``: "vào sổ", "loại bỏ")."""
    if scan.purpose != ScanPurpose.INCOMING.value:
        raise InvalidInput("Bản quét này là bản lưu của văn bản đi, không vào sổ văn bản đến.",
                           code="scan_not_incoming")
    if scan.state == ScanState.DISCARDED.value:
        raise ScanNotQueued(f"Bản quét số {scan.id} đã bị loại bỏ khỏi hàng chờ số hóa nên không thể {doing}."
                            " Nếu loại bỏ nhầm, hãy khôi phục bản quét trước.", code="scan_discarded")
    if scan.state != ScanState.NEW.value or scan.doc_ref:
        raise ScanNotQueued(f"Bản quét số {scan.id} đã được vào sổ thành văn bản đến nên không thể {doing}"
                            " nữa.", code="scan_registered")


def discard(scan: QueuedScan, reason: str, *, actor: Actor, at: datetime) -> ScanDiscard:
    """Loại bỏ: only the văn thư, only a scan still in the queue, always with a reason."""
    require_role(actor, Role.CLERK, doing="loại bỏ bản quét")
    check_queued(scan, "loại bỏ")
    why = require_reason(reason, "loại bỏ bản quét (ví dụ: quét nhầm trang, trang trắng, bản trùng)")
    if len(why) > MAX_REASON:
        raise InvalidInput(f"Lý do loại bỏ quá dài (tối đa {MAX_REASON} ký tự).", code="reason_too_long")
    return ScanDiscard(scan.id, why, actor.username, at)


def restore(scan: QueuedScan, *, actor: Actor, at: datetime) -> ScanRestore:
    """Khôi phục: a discarded scan goes back to the queue (only the văn thư)."""
    require_role(actor, Role.CLERK, doing="khôi phục bản quét")
    if scan.state != ScanState.DISCARDED.value:
        raise ScanNotQueued(f"Bản quét số {scan.id} không nằm trong danh sách đã loại bỏ nên không có gì để"
                            " khôi phục.", code="scan_not_discarded")
    return ScanRestore(scan.id, actor.username, at)


class ScanQueue(Protocol):
    """The số hóa page's side of the scans (``node.store.scans.SqliteScanStore``)."""

    def queue(self, *, limit: int = 20, offset: int = 0) -> list[QueuedScan]:
        """Scans of incoming paper still waiting to be registered, oldest first."""
        ...

    def count_queue(self) -> int: ...

    def queued(self, scan_id: int) -> QueuedScan | None:
        """One scan (registered, discarded or not), with the document it became."""
        ...

    def discarded(self, *, limit: int = 20, offset: int = 0) -> list[QueuedScan]:
        """Scans the văn thư discarded (the "Đã loại bỏ" list), most recently discarded first."""
        ...

    def count_discarded(self) -> int: ...

    def discard(self, step: ScanDiscard) -> None:
        """Take the scan out of the queue with its audit row, in one transaction; the scan, its
        files and its text are kept. :class:`ScanNotQueued` if it left the queue meanwhile."""
        ...

    def restore(self, step: ScanRestore) -> None:
        """Put a discarded scan back in the queue, with its audit row (:class:`ScanNotQueued` if it
        is not discarded any more)."""
        ...
