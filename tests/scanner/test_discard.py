"""Loại bỏ / khôi phục a scan of the số hóa queue in the store: who, when, why, one audit row in the
same transaction, nothing of the scan erased; the rules (node.domain.scanning) refuse the wrong
person, a missing reason and a scan no longer in the queue."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from node.domain.accounts import Role
from node.domain.clock import VN_TZ
from node.domain.documents import Actor, NotPermitted, ReasonRequired
from node.domain.fields import ExtractedFields
from node.domain.scanning import (
    ScanDiscard,
    ScanNotQueued,
    ScanPart,
    ScanPurpose,
    ScanSubmission,
    discard,
    restore,
)
from node.store.audit import verify_audit
from node.store.blobs import BlobStore
from node.store.db import Database
from node.store.scans import SqliteScanStore

T0 = datetime(2026, 11, 30, 8, 15, tzinfo=VN_TZ)
CLERK = Actor("vanthu", frozenset({Role.CLERK}), "Trần Thị Văn Thư")
LEADER = Actor("lanhdao", frozenset({Role.LEADER}), "Nguyễn Văn An")
ADMIN = Actor("quantri", frozenset({Role.ADMIN}), "Phạm Quản Trị")


def _save(store: SqliteScanStore, tmp_path: Path, name: str) -> int:
    data = b"%PDF-1.7\n% " + name.encode() + b"\n%%EOF\n"
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    part = ScanPart(index=0, pdf=path, pdf_is_original=True, pages=1, text=f"nội dung {name}",
                    fields=ExtractedFields(), ocr=False, signed=False, dpi=300)
    saved = store.save(ScanSubmission(original=path, original_sha256=hashlib.sha256(data).hexdigest(),
                                      media_type="application/pdf", file_name=path.name, folder="den",
                                      purpose=ScanPurpose.INCOMING, parts=(part,)), now=T0)
    return saved.scan_ids[0]


def _audit(db: Database, scan_id: int) -> list[tuple[str, str, dict[str, str]]]:
    rows = db.query("SELECT actor, action, detail FROM audit WHERE subject = ? ORDER BY id",
                    (f"scan:{scan_id}",))
    return [(r["actor"], r["action"], json.loads(r["detail"])) for r in rows]


def test_discard_and_restore_keep_the_scan_and_write_who_when_why(db: Database, blobs: BlobStore,
                                                                  tmp_path: Path) -> None:
    store = SqliteScanStore(db, blobs)
    wrong, kept = _save(store, tmp_path, "trang-trang"), _save(store, tmp_path, "cong-van")
    scan = store.queued(wrong)
    assert scan is not None and scan.state == "new" and store.count_queue() == 2

    store.discard(discard(scan, "  Trang   trắng ", actor=CLERK, at=T0 + timedelta(minutes=5)))
    assert [s.id for s in store.queue()] == [kept] and store.count_queue() == 1
    gone = store.queued(wrong)
    assert gone is not None and gone.state == "discarded"
    assert (gone.discard_reason, gone.discarded_by, gone.discarded_at) == ("Trang trắng", "vanthu",
                                                                          "2026-11-30T08:20:00+07:00")
    assert [s.id for s in store.discarded()] == [wrong] and store.count_discarded() == 1
    # nothing erased: the scan's file, its row and its text stay (evidence of what arrived)
    assert blobs.exists(gone.pdf_sha256) and gone.text == "nội dung trang-trang"
    detail = {"reason": "Trang trắng", "file": "trang-trang.pdf", "sha256": gone.pdf_sha256}
    assert _audit(db, wrong)[-1] == ("vanthu", "scan.discarded", detail)

    # a discarded scan is neither discarded again nor registered: 409 (IllegalTransition) with a code
    with pytest.raises(ScanNotQueued) as again:
        discard(gone, "Trùng", actor=CLERK, at=T0)
    assert again.value.code == "scan_discarded" and "đã bị loại bỏ" in again.value.message
    with pytest.raises(ScanNotQueued):  # the store refuses too (a second tab, a race)
        store.discard(ScanDiscard(wrong, "Trùng", "vanthu", T0))

    store.restore(restore(gone, actor=CLERK, at=T0 + timedelta(minutes=9)))
    back = store.queued(wrong)
    assert back is not None and back.state == "new" and back.discard_reason == ""
    assert {s.id for s in store.queue()} == {wrong, kept} and store.count_discarded() == 0
    assert _audit(db, wrong)[-1][:2] == ("vanthu", "scan.restored")
    with pytest.raises(ScanNotQueued) as not_discarded:
        restore(back, actor=CLERK, at=T0)
    assert not_discarded.value.code == "scan_not_discarded"

    # discarded a second time: the history keeps both, one open at a time
    store.discard(discard(back, "Bản trùng với bản quét số 2", actor=CLERK, at=T0 + timedelta(hours=1)))
    rows = store.discards_of(wrong)
    assert [(r["reason"], r["restored_by"]) for r in rows] == [("Trang trắng", "vanthu"),
                                                               ("Bản trùng với bản quét số 2", None)]
    assert [a for _, a, _ in _audit(db, wrong)] == ["scan.discarded", "scan.restored", "scan.discarded"]
    with db.read() as conn:
        assert verify_audit(conn).ok


def test_the_rules_refuse_the_wrong_person_no_reason_and_a_registered_scan(db: Database, blobs: BlobStore,
                                                                          tmp_path: Path) -> None:
    store = SqliteScanStore(db, blobs)
    scan_id = _save(store, tmp_path, "don")
    scan = store.queued(scan_id)
    assert scan is not None
    for who in (LEADER, ADMIN):  # the văn thư's queue: not the leader's, not the IT admin's
        with pytest.raises(NotPermitted):
            discard(scan, "Quét nhầm", actor=who, at=T0)
    with pytest.raises(ReasonRequired) as empty:
        discard(scan, "   ", actor=CLERK, at=T0)
    assert empty.value.message.startswith("Cần nêu lý do loại bỏ bản quét")

    db.write(lambda d: d.execute("UPDATE scan SET state = 'confirmed' WHERE id = ?", (scan_id,)))
    registered = store.queued(scan_id)
    assert registered is not None
    with pytest.raises(ScanNotQueued) as refused:
        discard(registered, "Quét nhầm", actor=CLERK, at=T0)
    assert refused.value.code == "scan_registered"
    with pytest.raises(ScanNotQueued):
        store.discard(ScanDiscard(scan_id, "Quét nhầm", "vanthu", T0))
    assert store.count_discarded() == 0 and _audit(db, scan_id) == []
