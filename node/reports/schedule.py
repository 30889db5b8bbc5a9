"""The monthly and quarterly report drafted by the node itself (R13; seed 002 §4, seed 003 Đ19.7).

From the 1st of a month the node drafts the report of the month just ended — and of the quarter,
when one ended — as an outgoing document ("Báo cáo") addressed to the supervising agency, and
submits it to a leader to sign; the clerk then numbers, seals and publishes it through the normal
flow. A period is reported only if it concerns the node — it was in service before the period
ended (its first audit row) or holds documents dated in it — so a node installed mid-month does not
draft (and show late at once) the report of the month before it existed. Which period has its
draft is kept in the ``meta`` table (``report_draft:<period>`` → ref), so a restart or a second
run drafts nothing twice. The dashboard reminds until the document is
published and marks it late once the 2nd of the month (the day before "ngày 03") has passed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime

from node.domain import outgoing
from node.domain.accounts import Role
from node.domain.calendar import vn_date
from node.domain.documents import Actor, DocumentMetadata, Organ, Outcome
from node.domain.errors import DomainError
from node.domain.numbering import build_notation
from node.domain.outgoing import OUTGOING_STATE_VI, OutgoingDocument, OutgoingState, Recipient
from node.domain.reports import ReportPeriod, periods_due, report_warranted
from node.reports.service import ReportService
from node.store.blobs import BlobStore, record_blob
from node.store.db import Database
from node.store.documents import SqliteDocuments

log = logging.getLogger(__name__)

SYSTEM = Actor("system", frozenset({Role.CLERK}), "Trạm Văn Thư (tự động)")
KEY = "report_draft:"
REPORT_TYPE = "Báo cáo"
SENT_STATES = frozenset({OutgoingState.PUBLISHED, OutgoingState.RECALLED, OutgoingState.REPLACED})


@dataclass(frozen=True)
class DraftReminder:
    period: ReportPeriod
    ref: str
    state: OutgoingState
    due: date
    late: bool

    @property
    def state_label(self) -> str:
        return OUTGOING_STATE_VI[self.state]

    @property
    def url(self) -> str:
        return f"/van-ban-di/{self.ref.split(':', 1)[1]}"


class ReportScheduler:
    def __init__(self, service: ReportService, docs: SqliteDocuments, blobs: BlobStore, *, agency: Organ,
                 agency_abbr: str, supervising: Organ) -> None:
        self.service = service
        self.docs = docs
        self.blobs = blobs
        self.agency = agency
        self.agency_abbr = agency_abbr
        self.supervising = supervising

    @property
    def db(self) -> Database:
        return self.service.db

    def drafted(self, period: ReportPeriod) -> str | None:
        row = self.db.query_one("SELECT value FROM meta WHERE key = ?", (KEY + period.key,))
        return str(row[0]) if row else None

    def run(self) -> list[OutgoingDocument]:
        """Draft every report due by now that has no draft yet (idempotent)."""
        if not self.supervising.organ_id:
            log.info("node.supervising_agency_code not set: monthly reports are not drafted")
            return []
        now = self.service.clock.now()
        made = []
        for period in periods_due(vn_date(now)):
            if self.drafted(period) is None and self.concerns(period):
                made.append(self.draft(period, now))
        return made

    def concerns(self, period: ReportPeriod) -> bool:
        """The node was in service before the period ended, or holds documents dated in it: a node
        installed mid-month does not report (late, at once) on the month before it existed."""
        queries = self.service.queries
        warranted = report_warranted(period, in_service_since=queries.in_service_since(),
                                     holds_documents=queries.holds_documents(period))
        if not warranted:
            log.debug("report %s not drafted: the node was not in service then and holds no document"
                     " of the period", period.key)
        return warranted

    def draft(self, period: ReportPeriod, now: datetime) -> OutgoingDocument:
        leader = self._leader()
        username, full_name, position = leader or ("", "", "")
        position = position or "Thủ trưởng cơ quan"
        context = self.service.exchange(period)
        context["official"] = {"notation": build_notation(REPORT_TYPE, self.agency_abbr), "place": "……",
                               "year": vn_date(now).year, "position": position, "full_name": full_name}
        pdf = self.service.pdf(context)
        ref = self.blobs.put_bytes(pdf)
        self.db.write(lambda d: record_blob(d, ref, media_type="application/pdf", now=now))
        r = context["r"]
        meta = DocumentMetadata(
            type_name=REPORT_TYPE, issuer=self.agency,
            subject=f"Kết quả gửi, nhận văn bản điện tử {period.label}",
            description=(f"Báo cáo tự động kỳ {period.key}: đến {r.received.total} (điện tử "
                         f"{r.received.electronic}), đi {r.sent.total} lượt (điện tử {r.sent.electronic})."),
            due_date=period.due, signer_position=position, signer_full_name=full_name)
        categories = self.docs.categories()
        doc = self.docs.create_outgoing(lambda new_ref: outgoing.create_draft(
            new_ref, meta, author=SYSTEM, at=now, pdf_blob=ref.sha256, issuer_abbr=self.agency_abbr,
            categories=categories, recipients=(Recipient(self.supervising),)))
        self.db.write(lambda d: d.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                          (KEY + period.key, doc.ref)))
        if username:
            try:
                def step(x: OutgoingDocument) -> Outcome[OutgoingDocument]:
                    return outgoing.submit(x, username, actor=SYSTEM, at=now, categories=categories)

                doc = self.docs.outgoing.apply(doc.ref, step, actor=SYSTEM.username, at=now).doc
            except DomainError as e:  # stays a draft; the reminder still shows it
                log.warning("report %s drafted but not submitted: %s", period.key, e)
        log.info("report %s drafted as %s", period.key, doc.ref)
        return doc

    def _leader(self) -> tuple[str, str, str] | None:
        """(username, full name, title) of the first active leader: the report goes to them to sign."""
        row = self.db.query_one(
            "SELECT u.username, u.full_name, u.title FROM user u JOIN user_role r ON r.user_id = u.id"
            " WHERE r.role = 'leader' AND u.active = 1 ORDER BY u.id LIMIT 1")
        return (str(row[0]), str(row[1]), str(row[2])) if row else None

    def reminders(self) -> list[DraftReminder]:
        """Drafted reports not yet published, oldest first."""
        today = vn_date(self.service.clock.now())
        rows = self.db.query("SELECT m.key, o.ref, o.state FROM meta m JOIN doc_out o ON o.ref = m.value"
                             " WHERE m.key LIKE 'report_draft:%' ORDER BY m.key")
        out = []
        for key, ref, state in rows:
            st = OutgoingState(state)
            if st in SENT_STATES:
                continue
            period = ReportPeriod.parse(key[len(KEY):])
            out.append(DraftReminder(period, ref, st, period.due, period.late(today)))
        return out


async def run_periodically(scheduler: ReportScheduler, *, every_seconds: float = 3600.0) -> None:
    """The serve loop: check at start and then every hour (a failure is logged, never fatal)."""
    while True:
        try:
            await asyncio.to_thread(scheduler.run)
        except Exception:  # the web keeps serving; the dashboard shows no draft, doctor's log has why
            log.exception("drafting the periodic report failed")
        await asyncio.sleep(every_seconds)
