"""Fixtures for the scanner: a hot folder over a real store, a watcher factory, test files."""

from __future__ import annotations

import io
import struct
import subprocess
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pikepdf
import pytest
from fpdf import FPDF
from PIL import Image

from node.domain.clock import VN_TZ, FixedClock
from node.domain.scanning import ScanPurpose
from node.scanner.digitize import Digitizer, DigitizeSettings
from node.scanner.ocr import OcrSettings
from node.scanner.watcher import DONE, PROCESSING, REJECTED, HotFolder, HotFolderWatcher, WatcherSettings
from node.store.blobs import BlobStore
from node.store.db import Database
from node.store.scans import SqliteScanStore
from tests.support.tools import require, require_tool

NOTO = Path("/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf")


def text_pdf_bytes(text: str, *, pages: int = 1, compress: bool = True) -> bytes:
    """A small PDF with a real text layer (Vietnamese through an embedded Noto font)."""
    pdf = FPDF()
    pdf.set_compression(compress)
    pdf.add_font("noto", fname=str(NOTO))
    pdf.set_font("noto", size=11)
    for _ in range(pages):
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def ascii_pdf_bytes(text: str) -> bytes:
    """A tiny text PDF with a core font (fast: for bursts of files)."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width×height but holds almost no data (a decompression bomb's header)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


def png_bytes(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (255, 255, 255)).save(buf, format="PNG")
    return buf.getvalue()


def encrypted_pdf_bytes() -> bytes:
    src = pikepdf.open(io.BytesIO(ascii_pdf_bytes("secret document " * 10)))
    out = io.BytesIO()
    src.save(out, encryption=pikepdf.Encryption(user="mat-khau", owner="chu-so-huu"))
    return out.getvalue()


def wait_until(cond: Callable[[], bool], *, timeout: float = 30.0, clock: FixedClock | None = None,
               advance: float = 0.0, step: float = 0.02) -> bool:
    """Poll ``cond`` until true or the deadline; optionally move the injected clock each round."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        if clock is not None and advance:
            clock.advance(timedelta(seconds=advance))
        time.sleep(step)
    return cond()


@dataclass
class ScanEnv:
    root: Path
    db: Database
    blobs: BlobStore
    store: SqliteScanStore
    clock: FixedClock
    folder: HotFolder
    watchers: list[HotFolderWatcher] = field(default_factory=list)

    @property
    def hot(self) -> Path:
        return self.folder.path

    def sub(self, name: str) -> list[Path]:
        d = self.folder.sub(name)
        if not d.is_dir():
            return []
        return sorted(p for p in d.iterdir() if p.is_file() and not p.name.startswith("."))

    def done(self) -> list[Path]:
        return [p for p in self.sub(DONE) if not p.name.endswith(".json")]

    def rejected(self) -> list[Path]:
        return [p for p in self.sub(REJECTED) if not p.name.endswith(".json")]

    def processing(self) -> list[Path]:
        return self.sub(PROCESSING)

    def watcher(self, *, stable: float = 2.0, ocr_timeout: float = 300.0, start: bool = True,
                **overrides: object) -> HotFolderWatcher:
        digitizer = Digitizer(DigitizeSettings(ocr=OcrSettings(timeout_seconds=ocr_timeout, jobs=1)))
        settings = WatcherSettings(**{"stable_seconds": stable, "rescan_seconds": 3600.0,
                                      "poll_seconds": 0.02, "retry_base_seconds": 5.0, **overrides})
        w = HotFolderWatcher([self.folder], digitizer=digitizer, store=self.store, clock=self.clock,
                             work_dir=self.root / "work", settings=settings)
        self.watchers.append(w)
        return w.start() if start else w

    def file_count(self) -> int:
        row = self.db.query_one("SELECT count(*) FROM scan_file")
        return int(row[0]) if row else 0


@pytest.fixture
def scan_env(tmp_path: Path, db: Database, blobs: BlobStore) -> Iterator[ScanEnv]:
    require_tool("pdftotext")
    hot = tmp_path / "hot"
    hot.mkdir()
    env = ScanEnv(tmp_path, db, blobs, SqliteScanStore(db, blobs),
                  FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ)),
                  HotFolder(hot, ScanPurpose.INCOMING))
    yield env
    for w in env.watchers:
        w.stop()


@pytest.fixture(scope="session")
def ocr_tools() -> None:
    require_tool("tesseract")
    require_tool("gs")
    require_tool("pdftotext")
    langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout
    require("vie" in langs.split(), "the Tesseract Vietnamese model (tesseract-ocr-vie)")
