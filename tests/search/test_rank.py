""""Phù hợp nhất": bm25 computed here over the newest matches (the same numbers as FTS5's
bm25(search_fts, 5.0, 1.0) on a store within the sample), the best match first even when it is
old, the window, the last word's prefix named word by word; discarded scans never found."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path

from node.domain.accounts import Role
from node.domain.clock import VN_TZ
from node.domain.documents import Actor
from node.domain.fields import ExtractedFields
from node.domain.listing import SearchFilters
from node.domain.scanning import ScanDiscard, ScanPart, ScanPurpose, ScanRestore, ScanSubmission
from node.store.blobs import BlobStore
from node.store.db import Database
from node.store.scans import SqliteScanStore
from node.store.search import PREFIX_WORDS, SqliteSearchIndex, match_expression
from tests.search.support import add_in

SUBJECTS = [
    ("Dự toán ngân sách nhà nước năm 2026", "Kinh phí từ nguồn ngân sách được giao"),
    ("Kế hoạch nước sạch nông thôn", "Cung cấp nước sạch cho hộ nghèo"),
    ("Về việc triển khai văn bản điện tử", "Ứng dụng văn bản điện tử trong cơ quan nhà nước"),
    ("Giấy mời họp giao ban", "Thời gian: 08 giờ 00, địa điểm: hội trường"),
    ("Báo cáo kết quả thu ngân sách quý I", "Số liệu ngân sách tính đến ngày 30 tháng 3, ngân sách xã"),
    ("Về việc chuyển đổi số", "Chuyển đổi số trong công tác văn thư, văn bản điện tử, sách điện tử"),
    ("Kế hoạch phòng cháy, chữa cháy", "Tăng cường kiểm tra, giám sát"),
    ("Về việc mua sách giáo khoa", "Sách tham khảo, sách giáo khoa năm học mới, ngân sách phường"),
    ("Thông báo kết luận", "Nghị quyết của Hội đồng nhân dân về ngân sách địa phương"),
    ("Về việc nghiêm túc thực hiện", "Nông nghiệp, nghỉ phép, nghị định"),
]


def test_ranked_as_fts5_bm25_ranks_them(db: Database) -> None:
    for n, (subject, text) in enumerate(SUBJECTS * 3):
        add_in(db, subject if n < 10 else f"Công văn số {n}", text=text if n % 3 else f"{text}. {subject}")
    idx = SqliteSearchIndex(db)
    conn = db.reader()
    for q in ("ngan sach", "ngan sac", "van ban dien tu", "sach", "ke hoach", "chuyen doi s", "nghi", "nuoc"):
        expected = [(r[0], r[1]) for r in conn.execute(
            "SELECT d.ref, bm25(search_fts, 5.0, 1.0) AS r FROM search_fts JOIN search_doc d"
            " ON d.id = search_fts.rowid WHERE search_fts MATCH ? ORDER BY r, d.id DESC",
            (match_expression(q),))]
        hits = idx.search(q, order="rank", limit=100)
        assert [h.ref for h in hits] == [ref for ref, _ in expected], q
        for h, (_, score) in zip(hits, expected, strict=True):
            assert abs(h.rank - score) <= 1e-9 * max(1.0, abs(score)), (q, h.ref)


def test_the_best_match_comes_first_even_when_old(db: Database) -> None:
    best = add_in(db, "Dự toán ngân sách năm 2026", received="2026-01-05T09:00:00+07:00",
                  text="Ngân sách phường: thu ngân sách, chi ngân sách")
    newer = [add_in(db, f"Giấy mời họp số {n}", received=f"2026-02-{n + 1:02d}T09:00:00+07:00",
                    text="Kinh phí từ nguồn ngân sách được giao") for n in range(25)]
    idx = SqliteSearchIndex(db)
    assert [h.ref for h in idx.search("ngan sach")][:2] == [f"in:{newer[-1]}", f"in:{newer[-2]}"]
    first = idx.search("ngan sach", order="rank")
    assert first[0].ref == f"in:{best}" and first[0].rank < first[1].rank
    second = idx.search("ngan sach", order="rank", offset=20)
    ranked = [h.ref for h in first + second]
    assert len(ranked) == 26 and set(ranked) == {f"in:{best}", *(f"in:{n}" for n in newer)}
    # only the newest rank_window matches are ranked (the page says so): the old best one is not
    idx.rank_window = 10
    window = idx.search("ngan sach", order="rank", limit=100)
    assert {h.ref for h in window} == {f"in:{n}" for n in newer[-10:]}


def test_the_last_word_is_still_a_prefix(db: Database) -> None:
    a = add_in(db, "Nghị quyết về ngân sách")
    b = add_in(db, "Nghiêm túc thực hiện")
    c = add_in(db, "Phát triển nông nghiệp")
    d = add_in(db, "Đơn xin nghỉ phép")
    many = [add_in(db, f"Mã số mahoa{n}") for n in range(PREFIX_WORDS + 2)]  # more words than named
    plain = add_in(db, "Mã số mahoa")
    idx = SqliteSearchIndex(db)
    conn = db.reader()

    def raw(q: str) -> set[str]:
        return {r[0] for r in conn.execute("SELECT d.ref FROM search_fts JOIN search_doc d"
                                           " ON d.id = search_fts.rowid WHERE search_fts MATCH ?",
                                           (match_expression(q),))}

    cases = {"nghi": {a, b, c, d}, "nghie": {b, c}, "nghiem": {b}, "nghiep": {c}, "nghiepx": set(),
             "ngan sach": {a}, "mahoa": {*many, plain}, "mahoa1": {many[1]}, "so mahoa": {*many, plain}}
    for q, ids in cases.items():
        want = {f"in:{i}" for i in ids}
        assert raw(q) == want, q  # FTS5's own prefix match
        for order in ("newest", "rank"):
            assert {h.ref for h in idx.search(q, order=order, limit=100)} == want, (q, order)
        assert idx.count(q) == len(want), q
    # the vocabulary lives in the reader's temp schema: the backups count every table's rows, and
    # counting an fts5vocab table reads every word of every document
    assert db.query("SELECT name FROM sqlite_master WHERE sql LIKE '%fts5vocab%'") == []
    assert db.query("PRAGMA query_only")[0][0] == 1  # the reader stays read-only


def _scan(store: SqliteScanStore, tmp_path: Path, name: str, text: str) -> int:
    data = b"%PDF-1.7\n% " + name.encode() + b"\n%%EOF\n"
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    part = ScanPart(index=0, pdf=path, pdf_is_original=True, pages=1, text=text, fields=ExtractedFields(),
                    ocr=False, signed=False, dpi=300)
    saved = store.save(ScanSubmission(original=path, original_sha256=hashlib.sha256(data).hexdigest(),
                                      media_type="application/pdf", file_name=path.name, folder="den",
                                      purpose=ScanPurpose.INCOMING, parts=(part,)),
                       now=datetime(2026, 11, 30, 8, tzinfo=VN_TZ))
    return saved.scan_ids[0]


def test_discarded_scans_are_not_found_until_restored(db: Database, blobs: BlobStore, tmp_path: Path) -> None:
    scans = SqliteScanStore(db, blobs)
    live = _scan(scans, tmp_path, "de-dieu-1", "Công văn về đê điều mùa mưa bão")
    gone = _scan(scans, tmp_path, "de-dieu-2", "Bản quét hỏng: công văn về đê điều")
    doc = add_in(db, "Kế hoạch kiểm tra đê điều")
    idx = SqliteSearchIndex(db)
    clerk = SearchFilters(reader=Actor("vanthu", frozenset({Role.CLERK})))
    at = datetime(2026, 11, 30, 9, tzinfo=VN_TZ)

    def found(**kw: object) -> set[str]:
        return {h.ref for h in idx.search("de dieu", filters=clerk, **kw)}  # type: ignore[arg-type]

    assert found() == {str(live), str(gone), f"in:{doc}"}
    scans.discard(ScanDiscard(gone, "Bản quét hỏng", "vanthu", at))
    assert found() == {str(live), f"in:{doc}"} and idx.count("de dieu", filters=clerk) == 2
    assert found(order="rank") == {str(live), f"in:{doc}"}
    assert found(kinds=("scan",)) == {str(live)}
    assert {h.ref for h in idx.search("hong cong van")} == set()  # its own words find nothing either
    assert [s.id for s in scans.discarded()] == [gone]  # still listed at /so-hoa/da-loai-bo
    scans.restore(ScanRestore(gone, "vanthu", at + timedelta(minutes=1)))
    assert found() == {str(live), str(gone), f"in:{doc}"} and idx.count("de dieu", filters=clerk) == 3
