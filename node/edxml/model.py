"""The typed form of QCVN 102:2016 edXML packages: constants, enums, header dataclasses, limits.

Parsing (:mod:`node.edxml.parse`) produces these; building (:mod:`node.edxml.build`) consumes them.
Field names follow the edXML element names in snake_case (``OrganAdd`` → ``organ_add``).
Dates are :class:`datetime.date`; timestamps are timezone-aware datetimes in Vietnam time (UTC+7).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from enum import IntEnum, StrEnum

NS_QCVN = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
NS_EDOC_OLD = "http://www.e-doc.vn/Schema/"
NS_GO_EDOC = "http://www.go.vn/eDoc"
NS_XMLDSIG = "http://www.w3.org/2000/09/xmldsig#"
ACCEPTED_NAMESPACES = frozenset({NS_QCVN, NS_EDOC_OLD, NS_GO_EDOC})

VN_TZ = timezone(timedelta(hours=7), "ICT")
"""Asia/Ho_Chi_Minh: UTC+7 all year (no daylight saving since 1975)."""

DATE_FORMAT = "%Y/%m/%d"
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"


class StatusCode(StrEnum):
    """``StatusCode`` of a status package (vn-standards §3.2)."""

    RECEIVED = "01"  # đã đến (automatic on receipt)
    REJECTED = "02"  # từ chối tiếp nhận
    ACCEPTED = "03"  # đã tiếp nhận (registered)
    ASSIGNED = "04"  # phân công
    PROCESSING = "05"  # đang xử lý
    FINISHED = "06"  # hoàn thành
    RECALL_REQUESTED = "13"  # yêu cầu thu hồi / lấy lại (sent by the issuer)
    CHANGE_ACCEPTED = "15"  # đồng ý (the update / recall)
    CHANGE_REJECTED = "16"  # từ chối (the update / recall)


class BusinessDocType(IntEnum):
    """``TraceHeaderList/Bussiness/BussinessDocType``."""

    NEW = 0
    REVOCATION = 1
    UPDATE = 2
    REPLACEMENT = 3


class ReceiverType(IntEnum):
    """``ReceiverList/Receiver/ReceiverType`` of an update: who is removed from or added to the recipients."""

    REMOVED = 0
    ADDED = 1


@dataclass(frozen=True)
class Organization:
    """``From`` / ``To``: an agency; routing uses ``organ_id`` only."""

    organ_id: str
    organ_name: str = ""
    organization_in_charge: str = ""
    organ_add: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass(frozen=True)
class ResponseFor:
    """The document a package answers or concerns (``OrganId`` = that document's issuer)."""

    organ_id: str
    code: str  # "số/ký hiệu", e.g. "7816/VPCP-TTĐT"
    promulgation_date: date | None
    document_id: str


@dataclass(frozen=True)
class StaffInfo:
    """``StaffInfo``: the person who handled the package."""

    department: str = ""
    staff: str = ""
    mobile: str = ""
    email: str = ""


@dataclass(frozen=True)
class TraceHeader:
    """One hop in ``TraceHeaderList``."""

    organ_id: str
    timestamp: datetime | None


@dataclass(frozen=True)
class Receiver:
    """An update (BussinessDocType 2) adds or removes a recipient."""

    organ_id: str
    receiver_type: ReceiverType


@dataclass(frozen=True)
class ReplacementInfo:
    """A replacement (BussinessDocType 3) replaces ``document_id`` at the agencies ``organ_ids``."""

    document_id: str
    organ_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class EdocHeader:
    """``MessageHeader`` plus the ``Bussiness`` part of ``TraceHeaderList`` of an edoc package."""

    from_: Organization
    to: tuple[Organization, ...]
    document_id: str
    code_number: str
    code_notation: str
    promulgation_place: str
    promulgation_date: date | None
    type: int
    type_detail: int
    type_name: str
    subject: str
    content: str = ""
    signer_competence: str = ""
    signer_position: str = ""
    signer_full_name: str = ""
    due_date: date | None = None
    priority: int = 0
    sphere_of_promulgation: str = ""
    typer_notation: str = ""
    promulgation_amount: int = 0
    page_amount: int = 0
    direction: bool = False
    appendixes: tuple[str, ...] = ()
    response_for: tuple[ResponseFor, ...] = ()
    steering_type: int = 1
    to_places: tuple[str, ...] = ()
    # TraceHeaderList/Bussiness
    business_doc_type: BusinessDocType = BusinessDocType.NEW
    business_doc_reason: str = ""
    business_document_id: str = ""  # Bussiness/DocumentId: the original document of an update
    paper: int = 0
    document_info: int = 0  # update: 1 = the document's information changed
    document_receiver: int = 0  # update: 1 = the recipients changed (see receivers)
    receivers: tuple[Receiver, ...] = ()  # update
    replacements: tuple[ReplacementInfo, ...] = ()  # replacement
    business_staff: StaffInfo | None = None

    @property
    def code(self) -> str:
        """Số/ký hiệu as printed: ``7816/VPCP-TTĐT``."""
        if self.code_number and self.code_notation:
            return f"{self.code_number}/{self.code_notation}"
        return self.code_number or self.code_notation


@dataclass(frozen=True)
class AttachmentInput:
    """A file to put into a built package."""

    name: str
    content_type: str
    data: bytes
    description: str = ""


@dataclass(frozen=True)
class Limits:
    """Bounds that make a hostile package fail fast instead of exhausting the node."""

    max_package_bytes: int = 300 * 1024 * 1024
    max_attachment_bytes: int = 200 * 1024 * 1024  # one decoded (and unzipped) attachment
    max_total_attachment_bytes: int = 400 * 1024 * 1024
    max_attachments: int = 100
    max_depth: int = 32
    max_elements: int = 50_000
    max_text_chars: int = 1024 * 1024  # any text outside ContentTransferEncoded
    max_zip_members: int = 64
    max_junk_bytes: int = 4096  # stray bytes tolerated before the first '<'
    memory_spool_bytes: int = 4 * 1024 * 1024  # attachments above this are spooled to a temp file


@dataclass(frozen=True)
class PackageSummary:
    """What a router needs, read cheaply (``peek``).

    For a status package ``document_id``/``code`` are those of the document concerned and
    ``to_organ_ids`` is that document's issuer (a status goes back to the issuer).
    """

    kind: str
    document_id: str
    from_organ_id: str
    to_organ_ids: tuple[str, ...]
    status_code: str | None
    response_for_document_id: str | None
    response_for_organ_id: str | None
    code: str
    subject: str
    business_doc_type: int = 0
    warnings: tuple[str, ...] = field(default=())
