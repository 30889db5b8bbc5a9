"""Scanner throughput: our whole pipeline against raw ``ocrmypdf -l vie`` on the same file.

1. A 10-page, 300-dpi colour scan (rendered NĐ 30 first pages as JPEG pages in one PDF, as an
   office scanner delivers it) goes through the pipeline after "stable": hash, duplicate check,
   text check, separator and skew detection, OCR into PDF/A (``ocrmypdf -l vie --output-type
   pdfa`` in a subprocess; ``--deskew`` only if a page is turned more than 1°, which the
   pages here are not: they are turned by up to ±0.8°), word boxes and fields of page 1, blobs,
   rows, search index, audit. The raw tool runs on the same file in the same run: plain
   (``ocrmypdf -l vie``, the aim's reference) and with our output type. Pages per minute and
   the ratios.
2. A PDF that already has text, from "stable" (claimed by the watcher) to "searchable" (found by
   the full-text index): median over ``--text-runs`` files.

``python benchmarks/scan.py [--pages N] [--runs N] [--text-runs N]``
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import img2pdf
from fpdf import FPDF

from benchmarks.common import write_result
from node.domain.clock import VN_TZ, FixedClock
from node.domain.scanning import ScanPurpose, ScanSubmission
from node.scanner.digitize import Digitizer, DigitizeSettings
from node.scanner.watcher import HotFolder, HotFolderWatcher, WatcherSettings, sha256_file
from node.store.blobs import BlobStore
from node.store.db import Database
from node.store.scans import SqliteScanStore
from node.store.search import SqliteSearchIndex
from tests.support.scanpages import SPECS, render, save_scan

OCR_FLAGS = ["--output-type", "pdfa"]


def make_scan(work: Path, pages: int) -> Path:
    jpgs = []
    for i in range(pages):
        spec = SPECS[i % len(SPECS)]
        jpgs.append(str(save_scan(render(spec, dpi=300, seed=i), work / f"p{i:02d}.jpg", dpi=300)))
    pdf = work / "scan-300dpi.pdf"
    data = img2pdf.convert(jpgs)
    assert data is not None
    pdf.write_bytes(data)
    return pdf


def raw_ocr(src: Path, out: Path, flags: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ocrmypdf", "-q", "-l", "vie", *flags, str(src), str(out)],
                   check=True)
    return time.perf_counter() - t0


def pipeline(src: Path, root: Path, n: int) -> float:
    db = Database(root / f"db-{n}" / "node.db").open()
    try:
        store = SqliteScanStore(db, BlobStore(root / f"db-{n}" / "blobs").open())
        digitizer = Digitizer(DigitizeSettings())
        now = datetime.now(VN_TZ)
        t0 = time.perf_counter()
        sha = sha256_file(src)
        assert store.find_by_sha256(sha) is None
        result = digitizer.digitize(src, root / f"work-{n}")
        saved = store.save(ScanSubmission(src, sha, result.media_type, src.name, str(root),
                                          ScanPurpose.INCOMING, result.parts, result.warnings), now=now)
        elapsed = time.perf_counter() - t0
        assert saved.scan_ids and result.parts[0].ocr
        return elapsed
    finally:
        db.close()


def text_pdf(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def stable_to_searchable(root: Path, runs: int) -> list[float]:
    hot = root / "hot"
    hot.mkdir()
    db = Database(root / "text" / "node.db").open()
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ))
    watcher = HotFolderWatcher([HotFolder(hot)], digitizer=Digitizer(DigitizeSettings()),
                               store=SqliteScanStore(db, BlobStore(root / "text" / "blobs").open()),
                               clock=clock, work_dir=root / "work-text",
                               settings=WatcherSettings(stable_seconds=1.0, rescan_seconds=0.0))
    index = SqliteSearchIndex(db)
    times = []
    try:
        watcher.prepare()  # observer on, no worker thread: this thread drives the rounds
        for i in range(runs):
            word = f"benchmarkword{i:04d}"
            name = f"text-{i}.pdf"
            (hot / name).write_bytes(text_pdf(f"Cong van so {i}/UBND-VP. {word} " * 5))
            time.sleep(0.05)  # let inotify deliver the writer's events
            watcher.tick()  # sees the file
            for _ in range(20):
                clock.advance(timedelta(seconds=1.5))  # now it is stable
                t0 = time.perf_counter()
                watcher.tick()  # claim, digitize, store, index, move to done/
                hits = index.search(word)
                elapsed = time.perf_counter() - t0
                if (hot / "done" / name).exists():
                    break
            assert len(hits) == 1, f"not searchable: {word}"
            times.append(elapsed)
    finally:
        watcher.stop()
        db.close()
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=10)
    ap.add_argument("--runs", type=int, default=1, help="rounds of (pipeline, raw same flags, raw plain)")
    ap.add_argument("--text-runs", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-scan-") as tmp:
        root = Path(tmp)
        src = make_scan(root, args.pages)
        ours, same, plain = [], [], []
        for n in range(args.runs):
            ours.append(pipeline(src, root, n))
            same.append(raw_ocr(src, root / f"raw-{n}.pdf", OCR_FLAGS))
            plain.append(raw_ocr(src, root / f"plain-{n}.pdf", []))
    ppm = {k: round(args.pages / statistics.median(v) * 60, 1)
           for k, v in (("pipeline", ours), ("raw_same_flags", same), ("raw_plain", plain))}
    ratio_same = statistics.median(ours) / statistics.median(same)
    ratio_plain = statistics.median(ours) / statistics.median(plain)
    print(f"{args.pages}-page 300-dpi colour scan, {args.runs} run(s):")
    print(f"  pipeline (whole path)                      {ppm['pipeline']:6.1f} pages/min")
    print(f"  raw ocrmypdf -l vie {' '.join(OCR_FLAGS)}  {ppm['raw_same_flags']:6.1f} pages/min")
    print(f"  raw ocrmypdf -l vie                        {ppm['raw_plain']:6.1f} pages/min")
    print(f"  ratio pipeline/raw plain        {ratio_plain:.3f}  (aim <= 1.10)")
    print(f"  ratio pipeline/raw same flags   {ratio_same:.3f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-scan-text-") as tmp:
        text_times = stable_to_searchable(Path(tmp), args.text_runs)
    median_text = statistics.median(text_times)
    print(f"text PDF, stable -> searchable: median {median_text * 1000:.0f} ms over {len(text_times)}"
          " (aim < 1000 ms)")
    write_result("scan", {
        "pages": args.pages, "dpi": 300, "runs": args.runs,
        "pages_per_minute": ppm,
        "ratio_pipeline_to_raw_plain": round(ratio_plain, 3),
        "ratio_pipeline_to_raw_same_flags": round(ratio_same, 3),
        "stable_to_searchable_median_ms": round(median_text * 1000, 1),
        "stable_to_searchable_p90_ms": round(sorted(text_times)[int(0.9 * (len(text_times) - 1))] * 1000, 1),
    })


if __name__ == "__main__":
    main()
