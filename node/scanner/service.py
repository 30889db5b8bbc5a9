"""Build the scanner from the ``[scanner]`` config section (the watcher and the one-shot pipeline)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from node.config import ScannerSection
from node.domain.clock import Clock
from node.domain.health import Heartbeat
from node.domain.scanning import ScanPurpose, ScanStore
from node.scanner.digitize import Digitizer, DigitizeSettings
from node.scanner.ocr import OcrSettings
from node.scanner.tracker import DEFAULT_IGNORE
from node.scanner.watcher import HotFolder, HotFolderWatcher, WatcherSettings


def digitize_settings(section: ScannerSection) -> DigitizeSettings:
    return DigitizeSettings(
        min_dpi=section.min_dpi, reject_low_dpi=section.reject_low_dpi, split_batches=section.split_batches,
        ocr=OcrSettings(language=section.ocr_language, timeout_seconds=section.ocr_timeout_seconds,
                        deskew=section.ocr_deskew, deskew_above_degrees=section.ocr_deskew_above_degrees,
                        jobs=section.ocr_jobs))


def watcher_settings(section: ScannerSection) -> WatcherSettings:
    return WatcherSettings(stable_seconds=section.stable_seconds, rescan_seconds=section.rescan_seconds,
                           retry_cap_seconds=section.retry_cap_seconds,
                           ignore=DEFAULT_IGNORE + tuple(section.ignore))


def hot_folders(section: ScannerSection) -> list[HotFolder]:
    return [HotFolder(f.path, ScanPurpose(f.purpose)) for f in section.folders]


def build_watcher(section: ScannerSection, *, store: ScanStore, clock: Clock, work_dir: Path,
                  heartbeat: Heartbeat | None = None) -> HotFolderWatcher:
    return HotFolderWatcher(hot_folders(section), digitizer=Digitizer(digitize_settings(section)),
                            store=store, clock=clock, work_dir=work_dir, settings=watcher_settings(section),
                            heartbeat=heartbeat)


def watcher_stale_after(section: ScannerSection) -> timedelta:
    """How long the watcher may go without a heartbeat before it counts as dead: it beats every
    round, after each file and within a file between its pages and the parts it OCRs, and one OCR
    run takes at most ``ocr_timeout_seconds``."""
    return timedelta(seconds=2 * section.ocr_timeout_seconds + 60)
