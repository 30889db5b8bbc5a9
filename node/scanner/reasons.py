"""Rejections with their stable code and Vietnamese message."""

from __future__ import annotations

from node.domain.scanning import REJECT_MESSAGES, RejectCode
from node.errors import ScanRejectedError


def reject(code: RejectCode, message: str | None = None) -> ScanRejectedError:
    return ScanRejectedError(message or REJECT_MESSAGES[code], code=code.value)
