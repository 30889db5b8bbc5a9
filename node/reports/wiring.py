"""Build the report service and the monthly-report scheduler of one node."""

from __future__ import annotations

from node.config import Config
from node.domain.clock import Clock
from node.domain.documents import Organ
from node.reports.jobs import BookJobs
from node.reports.schedule import ReportScheduler
from node.reports.service import ReportService
from node.store.blobs import BlobStore
from node.store.db import Database
from node.store.documents import SqliteDocuments
from node.store.report_jobs import SqliteReportJobs


def build_reports(config: Config, db: Database, blobs: BlobStore, clock: Clock,
                  docs: SqliteDocuments | None = None) -> tuple[ReportService, ReportScheduler]:
    n = config.node
    service = ReportService(db, clock, n.agency_name, n.agency_code, n.supervising_agency_name)
    scheduler = ReportScheduler(service, docs or SqliteDocuments(db, blobs, clock), blobs,
                                agency=Organ(n.agency_code, n.agency_name),
                                agency_abbr=getattr(n, "agency_abbr", "") or "UBND",
                                supervising=Organ(n.supervising_agency_code, n.supervising_agency_name))
    service.reminder_source = scheduler.reminders
    # long books as PDF in the background; the web app starts the worker (node.app), the CLI does not
    service.jobs = BookJobs(SqliteReportJobs(db), config.data_dir / "report-jobs", clock, {
        "db_path": str(db.path), "agency_name": n.agency_name, "agency_code": n.agency_code,
        "supervising_name": n.supervising_agency_name})
    return service, scheduler
