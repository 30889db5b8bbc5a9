"""What incoming and outgoing documents share: metadata, codes, actors, events and errors.

The workflows (:mod:`node.domain.incoming`, :mod:`node.domain.outgoing`) are pure transition
functions ``f(doc, …) -> Outcome(doc', events)``. Events say what the adapters must do in the
same transaction as saving ``doc'``: append an audit row, queue a status or a package in the
outbox, destroy content, notify people. The functions never touch storage or the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum, StrEnum
from typing import Any, Generic, Protocol, TypeVar

from node.domain.accounts import ROLE_LABELS, Role
from node.domain.errors import DomainError
from node.domain.numbering import AllocatedNumber

# -- codes of the exchange (QCVN 102:2016; DOMAIN.md §4) ---------------------------------------


class StatusCode(StrEnum):
    ARRIVED = "01"
    REJECTED = "02"
    ACCEPTED = "03"
    ASSIGNED = "04"
    PROCESSING = "05"
    DONE = "06"
    RECALL_REQUESTED = "13"
    CHANGE_ACCEPTED = "15"
    CHANGE_REFUSED = "16"


STATUS_VI: dict[StatusCode, str] = {
    StatusCode.ARRIVED: "Đã đến",
    StatusCode.REJECTED: "Từ chối tiếp nhận",
    StatusCode.ACCEPTED: "Đã tiếp nhận",
    StatusCode.ASSIGNED: "Phân công",
    StatusCode.PROCESSING: "Đang xử lý",
    StatusCode.DONE: "Hoàn thành",
    StatusCode.RECALL_REQUESTED: "Yêu cầu thu hồi",
    StatusCode.CHANGE_ACCEPTED: "Đồng ý",
    StatusCode.CHANGE_REFUSED: "Từ chối",
}


class BusinessDocType(IntEnum):
    NEW = 0
    REVOCATION = 1
    UPDATE = 2
    REPLACEMENT = 3


class Priority(IntEnum):
    NORMAL = 0
    URGENT = 1  # khẩn
    VERY_URGENT = 2  # thượng khẩn
    FLASH = 3  # hỏa tốc
    FLASH_TIMED = 4  # hỏa tốc hẹn giờ


PRIORITY_VI: dict[Priority, str] = {
    Priority.NORMAL: "Thường", Priority.URGENT: "Khẩn", Priority.VERY_URGENT: "Thượng khẩn",
    Priority.FLASH: "Hỏa tốc", Priority.FLASH_TIMED: "Hỏa tốc hẹn giờ",
}


class Secrecy(IntEnum):
    NONE = 0
    SECRET = 1  # mật
    TOP_SECRET = 2  # tối mật
    ABSOLUTE = 3  # tuyệt mật


SECRECY_VI: dict[Secrecy, str] = {
    Secrecy.NONE: "Thường", Secrecy.SECRET: "Mật", Secrecy.TOP_SECRET: "Tối mật",
    Secrecy.ABSOLUTE: "Tuyệt mật",
}


class Channel(StrEnum):
    AXIS = "axis"  # electronic, through the document axis
    PAPER = "paper"  # paper (digitized on arrival, printed and posted on departure)


# -- people and agencies -----------------------------------------------------------------------


@dataclass(frozen=True)
class Organ:
    organ_id: str
    name: str = ""


@dataclass(frozen=True)
class Actor:
    """Who does a step (from the session); ``unit_id`` for unit assignments."""

    username: str
    roles: frozenset[Role]
    full_name: str = ""
    unit_id: int | None = None

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))


@dataclass(frozen=True)
class DocumentMetadata:
    """Phụ lục VI fields common to văn bản đi and đến (the edXML MessageHeader, in our words)."""

    type_name: str
    subject: str
    issuer: Organ
    code_number: str = ""  # text: real packages carry non-numeric numbers
    code_notation: str = ""
    issued_date: date | None = None
    document_id: str = ""
    language: str = "Tiếng Việt"
    page_amount: int = 0
    description: str = ""
    signer_position: str = ""
    signer_full_name: str = ""
    priority: Priority = Priority.NORMAL
    secrecy: Secrecy = Secrecy.NONE
    due_date: date | None = None

    @property
    def code(self) -> str:
        return f"{self.code_number}/{self.code_notation}" if self.code_number else ""

    @property
    def secret(self) -> bool:
        return self.secrecy > Secrecy.NONE


# -- events ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditEvent:
    action: str  # e.g. "incoming.accept"
    subject: str  # e.g. "incoming:42"
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SendStatus:
    """Queue a status package (QCVN 102 §3) to ``to`` about ``document_id``."""

    to: Organ
    code: StatusCode
    document_id: str
    description: str = ""


@dataclass(frozen=True)
class OutboxPackage:
    """Queue one edoc package for one recipient (one package per recipient)."""

    recipient: Organ
    business_type: BusinessDocType
    document_ref: str
    related_document_id: str = ""  # the document updated / replaced / revoked
    note: str = ""


@dataclass(frozen=True)
class CancelPackage:
    """Drop a package still waiting in the outbox (the document was recalled before it left)."""

    recipient: Organ
    document_ref: str


@dataclass(frozen=True)
class DestroyContent:
    """Delete the PDFs and attachments of a recalled incoming document (metadata stays)."""

    document_ref: str
    blobs: tuple[str, ...]


@dataclass(frozen=True)
class PrintPaperCopies:
    """Electronic + paper or secret documents: văn thư prints, seals and posts these."""

    document_ref: str
    recipients: tuple[Organ, ...]


@dataclass(frozen=True)
class Notify:
    """Tell a person or a unit (``to`` = "user:<username>" / "unit:<id>" / "role:<role>")."""

    to: str
    message: str
    document_ref: str


Event = AuditEvent | SendStatus | OutboxPackage | CancelPackage | DestroyContent | PrintPaperCopies | Notify

D = TypeVar("D")
D_contra = TypeVar("D_contra", contravariant=True)


@dataclass(frozen=True)
class Outcome(Generic[D]):
    doc: D
    events: tuple[Event, ...] = ()

    def of_type(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


# -- errors ------------------------------------------------------------------------------------


class WorkflowError(DomainError):
    code = "workflow_error"


class IllegalTransition(WorkflowError):
    code = "transition_illegal"


class NotPermitted(WorkflowError):
    code = "not_permitted"


class DocumentFrozen(WorkflowError):
    code = "document_frozen"


class ReasonRequired(WorkflowError):
    code = "reason_required"


class InvalidInput(WorkflowError):
    code = "invalid_input"


def require_role(actor: Actor, *roles: Role, doing: str) -> None:
    if not actor.has(*roles):
        who = ", ".join(ROLE_LABELS[r].lower() for r in roles)
        raise NotPermitted(f"Chỉ {who} được {doing}.")


def require_reason(reason: str, what: str) -> str:
    text = " ".join(reason.split())
    if not text:
        raise ReasonRequired(f"Cần nêu lý do {what}.")
    return text


def as_aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise InvalidInput("Thời điểm thiếu múi giờ.", code="naive_datetime")
    return at


# -- the port the web layer drives ---------------------------------------------------------------

Step = Callable[[D], Outcome[D]]


class NumberedStep(Protocol[D_contra]):
    def __call__(self, doc: D_contra, number: AllocatedNumber, /) -> Outcome[Any]: ...


class WorkflowStore(Protocol[D]):
    """How a web handler runs one transition (implemented by the store, next to the documents).

    ``apply`` loads ``ref`` inside ONE write transaction (``BEGIN IMMEDIATE``), calls the pure
    ``step`` on it, then saves the new document and turns every event into rows of the same
    transaction: ``AuditEvent`` → audit chain, ``SendStatus`` / ``OutboxPackage`` → the exchange
    outbox, ``DestroyContent`` → blob deletion after commit, ``Notify`` → notifications. A
    ``DomainError`` from the step rolls everything back and reaches the caller unchanged.

    ``apply_numbered`` does the same but first takes the next number of ``register_code`` for the
    year of ``at`` (``node.store.registers.allocate_number``) and hands it to the step — so a
    refused step (wrong state, wrong register, secret into an open register) consumes no
    number: no gap, no reuse.
    """

    def get(self, ref: str) -> D | None: ...

    def apply(self, ref: str, step: Step[D], *, actor: str, at: datetime,
              text: str | None = None) -> Outcome[D]:
        """``text``: the document's new PDF text for the search index (None keeps what is there)."""
        ...

    def apply_numbered(self, ref: str, register_code: str, step: NumberedStep[D], *, actor: str,
                       at: datetime) -> Outcome[D]: ...
