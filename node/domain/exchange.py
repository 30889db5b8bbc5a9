"""Document exchange with the axis: outbox items, incoming packages, link state and outages.

Pure records and rules, plus the port :class:`ExchangeStore` the sync engine talks to (the store
implements it in ``node/store/exchange.py``). Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol


class OutboxState(StrEnum):
    QUEUED = "queued"      # waiting to be sent (possibly after a failed attempt)
    SENDING = "sending"    # claimed by a relay under a lease
    SENT = "sent"          # the axis accepted it and gave a DocId
    REJECTED = "rejected"  # the axis refused it for good; ``last_error`` holds its answer


class InboxOutcome(StrEnum):
    NEW = "new"
    DUPLICATE = "duplicate"


class PackageKind(StrEnum):
    EDOC = "edoc"
    STATUS = "status"


PRIORITY_NORMAL = 0
PRIORITY_OUTAGE_REPORT = 10


@dataclass(frozen=True)
class OutgoingPackage:
    """What must leave the node: one package to one recipient (the delivery it announces)."""

    kind: PackageKind
    blob_sha256: str
    size: int
    document_id: str
    recipient_code: str
    subject: str = ""
    priority: int = PRIORITY_NORMAL


@dataclass(frozen=True)
class OutboxItem:
    id: int
    kind: PackageKind
    blob_sha256: str
    document_id: str
    recipient_code: str
    state: OutboxState
    attempts: int
    in_doubt: bool
    axis_doc_id: str | None = None
    last_error: str | None = None
    next_attempt_at: datetime | None = None


@dataclass(frozen=True)
class IncomingPackage:
    """A package fetched from the axis, already parsed; the raw bytes go to the blob store."""

    axis_doc_id: str
    kind: PackageKind
    sender_code: str
    document_id: str
    subject: str = ""
    code: str = ""
    status_code: str | None = None
    status_description: str = ""
    response_for_document_id: str | None = None
    warnings: Sequence[str] = ()
    # Which edoc of the document this is: "" for the document itself (a re-delivery is the same
    # document), "<BussinessDocType>:<sha256>" for a revocation, update or replacement of it.
    business_key: str = ""


@dataclass(frozen=True)
class LinkState:
    online: bool | None  # None: never observed
    since: datetime | None
    last_ok_at: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class Outage:
    id: int
    started_at: datetime
    ended_at: datetime | None
    queued_at_start: int
    max_queued: int
    drained_at: datetime | None = None
    report_state: str = "none"  # none | due | queued
    last_error: str | None = None

    @property
    def duration(self) -> timedelta | None:
        return self.ended_at - self.started_at if self.ended_at else None

    @property
    def time_to_drain(self) -> timedelta | None:
        if self.ended_at is None or self.drained_at is None:
            return None
        return self.drained_at - self.ended_at


def report_due(outage: Outage, threshold: timedelta) -> bool:
    """An outage longer than ``threshold`` is reported to the supervising agency when it ends."""
    return outage.duration is not None and outage.duration >= threshold


@dataclass(frozen=True)
class StuckItem:
    id: int
    document_id: str
    recipient_code: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class ExchangeStatus:
    link: LinkState
    queued: int
    oldest_queued_at: datetime | None
    sent: int
    rejected: int
    stuck: list[StuckItem] = field(default_factory=list)
    last_outage: Outage | None = None
    inbox: int = 0


@dataclass(frozen=True)
class AgencyEntry:
    code: str
    name: str
    code102: str = ""
    old_code: str = ""
    pid: str = ""
    mail: str = ""
    deleted: bool = False


class ExchangeStore(Protocol):
    """What the sync engine needs from storage. Every method is one transaction."""

    # outbox
    def enqueue(self, package: OutgoingPackage, data: bytes, *, actor: str) -> int: ...

    def claim(self, owner: str, *, limit: int, lease: timedelta) -> list[OutboxItem]: ...

    def package_bytes(self, item: OutboxItem) -> bytes: ...

    def mark_sent(self, sent: Sequence[tuple[int, str]], owner: str) -> None: ...

    def mark_rejected(self, item_id: int, owner: str, error: str) -> None: ...

    def mark_retry(self, item_ids: Sequence[int], owner: str, *, error: str, delay: timedelta,
                   in_doubt: bool) -> None: ...

    def release(self, item_ids: Sequence[int], owner: str) -> None: ...

    def consecutive_failures(self) -> int: ...

    # inbox
    def has_incoming(self, axis_doc_id: str, sender_code: str, document_id: str,
                     kind: PackageKind, business_key: str = "") -> bool: ...

    def save_incoming(self, package: IncomingPackage, data: bytes,
                      auto_status: tuple[OutgoingPackage, bytes] | None) -> InboxOutcome: ...

    def mark_acked(self, axis_doc_id: str) -> None: ...

    # link and outages
    def link_state(self) -> LinkState: ...

    def link_up(self, *, report_after: timedelta) -> Outage | None: ...

    def link_down(self, error: str) -> Outage | None: ...

    def note_progress(self) -> None: ...

    def outages_due_report(self) -> list[Outage]: ...

    def queue_outage_report(self, outage_id: int, package: OutgoingPackage, data: bytes) -> int: ...

    # directory
    def replace_agencies(self, agencies: Sequence[AgencyEntry]) -> int: ...

    def agencies_synced_at(self) -> datetime | None: ...

    def status(self, *, stuck_limit: int = 20) -> ExchangeStatus: ...
