"""Outbox relay: send queued packages in order, exactly once as far as the axis can tell.

Items are claimed in queue order under a lease. A transient failure (network, 5xx, 429) gives the
batch back and schedules the head item after an exponential backoff with full jitter (tenacity),
up to ``backoff_cap``; items behind it wait, so nothing overtakes an earlier package. A permanent
refusal marks the item ``rejected`` with the hub's text and the relay moves on. An item whose last
attempt had an unknown outcome (timeout, connection cut after sending, lease lost in a crash) is
first looked up with ``/getSentEdocList``; it is re-sent only if the axis does not have it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from node.domain.exchange import ExchangeStore, OutboxItem
from node.errors import AxisAuthError, AxisOutcomeUnknownError, AxisRejectedError, AxisUnavailableError
from node.sync.backoff import backoff_delay
from node.sync.client import VxpAxisClient

log = logging.getLogger(__name__)


@dataclass
class RelayResult:
    sent: int = 0
    rejected: int = 0
    reconciled: int = 0
    retry_after: timedelta | None = None  # set when a transient failure stopped the pass
    error: str | None = None


class OutboxRelay:
    def __init__(self, store: ExchangeStore, client: VxpAxisClient, *, sender_code: str,
                 batch_size: int = 32, lease: timedelta = timedelta(seconds=120),
                 backoff_base: float = 1.0, backoff_cap: float = 300.0) -> None:
        self.store = store
        self.client = client
        self.sender_code = sender_code
        self.batch_size = batch_size
        self.lease = lease
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def run_once(self, stop: threading.Event | None = None,
                 progress: Callable[[], None] | None = None) -> RelayResult:
        """Send everything that is due, batch after batch, until the queue is empty or a failure.
        ``progress`` is called after each package: draining a backlog is one long pass, and the
        worker's heartbeat must not go stale while it works."""
        result = RelayResult()
        while stop is None or not stop.is_set():
            items = self.store.claim(self.owner, limit=self.batch_size, lease=self.lease)
            if not items:
                break
            if not self._send_batch(items, result, stop, progress):
                break
        if result.sent:
            self.store.note_progress()
        return result

    def _send_batch(self, items: list[OutboxItem], result: RelayResult,
                    stop: threading.Event | None, progress: Callable[[], None] | None = None) -> bool:
        # Stop well before the lease runs out, so no other relay can take an item we are sending.
        deadline = time.monotonic() + self.lease.total_seconds() * 0.5
        sent: list[tuple[int, str]] = []
        try:
            for i, item in enumerate(items):
                if (stop is not None and stop.is_set()) or time.monotonic() > deadline:
                    self.store.release([it.id for it in items[i:]], self.owner)
                    return False
                if progress is not None:  # before each package: the one before it is done
                    progress()
                try:
                    sent.append((item.id, self._deliver(item, result)))
                    result.sent += 1
                except AxisRejectedError as e:
                    log.warning("outbox %s (%s → %s) rejected by the axis: %s", item.id, item.document_id,
                                item.recipient_code, e)
                    self.store.mark_rejected(item.id, self.owner, str(e))
                    result.rejected += 1
                except (AxisUnavailableError, AxisAuthError) as e:
                    delay = backoff_delay(item.attempts, base=self.backoff_base, cap=self.backoff_cap)
                    doubt = isinstance(e, AxisOutcomeUnknownError)
                    self.store.mark_sent(sent, self.owner)
                    sent = []
                    self.store.mark_retry([it.id for it in items[i:]], self.owner, error=str(e),
                                          delay=delay, in_doubt=doubt)
                    log.info("outbox %s not sent (%s); retry in %.1fs", item.id, e, delay.total_seconds())
                    result.retry_after, result.error = delay, str(e)
                    return False
            return True
        finally:
            self.store.mark_sent(sent, self.owner)

    def _deliver(self, item: OutboxItem, result: RelayResult) -> str:
        doc_id = self._reconcile(item) if item.in_doubt else None
        if doc_id is not None:
            result.reconciled += 1
            return doc_id
        return self.client.send(item.kind.value, self.store.package_bytes(item), sender=self.sender_code)

    def _reconcile(self, item: OutboxItem) -> str | None:
        """The DocId the axis gave this package on an earlier attempt, if it has it."""
        for row in self.client.sent(document_id=item.document_id, messagetype=item.kind.value):
            same = (row.get("sha256") == item.blob_sha256 if row.get("sha256")
                    else row.get("messageType", item.kind.value) == item.kind.value)
            if same and row.get("senderDocId"):
                log.info("outbox %s was already on the axis as %s", item.id, row["senderDocId"])
                return str(row["senderDocId"])
        return None
