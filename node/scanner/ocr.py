"""OCR and text extraction in subprocesses (timed out, killed, never blocking the web app).

``ocrmypdf -l vie --output-type pdfa --deskew`` makes the PDF/A-2b archive copy with a text
layer and writes the recognised text (``--sidecar``, pages separated by form feeds);
``pdftotext`` reads PDFs that already have text, including signed ones, without changing them.
"""

from __future__ import annotations

import contextlib
import html
import logging
import os
import re
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from node.domain.layout import Word
from node.domain.scanning import RejectCode, TransientScanError
from node.scanner.reasons import reject

log = logging.getLogger(__name__)

# ocrmypdf exit codes (ocrmypdf.ExitCode), read without importing ocrmypdf into this process.
_INPUT_FILE, _MISSING_DEP, _FILE_ACCESS, _ALREADY_OCR, _ENCRYPTED = 2, 3, 5, 6, 8
_NO_SPACE = ("No space left", "Disk quota exceeded", "ENOSPC")


@dataclass(frozen=True)
class OcrSettings:
    language: str = "vie"
    timeout_seconds: float = 600.0
    deskew: str = "auto"  # "auto": only when a page is turned more than deskew_above_degrees
    deskew_above_degrees: float = 1.0
    jobs: int = 0  # 0: ocrmypdf's default (all cores)

    def wants_deskew(self, skew_degrees: float) -> bool:
        if self.deskew == "auto":
            return abs(skew_degrees) > self.deskew_above_degrees
        return self.deskew == "always"


_live: set[subprocess.Popen[str]] = set()
_live_lock = threading.Lock()


def kill_running() -> int:
    """Kill every OCR/text subprocess still running (at shutdown); their files are resumed later."""
    with _live_lock:
        procs = list(_live)
    for proc in procs:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    return len(procs)


def _run(cmd: list[str], *, timeout: float, what: str) -> subprocess.CompletedProcess[str]:
    """Run in its own process group so a timeout kills ocrmypdf's tesseract children too."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    with _live_lock:
        _live.add(proc)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as e:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise TransientScanError(f"{what} took longer than {timeout:.0f} s", code="ocr_timeout") from e
    finally:
        with _live_lock:
            _live.discard(proc)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def ocr_to_pdfa(src: Path, dst: Path, sidecar: Path, settings: OcrSettings, *, skew: float = 0.0) -> str:
    """OCR ``src`` into a PDF/A ``dst``; return the recognised text (pages split by form feeds).

    ``skew`` is the largest page rotation measured (degrees): it decides ``--deskew`` in auto mode.
    """
    cmd = [sys.executable, "-m", "ocrmypdf", "-q", "-l", settings.language, "--output-type", "pdfa",
           "--sidecar", str(sidecar)]
    if settings.wants_deskew(skew):
        cmd.append("--deskew")
    if settings.jobs > 0:
        cmd += ["--jobs", str(settings.jobs)]
    cmd += [str(src), str(dst)]
    proc = _run(cmd, timeout=settings.timeout_seconds, what="OCR")
    if proc.returncode == 0:
        return sidecar.read_text(encoding="utf-8", errors="replace")
    tail = proc.stderr.strip().splitlines()[-3:]
    detail = " | ".join(tail)
    if any(s in proc.stderr for s in _NO_SPACE):
        raise TransientScanError(f"disk full during OCR: {detail}", code="disk_full")
    if proc.returncode in (_MISSING_DEP, _FILE_ACCESS):
        raise TransientScanError(f"OCR cannot run (exit {proc.returncode}): {detail}", code="ocr_unavailable")
    if proc.returncode == _ENCRYPTED:
        raise reject(RejectCode.ENCRYPTED_PDF)
    if proc.returncode == _INPUT_FILE:
        raise reject(RejectCode.CORRUPT_PDF)
    if proc.returncode < 0:  # killed by a signal (out of memory, shutdown): try again later
        raise TransientScanError(f"OCR was killed (signal {-proc.returncode})", code="ocr_killed")
    log.warning("ocrmypdf failed (exit %s): %s", proc.returncode, detail)
    raise reject(RejectCode.OCR_FAILED, f"Không nhận dạng được chữ trên tệp (OCR lỗi {proc.returncode}).")


def pdf_text(path: Path, *, first: int | None = None, last: int | None = None,
             timeout: float = 120.0) -> str:
    """The text layer of a PDF (pages split by form feeds), as poppler's pdftotext reads it."""
    cmd = ["pdftotext", "-q", "-enc", "UTF-8"]
    if first is not None:
        cmd += ["-f", str(first)]
    if last is not None:
        cmd += ["-l", str(last)]
    cmd += [str(path), "-"]
    try:
        proc = _run(cmd, timeout=timeout, what="pdftotext")
    except FileNotFoundError as e:
        raise TransientScanError("pdftotext is not installed (poppler-utils)", code="tool_missing") from e
    if proc.returncode < 0:
        raise TransientScanError(f"pdftotext was killed (signal {-proc.returncode})", code="ocr_killed")
    if proc.returncode != 0:
        return ""
    return proc.stdout


_WORD_RE = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
_PAGE_RE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')


def page_words(path: Path, page: int = 1, *, timeout: float = 60.0) -> tuple[float, list[Word]]:
    """Width of the page and its words with their boxes (``pdftotext -bbox``)."""
    cmd = ["pdftotext", "-q", "-enc", "UTF-8", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"]
    proc = _run(cmd, timeout=timeout, what="pdftotext")
    if proc.returncode != 0:
        return 0.0, []
    m = _PAGE_RE.search(proc.stdout)
    width = float(m.group(1)) if m else 0.0
    words = [Word(float(a), float(b), float(c), float(d), html.unescape(t))
             for a, b, c, d, t in _WORD_RE.findall(proc.stdout)]
    return width, words
