"""Search over văn bản đến / đi and scans: folding, the exact-diacritics option, filters, counts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from node.domain.accounts import Role
from node.domain.clock import FixedClock
from node.domain.documents import Actor, Channel, DocumentMetadata, Organ
from node.domain.incoming import receive
from node.domain.listing import SearchFilters
from node.store.blobs import BlobStore
from node.store.db import Database
from node.store.documents import SqliteDocuments
from node.store.search import SqliteSearchIndex, contains_words, index_text
from tests.search.support import NOW, add_in, add_out


@pytest.fixture(params=["small-set", "fts-first"])
def idx(db: Database, request: pytest.FixtureRequest) -> SqliteSearchIndex:
    """Both ways a filtered search runs: few filtered documents checked word by word, or the FTS
    matches walked and joined (what a big store does when the filters leave many documents)."""
    index = SqliteSearchIndex(db)
    if request.param == "fts-first":
        index.SMALL_SET = 0
    return index


def refs(hits: list) -> list[str]:
    return sorted(h.ref for h in hits)


def test_folded_queries_and_the_acceptance_cases(db: Database, idx: SqliteSearchIndex) -> None:
    a = add_in(db, "Triển khai văn bản điện tử trong cơ quan nhà nước", issuer="UBND thành phố Đà Nẵng")
    b = add_in(db, "Kế hoạch phòng chống lụt bão", issuer="Sở Nông nghiệp")
    assert refs(idx.search("van ban dien tu")) == [f"in:{a}"]
    assert refs(idx.search("da nang")) == [f"in:{a}"]  # the issuer is in the indexed text
    assert refs(idx.search("Đà Nẵng")) == [f"in:{a}"]
    assert refs(idx.search("ĐIỆN TỬ")) == [f"in:{a}"]
    assert refs(idx.search("lut bao")) == [f"in:{b}"]
    assert refs(idx.search("phong ch")) == [f"in:{b}"]  # the last word is a prefix
    hit = idx.search("dien tu")[0]
    assert hit.kind == "in" and hit.url == f"/van-ban-den/{a}" and hit.issuer_name == "UBND thành phố Đà Nẵng"
    assert hit.state_label == "Chờ tiếp nhận" and hit.kind_label == "Văn bản đến" and hit.day == "2026-03-02"
    assert idx.search("") == [] and idx.search("  ,;  ") == [] and idx.search('"; DROP TABLE x --') == []


def test_exact_keeps_marks(db: Database, idx: SqliteSearchIndex) -> None:
    a = add_in(db, "Lịch làm việc với Đà Nẵng")
    b = add_in(db, "Kế hoạch dã ngoại, đào tạo kỹ năng")  # "dã" and "năng": folded hits, exact misses
    c = add_in(db, "Hội nghị tại Da Nang (viết không dấu)")
    exact = SearchFilters(exact=True)
    assert refs(idx.search("da nang")) == sorted([f"in:{a}", f"in:{b}", f"in:{c}"])
    assert refs(idx.search("da nang", filters=exact)) == [f"in:{c}"]
    assert refs(idx.search("Đà Nẵng", filters=exact)) == [f"in:{a}"]
    assert refs(idx.search("đà nẵng", filters=exact)) == [f"in:{a}"]  # case does not matter
    assert refs(idx.search("Đà Nẵ", filters=exact)) == [f"in:{a}"]  # last word a prefix, marks kept
    assert idx.count("da nang", filters=exact) == 1 and idx.count("Đà Nẵng", filters=exact) == 1
    assert idx.count("da nang") == 3
    assert refs(idx.search("dã năng", filters=exact)) == [f"in:{b}"]
    assert contains_words("Thành phố ĐÀ NẴNG", ["đà", "nẵng"])
    assert not contains_words("Thành phố Đà Nẵng", ["da", "nang"])
    assert not contains_words("Đàn ông", ["đà", "ông"])  # whole words, not inside another word


def test_filters_join_the_document_rows(db: Database, idx: SqliteSearchIndex) -> None:
    a = add_in(db, "Báo cáo tài chính quý I", issuer="Sở Tài chính", type_name="Báo cáo", state="accepted",
               register="den", received="2026-03-02T09:00:00+07:00")
    b = add_in(db, "Báo cáo tài chính quý II", issuer="Kho bạc Nhà nước", type_name="Báo cáo",
               state="done", received="2026-06-15T09:00:00+07:00")
    c = add_in(db, "Công văn về tài chính", issuer="Sở Tài chính", type_name="Công văn",
               received="2026-04-01T09:00:00+07:00")
    o = add_out(db, "Báo cáo tài chính năm", type_name="Báo cáo", state="published", register="di",
                created="2026-05-01T09:00:00+07:00")
    db.write(lambda d: index_text(d, kind="scan", ref="9", title="Bản quét", body="tài chính", now=NOW))
    q = "tai chinh"
    assert len(idx.search(q)) == 5
    assert refs(idx.search(q, kinds=("in",))) == sorted(f"in:{x}" for x in (a, b, c))
    assert refs(idx.search(q, filters=SearchFilters(kinds=("out", "scan")))) == ["9", f"out:{o}"]
    assert refs(idx.search(q, filters=SearchFilters(type_name="Báo cáo"))) == sorted(
        [f"in:{a}", f"in:{b}", f"out:{o}"])
    assert refs(idx.search(q, filters=SearchFilters(issuer="so tai chinh"))) == sorted([f"in:{a}", f"in:{c}"])
    assert refs(idx.search(q, filters=SearchFilters(issuer="không có ai"))) == []
    spring = SearchFilters(date_from=date(2026, 3, 2), date_to=date(2026, 4, 1))
    assert refs(idx.search(q, filters=spring)) == sorted([f"in:{a}", f"in:{c}"])  # both ends included
    assert refs(idx.search(q, filters=SearchFilters(date_from=date(2026, 4, 2)))) == sorted(
        [f"in:{b}", f"out:{o}"])
    assert refs(idx.search(q, filters=SearchFilters(state="done"))) == [f"in:{b}"]
    assert refs(idx.search(q, filters=SearchFilters(register_code="di"))) == [f"out:{o}"]
    both = SearchFilters(issuer="Tài chính", type_name="Báo cáo", date_to=date(2026, 3, 31))
    assert refs(idx.search(q, filters=both)) == [f"in:{a}"] and idx.count(q, filters=both) == 1
    assert idx.count(q) == 5 and idx.count(q, cap=2) == 2
    assert [h.ref for h in idx.search(q, limit=2)] + [h.ref for h in idx.search(q, limit=3, offset=2)] == [
        h.ref for h in idx.search(q, limit=5)]


def test_newest_first_or_titles_first(db: Database, idx: SqliteSearchIndex) -> None:
    title = add_in(db, "Kế hoạch chuyển đổi số năm 2026")
    body = add_in(db, "Giấy mời họp", text="Nội dung nói về chuyển đổi số của phường.")
    assert [h.ref for h in idx.search("chuyen doi so")] == [f"in:{body}", f"in:{title}"]
    assert [h.ref for h in idx.search("chuyen doi so", order="rank")] == [f"in:{title}", f"in:{body}"]
    assert [h.ref for h in idx.search("chuyen doi so", order="rank", offset=1)] == [f"in:{body}"]
    assert "chuyển đổi số" in idx.search("chuyen doi so")[0].snippet
    # the last word as a one-letter prefix (prefix index)
    assert [h.ref for h in idx.search("chuyen doi s")] == [f"in:{body}", f"in:{title}"]


def test_documents_created_by_the_document_store_are_found(tmp_path: Path, db: Database,
                                                           idx: SqliteSearchIndex) -> None:
    docs = SqliteDocuments(db, BlobStore(tmp_path / "blobs").open(), FixedClock(NOW))
    meta = DocumentMetadata(type_name="Công văn", subject="Về việc triển khai văn bản điện tử",
                            issuer=Organ("000.00.01.H26", "UBND thành phố Đà Nẵng"), code_number="12",
                            code_notation="UBND-VP", issued_date=date(2026, 3, 1))
    text = "Toàn văn: đề nghị các cơ quan Đà Nẵng thực hiện."
    doc = docs.create_incoming(lambda ref: receive(ref, meta, channel=Channel.PAPER, sender=meta.issuer,
                                                   at=NOW), text=text)
    hits = idx.search("van ban dien tu")
    assert [h.ref for h in hits] == [doc.ref] and hits[0].url == f"/van-ban-den/{doc.ref.split(':')[1]}"
    assert hits[0].code == "12/UBND-VP" and hits[0].type_name == "Công văn"
    narrow = SearchFilters(issuer="đà nẵng", state="received")
    assert [h.ref for h in idx.search("da nang", filters=narrow)] == [doc.ref]
    assert [h.ref for h in idx.search("Đà Nẵng", filters=SearchFilters(exact=True))] == [doc.ref]
    assert idx.search("da nang", filters=SearchFilters(exact=True)) == []


def test_secret_documents_are_found_only_by_those_who_may_open_them(db: Database,
                                                                    idx: SqliteSearchIndex) -> None:
    word = "thanhlongmat"
    open_in = add_in(db, f"Công văn thường {word}")
    secret_in = add_in(db, "Văn bản đến mật", text=f"nội dung {word}", secrecy=1,
                       assignees=(("user", "lan", True, None), ("unit", "3", False, None)))
    secret_out = add_out(db, "Dự thảo mật", text=f"nội dung {word}", secrecy=1, author="minh",
                         reviewers=("hoa",))
    db.write(lambda d: index_text(d, kind="scan", ref="5", title="Bản quét", body=word, now=NOW))
    db.write(lambda d: index_text(d, kind="dossier", ref="000.00.01.H26.2026.01VP", title="Hồ sơ",
                                  body=word, now=NOW))

    def found(who: str, *roles: Role, unit: int | None = None, **filters: object) -> list[str]:
        reader = Actor(who, frozenset(roles), unit_id=unit)
        return refs(idx.search(word, filters=SearchFilters(reader=reader, **filters)))  # type: ignore[arg-type]

    everything = sorted([f"in:{open_in}", f"in:{secret_in}", f"out:{secret_out}", "5",
                         "000.00.01.H26.2026.01VP"])
    assert found("vanthu", Role.CLERK) == everything and found("lanhdao", Role.LEADER) == everything
    assert refs(idx.search(word)) == everything  # no reader: internal use, no restriction
    public = [f"in:{open_in}", "000.00.01.H26.2026.01VP"]
    assert found("khac", Role.SPECIALIST) == sorted(public)
    assert found("admin", Role.ADMIN) == sorted(public)  # IT administrators are not given secrets
    assert found("lan", Role.SPECIALIST) == sorted([*public, f"in:{secret_in}"])  # the lead assignee
    assert found("ai", Role.SPECIALIST, unit=3) == sorted([*public, f"in:{secret_in}"])  # their unit
    assert found("minh", Role.SPECIALIST) == sorted([*public, f"out:{secret_out}"])  # the drafter
    assert found("hoa", Role.SPECIALIST) == sorted([*public, f"out:{secret_out}"])  # a reviewer
    # with document filters (per-table branches) the same rule holds
    assert found("khac", Role.SPECIALIST, type_name="Công văn") == [f"in:{open_in}"]
    assert found("lan", Role.SPECIALIST, type_name="Công văn") == sorted([f"in:{open_in}", f"in:{secret_in}"])
    assert found("khac", Role.SPECIALIST, kinds=("scan",)) == []
    reader = Actor("khac", frozenset({Role.SPECIALIST}))
    assert idx.count(word, filters=SearchFilters(reader=reader)) == 2
