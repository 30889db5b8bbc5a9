"""Inbox poller: list → fetch → store (blob + rows, one transaction) → acknowledge ``done``.

A package is acknowledged only after it is committed, so a crash anywhere leaves it listed on the
axis and it is fetched again; the store recognises it (axis DocId, or DocumentId + sender) and it is
acknowledged without a second import. Each new edoc queues status 01 (đã đến) to its sender in the
same transaction; each status package is recorded against the delivery it answers.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import tenacity

from node.domain.clock import Clock
from node.domain.exchange import ExchangeStore, InboxOutcome, IncomingPackage, OutgoingPackage, PackageKind
from node.edxml import (
    BusinessDocType,
    EdocPackage,
    Limits,
    Organization,
    PackageError,
    ResponseFor,
    StatusCode,
    StatusPackage,
    build_status,
    parse_package,
)
from node.errors import AxisUnavailableError
from node.sync.client import VxpAxisClient

log = logging.getLogger(__name__)

RECEIVED_TEXT = "Đã đến: văn bản đã được tiếp nhận vào hệ thống, chờ văn thư xử lý."


@dataclass
class PollResult:
    new: int = 0
    duplicates: int = 0
    refused: int = 0


class InboxPoller:
    def __init__(self, store: ExchangeStore, client: VxpAxisClient, clock: Clock, *,
                 agency: Organization, batch_size: int = 200, limits: Limits | None = None,
                 attempts: int = 3, backoff_base: float = 1.0, backoff_cap: float = 30.0) -> None:
        self.store = store
        self.client = client
        self.clock = clock
        self.agency = agency
        self.batch_size = batch_size
        self.limits = limits or Limits()
        # A transient failure of one request is retried a few times before the pass gives up
        # (the package stays listed on the axis and is taken on a later pass).
        self._retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(attempts),
            wait=tenacity.wait_random_exponential(multiplier=backoff_base, max=backoff_cap),
            retry=tenacity.retry_if_exception_type(AxisUnavailableError), reraise=True)

    def run_once(self, stop: threading.Event | None = None,
                 progress: Callable[[], None] | None = None) -> PollResult:
        """Take every package waiting, batch after batch. ``progress`` is called after each one: a
        pass over a backlog (500 packages after a weekend) can outlast the worker's heartbeat limit,
        so the loop beats between packages rather than once a pass."""
        result = PollResult()
        for kind in (PackageKind.EDOC, PackageKind.STATUS):
            skip: set[str] = set()
            while stop is None or not stop.is_set():
                batch = self._retrying(self.client.received, kind.value, limit=self.batch_size)
                listed = [it for it in batch if str(it.get("docId")) not in skip]
                if not listed:
                    break
                for entry in listed:
                    if stop is not None and stop.is_set():
                        break
                    doc_id = str(entry["docId"])
                    skip.add(doc_id)
                    self._retrying(self._take, doc_id, kind, result)
                    if progress is not None:
                        progress()
        return result

    def _take(self, doc_id: str, kind: PackageKind, result: PollResult) -> None:
        data = self.client.fetch(doc_id)
        try:
            package = self._parse(data)
        except PackageError as e:
            log.warning("package %s from the axis refused: %s [%s]", doc_id, e.message, e.code)
            self.client.ack(doc_id, "fail")
            result.refused += 1
            return
        with package:
            incoming = self._describe(doc_id, package, data)
            if self.store.has_incoming(doc_id, incoming.sender_code, incoming.document_id, incoming.kind,
                                       incoming.business_key):
                outcome = InboxOutcome.DUPLICATE
            else:
                # 01 answers a document that arrived; a revocation or an update of one is answered
                # 15 / 16 by the clerk's decision instead.
                auto = self._received_status(package) if isinstance(package, EdocPackage) and \
                    package.header.business_doc_type in (BusinessDocType.NEW, BusinessDocType.REPLACEMENT) \
                    else None
                outcome = self.store.save_incoming(incoming, data, auto)
        self.client.ack(doc_id, "done")
        if outcome is InboxOutcome.NEW:
            self.store.mark_acked(doc_id)
            result.new += 1
        else:
            result.duplicates += 1

    def _parse(self, data: bytes) -> EdocPackage | StatusPackage:
        return parse_package(data, limits=self.limits)

    @staticmethod
    def _describe(doc_id: str, package: EdocPackage | StatusPackage, data: bytes) -> IncomingPackage:
        if isinstance(package, EdocPackage):
            h = package.header
            key = "" if h.business_doc_type is BusinessDocType.NEW else \
                f"{int(h.business_doc_type)}:{hashlib.sha256(data).hexdigest()}"
            return IncomingPackage(axis_doc_id=doc_id, kind=PackageKind.EDOC, sender_code=h.from_.organ_id,
                                   document_id=h.document_id, subject=h.subject, code=h.code,
                                   warnings=tuple(package.warnings), business_key=key)
        rf = package.response_for
        return IncomingPackage(axis_doc_id=doc_id, kind=PackageKind.STATUS,
                               sender_code=package.from_.organ_id, document_id=rf.document_id,
                               code=rf.code, status_code=str(package.status_code),
                               status_description=package.description,
                               response_for_document_id=rf.document_id, warnings=tuple(package.warnings))

    def _received_status(self, package: EdocPackage) -> tuple[OutgoingPackage, bytes]:
        h = package.header
        data = build_status(self.agency, ResponseFor(h.from_.organ_id, h.code, h.promulgation_date,
                                                     h.document_id),
                            StatusCode.RECEIVED, RECEIVED_TEXT, self.clock.now())
        out = OutgoingPackage(kind=PackageKind.STATUS, blob_sha256=hashlib.sha256(data).hexdigest(),
                              size=len(data), document_id=h.document_id, recipient_code=h.from_.organ_id,
                              subject=f"Trạng thái 01 (đã đến): {h.code}")
        return out, data
