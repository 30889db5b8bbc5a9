"""Acceptance 1: the hot folder never loses, duplicates or half-takes a file (real inotify, real store)."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from datetime import timedelta

import pytest

from node.scanner.watcher import DONE
from tests.scanner.conftest import ScanEnv, ascii_pdf_bytes, text_pdf_bytes, wait_until


def test_slow_writer_is_processed_once_after_it_finishes(scan_env: ScanEnv) -> None:
    scan_env.watcher(stable=2.0)
    data = text_pdf_bytes("Công văn số 12/UBND-VP về việc thử nghiệm máy quét chậm.\n" * 60,
                          pages=3, compress=False)
    assert len(data) > 20_000
    target = scan_env.hot / "cham.pdf"
    written = threading.Event()

    def slow_writer() -> None:
        with target.open("wb") as f:
            for i in range(0, len(data), 1024):
                f.write(data[i:i + 1024])
                f.flush()
                time.sleep(0.1)
        written.set()

    t = threading.Thread(target=slow_writer)
    t.start()
    assert wait_until(lambda: target.exists() and target.stat().st_size >= 2048, timeout=5)
    time.sleep(0.2)
    # While the writer holds the file open, even a clock that jumps far ahead does not take it.
    while not written.is_set():
        scan_env.clock.advance(timedelta(seconds=10))
        time.sleep(0.1)
        assert scan_env.file_count() == 0, "a file still being written was taken"
        assert target.exists()
    t.join()
    assert wait_until(lambda: len(scan_env.done()) == 1, clock=scan_env.clock, advance=0.5, timeout=20)
    files = scan_env.store.files()
    assert len(files) == 1
    assert files[0].sha256 == hashlib.sha256(data).hexdigest()
    assert scan_env.blobs.read_bytes(files[0].sha256) == data
    assert [p.name for p in scan_env.done()] == ["cham.pdf"]
    assert scan_env.rejected() == [] and scan_env.processing() == []
    assert len(scan_env.store.arrivals()) == 1


def test_file_deleted_before_it_is_stable_leaves_no_record(scan_env: ScanEnv) -> None:
    scan_env.watcher(stable=2.0)
    victim = scan_env.hot / "nham.pdf"
    victim.write_bytes(ascii_pdf_bytes("scanned by mistake " * 5))
    time.sleep(0.3)
    scan_env.clock.advance(timedelta(seconds=1))
    time.sleep(0.1)
    victim.unlink()
    time.sleep(0.2)
    scan_env.clock.advance(timedelta(seconds=30))
    time.sleep(0.5)
    assert scan_env.file_count() == 0
    assert scan_env.store.arrivals() == []
    assert scan_env.done() == [] and scan_env.rejected() == [] and scan_env.processing() == []
    # The watcher is still alive and takes the next file.
    (scan_env.hot / "dung.pdf").write_bytes(ascii_pdf_bytes("the right document " * 5))
    assert wait_until(lambda: scan_env.file_count() == 1, clock=scan_env.clock, advance=0.5)


def test_rename_into_place(scan_env: ScanEnv, tmp_path: object) -> None:
    scan_env.watcher(stable=2.0)
    # A scanner that writes a temp name in the folder, then renames it (FileMovedEvent).
    temp = scan_env.hot / ".~scan-0001.pdf.part"
    temp.write_bytes(ascii_pdf_bytes("document renamed inside the folder " * 3))
    time.sleep(0.3)
    scan_env.clock.advance(timedelta(seconds=30))
    time.sleep(0.3)
    assert scan_env.file_count() == 0, "a temp name was taken"
    os.rename(temp, scan_env.hot / "scan-0001.pdf")
    # A file moved in from elsewhere on the same disk (only FileCreatedEvent).
    outside = scan_env.root / "outside.pdf"
    outside.write_bytes(ascii_pdf_bytes("document moved in from another folder " * 3))
    os.rename(outside, scan_env.hot / "scan-0002.pdf")
    assert wait_until(lambda: len(scan_env.done()) == 2, clock=scan_env.clock, advance=0.5)
    assert scan_env.file_count() == 2
    assert sorted(p.name for p in scan_env.done()) == ["scan-0001.pdf", "scan-0002.pdf"]


def test_same_bytes_twice_is_one_record_and_a_duplicate(scan_env: ScanEnv) -> None:
    scan_env.watcher(stable=1.0)
    data = ascii_pdf_bytes("the same paper scanned twice " * 4)
    (scan_env.hot / "lan-1.pdf").write_bytes(data)
    assert wait_until(lambda: scan_env.file_count() == 1, clock=scan_env.clock, advance=0.5)
    (scan_env.hot / "lan-2.pdf").write_bytes(data)
    assert wait_until(lambda: len(scan_env.done()) == 2, clock=scan_env.clock, advance=0.5)
    assert scan_env.file_count() == 1
    outcomes = [r["outcome"] for r in scan_env.store.arrivals()]
    assert outcomes == ["stored", "duplicate"]
    result = json.loads((scan_env.hot / DONE / "lan-2.pdf.result.json").read_text(encoding="utf-8"))
    assert result["duplicate_of"] is not None


def test_file_left_in_processing_by_a_crash_is_resumed(scan_env: ScanEnv) -> None:
    processing = scan_env.folder.sub("processing")
    processing.mkdir(parents=True)
    (processing / "dang-do.pdf").write_bytes(ascii_pdf_bytes("claimed before the crash " * 4))
    scan_env.watcher(stable=2.0)
    assert wait_until(lambda: len(scan_env.done()) == 1, timeout=10)
    assert scan_env.file_count() == 1
    assert [p.name for p in scan_env.done()] == ["dang-do.pdf"]
    assert scan_env.processing() == []


@pytest.mark.slow
def test_burst_of_200_with_a_restart_in_the_middle(scan_env: ScanEnv) -> None:
    n = 200
    first = scan_env.watcher(stable=1.0)
    payloads = {f"scan-{i:03d}.pdf": ascii_pdf_bytes(f"Burst document number {i} of {n}, office scanner.")
                for i in range(n)}
    for name, data in payloads.items():  # a burst: write, close, next
        (scan_env.hot / name).write_bytes(data)
    assert wait_until(lambda: scan_env.file_count() >= 40, clock=scan_env.clock, advance=0.5, timeout=60)
    first.stop()
    stopped_at = scan_env.file_count()
    assert stopped_at < n, "the restart must happen in the middle of the burst"
    scan_env.watcher(stable=1.0)  # a new process: resumes processing/, scans the folder
    assert wait_until(lambda: len(scan_env.done()) == n, clock=scan_env.clock, advance=0.5, timeout=120)
    files = scan_env.store.files()
    assert len(files) == n
    assert sorted(f.file_name for f in files) == sorted(payloads)
    assert {f.sha256 for f in files} == {hashlib.sha256(d).hexdigest() for d in payloads.values()}
    assert sorted(p.name for p in scan_env.done()) == sorted(payloads)
    assert scan_env.processing() == [] and scan_env.rejected() == []
    assert [r["outcome"] for r in scan_env.store.arrivals()].count("stored") == n
    assert not [r for r in scan_env.store.arrivals() if r["outcome"] != "stored"]
