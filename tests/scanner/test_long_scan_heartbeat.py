"""A long scan is not a hang: while the watcher digitizes one big file (a 200-page batch of many
documents, each OCR'd in turn) it beats between the pages and parts the digitizer reports, so
`vanthu doctor` / /healthz keep calling it alive past its staleness limit. The digitizer is the
watcher's port (a fake whose work advances the injected clock: no OCR, no sleeps); the heartbeat is
the real file one. The real Digitizer's reports are checked on a small scan (OCR)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from node.config import ScannerSection
from node.domain.fields import ExtractedFields
from node.domain.scanning import ScanPart
from node.scanner.digitize import Digitized, Digitizer, DigitizeSettings
from node.scanner.service import watcher_stale_after
from node.scanner.watcher import SCANNER_WORKER, HotFolderWatcher, WatcherSettings
from node.store.heartbeat import FileHeartbeat, read_heartbeats
from tests.scanner.conftest import ScanEnv
from tests.web.office_support import pdf_bytes

PARTS = 20  # documents in the batch, each OCR'd for …
OCR_TIME = timedelta(seconds=500)  # … most of the OCR timeout: 10 000 s in all


class LongBatch:
    """What the watcher sees of a 200-page batch: PARTS documents, each OCR_TIME of the clock, the
    digitizer reporting after each; after each it checks what doctor would read."""

    def __init__(self, env: ScanEnv, run_dir: Path) -> None:
        self.env, self.run_dir = env, run_dir
        self.worst = timedelta(0)

    def digitize(self, path: Path, workdir: Path, *, progress: Callable[[], None] | None = None) -> Digitized:
        assert progress is not None, "the watcher must give the digitizer a way to beat"
        for _ in range(PARTS):
            self.env.clock.advance(OCR_TIME)
            progress()
            beat = read_heartbeats(self.run_dir)[SCANNER_WORKER]
            age = self.env.clock.now() - beat.beat_at
            self.worst = max(self.worst, age)
            assert age <= beat.stale_after, f"scanner: last beat {age} ago, limit {beat.stale_after}"
        workdir.mkdir(parents=True, exist_ok=True)
        part = ScanPart(index=0, pdf=path, pdf_is_original=True, pages=200, text="Công văn",
                        fields=ExtractedFields(), ocr=False, signed=False, dpi=300)
        return Digitized("application/pdf", (part,), ())


def test_a_200_page_batch_keeps_the_watcher_alive(scan_env: ScanEnv, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    heartbeat = FileHeartbeat(run_dir, scan_env.clock, min_interval=0)  # every beat written
    limit = watcher_stale_after(ScannerSection())
    heartbeat.start(SCANNER_WORKER, stale_after=limit)
    batch = LongBatch(scan_env, run_dir)
    (scan_env.hot / "lo-200-trang.pdf").write_bytes(pdf_bytes(2))
    watcher = HotFolderWatcher([scan_env.folder], digitizer=batch,  # type: ignore[arg-type]
                               store=scan_env.store, clock=scan_env.clock, work_dir=tmp_path / "work",
                               settings=WatcherSettings(stable_seconds=1.0, rescan_seconds=3600.0),
                               heartbeat=heartbeat)
    scan_env.watchers.append(watcher)
    watcher.prepare()  # finds the file; no thread: the test drives the rounds
    scan_env.clock.advance(timedelta(seconds=2))
    watcher.tick()  # stable: claimed and digitized in this round
    assert [p.name for p in scan_env.done()] == ["lo-200-trang.pdf"]
    assert 5 * limit < PARTS * OCR_TIME  # one file took far longer than the limit …
    assert batch.worst <= OCR_TIME  # … and the beat was never older than one part's OCR


@pytest.mark.ocr
def test_the_digitizer_reports_each_page_and_part(tmp_path: Path, ocr_tools: None) -> None:
    """A PDF without a text layer is looked at page by page (separator sheets, skew), then each part
    is OCR'd: every page and every part is reported (7 blank pages, one part: ~1 s of OCR)."""
    pdf = tmp_path / "quet.pdf"
    pdf.write_bytes(pdf_bytes(7))
    calls: list[str] = []
    result = Digitizer(DigitizeSettings(split_batches=True)).digitize(pdf, tmp_path / "w",
                                                                    progress=lambda: calls.append("beat"))
    assert len(result.parts) == 1 and result.parts[0].pages == 7
    assert len(calls) == 7 + 1  # the pages examined, the part OCR'd
