"""Link monitor: online/offline and since when, from real traffic and a light probe.

Every exchange the axis client makes reports here (``LinkObserver``). A transient failure while
the link was up opens an outage in the ledger (with the queue depth at that moment); the first
success afterwards closes it; an outage longer than the configured threshold gets its report
queued to the supervising agency, ahead of the backlog.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from node.domain.exchange import ExchangeStore, Outage
from node.errors import AxisError, AxisUnavailableError
from node.sync.client import LinkObserver

log = logging.getLogger(__name__)


class LinkMonitor:
    def __init__(self, store: ExchangeStore, *, report_after: timedelta,
                 on_outage_end: Callable[[Outage], None] | None = None) -> None:
        self.store = store
        self.report_after = report_after
        self.on_outage_end = on_outage_end
        self._lock = threading.Lock()
        self._online: bool | None = store.link_state().online
        self.last_traffic = 0.0  # time.monotonic() of the last exchange

    @property
    def online(self) -> bool | None:
        return self._online

    def _state(self) -> bool | None:
        return self._online

    def observer(self) -> LinkObserver:
        return LinkObserver(ok=self.ok, failed=self.failed)

    def ok(self) -> None:
        self.last_traffic = time.monotonic()
        if self._online is True:
            return
        with self._lock:
            if self._state() is True:  # another thread got there first
                return
            closed = self.store.link_up(report_after=self.report_after)
            self._online = True
        if closed is not None:
            log.warning("axis link back after %s (outage %s, %s queued at most)",
                        closed.duration, closed.id, closed.max_queued)
            if self.on_outage_end is not None:
                self.on_outage_end(closed)

    def failed(self, error: AxisError) -> None:
        self.last_traffic = time.monotonic()
        if not isinstance(error, AxisUnavailableError) or self._online is False:
            return
        with self._lock:
            if self._state() is False:
                return
            opened = self.store.link_down(str(error))
            self._online = False
        if opened is not None:
            log.warning("axis link down: %s (outage %s, %s queued)", error, opened.id,
                        opened.queued_at_start)
