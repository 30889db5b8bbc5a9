"""Acceptance 2: bad files end in rejected/ with a clear reason; the node keeps running;
nothing is half-stored."""

from __future__ import annotations

import json
import os
from datetime import datetime

from node.domain.scanning import RejectCode
from node.scanner.watcher import REJECTED
from tests.scanner.conftest import (
    ScanEnv,
    ascii_pdf_bytes,
    encrypted_pdf_bytes,
    png_bytes,
    png_header_only,
    wait_until,
)

BAD_FILES = {
    "hong.pdf": (b"%PDF-1.7\n" + os.urandom(4000), RejectCode.CORRUPT_PDF),
    "rong.pdf": (b"", RejectCode.EMPTY),
    "thuc-ra-la-chu.pdf": ("Đây là một tệp văn bản, không phải PDF.\n".encode() * 20, RejectCode.NOT_A_PDF),
    "mat-khau.pdf": (encrypted_pdf_bytes(), RejectCode.ENCRYPTED_PDF),
    "bom.png": (png_header_only(40_000, 40_000), RejectCode.IMAGE_BOMB),
    "mot-diem.png": (png_bytes(1, 1), RejectCode.IMAGE_TOO_SMALL),
    "ghi-chu.docx": (b"PK\x03\x04" + os.urandom(500), RejectCode.UNSUPPORTED),
}


def test_bad_files_are_rejected_with_a_reason_and_the_watcher_goes_on(scan_env: ScanEnv) -> None:
    scan_env.watcher(stable=1.0)
    for name, (data, _) in BAD_FILES.items():
        (scan_env.hot / name).write_bytes(data)
    assert wait_until(lambda: len(scan_env.rejected()) == len(BAD_FILES), clock=scan_env.clock, advance=0.5)
    # Still running: a good file after the bad ones is stored.
    good = ascii_pdf_bytes("a good scan after the bad ones " * 4)
    (scan_env.hot / "tot.pdf").write_bytes(good)
    assert wait_until(lambda: len(scan_env.done()) == 1, clock=scan_env.clock, advance=0.5)

    for name, (data, code) in BAD_FILES.items():
        moved = scan_env.hot / REJECTED / name
        assert moved.read_bytes() == data, f"{name} was changed"
        reason = json.loads((scan_env.hot / REJECTED / f"{name}.reason.json").read_text(encoding="utf-8"))
        assert reason["code"] == code.value, (name, reason)
        assert reason["file"] == name
        assert len(reason["message"]) > 20 and any(c in reason["message"] for c in "ệảạịớ"), reason
        assert datetime.fromisoformat(reason["at"]).tzinfo is not None
    # Nothing half-stored: one file, one blob (its own), the rejections only as arrival rows.
    assert scan_env.file_count() == 1
    assert [r[0] for r in scan_env.db.query("SELECT count(*) FROM blob")] == [1]
    rejected = scan_env.store.arrivals("rejected")
    assert sorted(r["file_name"] for r in rejected) == sorted(BAD_FILES)
    assert scan_env.processing() == []
    audit = [r["action"] for r in scan_env.db.query("SELECT action FROM audit ORDER BY id")]
    assert audit.count("scan.rejected") == len(BAD_FILES) and audit.count("scan.stored") == 1


def test_temp_and_system_files_are_ignored(scan_env: ScanEnv) -> None:
    scan_env.watcher(stable=1.0)
    for name in (".~lock.pdf#", "scan.pdf.part", "~$bao-cao.pdf", "Thumbs.db", "desktop.ini", ".DS_Store",
                 "upload.tmp"):
        (scan_env.hot / name).write_bytes(ascii_pdf_bytes("ignored " * 10))
    (scan_env.hot / "that.pdf").write_bytes(ascii_pdf_bytes("a real document " * 4))
    assert wait_until(lambda: len(scan_env.done()) == 1, clock=scan_env.clock, advance=0.5)
    assert [p.name for p in scan_env.done()] == ["that.pdf"]
    assert scan_env.rejected() == []
    assert len([p for p in scan_env.hot.iterdir() if p.is_file()]) == 7
