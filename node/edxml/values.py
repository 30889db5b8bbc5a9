"""Reading and writing the scalar values of edXML: dates, timestamps, numbers, DocumentId, names.

Readers are lenient: a messy but understandable value returns the best reading and appends a
warning (in English, for IT) to ``warnings``; only values that cannot be understood raise.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import date, datetime

from node.edxml.errors import PackageError
from node.edxml.model import DATE_FORMAT, TIMESTAMP_FORMAT, VN_TZ

_DATE_FORMATS = ("%Y/%m/%d", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")
_TS_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M:%S",
               "%Y/%m/%d %H:%M", "%Y/%m/%d")
_DOCUMENT_ID = re.compile(r"^(?P<organ>[^,]+),(?P<date>[^,]+),(?P<code>.+)$")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def read_date(raw: str, what: str, warnings: list[str]) -> date | None:
    """``yyyy/MM/dd``; a few other common forms are accepted with a warning; empty → None."""
    raw = raw.strip()
    if not raw:
        return None
    for i, fmt in enumerate(_DATE_FORMATS):
        try:
            value = datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
        if i:
            warnings.append(f"{what}: date {raw!r} is not in yyyy/MM/dd form; read as {value.isoformat()}")
        return value
    warnings.append(f"{what}: {raw!r} is not a date; ignored")
    return None


def read_timestamp(raw: str, what: str, warnings: list[str]) -> datetime | None:
    """``yyyy/MM/dd HH:mm:ss`` in Vietnam time → an aware datetime; empty or unreadable → None."""
    raw = raw.strip()
    if not raw:
        return None
    for i, fmt in enumerate(_TS_FORMATS):
        try:
            value = datetime.strptime(raw, fmt)
        except ValueError:
            continue
        if i:
            warnings.append(f"{what}: timestamp {raw!r} is not in yyyy/MM/dd HH:mm:ss form")
        return value.replace(tzinfo=VN_TZ)
    try:  # ISO 8601 with an offset, as some senders write
        value = datetime.fromisoformat(raw)
    except ValueError:
        warnings.append(f"{what}: {raw!r} is not a timestamp; ignored")
        return None
    warnings.append(f"{what}: timestamp {raw!r} is not in yyyy/MM/dd HH:mm:ss form")
    return value.replace(tzinfo=VN_TZ) if value.tzinfo is None else value.astimezone(VN_TZ)


def read_int(raw: str, what: str, warnings: list[str], *, default: int = 0) -> int:
    raw = raw.strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        warnings.append(f"{what}: {raw!r} is not a number; read as {default}")
        return default


def read_bool(raw: str, what: str, warnings: list[str]) -> bool:
    raw = raw.strip().lower()
    if raw in ("", "false", "0"):
        return False
    if raw in ("true", "1"):
        return True
    warnings.append(f"{what}: {raw!r} is not true/false; read as false")
    return False


def check_document_id(document_id: str, what: str, warnings: list[str]) -> None:
    """Warn when a DocumentId is not ``<OrganId>,<yyyy/MM/dd>,<số>/<ký hiệu>`` (a UUID is accepted)."""
    m = _DOCUMENT_ID.match(document_id)
    if m is None:
        try:
            uuid.UUID(document_id)
        except ValueError:
            warnings.append(f"{what}: {document_id!r} is neither <OrganId>,<yyyy/MM/dd>,<số/ký hiệu> "
                            "nor a UUID")
            return
        warnings.append(f"{what}: {document_id!r} is a UUID, not <OrganId>,<yyyy/MM/dd>,<số/ký hiệu>")
        return
    try:
        datetime.strptime(m["date"], DATE_FORMAT)
    except ValueError:
        warnings.append(f"{what}: {document_id!r} contains an impossible date {m['date']!r}")


def check_code_number(code_number: str, warnings: list[str]) -> None:
    if code_number and not code_number.isdigit():
        warnings.append(f"CodeNumber {code_number!r} is not numeric")


def format_date(value: date | None) -> str:
    return value.strftime(DATE_FORMAT) if value is not None else ""


def format_timestamp(value: datetime) -> str:
    """Vietnam wall-clock time without a zone, as the standard writes it (naive = already Vietnam time)."""
    if value.tzinfo is not None:
        value = value.astimezone(VN_TZ)
    return value.strftime(TIMESTAMP_FORMAT)


def check_xml_text(value: str, what: str) -> str:
    """Refuse characters XML 1.0 cannot carry (building a package)."""
    if _XML_INVALID.search(value):
        raise PackageError(f"{what} contains a control character that XML cannot carry",
                           code="invalid_value")
    return value


def attachment_name(raw: str, warnings: list[str]) -> str:
    """The attachment's name as metadata: never a path.

    A name that tries to climb out of a folder (``../x``, ``/etc/x``, ``C:\\x``) is refused;
    other separators and control characters are replaced with ``_`` and reported.
    """
    name = unicodedata.normalize("NFC", raw.strip())
    parts = re.split(r"[\\/]", name)
    if ".." in parts or name.startswith(("/", "\\")) or _DRIVE.match(name):
        raise PackageError(f"attachment name {raw[:200]!r} is a path that leaves its folder; refused",
                           code="attachment_invalid")
    cleaned = "".join("_" if (unicodedata.category(c).startswith("C") or c in "\\/") else c for c in name)
    cleaned = cleaned.strip()[:200]
    if cleaned in ("", "."):
        cleaned = "_"
    if cleaned != name:
        warnings.append(f"attachment name {raw[:200]!r} is not a plain file name; kept as {cleaned!r}")
    return cleaned
